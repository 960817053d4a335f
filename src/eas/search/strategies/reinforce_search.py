"""`rl`: EAS itself. The meta-controller samples each child's wider and deeper decisions from the start
network and learns from the children's validation accuracy with REINFORCE."""

from __future__ import annotations

from typing import Any

import torch

from eas.controller import Controller, ReinforceTrainer, decision_from_dict, decisions_to_edits
from eas.search.config import SearchConfig
from eas.search.strategies.base import Proposal, SearchContext, Strategy
from eas.search.trial import Trial
from eas.spec import Spec


class ReinforceStrategy(Strategy):
    """The EAS meta-controller trained with REINFORCE, one update per episode.

    The controller's tensors are tiny; it runs on whatever threads the process that owns it set.
    """

    name = "rl"

    def __init__(self, config: SearchConfig) -> None:
        super().__init__(config)
        self.controller = Controller(config.controller, config.action_space)
        self.trainer = ReinforceTrainer(self.controller)
        self.start_spec: Spec | None = None

    def propose(self, episode: int, context: SearchContext) -> list[Proposal]:
        """Sample `networks_per_episode` episodes of decisions from the start network."""
        self.start_spec = context.start.spec
        generator = torch.Generator().manual_seed(self.episode_seed(episode))
        proposals = []
        # Log-probabilities are recomputed with grad at update time, so sampling needs none.
        with torch.no_grad():
            for _ in range(self.config.networks_per_episode):
                sampled = self.controller.sample_episode(
                    context.start.spec, self.config.wider_actions, self.config.deeper_actions, generator
                )
                decisions = list(sampled.decisions)
                edits = decisions_to_edits(context.start.spec, decisions, self.config.action_space)
                proposals.append(Proposal(context.start, tuple(edits), [d.to_dict() for d in decisions]))
        return proposals

    def observe(self, episode: int, trials: list[Trial], rewards: list[float | None]) -> dict[str, float]:
        """One REINFORCE update on the episode's children (failed children are left out)."""
        assert self.start_spec is not None, "propose() must run before observe()"
        used = [(trial, value) for trial, value in zip(trials, rewards, strict=True) if value is not None]
        if not used:
            return {}
        decisions = [[decision_from_dict(item) for item in trial.decisions or []] for trial, _ in used]
        stats = self.trainer.update(self.start_spec, decisions, [value for _, value in used])
        return {"baseline": stats.baseline, "loss": stats.loss, "entropy": stats.mean_entropy}

    def state_dict(self) -> dict[str, Any]:
        """Controller, optimizer and baseline."""
        return {"trainer": self.trainer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict` (an empty dict means a new run)."""
        if state:
            self.trainer.load_state_dict(state["trainer"])
