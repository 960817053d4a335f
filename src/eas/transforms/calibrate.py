"""Data-based BatchNorm identity for inserted layers (the EAS calibration of Net2DeeperNet).

Without it an inserted layer's BN is an identity only in eval mode; in train mode it normalises
with batch statistics and fine-tuning starts from a different function. Runs a forward pass, so it
imports `eas.build` through `eas.transforms.check`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import torch
from torch import nn

from eas.spec import BATCH_NORM_EPS, CLASSIFIER_PREFIX, LayerSpec, NetSpec
from eas.transforms.check import load_model, validate_inputs
from eas.transforms.state import (
    StateDict,
    batch_norm_key,
    batch_norm_module,
    clone_state_dict,
    validate_state_dict,
    with_replacements,
)

# How far a BN may be from an identity and still count as one of an inserted, untrained layer;
# well above float rounding, far below what training or random initialisation produce.
IDENTITY_TOLERANCE = 1e-3


def calibrate(spec: NetSpec, state_dict: StateDict, layer_ids: Iterable[int], inputs: torch.Tensor) -> StateDict:
    """Set the BatchNorm of the inserted identity layers `layer_ids` from the batch `inputs`.

    For each such layer, with mu and var the per-channel mean and biased variance of its BN input
    on `inputs`: running_mean = mu, running_var = var, bias = mu, weight = sqrt(var + eps). In eval
    mode the BN is then an exact identity (as before, so the network's function is unchanged); in
    train mode it is an identity on `inputs` and close to one on batches like them.

    The statistics are the train-mode ones, because fine-tuning runs in train mode: one forward
    pass in train mode, where each layer is calibrated just before its BN runs so that later
    layers see the calibrated earlier ones. The BN input equals the layer's input while the layer
    is still an identity; unlike the layer's input it keeps the BN's width after the layer or the
    one before it is widened. Every listed layer's BN must still be an identity (e.g. not trained).
    """
    validate_state_dict(spec, state_dict)
    targets = _validate_layer_ids(spec, layer_ids)
    validate_inputs(spec, inputs, "calibrate inputs", minimum_batch=2)
    for layer in targets:
        _require_identity(layer, state_dict)
    if not targets:
        return clone_state_dict(state_dict)

    # The forward pass updates BN buffers in place, so it runs on a copy the caller never sees.
    model = load_model(spec, clone_state_dict(state_dict)).train()
    statistics: dict[int, StateDict] = {}
    handles = []
    for layer in targets:
        module = model.get_submodule(batch_norm_module(layer))
        handles.append(module.register_forward_pre_hook(partial(_calibrate_in_place, layer.layer_id, statistics)))
    classifier = state_dict[f"{CLASSIFIER_PREFIX}.weight"]
    try:
        with torch.no_grad():
            model(inputs.detach().to(device=classifier.device, dtype=classifier.dtype))
    finally:
        for handle in handles:
            handle.remove()

    replacements: StateDict = {}
    for layer in targets:
        for entry, value in statistics[layer.layer_id].items():
            reference = state_dict[batch_norm_key(layer, entry)]
            replacements[batch_norm_key(layer, entry)] = value.to(dtype=reference.dtype, device=reference.device)
    return with_replacements(state_dict, replacements)


def _calibrate_in_place(layer_id: int, statistics: dict[int, StateDict], module: nn.Module, args: tuple) -> None:
    # A forward pre-hook: sets the BN from the batch it is about to normalise.
    features = args[0].double()
    dims = [0] if features.dim() == 2 else [0, 2, 3]
    mean = features.mean(dims)
    variance = features.var(dims, correction=0)
    values = {
        "weight": torch.sqrt(variance + BATCH_NORM_EPS),
        "bias": mean,
        "running_mean": mean,
        "running_var": variance,
    }
    statistics[layer_id] = values
    for entry, value in values.items():
        target = getattr(module, entry)
        target.copy_(value.to(target.dtype))


def _validate_layer_ids(spec: NetSpec, layer_ids: Iterable[int]) -> list[LayerSpec]:
    if isinstance(layer_ids, (int, str)):
        raise ValueError(f"calibrate: layer_ids must be a list of layer ids, got {layer_ids!r}; wrap one id in a list")
    ids = list(layer_ids)
    by_id = {layer.layer_id: layer for layer in spec.layers}
    targets = []
    for layer_id in ids:
        layer = by_id.get(layer_id) if isinstance(layer_id, int) and not isinstance(layer_id, bool) else None
        if layer is None:
            raise ValueError(
                f"calibrate: no layer has id {layer_id!r}; ids are LayerSpec.layer_id values, present: {sorted(by_id)}"
            )
        if not layer.is_weighted:
            raise ValueError(f"calibrate: layer id {layer_id} is {layer.token()!r}, which has no BatchNorm")
        targets.append(layer)
    if len(set(ids)) != len(ids):
        raise ValueError(f"calibrate: layer_ids has duplicates: {ids}")
    return targets


def _require_identity(layer: LayerSpec, state_dict: StateDict) -> None:
    # Replacing a BN that is not an identity would change the network's function.
    weight, bias, mean, variance = (
        state_dict[batch_norm_key(layer, entry)].detach().double()
        for entry in ("weight", "bias", "running_mean", "running_var")
    )
    scale = weight / torch.sqrt(variance + BATCH_NORM_EPS)
    shift = bias - mean * scale
    scale_error = float((scale - 1).abs().max())
    shift_error = float((shift.abs() / (1 + mean.abs())).max())
    if scale_error > IDENTITY_TOLERANCE or shift_error > IDENTITY_TOLERANCE:
        raise ValueError(
            f"calibrate: the BatchNorm of layer id {layer.layer_id} ({layer.token()}) is not an identity "
            f"(scale off by {scale_error:.3g}, shift off by {shift_error:.3g}), so replacing it would change the "
            "network; calibrate only inserted layers, before they are trained"
        )
