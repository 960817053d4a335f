"""`eas predict`: one line per image with the class the shipped network gives it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from eas.cli import main
from eas.export import inference_model, load_trained


def test_png_files_get_the_networks_classes_with_names(found_run, tmp_path: Path, capsys) -> None:
    test_images = np.load(found_run.run_dir / "data.npz")["x_test"][:6]
    files = []
    for index, pixels in enumerate(test_images):
        files.append(tmp_path / f"image-{index}.png")
        Image.fromarray(pixels).save(files[-1])
    assert main(["predict", str(found_run.run_dir), *map(str, files)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    model = inference_model(load_trained(found_run.run_dir))
    with torch.no_grad():
        expected = model(torch.from_numpy(test_images)[:, None].float() / 255).argmax(dim=1).tolist()
    assert len(lines) == len(files)
    for line, file, index in zip(lines, files, expected, strict=True):
        source, label, probability = line.split("\t")
        assert source == str(file)
        assert label == f"{index} {found_run.class_names[index]}"
        assert 0 < float(probability.rstrip("%")) <= 100


def test_a_missing_image_gives_exit_status_2(found_run, tmp_path: Path, capsys) -> None:
    assert main(["predict", str(found_run.run_dir), str(tmp_path / "missing.png")]) == 2
    assert "missing.png: no such image file" in capsys.readouterr().err


def test_flip_averaging_a_network_whose_dataset_never_flips_exits_2(found_run, tmp_path: Path, capsys) -> None:
    file = tmp_path / "image.png"
    Image.fromarray(np.load(found_run.run_dir / "data.npz")["x_test"][0]).save(file)
    assert main(["predict", str(found_run.run_dir), str(file), "--flip-average"]) == 2
    captured = capsys.readouterr()
    assert "--flip-average mirrors images" in captured.err and captured.out == ""
