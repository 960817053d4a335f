"""Each export format holds the network with its normalisation and answers like PyTorch, any batch size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from eas.export import FORMATS, export_network, inference_model, load_safetensors_export, load_trained, run_onnx

pytest.importorskip("onnxruntime", reason="ONNX checks need onnxruntime: pip install 'eas[export]'")


def _images(count: int) -> torch.Tensor:
    return torch.rand((count, 1, 8, 8), generator=torch.Generator().manual_seed(count))


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_matches_pytorch_within_float_rounding(toy_checkpoint, tmp_path: Path, format: str) -> None:
    trained = load_trained(toy_checkpoint[0])
    result = export_network(trained, format, tmp_path / f"model.{format}")
    assert result.path.is_file() and result.format == format
    assert result.max_abs_difference < 1e-5


def test_the_onnx_file_takes_any_batch_size_and_carries_the_class_names(toy_checkpoint, tmp_path: Path) -> None:
    import onnx

    trained = load_trained(toy_checkpoint[0])
    path = export_network(trained, "onnx", tmp_path / "model.onnx").path
    model = inference_model(trained)
    for count in (1, 7):
        with torch.no_grad():
            expected = model(_images(count))
        torch.testing.assert_close(run_onnx(path, _images(count)), expected, rtol=0, atol=1e-5)
    metadata = {entry.key: entry.value for entry in onnx.load(str(path)).metadata_props}
    assert json.loads(metadata["spec"])["arch"] == trained.spec.to_string()
    assert json.loads(metadata["mean"]) == pytest.approx(list(trained.info.mean))


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_the_torchscript_file_runs_without_eas(toy_checkpoint, tmp_path: Path) -> None:
    trained = load_trained(toy_checkpoint[0])
    path = export_network(trained, "torchscript", tmp_path / "model.pt").path
    loaded = torch.jit.load(str(path))
    with torch.no_grad():
        torch.testing.assert_close(loaded(_images(3)), inference_model(trained)(_images(3)), rtol=0, atol=1e-6)


def test_the_safetensors_file_holds_spec_and_normalisation(toy_checkpoint, tmp_path: Path) -> None:
    trained = load_trained(toy_checkpoint[0])
    path = export_network(trained, "safetensors", tmp_path / "model.safetensors").path
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
        mean = handle.get_tensor("mean")
    assert json.loads(metadata["spec"])["arch"] == trained.spec.to_string()
    assert mean.flatten().tolist() == pytest.approx(list(trained.info.mean))
    rebuilt = load_safetensors_export(path)
    with torch.no_grad():
        assert torch.equal(rebuilt(_images(4)), inference_model(trained)(_images(4)))


def test_a_foreign_safetensors_file_is_refused(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    save_file({"weight": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="no spec in its metadata"):
        load_safetensors_export(tmp_path / "other.safetensors")


def test_bad_format_and_directory_output_are_refused(toy_checkpoint, tmp_path: Path) -> None:
    trained = load_trained(toy_checkpoint[0])
    with pytest.raises(ValueError, match="unknown export format 'tflite'"):
        export_network(trained, "tflite", tmp_path / "model.tflite")
    with pytest.raises(ValueError, match="is a directory"):
        export_network(trained, "onnx", tmp_path)
