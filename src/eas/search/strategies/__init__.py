"""Search strategies: `rl` (EAS), `random` and `hillclimb`, behind one interface."""

from eas.search.config import SearchConfig
from eas.search.strategies.base import Proposal, SearchContext, Strategy
from eas.search.strategies.hillclimb import HillClimbStrategy
from eas.search.strategies.random_search import RandomStrategy
from eas.search.strategies.reinforce_search import ReinforceStrategy

STRATEGY_CLASSES: dict[str, type[Strategy]] = {
    "rl": ReinforceStrategy,
    "random": RandomStrategy,
    "hillclimb": HillClimbStrategy,
}


def make_strategy(config: SearchConfig) -> Strategy:
    """The strategy named by `config.strategy`."""
    return STRATEGY_CLASSES[config.strategy](config)


__all__ = [
    "STRATEGY_CLASSES",
    "HillClimbStrategy",
    "Proposal",
    "RandomStrategy",
    "ReinforceStrategy",
    "SearchContext",
    "Strategy",
    "make_strategy",
]
