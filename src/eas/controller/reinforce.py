"""REINFORCE for the meta-controller: a moving-average baseline and the update step (the reward itself,
tan(acc * pi/2), is the search's: `eas.search.reward`).

`ReinforceTrainer.state_dict` holds everything a resumed search needs to continue identically:
controller weights, Adam state, baseline and the controller's sampling generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from eas.controller.config import ControllerConfig
from eas.controller.decisions import Decision, Episode
from eas.controller.policy import Controller
from eas.spec import DenseNetSpec, NetSpec, Spec


class MovingAverageBaseline:
    """Exponential moving average of rewards; the first batch sets it to that batch's mean."""

    def __init__(self, decay: float = 0.95) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"baseline decay must be in [0, 1), got {decay}")
        self.decay = decay
        self.value: float | None = None

    def current(self, rewards: Sequence[float]) -> float:
        """The baseline to compare `rewards` against: the running value, or their mean before any update."""
        if self.value is not None:
            return self.value
        return sum(rewards) / len(rewards)

    def update(self, rewards: Sequence[float]) -> float:
        """Fold a batch in, one reward at a time in order; returns the new value."""
        if not rewards:
            raise ValueError("baseline update needs at least one reward")
        if self.value is None:
            self.value = sum(rewards) / len(rewards)
            return self.value
        value = self.value
        for item in rewards:
            value = self.decay * value + (1.0 - self.decay) * item
        self.value = value
        return value

    def state_dict(self) -> dict[str, Any]:
        """Decay and current value."""
        return {"decay": self.decay, "value": self.value}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Inverse of `state_dict`."""
        self.decay = float(state["decay"])
        self.value = None if state["value"] is None else float(state["value"])


@dataclass(frozen=True)
class UpdateStats:
    """One update: `baseline` is the value the advantages used, `next_baseline` the value after the batch."""

    loss: float
    mean_reward: float
    baseline: float
    next_baseline: float
    mean_advantage: float
    mean_entropy: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready fields."""
        return asdict(self)


class ReinforceTrainer:
    """Adam on -sum(log_prob * advantage)/batch - entropy_weight * sum(entropy)/batch, one step per batch."""

    def __init__(self, controller: Controller, config: ControllerConfig | None = None) -> None:
        self.controller = controller
        self.config = config if config is not None else controller.config
        self.optimizer = torch.optim.Adam(controller.parameters(), lr=self.config.learning_rate)
        self.baseline = MovingAverageBaseline(self.config.baseline_decay)
        self.updates = 0

    def update(
        self,
        start_specs: Spec | Sequence[Spec],
        episodes_decisions: Sequence[Sequence[Decision]],
        rewards: Sequence[float],
    ) -> UpdateStats:
        """One REINFORCE step on a batch of episodes (each replayed from its start spec) and their rewards.

        `rewards` are already rewards (see `reward`), not accuracies. The advantages use the baseline
        from before this batch; on the very first batch that is the batch mean, since a baseline of 0
        would turn tan-shaped rewards into one huge step.
        """
        batch = len(episodes_decisions)
        specs = [start_specs] * batch if isinstance(start_specs, NetSpec | DenseNetSpec) else list(start_specs)
        if batch == 0 or len(specs) != batch or len(rewards) != batch:
            raise ValueError(
                f"update needs one start spec and one reward per episode and at least one episode; got "
                f"{len(specs)} specs, {batch} episodes, {len(rewards)} rewards"
            )
        values = [float(item) for item in rewards]
        if not all(math.isfinite(item) for item in values):
            raise ValueError(f"rewards must be finite, got {values}")
        baseline = self.baseline.current(values)
        advantages = [item - baseline for item in values]

        log_prob_terms = []
        entropy_terms = []
        for spec, decisions, advantage in zip(specs, episodes_decisions, advantages, strict=True):
            log_prob, entropy = self.controller.score_episode(spec, decisions)
            log_prob_terms.append(log_prob * advantage)
            entropy_terms.append(entropy)
        policy_loss = -torch.stack(log_prob_terms).sum() / batch
        entropy_sum = torch.stack(entropy_terms).sum()
        loss = policy_loss - self.config.entropy_weight * entropy_sum / batch

        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        next_baseline = self.baseline.update(values)
        self.updates += 1
        return UpdateStats(
            loss=float(loss.item()),
            mean_reward=sum(values) / batch,
            baseline=baseline,
            next_baseline=next_baseline,
            mean_advantage=sum(advantages) / batch,
            mean_entropy=float(entropy_sum.item()) / batch,
        )

    def update_episodes(self, episodes: Sequence[Episode], rewards: Sequence[float]) -> UpdateStats:
        """`update` for sampled `Episode`s, each replayed from its own start spec."""
        return self.update(
            [episode.start_spec for episode in episodes], [episode.decisions for episode in episodes], rewards
        )

    def state_dict(self) -> dict[str, Any]:
        """Controller weights, optimizer, baseline, sampling generator, update count and config."""
        return {
            "controller": self.controller.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "baseline": self.baseline.state_dict(),
            "generator": self.controller.generator.get_state(),
            "updates": self.updates,
            "config": self.config.to_dict(),
            "vocabulary": list(self.controller.vocabulary.tokens),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict` (loads with `torch.load(..., weights_only=True)`)."""
        tokens = list(self.controller.vocabulary.tokens)
        if list(state["vocabulary"]) != tokens:
            raise ValueError(
                "controller checkpoint was made for another action space (its token vocabulary differs); "
                "resume with the same ActionSpace"
            )
        self.controller.load_state_dict(state["controller"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.baseline.load_state_dict(state["baseline"])
        self.controller.generator.set_state(state["generator"])
        self.updates = int(state["updates"])
