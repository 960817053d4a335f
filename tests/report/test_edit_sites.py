"""Naming the place each edit changes and counting edits per site and episode."""

from __future__ import annotations

from pathlib import Path

from eas.report.data import load_run
from eas.report.edit_sites import count_edits, edit_site
from eas.search.trial import Trial
from eas.spec import Edit, parse_spec

PLAIN = "conv-16-3 conv-16-3 pool conv-32-3 gap fc-64"
DENSE = "densenet-bc stem8 g4 g4 t8 g4"


def test_plain_sites_name_block_and_position_or_block_and_kernel() -> None:
    spec = parse_spec(PLAIN)
    assert edit_site(spec, Edit.widen(1, 32))[1] == "block 0 layer 1"
    assert edit_site(spec, Edit.widen(3, 64))[1] == "block 1 layer 0"
    assert edit_site(spec, Edit.widen(5, 128))[1] == "fc layer 0"
    assert edit_site(spec, Edit.deepen(3, 5))[1] == "block 1 k=5"
    assert edit_site(spec, Edit.deepen(5, None))[1] == "fc block"


def test_dense_sites_name_stem_units_transitions_and_copies() -> None:
    spec = parse_spec(DENSE)
    assert edit_site(spec, Edit.widen(0, 12))[1] == "stem"
    assert edit_site(spec, Edit.widen(2, 6))[1] == "block 0 unit 1"
    assert edit_site(spec, Edit.widen(3, 12))[1] == "transition 0"
    assert edit_site(spec, Edit.deepen(4, None))[1] == "block 1 copy"


def test_later_edits_of_a_trial_are_named_in_the_spec_the_earlier_ones_made() -> None:
    # After inserting a layer behind layer 0, index 2 is the old layer 1: still block 0, now position 2.
    edits = (Edit.deepen(0, 3), Edit.widen(2, 32), Edit.widen(4, 64))
    child = Trial(0, 0, "x", parse_spec(PLAIN).to_json(), edits=edits, parent_arch=PLAIN)
    counts = count_edits([child])
    assert counts["deepen"].counts == {("block 0 k=3", 0): 1}
    assert counts["widen"].counts == {("block 0 layer 2", 0): 1, ("block 1 layer 0", 0): 1}
    assert counts["widen"].sites == ("block 0 layer 2", "block 1 layer 0")


def test_every_stored_edit_of_a_run_is_counted_once(rl_run: Path) -> None:
    run = load_run(rl_run)
    children = [t for t in run.trials if t.is_child]
    counts = count_edits(run.trials)
    for kind in ("widen", "deepen"):
        expected = sum(1 for t in children for edit in t.edits if edit.kind == kind)
        assert counts[kind].total() == expected
    assert counts["widen"].episodes == (0, 1)
    assert counts["widen"].total() + counts["deepen"].total() > 0
