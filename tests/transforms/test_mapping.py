"""Tests of the unit mapping, replica counts, noise and generator handling in `mapping.py`."""

from __future__ import annotations

import pytest
import torch

from eas.transforms.mapping import gaussian_noise, replica_counts, resolve_generator, unit_mapping


def test_mapping_keeps_old_units_and_copies_with_replacement() -> None:
    mapping = unit_mapping(3, 40, torch.Generator().manual_seed(0))
    assert mapping.dtype == torch.int64
    assert mapping.tolist()[:3] == [0, 1, 2]
    assert int(mapping.min()) >= 0 and int(mapping.max()) < 3
    # 37 draws from 3 units: with replacement, every unit is copied several times.
    counts = replica_counts(mapping, 3)
    assert int(counts.sum()) == 40 and bool((counts > 1).all())


def test_mapping_of_one_unit() -> None:
    mapping = unit_mapping(1, 4, torch.Generator().manual_seed(0))
    assert mapping.tolist() == [0, 0, 0, 0]
    assert replica_counts(mapping, 1).tolist() == [4]


def test_mapping_is_uniform() -> None:
    mapping = unit_mapping(4, 40004, torch.Generator().manual_seed(1))
    fractions = torch.bincount(mapping[4:], minlength=4).double() / 40000
    assert float((fractions - 0.25).abs().max()) < 0.02


@pytest.mark.parametrize(("old", "new"), [(3, 3), (3, 2), (0, 4)])
def test_mapping_needs_growth(old: int, new: int) -> None:
    with pytest.raises(ValueError, match="old_width < new_width"):
        unit_mapping(old, new, torch.Generator())


def test_resolve_generator() -> None:
    generator = torch.Generator().manual_seed(5)
    assert resolve_generator(generator) is generator
    torch.manual_seed(11)
    first = torch.randn(3, generator=resolve_generator(None))
    torch.manual_seed(11)
    assert torch.equal(first, torch.randn(3, generator=resolve_generator(None)))
    with pytest.raises(ValueError, match=r"torch\.Generator"):
        resolve_generator(5)  # type: ignore[arg-type]


def test_gaussian_noise_follows_like_and_scale() -> None:
    like = torch.zeros(2, dtype=torch.float16)
    noise = gaussian_noise((100, 100), 0.5, torch.Generator().manual_seed(0), like)
    assert noise.dtype == torch.float16 and noise.shape == (100, 100)
    assert 0.45 < float(noise.float().std()) < 0.55
