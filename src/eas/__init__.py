"""eas: Efficient Architecture Search by network transformation, in PyTorch.

`import eas.spec` stays free of torch: the torch-backed names below are imported on first use.
"""

from __future__ import annotations

from typing import Any

from eas.spec import ActionSpace, LayerSpec, NetSpec

__version__ = "0.1.0"

_LAZY = {
    "build_model": ("eas.build", "build_model"),
    "widen": ("eas.transforms", "widen"),
    "deepen": ("eas.transforms", "deepen"),
    "find_network": ("eas.find", "find_network"),
    "FoundNetwork": ("eas.find", "FoundNetwork"),
}

__all__ = [
    "ActionSpace",
    "FoundNetwork",
    "LayerSpec",
    "NetSpec",
    "__version__",
    "build_model",
    "deepen",
    "find_network",
    "widen",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'eas' has no attribute {name!r}")
