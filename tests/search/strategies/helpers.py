"""A start network and a context for the strategy tests (no data: strategies only propose)."""

from __future__ import annotations

from eas.search import Network, SearchConfig
from eas.search.strategies import SearchContext
from eas.spec import NetSpec

SPEC = NetSpec.parse("conv-4-3 pool conv-8-3 gap", (1, 12, 12), 4)
START = Network(SPEC, {}, None, 0.5)


def context(config: SearchConfig, best: Network = START) -> SearchContext:
    """A context whose best network so far is `best`."""
    return SearchContext(config, START, lambda: best)
