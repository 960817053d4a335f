"""Tensor-side preprocessing: normalisation and batch augmentation (random crop + flip, random erasing).

Both work on whatever device the batch lives on and never loop over images in Python, so the
training loop can augment on the GPU right before the forward pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F


def normalize(images: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Return float32 `(images / 255 - mean) / std`, per channel, on the images' device.

    `images` is uint8 with channels on axis -3 (N x C x H x W or C x H x W); `mean` and `std`
    have one value per channel on the pixel/255 scale (as in `DatasetInfo`).
    """
    if images.dtype != torch.uint8:
        raise ValueError(f"normalize expects uint8 images (0..255), got {images.dtype}")
    if images.dim() < 3:
        raise ValueError(f"normalize expects ... x C x H x W images, got shape {tuple(images.shape)}")
    channels = images.shape[-3]
    if len(mean) != channels or len(std) != channels:
        raise ValueError(f"normalize needs one mean and std per channel ({channels}), got {len(mean)} and {len(std)}")
    mean_tensor = torch.tensor(mean, dtype=torch.float32, device=images.device).view(channels, 1, 1)
    std_tensor = torch.tensor(std, dtype=torch.float32, device=images.device).view(channels, 1, 1)
    return (images.to(torch.float32) / 255.0 - mean_tensor) / std_tensor


def augment_batch(
    images: torch.Tensor,
    pad: int,
    flip: bool,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Randomly crop (after zero padding by `pad`) and horizontally flip each image of a batch.

    `images` is N x C x H x W (any dtype, usually normalised float). Each image gets its own crop
    offset in [0, 2 * pad] along both axes and is flipped with probability 1/2 when `flip`. The
    result has the input's shape, dtype and device. Random numbers come from `generator` when
    given (drawn on its device, so a CPU generator works for a GPU batch). With `pad == 0` and
    `flip == False` the input itself is returned.
    """
    if images.dim() != 4:
        raise ValueError(f"augment_batch expects N x C x H x W images, got shape {tuple(images.shape)}")
    if pad < 0:
        raise ValueError(f"augment_batch pad must be >= 0, got {pad}")
    if pad == 0 and not flip:
        return images
    count, channels, height, width = images.shape
    if count == 0:
        return images.clone()
    random_device = generator.device if generator is not None else images.device

    def draw(high: int) -> torch.Tensor:
        values = torch.randint(0, high, (count,), generator=generator, device=random_device)
        return values.to(images.device)

    row_offsets = draw(2 * pad + 1)
    column_offsets = draw(2 * pad + 1)
    flipped = draw(2).bool() if flip else torch.zeros(count, dtype=torch.bool, device=images.device)

    padded = F.pad(images, (pad, pad, pad, pad)) if pad > 0 else images
    rows = torch.arange(height, device=images.device)
    columns = torch.arange(width, device=images.device)
    # Per-image index grids into the padded batch; a flip just reads the crop's columns backwards.
    row_index = row_offsets[:, None] + rows[None, :]
    column_index = column_offsets[:, None] + torch.where(
        flipped[:, None], (width - 1 - columns)[None, :], columns[None, :]
    )
    padded_width = padded.shape[3]
    cropped_rows = padded.gather(2, row_index[:, None, :, None].expand(count, channels, height, padded_width))
    return cropped_rows.gather(3, column_index[:, None, None, :].expand(count, channels, height, width))


# Random erasing (Zhong et al. 2020): the rectangle covers 2-40% of the image, aspect ratio 0.3-3.3.
ERASE_AREA = (0.02, 0.4)
ERASE_LOG_ASPECT = (math.log(0.3), math.log(1 / 0.3))


def random_erase(images: torch.Tensor, probability: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Set one random rectangle of each image to 0 (the mean, on normalised images) with `probability`.

    `images` is N x C x H x W float; the result is a new tensor (the input is never modified). All
    images are handled at once with masks, no Python loop over images.
    """
    if images.dim() != 4:
        raise ValueError(f"random_erase expects N x C x H x W images, got shape {tuple(images.shape)}")
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"random_erase probability must be in [0, 1], got {probability}")
    count, _, height, width = images.shape
    if probability == 0.0 or count == 0:
        return images
    random_device = generator.device if generator is not None else images.device

    def uniform(low: float, high: float) -> torch.Tensor:
        values = torch.rand(count, generator=generator, device=random_device).to(images.device)
        return low + (high - low) * values

    area = uniform(*ERASE_AREA) * height * width
    aspect = torch.exp(uniform(*ERASE_LOG_ASPECT))
    erase_height = torch.sqrt(area * aspect).round().clamp(1, height)
    erase_width = torch.sqrt(area / aspect).round().clamp(1, width)
    top = (uniform(0.0, 1.0) * (height - erase_height + 1)).floor()
    left = (uniform(0.0, 1.0) * (width - erase_width + 1)).floor()
    chosen = uniform(0.0, 1.0) < probability
    rows = torch.arange(height, device=images.device)[None, :]
    columns = torch.arange(width, device=images.device)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < (top + erase_height)[:, None])
    in_columns = (columns >= left[:, None]) & (columns < (left + erase_width)[:, None])
    mask = in_rows[:, :, None] & in_columns[:, None, :] & chosen[:, None, None]
    return images.masked_fill(mask[:, None, :, :], 0.0)
