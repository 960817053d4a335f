"""`hillclimb`: NASH-style hill climbing (Elsken et al. 2017) with the same transforms.

Every episode takes the best network found so far, fine-tuned weights included, and proposes children
with a few random edits each; the best child becomes the next parent when it beats its parent.
"""

from __future__ import annotations

import random

from eas.search.sampling import sample_uniform_edits
from eas.search.strategies.base import Proposal, SearchContext, Strategy


class HillClimbStrategy(Strategy):
    """Children of the best network so far, `hillclimb_wider_actions` + `hillclimb_deeper_actions` each."""

    name = "hillclimb"

    def propose(self, episode: int, context: SearchContext) -> list[Proposal]:
        """A batch of random children of the current best network."""
        rng = random.Random(self.episode_seed(episode))
        parent = context.best_network()
        space = self.config.action_space
        proposals = []
        for _ in range(self.config.networks_per_episode):
            edits = sample_uniform_edits(
                parent.spec, space, self.config.hillclimb_wider_actions, self.config.hillclimb_deeper_actions, rng
            )
            proposals.append(Proposal(parent, tuple(edits)))
        return proposals
