"""`eas export`: writes the run's final network and prints how far the file is from PyTorch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from eas.cli import main
from eas.export import inference_model, load_trained, run_onnx

pytest.importorskip("onnxruntime", reason="ONNX checks need onnxruntime: pip install 'eas[export]'")


def test_onnx_export_of_a_run_prints_a_tiny_difference(found_run, tmp_path: Path, capsys) -> None:
    out = tmp_path / "shipped" / "model.onnx"
    assert main(["export", str(found_run.run_dir), "--format", "onnx", "--out", str(out)]) == 0
    output = capsys.readouterr().out
    difference = float(re.search(r"max abs difference to PyTorch \(onnxruntime.*\): (\S+)", output).group(1))
    assert difference < 1e-5
    # The file holds the run's final network: the one find_network returned, normalisation in front.
    images = torch.rand((3, *found_run.spec.input_shape), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = inference_model(load_trained(found_run.run_dir))(images)
    torch.testing.assert_close(run_onnx(out, images), expected, rtol=0, atol=1e-5)


def test_bad_sources_and_formats_are_refused(tmp_path: Path, capsys) -> None:
    assert main(["export", str(tmp_path / "nowhere"), "--format", "onnx", "--out", str(tmp_path / "m.onnx")]) == 2
    assert "neither a search run directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(tmp_path), "--format", "tflite", "--out", str(tmp_path / "m.tflite")])
    assert exit_info.value.code == 2
    assert "invalid choice: 'tflite'" in capsys.readouterr().err
