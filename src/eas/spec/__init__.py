"""Architecture specs: pure data describing networks, with no torch dependency."""

from eas.spec.action_space import ActionSpace, DeepenTarget
from eas.spec.edits import insert_identity_layer, widen_layer
from eas.spec.layers import CLASSIFIER_PREFIX, KERNEL_SIZES, LayerSpec, parameter_prefix
from eas.spec.network import Block, NetSpec

__all__ = [
    "CLASSIFIER_PREFIX",
    "KERNEL_SIZES",
    "ActionSpace",
    "Block",
    "DeepenTarget",
    "LayerSpec",
    "NetSpec",
    "insert_identity_layer",
    "parameter_prefix",
    "widen_layer",
]
