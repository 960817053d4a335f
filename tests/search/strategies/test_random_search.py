"""`random`: uniform edits, always from the start network, legal on it."""

from __future__ import annotations

from eas.search.strategies import make_strategy
from eas.spec import edited_spec
from tests.search.conftest import toy_config
from tests.search.strategies.helpers import START, context


def test_random_children_grow_the_start_network_legally() -> None:
    config = toy_config("npz:unused", strategy="random", wider_actions=1, deeper_actions=2)
    proposals = make_strategy(config).propose(0, context(config))
    assert all(p.parent is START for p in proposals)
    for proposal in proposals:
        child = edited_spec(START.spec, proposal.edits)  # raises if an edit were illegal
        assert sum(edit.kind == "deepen" for edit in proposal.edits) == 2
        assert len(child.layers) == len(START.spec.layers) + 2
