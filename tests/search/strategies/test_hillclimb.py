"""`hillclimb`: children of the best network so far, with few edits each."""

from __future__ import annotations

from eas.search import Network
from eas.search.strategies import make_strategy
from eas.spec import NetSpec
from tests.search.conftest import toy_config
from tests.search.strategies.helpers import context


def test_hillclimb_grows_the_best_network() -> None:
    config = toy_config("npz:unused", strategy="hillclimb", hillclimb_wider_actions=0, hillclimb_deeper_actions=1)
    best = Network(NetSpec.parse("conv-8-3 pool conv-8-3 gap", (1, 12, 12), 4), {}, 7, 0.9)
    proposals = make_strategy(config).propose(0, context(config, best))
    assert all(p.parent is best for p in proposals)
    assert all(len(p.edits) == 1 and p.edits[0].kind == "deepen" for p in proposals)
