"""Function-preserving network transformations (Net2Net as used by EAS) on spec + state dict.

Pure functions: `widen` and `deepen` return a new spec (built with `eas.spec.edits`) and a new
state dict; `apply_edits` applies a list of `eas.spec.Edit`s with them; `calibrate` gives inserted
layers a data-based BN identity; `check_preserved` measures how far two networks' logits differ.
`calibrate` and `check_preserved` import `eas.build` (they run the network).
"""

from eas.transforms.apply import DEFAULT_DEEPEN_NOISE, DEFAULT_WIDEN_NOISE, EditedNetwork, apply_edits
from eas.transforms.calibrate import calibrate
from eas.transforms.check import check_preserved
from eas.transforms.deeper import deepen
from eas.transforms.state import validate_state_dict
from eas.transforms.wider import widen

__all__ = [
    "DEFAULT_DEEPEN_NOISE",
    "DEFAULT_WIDEN_NOISE",
    "EditedNetwork",
    "apply_edits",
    "calibrate",
    "check_preserved",
    "deepen",
    "validate_state_dict",
    "widen",
]
