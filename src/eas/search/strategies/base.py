"""What every search strategy is: it proposes an episode's children and learns from their trials.

Proposals are deterministic functions of (seed, episode, stored state), so a resumed run proposes
exactly what the interrupted one had proposed and stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eas.search.config import SearchConfig
from eas.search.run import Network
from eas.search.seeds import episode_seed
from eas.search.trial import Trial
from eas.spec import Edit


@dataclass(frozen=True)
class Proposal:
    """One child to evaluate: a parent network and the edits that turn it into the child."""

    parent: Network
    edits: tuple[Edit, ...]
    decisions: Any = None


@dataclass
class SearchContext:
    """What strategies may read: the config, the start network and the best network so far."""

    config: SearchConfig
    start: Network
    best_network: Callable[[], Network]


class Strategy(ABC):
    """Base class of `rl`, `random` and `hillclimb`."""

    name = "base"

    def __init__(self, config: SearchConfig) -> None:
        self.config = config

    @abstractmethod
    def propose(self, episode: int, context: SearchContext) -> list[Proposal]:
        """The children of `episode` (a batch of `networks_per_episode`)."""

    def observe(self, episode: int, trials: list[Trial], rewards: list[float | None]) -> dict[str, float]:
        """Learn from a finished episode; returns figures for the episode table (none by default)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume (nothing for stateless strategies)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        del state  # stateless strategies have nothing to restore

    def episode_seed(self, episode: int) -> int:
        """A seed for the episode's own random choices, so proposals never depend on earlier draws."""
        return episode_seed(self.config.seed, episode)
