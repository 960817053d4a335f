"""Build a `torch.nn.Module` from a spec of either space (`NetSpec` or `DenseNetSpec`).

Weighted layers live in a `ModuleDict` keyed by their stable layer id (`body.layer<id>.conv.weight`),
so inserting a layer never renames the weights of the others; pools hold no parameters and are
applied in `forward` from the spec. DenseNet units follow the same naming (`body.layer<id>.conv1`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as functional
from torch import nn

from eas.spec import DenseNetSpec, NetSpec, Spec
from eas.spec.dense import BOTTLENECK_FACTOR, MINIBLOCK, MINIBLOCK_KERNEL, STEM, STEM_KERNEL
from eas.spec.layers import AVG_POOL, BATCH_NORM_EPS, CONV, FC, GLOBAL_POOL, MAX_POOL, parameter_prefix


class ConvUnit(nn.Module):
    """conv (no bias, stride 1, same padding) -> BatchNorm -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=BATCH_NORM_EPS)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return functional.relu(self.bn(self.conv(inputs)))


class FcUnit(nn.Module):
    """linear (no bias) -> BatchNorm -> ReLU, a hidden fully connected layer."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_features, out_features, bias=False)
        self.bn = nn.BatchNorm1d(out_features, eps=BATCH_NORM_EPS)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return functional.relu(self.bn(self.fc(inputs)))


class PlainNet(nn.Module):
    """A plain CNN following its spec layer by layer, then a linear classifier with bias."""

    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        self.spec = spec
        self.body = nn.ModuleDict()
        channels = spec.input_shape[0]
        for layer in spec.layers:
            key = parameter_prefix(layer.layer_id).split(".", 1)[1]
            if layer.kind == CONV:
                self.body[key] = ConvUnit(channels, layer.width, layer.kernel_size)
                channels = layer.width
            elif layer.kind == FC:
                self.body[key] = FcUnit(channels, layer.width)
                channels = layer.width
        self.classifier = nn.Linear(channels, spec.num_classes)
        # Applying pools from the spec keeps forward free of module lookups for them.
        self._steps = [(layer.kind, parameter_prefix(layer.layer_id).split(".", 1)[1]) for layer in spec.layers]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        features = inputs
        for kind, key in self._steps:
            if kind == MAX_POOL:
                features = functional.max_pool2d(features, 2, 2)
            elif kind == AVG_POOL:
                features = functional.avg_pool2d(features, 2, 2)
            elif kind == GLOBAL_POOL:
                features = features.mean(dim=(2, 3))
            else:
                features = self.body[key](features)
        return self.classifier(features)


class StemUnit(nn.Module):
    """The DenseNet's first conv (3x3, no bias, no BN: every consumer starts with its own BN-ReLU)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, STEM_KERNEL, padding=STEM_KERNEL // 2, bias=False)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.conv(inputs)


class MiniblockUnit(nn.Module):
    """BN-ReLU-1x1 conv to 4 x growth, BN-ReLU-3x3 conv to growth; its output is concatenated onto its input."""

    def __init__(self, in_channels: int, growth: int) -> None:
        super().__init__()
        bottleneck = BOTTLENECK_FACTOR * growth
        self.bn1 = nn.BatchNorm2d(in_channels, eps=BATCH_NORM_EPS)
        self.conv1 = nn.Conv2d(in_channels, bottleneck, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(bottleneck, eps=BATCH_NORM_EPS)
        self.conv2 = nn.Conv2d(bottleneck, growth, MINIBLOCK_KERNEL, padding=MINIBLOCK_KERNEL // 2, bias=False)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        inner = self.conv1(functional.relu(self.bn1(inputs)))
        new = self.conv2(functional.relu(self.bn2(inner)))
        return torch.cat((inputs, new), dim=1)


class TransitionUnit(nn.Module):
    """BN-ReLU-1x1 conv (compression), then a 2x2 average pool."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(in_channels, eps=BATCH_NORM_EPS)
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return functional.avg_pool2d(self.conv(functional.relu(self.bn(inputs))), 2, 2)


class DenseNet(nn.Module):
    """A DenseNet-BC following its spec unit by unit, then BN-ReLU, global pool and a linear classifier."""

    def __init__(self, spec: DenseNetSpec) -> None:
        super().__init__()
        self.spec = spec
        self.body = nn.ModuleDict()
        for unit, channels in zip(spec.layers, spec.input_channels(), strict=True):
            key = parameter_prefix(unit.layer_id).split(".", 1)[1]
            if unit.kind == STEM:
                self.body[key] = StemUnit(channels, unit.width)
            elif unit.kind == MINIBLOCK:
                self.body[key] = MiniblockUnit(channels, unit.width)
            else:
                self.body[key] = TransitionUnit(channels, unit.width)
        self.final_bn = nn.BatchNorm2d(spec.output_channels(), eps=BATCH_NORM_EPS)
        self.classifier = nn.Linear(spec.output_channels(), spec.num_classes)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        features = inputs
        for unit in self.body.values():
            features = unit(features)
        return self.classifier(functional.relu(self.final_bn(features)).mean(dim=(2, 3)))


def _construct(spec: Spec) -> nn.Module:
    if isinstance(spec, DenseNetSpec):
        return DenseNet(spec)
    if isinstance(spec, NetSpec):
        return PlainNet(spec)
    raise ValueError(f"build_model needs a NetSpec or a DenseNetSpec, got {type(spec).__name__}")


def build_model(spec: Spec, state_dict: dict[str, torch.Tensor] | None = None, *, seed: int | None = None) -> nn.Module:
    """A freshly initialised model for `spec`, or one holding `state_dict` (checked strictly).

    `seed` makes the initialisation reproducible without touching the caller's global RNG (it draws
    what `torch.manual_seed(seed)` followed by construction would draw, inside `fork_rng`).
    """
    if seed is None:
        model = _construct(spec)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = _construct(spec)
    if state_dict is not None:
        model.load_state_dict(state_dict, strict=True)
    return model
