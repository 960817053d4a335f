"""Architecture specs: pure data describing networks, with no torch dependency."""

from eas.spec.action_space import ActionSpace, DeepenTarget
from eas.spec.edits import (
    DEEPEN,
    DEFAULT_KERNEL,
    WIDEN,
    Edit,
    apply_edit,
    edited_spec,
    insert_identity_layer,
    widen_layer,
)
from eas.spec.layers import BATCH_NORM_EPS, CLASSIFIER_PREFIX, KERNEL_SIZES, LayerSpec, parameter_prefix
from eas.spec.network import DEFAULT_ARCH, Block, NetSpec

__all__ = [
    "BATCH_NORM_EPS",
    "CLASSIFIER_PREFIX",
    "DEEPEN",
    "DEFAULT_ARCH",
    "DEFAULT_KERNEL",
    "KERNEL_SIZES",
    "WIDEN",
    "ActionSpace",
    "Block",
    "DeepenTarget",
    "Edit",
    "LayerSpec",
    "NetSpec",
    "apply_edit",
    "edited_spec",
    "insert_identity_layer",
    "parameter_prefix",
    "widen_layer",
]
