"""Architecture specs: pure data describing networks, with no torch dependency."""

from eas.spec.action_space import ActionSpace, DeepenTarget
from eas.spec.any_spec import Spec, parse_spec, space_of, spec_from_dict, spec_from_json
from eas.spec.dense import DENSE_KEYWORD, DenseBlock, DenseNetSpec, DenseUnitSpec, is_dense_arch
from eas.spec.dense_edits import insert_miniblock, transition_targets, widen_unit
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
    "DENSE_KEYWORD",
    "KERNEL_SIZES",
    "WIDEN",
    "ActionSpace",
    "Block",
    "DeepenTarget",
    "DenseBlock",
    "DenseNetSpec",
    "DenseUnitSpec",
    "Edit",
    "LayerSpec",
    "NetSpec",
    "Spec",
    "apply_edit",
    "edited_spec",
    "insert_identity_layer",
    "insert_miniblock",
    "is_dense_arch",
    "parameter_prefix",
    "parse_spec",
    "space_of",
    "spec_from_dict",
    "spec_from_json",
    "transition_targets",
    "widen_layer",
    "widen_unit",
]
