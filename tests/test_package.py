"""The package's top level: the public names exist, and the spec layer never pulls in torch."""

from __future__ import annotations

import subprocess
import sys

import eas


def test_public_api_names() -> None:
    spec = eas.NetSpec.parse("conv-4-3 gap")
    assert callable(eas.build_model) and callable(eas.widen) and callable(eas.deepen)
    assert eas.build_model(spec).classifier.out_features == 10


def test_importing_the_spec_does_not_import_torch() -> None:
    code = "import sys, eas.spec; print('torch' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"
