"""bench/flip_average.py: which folders it scores, the paired summary, and the check against recorded figures."""

from __future__ import annotations

from pathlib import Path

import torch

from eas.build import build_model
from eas.data import DatasetInfo, Split
from eas.export import TrainedNetwork
from eas.spec import parse_spec
from eas.train import evaluate, evaluate_with_flips
from tests.export.conftest import ARCH, write_checkpoint


def scores(module, plain: float, flipped: float, recorded: float | None = None, name: str = "network"):
    """A row of bench/flip_average.py (`module`) for a 1,000-parameter network."""
    return module.Scores(name, 1000, recorded, plain, flipped)


def test_it_finds_run_directories_with_a_final_network_and_checkpoint_folders(flip_average, tmp_path: Path) -> None:
    write_checkpoint(tmp_path / "c-seed0", ARCH, (1, 8, 8), {})
    run = tmp_path / "l-seed0"
    (run / "final").mkdir(parents=True)
    (run / "config.json").write_text("{}")
    (run / "trials.sqlite").write_bytes(b"")
    write_checkpoint(run / "final", ARCH, (1, 8, 8), {})
    unfinished = tmp_path / "l-seed1"  # a run killed before its final training
    unfinished.mkdir()
    (unfinished / "config.json").write_text("{}")
    (unfinished / "trials.sqlite").write_bytes(b"")
    (tmp_path / "c-seed0.out").write_text("printed output, not a folder")
    (tmp_path / "empty").mkdir()
    assert flip_average.trained_networks(tmp_path) == [tmp_path / "c-seed0", run]


def test_a_network_is_scored_plainly_and_with_its_mirror_images(flip_average) -> None:
    info = DatasetInfo("mirrored", (1, 8, 8), 4, (0.4,), (0.2,), 0, True)
    spec = parse_spec(ARCH, (1, 8, 8), 4)
    model = build_model(spec, seed=0)
    generator = torch.Generator().manual_seed(0)
    test = Split(torch.randint(0, 256, (40, 1, 8, 8), dtype=torch.uint8, generator=generator), torch.arange(40) % 4)
    trained = TrainedNetwork(spec, model.state_dict(), info, "seeded", 0.25)
    result = flip_average.score("seeded", trained, test)
    plain, flipped = evaluate_with_flips(model, test, info)
    assert result.plain == evaluate(model, test, info).accuracy == plain.accuracy
    assert result.flip_average == flipped.accuracy
    assert (result.name, result.parameters, result.recorded) == ("seeded", spec.num_params(), 0.25)


def test_the_summary_is_a_paired_test_worked_by_hand(flip_average) -> None:
    rows = [scores(flip_average, 0.90, 0.901), scores(flip_average, 0.91, 0.913), scores(flip_average, 0.92, 0.919)]
    lines = flip_average.summary(rows)
    assert lines[0] == "flip-averaged - plain over 3 networks: mean +0.100 points, 2 gained, 1 lost, 0 unchanged"
    # Differences 0.001, 0.003, -0.001: mean 0.001, standard deviation 0.002, t = 0.001 / (0.002 / sqrt 3) =
    # 0.866; with 2 degrees of freedom the two-sided p is 1 - t / sqrt(t^2 + 2) = 0.478.
    assert lines[1] == "paired t = 0.87, p = 0.478 (two-sided, 2 degrees of freedom)"


def test_one_network_or_equal_differences_give_no_t_test(flip_average) -> None:
    assert len(flip_average.summary([scores(flip_average, 0.9, 0.92)])) == 1
    same = [scores(flip_average, 0.5, 0.75), scores(flip_average, 0.25, 0.5)]
    assert flip_average.summary(same) == [
        "flip-averaged - plain over 2 networks: mean +25.000 points, 2 gained, 0 lost, 0 unchanged",
        "paired t undefined: every difference is +25",
    ]


def test_a_plain_score_other_than_the_recorded_one_is_flagged(flip_average) -> None:
    rows = [
        scores(flip_average, 0.9494, 0.95, recorded=0.9494, name="same"),
        scores(flip_average, 0.9494, 0.95, recorded=None, name="unrecorded"),
        scores(flip_average, 0.9494, 0.95, recorded=0.9499, name="other"),
    ]
    assert flip_average.mismatches(rows) == ["other: plain 94.94% but its metrics recorded 94.99%"]
