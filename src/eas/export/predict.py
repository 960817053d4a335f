"""Classifying image files with a trained network: PNG/JPEG files (through Pillow) or one `.npz` with an
`images` array, converted to the network's input shape, fed as 0..1 floats to the shipped model.

The model is `wrapper.inference_model`, the one every export format holds, so `eas predict` answers what
an exported file answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch

from eas.data.npz import to_nchw
from eas.data.types import DatasetError
from eas.export.source import TrainedNetwork
from eas.export.wrapper import inference_model
from eas.train.loop import flip_averaged_log_probabilities, refuse_flips_unless_trained_with_them

NPZ_IMAGES_KEY: Final = "images"
# Pillow's image mode for a network's channel count; other counts cannot be converted to.
_MODES: Final = {1: "L", 3: "RGB", 4: "RGBA"}


@dataclass(frozen=True)
class Prediction:
    """One image's most probable class: its index, its name when the dataset has names, its probability."""

    source: str
    class_index: int
    class_name: str | None
    probability: float


def read_images(paths: Sequence[str | Path], input_shape: tuple[int, int, int]) -> tuple[list[str], torch.Tensor]:
    """(names, uint8 N x C x H x W tensor) of the images in `paths`, converted to `input_shape`.

    `paths` are PNG/JPEG files (anything Pillow reads), or a single `.npz` holding an `images` array of
    uint8 N x H x W, NHWC or NCHW images. Images of another size are resized (bilinear); colour images are
    made grayscale for a one-channel network and grayscale ones RGB for a three-channel one.
    """
    if not paths:
        raise ValueError("no images given; name PNG/JPEG files or one .npz file with an `images` array")
    files = [Path(path).expanduser() for path in paths]
    for file in files:
        if not file.is_file():
            raise FileNotFoundError(f"{file}: no such image file")
    if any(file.suffix.lower() == ".npz" for file in files):
        if len(files) != 1:
            raise ValueError("give either one .npz file or image files, not both or several .npz files")
        names, arrays = _read_npz(files[0])
    else:
        names, arrays = [str(file) for file in files], [_open_image(file) for file in files]
    images = [_convert(array, input_shape, name) for array, name in zip(arrays, names, strict=True)]
    return names, torch.from_numpy(np.stack(images))


def predict(
    trained: TrainedNetwork, images: torch.Tensor, names: Sequence[str], *, flip_average: bool = False
) -> list[Prediction]:
    """The most probable class of each uint8 N x C x H x W image, by the network with its normalisation.

    With `flip_average` the probabilities are the mean of the network's for each image and its mirror
    image (twice the cost); refused with ValueError for a dataset whose training never flipped images.
    """
    if flip_average:
        refuse_flips_unless_trained_with_them(trained.info, "--flip-average")
    model = inference_model(trained)
    with torch.no_grad():
        scaled = images.to(torch.float32) / 255.0
        logits = model(scaled)
        if flip_average:
            logits = flip_averaged_log_probabilities(logits, model(scaled.flip(dims=(-1,))))
        probabilities = torch.softmax(logits, dim=1)
    best_probabilities, best_classes = probabilities.max(dim=1)
    class_names = trained.info.class_names
    return [
        Prediction(name, int(index), None if class_names is None else class_names[int(index)], float(probability))
        for name, index, probability in zip(names, best_classes, best_probabilities, strict=True)
    ]


def _read_npz(file: Path) -> tuple[list[str], list[np.ndarray]]:
    """The `images` array of `file` as a list of C x H x W uint8 arrays, named file[index]."""
    with np.load(file, allow_pickle=False) as archive:
        if NPZ_IMAGES_KEY not in archive.files:
            raise ValueError(
                f"{file} has no array named {NPZ_IMAGES_KEY!r} (it has {', '.join(archive.files) or 'none'}); "
                f"write it with np.savez(path, {NPZ_IMAGES_KEY}=uint8_images)"
            )
        images = archive[NPZ_IMAGES_KEY]
    if images.dtype != np.uint8:
        raise ValueError(
            f"{file}: images have dtype {images.dtype}; they must be uint8 0..255 "
            "(convert 0..1 floats with (x * 255).round().astype(np.uint8))"
        )
    try:
        nchw = to_nchw(images, None, file, NPZ_IMAGES_KEY)
    except DatasetError as error:
        raise ValueError(str(error)) from error
    return [f"{file}[{index}]" for index in range(len(nchw))], list(nchw)


def _open_image(file: Path) -> np.ndarray:
    """A C x H x W uint8 array of the image file (C = 1, 3 or 4 as stored, palette images as RGB)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(file) as opened:
            image: Image.Image = opened
            if image.mode not in _MODES.values():
                # Palette, 16-bit, CMYK ...: keep transparency when there is some, else plain RGB.
                has_alpha = "A" in image.getbands() or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
            pixels = np.asarray(image)
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"{file}: not an image Pillow can read ({error}); give PNG or JPEG files") from error
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def _convert(pixels: np.ndarray, input_shape: tuple[int, int, int], name: str) -> np.ndarray:
    """`pixels` (C x H x W uint8) as an `input_shape` image: exact matches untouched, others through Pillow."""
    if pixels.shape == input_shape:
        return np.ascontiguousarray(pixels)
    channels, height, width = input_shape
    if channels not in _MODES or pixels.shape[0] not in _MODES:
        raise ValueError(
            f"{name}: image of shape {pixels.shape} (C x H x W) cannot be converted to the network's input "
            f"{input_shape}: only 1, 3 or 4 channels convert into each other; give {channels}-channel images "
            f"of {height} x {width}"
        )
    image = _to_pil(pixels).convert(_MODES[channels])
    if image.size != (width, height):
        from PIL import Image

        image = image.resize((width, height), Image.Resampling.BILINEAR)
    converted = np.asarray(image)
    return np.ascontiguousarray(converted[None] if converted.ndim == 2 else converted.transpose(2, 0, 1))


def _to_pil(pixels: np.ndarray) -> Any:
    from PIL import Image

    channels = pixels.shape[0]
    return Image.fromarray(pixels[0] if channels == 1 else np.ascontiguousarray(pixels.transpose(1, 2, 0)))
