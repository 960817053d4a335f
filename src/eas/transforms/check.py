"""Forward passes for the transforms: a model over given tensors, input checks, `check_preserved`.

DESIGN.md lets `transforms` import only `spec`; calibration and the preservation check need a
forward pass, so this module (and `calibrate`, through it) imports `eas.build` as well, on purpose.
"""

from __future__ import annotations

import torch
from torch import nn

from eas.build import build_model
from eas.spec import CLASSIFIER_PREFIX, Spec
from eas.transforms.state import StateDict, validate_state_dict


def validate_inputs(spec: Spec, inputs: object, what: str, minimum_batch: int = 1) -> torch.Tensor:
    """`inputs` if it is a float batch N x C x H x W matching `spec.input_shape` with N >= minimum_batch."""
    channels, height, width = spec.input_shape
    if not isinstance(inputs, torch.Tensor):
        raise ValueError(
            f"{what} must be a float tensor of images N x {channels} x {height} x {width}, got {type(inputs).__name__}"
        )
    if not inputs.is_floating_point():
        raise ValueError(
            f"{what} must be floating point (network inputs), got dtype {inputs.dtype}; convert it "
            "with .float() and normalise it as in training"
        )
    if inputs.dim() != 4 or tuple(inputs.shape[1:]) != spec.input_shape:
        raise ValueError(
            f"{what} must have shape N x {channels} x {height} x {width} for this spec, got {tuple(inputs.shape)}"
        )
    if inputs.shape[0] < minimum_batch:
        raise ValueError(f"{what} needs at least {minimum_batch} images, got {inputs.shape[0]}")
    return inputs


def load_model(spec: Spec, state_dict: StateDict, dtype: torch.dtype | None = None) -> nn.Module:
    """A model of `spec` that uses the tensors of `state_dict` themselves (cast to `dtype` if given).

    Built on the meta device and then assigned, so no random initialisation is paid for; a caller
    that runs it in train mode must pass tensors it owns (BatchNorm updates its buffers in place).
    """
    with torch.device("meta"):
        model = build_model(spec)
    tensors = {
        key: value.detach().to(dtype) if dtype is not None and value.is_floating_point() else value.detach()
        for key, value in state_dict.items()
    }
    model.load_state_dict(tensors, strict=True, assign=True)
    return model


def check_preserved(spec_a: Spec, state_a: StateDict, spec_b: Spec, state_b: StateDict, inputs: torch.Tensor) -> float:
    """The largest |logit difference| between two networks on `inputs`, in eval mode, float32,
    without gradients: 0 up to rounding when the second is a function-preserving edit of the first."""
    validate_state_dict(spec_a, state_a)
    validate_state_dict(spec_b, state_b)
    validate_inputs(spec_a, inputs, "check_preserved inputs")
    validate_inputs(spec_b, inputs, "check_preserved inputs")
    if spec_a.num_classes != spec_b.num_classes:
        raise ValueError(
            f"check_preserved: the networks have {spec_a.num_classes} and {spec_b.num_classes} "
            "classes; compare networks with the same classifier"
        )
    logits = []
    for spec, state in ((spec_a, state_a), (spec_b, state_b)):
        model = load_model(spec, state, torch.float32).eval()
        device = state[f"{CLASSIFIER_PREFIX}.weight"].device
        with torch.no_grad():
            logits.append(model(inputs.detach().to(device=device, dtype=torch.float32)))
    return float((logits[0] - logits[1].to(logits[0].device)).abs().max())
