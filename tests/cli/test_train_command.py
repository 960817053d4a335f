"""`eas train` through `eas.cli.main` on a small `.npz` dataset."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from eas.build import build_model
from eas.checkpoint import load_checkpoint
from eas.cli import main
from eas.cli.common import epochs_text
from eas.data import DatasetInfo, load_dataset
from eas.spec import NetSpec
from tests.toy_data import write_toy_npz

ARCH = "conv-4-3 pool conv-8-3 gap fc-8"


def percent(output: str, label: str) -> float:
    match = re.search(rf"^{label}: (\d+\.\d\d)%", output, flags=re.MULTILINE)
    assert match is not None, f"no {label!r} line in:\n{output}"
    return float(match.group(1)) / 100


def test_train_writes_a_checkpoint_and_prints_accuracies(trained: tuple[Path, str, str]) -> None:
    out, dataset, output = trained
    assert sorted(path.name for path in out.iterdir()) == ["metrics.json", "spec.json", "weights.safetensors"]
    spec, state, metrics = load_checkpoint(out)
    assert spec == NetSpec.parse(ARCH, (1, 8, 8), 4)
    build_model(spec, state)  # the weights fit the spec exactly

    validation, test = percent(output, "validation accuracy"), percent(output, "test accuracy")
    assert 0.0 <= validation <= 1.0 and 0.0 <= test <= 1.0
    assert metrics["result"]["validation_accuracy"] == pytest.approx(validation, abs=5e-5)
    assert metrics["test_accuracy"] == pytest.approx(test, abs=5e-5)
    # The toy dataset is never flipped (its label is a quadrant), so it has no flip-averaged figure.
    assert metrics["flip_average_test_accuracy"] is None and "flip-averaged" not in output
    assert f"parameters: {spec.num_params():,}" in output
    assert metrics["arch"] == ARCH and metrics["dataset"] == dataset
    assert (metrics["parameters"], metrics["flops"]) == (spec.num_params(), spec.flops())
    assert metrics["validation_size"] == 20 and metrics["full_train"] is False
    assert metrics["result"]["status"] == "ok" and metrics["result"]["images_seen"] == 180
    assert metrics["train_config"]["epochs"] == 1
    # The input normalisation travels with the weights, so export and predict need no dataset.
    info = load_dataset(dataset, validation_size=20, seed=0).info
    assert DatasetInfo.from_dict(metrics["dataset_info"]) == info


def test_train_without_out_exits_2(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=200, test=40, size=8)}"
    assert main(["train", "--dataset", dataset, "--epochs", "1"]) == 2
    assert "--out is required" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["toy.npz"]


def test_train_with_a_bad_arch_exits_2(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=200, test=40, size=8)}"
    arguments = ["train", "--dataset", dataset, "--arch", "conv-4-4 gap", "--epochs", "1"]
    assert main([*arguments, "--out", str(tmp_path / "out")]) == 2
    assert "'conv-4-4'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_train_with_a_time_budget_sets_the_epochs_from_the_speed(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=200, test=40, size=8)}"
    arguments = ["train", "--dataset", dataset, "--arch", ARCH, "--time-budget", "3", "--validation-size", "20"]
    assert main([*arguments, "--random-erasing", "0.5", "--out", str(tmp_path / "out")]) == 0
    output = capsys.readouterr().out
    _, _, metrics = load_checkpoint(tmp_path / "out")
    assert metrics["train_config"]["time_budget"] is not None and metrics["train_config"]["random_erasing"] == 0.5
    planned = metrics["result"]["epochs_planned"]
    assert planned > 1 and metrics["result"]["epochs_completed"] == planned
    trained = metrics["result"]["epochs_trained"]
    assert planned - 1 < trained <= planned  # the last epoch may be partial
    assert f"{epochs_text(metrics['result'])};" in output


def test_an_output_folder_that_cannot_take_the_checkpoint_is_refused_before_training(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=200, test=40, size=8)}"
    arguments = ["train", "--dataset", dataset, "--arch", ARCH, "--epochs", "1"]

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained although the checkpoint could not be saved")

    monkeypatch.setattr("eas.train.train_and_test", no_training)
    (tmp_path / "a-file").write_text("not a folder")
    assert main([*arguments, "--out", str(tmp_path / "a-file" / "out")]) == 2
    assert "--out " + str(tmp_path / "a-file" / "out") + " cannot be written" in capsys.readouterr().err

    monkeypatch.setattr("eas.cli.common.shutil.disk_usage", lambda path: SimpleNamespace(free=1000))
    assert main([*arguments, "--out", str(tmp_path / "new" / "out")]) == 2
    error = capsys.readouterr().err
    assert "its disk has 0.0 MiB free and the checkpoint needs about" in error and "free some space" in error
    assert not (tmp_path / "new").exists()  # the check creates nothing


def test_train_refuses_an_out_folder_that_holds_a_checkpoint_unless_overwrite(
    trained: tuple[Path, str, str], capsys, monkeypatch
) -> None:
    out, dataset, _ = trained
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    arguments = ["train", "--dataset", dataset, "--arch", "conv-8-3 gap", "--epochs", "1", "--validation-size", "20"]

    def no_data(*args: object, **kwargs: object) -> None:
        raise AssertionError("the data was loaded before the output folder was checked")

    with monkeypatch.context() as patched:
        patched.setattr("eas.data.load_dataset", no_data)
        assert main([*arguments, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"--out {out} already holds a checkpoint ({ARCH}, " in error and "% test)" in error
    assert "give another folder, or pass --overwrite to replace it" in error
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before  # nothing stored is lost

    assert main([*arguments, "--out", str(out), "--overwrite"]) == 0
    spec, _, _ = load_checkpoint(out)
    assert spec.to_string() == "conv-8-3 gap"
