"""Tests for eas.data.augment: normalisation and the vectorised random crop + flip."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from eas.data import augment_batch, normalize


def distinct_batch(count: int, channels: int = 2, height: int = 5, width: int = 6) -> torch.Tensor:
    # Strictly positive, all different: a zero in the output can only come from the padding.
    return torch.arange(1, count * channels * height * width + 1, dtype=torch.float32).reshape(
        count, channels, height, width
    )


def find_transform(output: torch.Tensor, image: torch.Tensor, pad: int) -> tuple[int, int, bool] | None:
    """Return the (row offset, column offset, flipped) that turns `image` into `output`, if any."""
    height, width = image.shape[1:]
    padded = F.pad(image, (pad, pad, pad, pad))
    for row in range(2 * pad + 1):
        for column in range(2 * pad + 1):
            crop = padded[:, row : row + height, column : column + width]
            if torch.equal(output, crop):
                return row, column, False
            if torch.equal(output, crop.flip(-1)):
                return row, column, True
    return None


def test_normalize_per_channel() -> None:
    images = torch.tensor([0, 255, 51], dtype=torch.uint8).reshape(1, 3, 1, 1).expand(2, 3, 2, 2)
    result = normalize(images, (0.0, 0.5, 0.2), (1.0, 0.5, 0.1))
    assert result.dtype == torch.float32 and result.shape == (2, 3, 2, 2)
    torch.testing.assert_close(result[0, :, 0, 0], torch.tensor([0.0, 1.0, 0.0]))
    single = normalize(images[0], (0.0, 0.5, 0.2), (1.0, 0.5, 0.1))
    torch.testing.assert_close(single, result[0])


def test_normalize_rejects_wrong_inputs() -> None:
    with pytest.raises(ValueError, match="uint8"):
        normalize(torch.zeros(1, 1, 2, 2), (0.0,), (1.0,))
    with pytest.raises(ValueError, match="per channel"):
        normalize(torch.zeros(1, 3, 2, 2, dtype=torch.uint8), (0.0,), (1.0,))


def test_no_augmentation_returns_the_input() -> None:
    images = distinct_batch(3)
    assert augment_batch(images, pad=0, flip=False) is images


def test_crop_is_a_shifted_copy_with_zeros_entering() -> None:
    images = distinct_batch(200)
    output = augment_batch(images, pad=2, flip=False, generator=torch.Generator().manual_seed(0))
    assert output.shape == images.shape and output.dtype == images.dtype
    offsets = set()
    for index in range(len(images)):
        found = find_transform(output[index], images[index], pad=2)
        assert found is not None and found[2] is False
        offsets.add(found[:2])
    assert len(offsets) == 25  # every offset in [0, 4] x [0, 4] occurs
    assert (output == 0).any() and (output == 0).any(dim=(1, 2, 3)).sum() < len(images)


def test_flip_only_flips_some_images() -> None:
    images = distinct_batch(64)
    output = augment_batch(images, pad=0, flip=True, generator=torch.Generator().manual_seed(1))
    flipped = [torch.equal(output[i], images[i].flip(-1)) for i in range(64)]
    kept = [torch.equal(output[i], images[i]) for i in range(64)]
    assert all(f != k for f, k in zip(flipped, kept, strict=True))
    assert 10 < sum(flipped) < 54


def test_crop_and_flip_together() -> None:
    images = distinct_batch(100)
    output = augment_batch(images, pad=1, flip=True, generator=torch.Generator().manual_seed(2))
    found = [find_transform(output[i], images[i], pad=1) for i in range(100)]
    assert all(item is not None for item in found)
    assert {item[2] for item in found if item is not None} == {True, False}


def test_generator_makes_it_reproducible() -> None:
    images = distinct_batch(32)
    first = augment_batch(images, 4, True, generator=torch.Generator().manual_seed(5))
    second = augment_batch(images, 4, True, generator=torch.Generator().manual_seed(5))
    third = augment_batch(images, 4, True, generator=torch.Generator().manual_seed(6))
    assert torch.equal(first, second) and not torch.equal(first, third)
    assert augment_batch(images, 4, True).shape == images.shape  # global RNG when no generator


def test_works_on_uint8_and_empty_batches() -> None:
    images = torch.randint(1, 256, (4, 1, 7, 7), dtype=torch.uint8)
    output = augment_batch(images, 3, True, generator=torch.Generator().manual_seed(0))
    assert output.dtype == torch.uint8 and output.shape == images.shape
    assert augment_batch(images[:0], 2, True).shape == (0, 1, 7, 7)


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="N x C x H x W"):
        augment_batch(torch.zeros(3, 4, 4), 1, False)
    with pytest.raises(ValueError, match="pad"):
        augment_batch(torch.zeros(1, 3, 4, 4), -1, False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_stays_on_the_gpu_with_a_cpu_generator() -> None:
    images = distinct_batch(8).cuda()
    output = augment_batch(images, 2, True, generator=torch.Generator().manual_seed(0))
    assert output.device == images.device
    expected = augment_batch(images.cpu(), 2, True, generator=torch.Generator().manual_seed(0))
    assert torch.equal(output.cpu(), expected)
    assert normalize(images.to(torch.uint8), (0.0, 0.0), (1.0, 1.0)).device == images.device


def test_random_erase_blanks_one_rectangle_per_chosen_image() -> None:
    from eas.data import random_erase
    from eas.data.augment import ERASE_AREA

    images = torch.ones(64, 2, 20, 20)
    erased = random_erase(images, 1.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(images, torch.ones(64, 2, 20, 20)), "the input must not change"
    zeros = erased == 0
    assert torch.equal(zeros[:, 0], zeros[:, 1]), "every channel shares the rectangle"
    for mask in zeros[:, 0]:
        rows, columns = mask.any(dim=1).nonzero(), mask.any(dim=0).nonzero()
        height, width = int(rows.max() - rows.min() + 1), int(columns.max() - columns.min() + 1)
        assert int(mask.sum()) == height * width, "the erased pixels form one rectangle"
        assert height * width <= ERASE_AREA[1] * 400 * 1.6 + 2
    again = random_erase(images, 1.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(erased, again)
    assert random_erase(images, 0.0) is images
    half = random_erase(images, 0.5, generator=torch.Generator().manual_seed(1))
    chosen = int((half == 0).flatten(1).any(dim=1).sum())
    assert 16 < chosen < 48
    with pytest.raises(ValueError, match="probability"):
        random_erase(images, 1.5)
