"""`eas train` and `eas grow` through `eas.cli.main` on a small `.npz` dataset."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from eas.build import build_model
from eas.checkpoint import load_checkpoint
from eas.cli import main
from eas.spec import NetSpec
from tests.toy_data import write_toy_npz

ARCH = "conv-4-3 pool conv-8-3 gap fc-8"


def percent(output: str, label: str) -> float:
    match = re.search(rf"^{label}: (\d+\.\d\d)%", output, flags=re.MULTILINE)
    assert match is not None, f"no {label!r} line in:\n{output}"
    return float(match.group(1)) / 100


@pytest.fixture
def trained(tmp_path: Path, capsys) -> tuple[Path, str, str]:
    """Train ARCH for one epoch; returns (checkpoint folder, dataset name, printed output)."""
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=200, test=40, size=8)}"
    out = tmp_path / "checkpoint"
    arguments = ["train", "--dataset", dataset, "--arch", ARCH, "--epochs", "1", "--validation-size", "20"]
    assert main([*arguments, "--out", str(out)]) == 0
    return out, dataset, capsys.readouterr().out


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
    assert f"parameters: {spec.num_params():,}" in output
    assert metrics["arch"] == ARCH and metrics["dataset"] == dataset
    assert (metrics["parameters"], metrics["flops"]) == (spec.num_params(), spec.flops())
    assert metrics["validation_size"] == 20 and metrics["full_train"] is False
    assert metrics["result"]["status"] == "ok" and metrics["result"]["images_seen"] == 180
    assert metrics["train_config"]["epochs"] == 1


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


def test_grow_preserves_the_function(trained: tuple[Path, str, str], tmp_path: Path, capsys) -> None:
    pytest.importorskip("eas.transforms")
    out, _, _ = trained
    grown = tmp_path / "grown"
    assert main(["grow", str(out), "--widen", "0:8", "--deepen", "0:3", "--out", str(grown), "--noise", "0"]) == 0
    output = capsys.readouterr().out
    match = re.search(r"^max \|logit difference\| on (\d+) training images: (\S+)$", output, flags=re.MULTILINE)
    assert match is not None, output
    assert int(match.group(1)) == 180
    assert float(match.group(2)) < 1e-4
    assert "new architecture: conv-8-3 conv-8-3 pool conv-8-3 gap fc-8" in output
    accuracies = re.search(r"validation accuracy before: (\S+)%  after: (\S+)%", output)
    assert accuracies is not None and accuracies.group(1) == accuracies.group(2)

    assert sorted(path.name for path in grown.iterdir()) == ["metrics.json", "spec.json", "weights.safetensors"]
    old_spec, old_state, _ = load_checkpoint(out)
    spec, state, metrics = load_checkpoint(grown)
    assert spec.to_string() == "conv-8-3 conv-8-3 pool conv-8-3 gap fc-8"
    assert [layer.layer_id for layer in spec.layers] == [0, 5, 1, 2, 3, 4]  # old ids kept, new id appended
    assert metrics["arch"] == spec.to_string() and metrics["grown_from"] == str(out)
    assert metrics["grow_actions"] == [["widen", 0, 8], ["deepen", 0, 3]]
    # The grown network computes what the trained one did (eval mode, fresh inputs).
    inputs = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        old_logits = build_model(old_spec, old_state).eval()(inputs)
        new_logits = build_model(spec, state).eval()(inputs)
    assert torch.allclose(old_logits, new_logits, atol=1e-4)


def test_grown_metrics_describe_the_grown_network(trained: tuple[Path, str, str], tmp_path: Path, capsys) -> None:
    pytest.importorskip("eas.transforms")
    out, _, _ = trained
    grown = tmp_path / "grown"
    assert main(["grow", str(out), "--widen", "2:12", "--out", str(grown), "--noise", "0"]) == 0
    capsys.readouterr()
    spec, _, metrics = load_checkpoint(grown)
    assert (metrics["parameters"], metrics["flops"]) == (spec.num_params(), spec.flops())


def test_grow_without_actions_exits_2(trained: tuple[Path, str, str], tmp_path: Path, capsys) -> None:
    out, _, _ = trained
    assert main(["grow", str(out), "--out", str(tmp_path / "grown")]) == 2
    assert "nothing to do" in capsys.readouterr().err
    assert not (tmp_path / "grown").exists()


def test_grow_from_a_folder_that_is_no_checkpoint(tmp_path: Path, capsys) -> None:
    assert main(["grow", str(tmp_path), "--widen", "0:8", "--out", str(tmp_path / "grown")]) == 2
    assert "missing spec.json, weights.safetensors" in capsys.readouterr().err


def test_grow_rejects_a_narrower_width(trained: tuple[Path, str, str], tmp_path: Path, capsys) -> None:
    out, _, _ = trained
    assert main(["grow", str(out), "--widen", "0:2", "--out", str(tmp_path / "grown")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("eas grow: error: widen: layer 0 (conv-4-3)") and "larger" in error and "got 2" in error
    assert json.loads((out / "spec.json").read_text())["arch"] == ARCH
