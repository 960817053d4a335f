"""`random`: the paper's baseline, the same edits as EAS drawn uniformly, from the start network."""

from __future__ import annotations

import random

from eas.search.sampling import sample_uniform_edits
from eas.search.strategies.base import Proposal, SearchContext, Strategy


class RandomStrategy(Strategy):
    """Each child: `wider_actions` uniform wider steps then `deeper_actions` uniform deeper steps."""

    name = "random"

    def propose(self, episode: int, context: SearchContext) -> list[Proposal]:
        """A batch of uniformly random children of the start network."""
        rng = random.Random(self.episode_seed(episode))
        space = self.config.action_space
        return [
            Proposal(
                context.start,
                tuple(
                    sample_uniform_edits(
                        context.start.spec, space, self.config.wider_actions, self.config.deeper_actions, rng
                    )
                ),
            )
            for _ in range(self.config.networks_per_episode)
        ]
