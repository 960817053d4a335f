"""Shared test helpers: hypothesis strategies for valid plain-CNN and DenseNet specs, random weights.

BatchNorm scale, shift and running statistics are randomised too, so a transform that only works
for a freshly initialised (identity-like) BN cannot pass.
"""

from __future__ import annotations

import re

import torch
from hypothesis import strategies as st

from eas.build import build_model
from eas.spec import DenseNetSpec, DenseUnitSpec, NetSpec, Spec
from eas.spec.dense import MINIBLOCK, STEM, TRANSITION
from eas.spec.layers import AVG_POOL, CONV, FC, GLOBAL_POOL, MAX_POOL, LayerSpec
from eas.transforms.state import StateDict, expected_shapes

INPUT_SHAPES = ((1, 8, 8), (3, 12, 12), (2, 9, 7))


@st.composite
def net_specs(draw: st.DrawFn) -> NetSpec:
    """1-4 blocks of 1-3 convs (widths 1..24, kernels 1/3/5), 2x2 pools only while the map is at
    least 2x2, a global pool, 0-2 fc layers (1..24 units) and 2..10 classes."""
    input_shape = draw(st.sampled_from(INPUT_SHAPES))
    height, width = input_shape[1:]
    layers: list[LayerSpec] = []
    block_count = draw(st.integers(1, 4))
    for block in range(block_count):
        for _ in range(draw(st.integers(1, 3))):
            conv_width = draw(st.integers(1, 24))
            kernel = draw(st.sampled_from((1, 3, 5)))
            layers.append(LayerSpec(CONV, conv_width, kernel, len(layers)))
        if block < block_count - 1 and min(height, width) >= 2:
            layers.append(LayerSpec(draw(st.sampled_from((MAX_POOL, AVG_POOL))), layer_id=len(layers)))
            height, width = height // 2, width // 2
    layers.append(LayerSpec(GLOBAL_POOL, layer_id=len(layers)))
    for _ in range(draw(st.integers(0, 2))):
        layers.append(LayerSpec(FC, draw(st.integers(1, 24)), 0, len(layers)))
    return NetSpec(tuple(layers), input_shape, draw(st.integers(2, 10)))


@st.composite
def dense_specs(draw: st.DrawFn) -> DenseNetSpec:
    """A stem of 1..12 channels, 1-3 blocks of 1-3 miniblocks (growth 1..8), transitions of 1..16
    channels while the map is at least 2x2, and 2..10 classes."""
    input_shape = draw(st.sampled_from(INPUT_SHAPES))
    height, width = input_shape[1:]
    units = [DenseUnitSpec(STEM, draw(st.integers(1, 12)), 0)]
    block_count = draw(st.integers(1, 3))
    for block in range(block_count):
        for _ in range(draw(st.integers(1, 3))):
            units.append(DenseUnitSpec(MINIBLOCK, draw(st.integers(1, 8)), len(units)))
        if block < block_count - 1 and min(height, width) >= 2:
            units.append(DenseUnitSpec(TRANSITION, draw(st.integers(1, 16)), len(units)))
            height, width = height // 2, width // 2
    return DenseNetSpec(tuple(units), input_shape, draw(st.integers(2, 10)))


_BATCH_NORM_WEIGHT = re.compile(r"bn\d?\.weight$")
_BATCH_NORM_SHIFT = re.compile(r"(bn\d?\.bias|bn\d?\.running_mean|classifier\.bias)$")


def random_state(spec: Spec, generator: torch.Generator) -> StateDict:
    """Random weights (scaled by fan-in, so activations stay of order 1) and random BN parameters
    and running statistics, in the key order of a built model."""
    state: StateDict = {}
    for key, shape in expected_shapes(spec).items():
        if key.endswith("num_batches_tracked"):
            state[key] = torch.randint(0, 100, (), generator=generator)
        elif _BATCH_NORM_WEIGHT.search(key):
            state[key] = torch.empty(shape).uniform_(0.5, 1.5, generator=generator)
        elif key.endswith("running_var"):
            state[key] = torch.empty(shape).uniform_(0.5, 2.0, generator=generator)
        elif _BATCH_NORM_SHIFT.search(key):
            state[key] = 0.3 * torch.randn(shape, generator=generator)
        else:
            fan_in = 1
            for size in shape[1:]:
                fan_in *= size
            state[key] = torch.randn(shape, generator=generator) * (2.0 / fan_in) ** 0.5
    return state


def logits(spec: Spec, state: StateDict, inputs: torch.Tensor, train: bool = False) -> torch.Tensor:
    """The network's output on `inputs`, in eval mode unless `train` (state is copied, not changed)."""
    model = build_model(spec, state).train(train)
    with torch.no_grad():
        return model(inputs)


def clone_state(state: StateDict) -> StateDict:
    """An independent copy to compare against after a call that must not modify its input."""
    return {key: value.clone() for key, value in state.items()}


def assert_states_equal(first: StateDict, second: StateDict) -> None:
    """Same keys, dtypes and values (bit for bit)."""
    assert list(first) == list(second)
    for key in first:
        assert first[key].dtype == second[key].dtype, key
        assert torch.equal(first[key], second[key]), key
