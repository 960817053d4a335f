"""The executor protocol: the local executor satisfies it, and executors never import the search."""

from __future__ import annotations

import subprocess
import sys

from eas.executors import Executor, LocalExecutor


def test_local_executor_is_an_executor() -> None:
    executor: Executor = LocalExecutor()
    assert callable(executor.run)


def test_importing_the_executors_does_not_import_the_search() -> None:
    code = "import sys, eas.executors; print(any(name.startswith('eas.search') for name in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"
