"""bench/growth_frontier.py: the Net2Wider edits of a grown job, and its refusal of networks it cannot grow."""

from __future__ import annotations

import pytest

from eas.spec import parse_spec


def test_half_width_widens_into_the_hand_designed_network(frontier) -> None:
    half, hand = (parse_spec(frontier.NETWORKS[name]) for name in ("half", "hand"))
    edits = frontier.widen_to(half, hand)
    assert {(edit.kind, edit.index, edit.value) for edit in edits} == {
        ("widen", index, goal.width) for index, goal in enumerate(hand.layers) if goal.width
    }


def test_networks_of_another_shape_or_narrower_are_refused(frontier) -> None:
    half, hand = (parse_spec(frontier.NETWORKS[name]) for name in ("half", "hand"))
    with pytest.raises(ValueError, match="same layers and kernels"):
        frontier.widen_to(half, parse_spec("conv-32-3 pool conv-64-3 gap fc-128"))
    with pytest.raises(ValueError, match="narrower"):
        frontier.widen_to(hand, half)
