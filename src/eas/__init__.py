"""eas: Efficient Architecture Search by network transformation, in PyTorch."""

from eas.build import build_model
from eas.spec import ActionSpace, LayerSpec, NetSpec

__version__ = "0.1.0"

__all__ = ["ActionSpace", "LayerSpec", "NetSpec", "__version__", "build_model"]
