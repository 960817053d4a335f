"""Build a `torch.nn.Module` from a `NetSpec`.

Weighted layers live in a `ModuleDict` keyed by their stable layer id (`body.layer<id>.conv.weight`),
so inserting a layer never renames the weights of the others; pools hold no parameters and are
applied in `forward` from the spec.
"""

from __future__ import annotations

import torch
import torch.nn.functional as functional
from torch import nn

from eas.spec import NetSpec
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


def build_model(
    spec: NetSpec, state_dict: dict[str, torch.Tensor] | None = None, *, seed: int | None = None
) -> PlainNet:
    """A freshly initialised model for `spec`, or one holding `state_dict` (checked strictly).

    `seed` makes the initialisation reproducible without touching the caller's global RNG (it draws
    what `torch.manual_seed(seed)` followed by construction would draw, inside `fork_rng`).
    """
    if seed is None:
        model = PlainNet(spec)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = PlainNet(spec)
    if state_dict is not None:
        model.load_state_dict(state_dict, strict=True)
    return model
