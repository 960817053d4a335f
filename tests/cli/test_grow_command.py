"""`eas grow` through `eas.cli.main`: function preserved, metrics of the grown network, clear errors, and
the same weights as the search's child evaluation for the same edits and seed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import torch

import eas.transforms  # noqa: F401 - `eas grow` imports it lazily; a broken import must fail here, not skip
from eas.build import build_model
from eas.checkpoint import load_checkpoint
from eas.cli import main
from eas.cli.grow_command import parse_edits
from eas.data import load_dataset
from eas.evaluation import ChildTask, evaluate_child
from eas.spec import Edit
from eas.train import TrainConfig
from tests.cli.conftest import ARCH


def test_grow_preserves_the_function(trained: tuple[Path, str, str], tmp_path: Path, capsys) -> None:
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
    assert metrics["grow_edits"] == [["widen", 0, 8], ["deepen", 0, 3]]
    # The grown network computes what the trained one did (eval mode, fresh inputs).
    inputs = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        old_logits = build_model(old_spec, old_state).eval()(inputs)
        new_logits = build_model(spec, state).eval()(inputs)
    assert torch.allclose(old_logits, new_logits, atol=1e-4)


def test_grown_metrics_describe_the_grown_network(trained: tuple[Path, str, str], tmp_path: Path, capsys) -> None:
    out, _, _ = trained
    grown = tmp_path / "grown"
    assert main(["grow", str(out), "--widen", "2:12", "--out", str(grown), "--noise", "0"]) == 0
    capsys.readouterr()
    spec, _, metrics = load_checkpoint(grown)
    assert (metrics["parameters"], metrics["flops"]) == (spec.num_params(), spec.flops())
    # The same data feeds the grown network: its normalisation is carried over.
    assert metrics["dataset_info"] == load_checkpoint(out)[2]["dataset_info"]


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


def test_grow_refuses_to_overwrite_the_checkpoint_it_grows(trained: tuple[Path, str, str], capsys) -> None:
    out, _, _ = trained
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    assert main(["grow", str(out), "--widen", "0:8", "--out", str(out / ".." / out.name)]) == 2
    error = capsys.readouterr().err
    assert "is the checkpoint being grown" in error and "give another folder" in error
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


def test_grow_refuses_an_out_folder_that_holds_a_checkpoint_unless_overwrite(
    trained: tuple[Path, str, str], tmp_path: Path, capsys
) -> None:
    out, _, _ = trained
    grown = tmp_path / "grown"
    assert main(["grow", str(out), "--widen", "0:8", "--out", str(grown)]) == 0
    before = {path.name: path.read_bytes() for path in grown.iterdir()}
    assert main(["grow", str(out), "--widen", "0:6", "--out", str(grown)]) == 2
    error = capsys.readouterr().err
    assert f"--out {grown} already holds a checkpoint (conv-8-3 pool conv-8-3 gap fc-8)" in error
    assert "pass --overwrite to replace it" in error
    assert {path.name: path.read_bytes() for path in grown.iterdir()} == before
    assert main(["grow", str(out), "--widen", "0:6", "--out", str(grown), "--overwrite"]) == 0
    assert load_checkpoint(grown)[0].to_string() == "conv-6-3 pool conv-8-3 gap fc-8"


def test_grow_checks_its_output_folder_before_any_work(
    trained: tuple[Path, str, str], tmp_path: Path, capsys, monkeypatch
) -> None:
    out, _, _ = trained
    (tmp_path / "file").write_text("")

    def no_data(*args: object, **kwargs: object) -> None:
        raise AssertionError("the data was loaded before the output folder was checked")

    monkeypatch.setattr("eas.data.load_dataset", no_data)
    assert main(["grow", str(out), "--widen", "0:8", "--out", str(tmp_path / "file" / "grown")]) == 2
    error = capsys.readouterr().err
    assert "cannot be written" in error and "give a folder you can write to" in error


def test_parse_edits_keeps_the_command_line_order() -> None:
    assert parse_edits([("deepen", 2, 5), ("widen", 0, 8)]) == [Edit.deepen(2, 5), Edit.widen(0, 8)]


def test_grow_and_the_search_give_the_same_weights(trained: tuple[Path, str, str], tmp_path: Path, capsys) -> None:
    out, dataset, _ = trained
    grown = tmp_path / "grown"
    arguments = ["grow", str(out), "--widen", "0:8", "--deepen", "2:3", "--deepen", "0:5", "--seed", "11"]
    assert main([*arguments, "--calibration-size", "64", "--out", str(grown)]) == 0
    capsys.readouterr()
    spec, state, metrics = load_checkpoint(out)
    data = load_dataset(dataset, validation_size=metrics["validation_size"], seed=metrics["data_seed"])
    task = ChildTask(
        trial_id=1,
        parent_spec=spec,
        parent_state=state,
        edits=(Edit.widen(0, 8), Edit.deepen(2, 3), Edit.deepen(0, 5)),
        train_config=TrainConfig(epochs=0),
        seed=11,
        calibration_size=64,
        keep_weights=True,
    )
    result = evaluate_child(task, data)
    grown_spec, grown_state, _ = load_checkpoint(grown)
    assert result.spec == grown_spec and result.state is not None
    assert set(result.state) == set(grown_state)
    assert all(torch.equal(result.state[key], grown_state[key]) for key in grown_state)


def test_grow_a_densenet_checkpoint(tmp_path: Path, capsys) -> None:
    from tests.toy_data import write_toy_npz

    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=200, test=40, size=8)}"
    out = tmp_path / "dense"
    arch = "densenet-bc stem4 g2 t4 g2"
    training = ["train", "--dataset", dataset, "--arch", arch, "--epochs", "1", "--validation-size", "20"]
    assert main([*training, "--out", str(out)]) == 0
    grown = tmp_path / "grown"
    arguments = ["grow", str(out), "--widen", "1:4", "--deepen", "3", "--widen", "2:6", "--out", str(grown)]
    assert main([*arguments, "--noise", "0"]) == 0
    output = capsys.readouterr().out
    assert "new architecture: densenet-bc stem4 g4 t6 g2 g2" in output
    difference = float(re.search(r"training images: (\S+)$", output, flags=re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert difference < 1e-5
    spec, state, metrics = load_checkpoint(grown)
    assert metrics["validation_accuracy_before"] == metrics["validation_accuracy_after"]
    build_model(spec, state)
    assert main(["grow", str(out), "--deepen", "1:3", "--out", str(tmp_path / "bad")]) == 2
    assert "no kernel choice" in capsys.readouterr().err
