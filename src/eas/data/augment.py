"""Tensor-side preprocessing: normalisation and batch augmentation (random crop + flip).

Both work on whatever device the batch lives on and never loop over images in Python, so the
training loop can augment on the GPU right before the forward pass.
"""

from __future__ import annotations

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
