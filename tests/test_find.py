"""`eas.find_network`: the one-call job on numpy arrays gives back the trained final network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import eas
from eas.data import load_dataset, normalize
from eas.find import ARRAYS_FILE, find_network
from eas.search.rundir import RunDirectory
from tests.toy_data import toy_arrays


def test_the_result_is_the_runs_final_network_in_eval_mode(found_run) -> None:
    assert eas.find_network is find_network
    assert isinstance(found_run, eas.FoundNetwork)
    assert not found_run.model.training
    final_metrics = json.loads((RunDirectory(found_run.run_dir).final_dir / "metrics.json").read_text())
    assert found_run.test_accuracy == final_metrics["test_accuracy"]
    assert found_run.spec.to_string() == final_metrics["arch"]
    assert found_run.class_names == ("top-left", "top-right", "bottom-left", "bottom-right")


def test_the_returned_model_scores_the_reported_test_accuracy(found_run) -> None:
    data = load_dataset(f"npz:{found_run.run_dir / ARRAYS_FILE}", validation_size=40, seed=0)
    with torch.no_grad():
        logits = found_run.model(normalize(data.test.images, data.info.mean, data.info.std))
    accuracy = (logits.argmax(dim=1) == data.test.labels).float().mean().item()
    assert accuracy == pytest.approx(found_run.test_accuracy)


def test_predict_takes_raw_images_and_scores_the_reported_test_accuracy(found_run) -> None:
    arrays = np.load(found_run.run_dir / ARRAYS_FILE)
    x_test, y_test = arrays["x_test"], arrays["y_test"]
    predicted = found_run.predict(x_test, batch_size=7)  # several batches, the last one short
    assert predicted.shape == y_test.shape
    assert float((predicted == y_test).mean()) == pytest.approx(found_run.test_accuracy)
    assert len(found_run.mean) == len(found_run.std) == found_run.spec.input_shape[0]
    with pytest.raises(ValueError, match="uint8"):
        found_run.predict(x_test.astype(np.float32))
    with pytest.raises(ValueError, match=r"the network takes N x 1 x 8 x 8 \(NCHW\) or N x 8 x 8 x 1 \(NHWC\)"):
        found_run.predict(np.zeros((2, 5, 5), dtype=np.uint8))
    # The same images in either 4-D layout: the network's input shape says which one it is.
    assert (found_run.predict(x_test[:, None, :, :]) == predicted).all()
    assert (found_run.predict(x_test[:, :, :, None]) == predicted).all()


def test_without_test_arrays_a_tenth_is_held_out(tmp_path: Path, monkeypatch) -> None:
    captured = {}

    def stop_before_searching(config, directory, on_event):
        captured["config"] = config
        raise RuntimeError("stop")

    monkeypatch.setattr("eas.find.run_search", stop_before_searching)
    x_train, y_train, _, _ = toy_arrays(train=50, test=1, size=8)
    with pytest.raises(RuntimeError, match="stop"):
        find_network(x_train, y_train, run_dir=tmp_path / "run", preset="smoke")
    written = np.load(tmp_path / "run" / ARRAYS_FILE)
    assert len(written["x_test"]) == 5 and len(written["x_train"]) == 45
    assert sorted([*written["y_train"], *written["y_test"]]) == sorted(y_train)
    assert captured["config"].dataset == f"npz:{(tmp_path / 'run' / ARRAYS_FILE).resolve()}"
    assert captured["config"].train_final


def test_bad_arguments_name_the_problem(tmp_path: Path) -> None:
    x_train, y_train, x_test, _ = toy_arrays(train=20, test=5, size=8)
    with pytest.raises(ValueError, match="labels y are missing"):
        find_network(x_train, run_dir=tmp_path / "a")
    with pytest.raises(ValueError, match="give both x_test and y_test"):
        find_network(x_train, y_train, x_test=x_test, run_dir=tmp_path / "b")
    with pytest.raises(ValueError, match="x has 20 images but y has 19 labels"):
        find_network(x_train, y_train[:-1], run_dir=tmp_path / "c")
    with pytest.raises(ValueError, match="either a dataset name or arrays"):
        find_network("fashion-mnist", y_train, run_dir=tmp_path / "d")
    with pytest.raises(ValueError, match="unknown search setting 'epochs'"):
        find_network(x_train, y_train, run_dir=tmp_path / "e", epochs=3)


def test_the_normalisation_comes_from_the_final_checkpoint_not_the_dataset(tmp_path: Path) -> None:
    x_train, y_train, x_test, y_test = toy_arrays(train=120, test=20, size=8)

    def find() -> eas.FoundNetwork:
        return find_network(
            x_train,
            y_train,
            x_test=x_test,
            y_test=y_test,
            time_budget=None,
            run_dir=tmp_path / "run",
            preset="smoke",
            seed=0,
            episodes=1,
            validation_size=20,
        )

    first = find()
    metrics_path = RunDirectory(tmp_path / "run").final_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    # Statistics no dataset has: only a reading of the stored entry can return them.
    metrics["dataset_info"].update(mean=[0.125], std=[0.5], class_names=["w", "x", "y", "z"])
    # Arrays are never flipped, so a flip-averaged figure is one only the stored metrics can give.
    metrics["flip_average_test_accuracy"] = 0.625
    metrics_path.write_text(json.dumps(metrics))
    again = find()  # the run is complete: this only reads it back
    assert first.mean != (0.125,)
    assert first.flip_average_test_accuracy is None
    assert (again.mean, again.std, again.class_names) == ((0.125,), (0.5,), ("w", "x", "y", "z"))
    assert again.flip_average_test_accuracy == 0.625
    assert again.test_accuracy == first.test_accuracy

    metrics["dataset_info"] = {"mean": [0.1]}
    metrics_path.write_text(json.dumps(metrics))
    with pytest.raises(ValueError, match=r"final/metrics\.json: dataset_info lacks .*delete its 'dataset_info'"):
        find()
