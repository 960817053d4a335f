"""Imports point down the layers of docs/DESIGN.md, and only process owners touch global torch state.

Both checks read the source with `ast` (nothing is imported), so an import inside a function counts
as much as one at the top of a file: it is a dependency all the same, only a later one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE_ROOT = Path(__file__).resolve().parents[1] / "src" / "eas"

# The layers, lowest first: each part of `eas` and the parts it may import (itself included). A part
# is a sub-package or a top-level module. `eas/__init__.py` is the public face and may import anything.
_BELOW_EXECUTORS = {"spec", "transforms", "build", "train", "data", "checkpoint", "evaluation"}
_BELOW_FACES = {
    "spec",
    "transforms",
    "build",
    "checkpoint",
    "data",
    "train",
    "controller",
    "evaluation",
    "executors",
    "search",
}
ALLOWED: dict[str, set[str]] = {
    "spec": {"spec"},
    "build": {"build", "spec"},
    "transforms": {"transforms", "spec", "build"},
    # A checkpoint checks its weights against the model its spec builds (on the meta device).
    "checkpoint": {"checkpoint", "spec", "build"},
    "data": {"data"},
    "train": {"train", "data", "build", "spec"},
    "controller": {"controller", "spec"},
    "evaluation": {"evaluation", "spec", "transforms", "build", "train", "data", "checkpoint"},
    "executors": _BELOW_EXECUTORS | {"executors"},
    "search": _BELOW_FACES,
    # The faces sit on top; only the command line may import the command line.
    "report": _BELOW_FACES | {"report"},
    "export": _BELOW_FACES | {"export"},
    # The one-call job for notebooks (eas.find_network) drives a search, like the command line does.
    "find": _BELOW_FACES | {"find"},
    "cli": _BELOW_FACES | {"report", "export", "cli"},
}
ANYTHING = "*"
ROOT_PART = "__init__"  # eas/__init__.py
# Third-party packages a part must never import: `spec` is pure data, importable without torch.
FORBIDDEN_LIBRARIES = {"spec": {"torch"}}


def part_of(relative: Path) -> str:
    """The layer of a file given relative to src/eas: 'spec/network.py' -> 'spec', 'build.py' -> 'build'."""
    if relative == Path("__init__.py"):
        return ROOT_PART
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_modules(tree: ast.AST, relative: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import anywhere in the tree, relative ones resolved.

    `from eas import spec` yields 'eas.spec', so importing a sub-package by name counts like
    `import eas.spec`.
    """
    package = ["eas", *relative.parent.parts]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module == "eas":
                for alias in node.names:
                    yield node.lineno, f"eas.{alias.name}"
            else:
                yield node.lineno, module


def target_part(module: str) -> str | None:
    """The part of `eas` a module name points at, or None for a module outside the project."""
    pieces = module.split(".")
    if pieces[0] != "eas":
        return None
    return pieces[1] if len(pieces) > 1 else ROOT_PART


def layering_violations(relative: Path, source: str) -> list[str]:
    """'file:line: message' for each import of `source` (the file src/eas/`relative`) that breaks the layers."""
    part = part_of(relative)
    if part == ROOT_PART:
        return []
    tree = ast.parse(source, filename=str(relative))
    allowed = ALLOWED.get(part)
    problems: list[str] = []
    if allowed is None:
        return [f"eas/{relative}: part {part!r} is not in the layering table of tests/test_layering.py; add it"]
    for line, module in imported_modules(tree, relative):
        target = target_part(module)
        where = f"eas/{relative}:{line}"
        if target is None:
            library = module.split(".")[0]
            if library in FORBIDDEN_LIBRARIES.get(part, set()):
                problems.append(f"{where}: eas.{part} must not import {library} (import {module})")
        elif target == "cli" and part != "cli":
            problems.append(f"{where}: only eas.cli may import eas.cli (import {module})")
        elif target not in allowed:
            problems.append(
                f"{where}: eas.{part} may import only {sorted(allowed)}, not eas.{target} (import {module})"
            )
    return problems


def source_files() -> list[Path]:
    return sorted(path.relative_to(SOURCE_ROOT) for path in SOURCE_ROOT.rglob("*.py"))


def test_the_source_tree_is_where_the_test_looks() -> None:
    files = source_files()
    assert Path("spec/network.py") in files and Path("search/loop.py") in files and Path("build.py") in files


def test_imports_point_down_the_layers() -> None:
    problems = [
        problem
        for relative in source_files()
        for problem in layering_violations(relative, (SOURCE_ROOT / relative).read_text())
    ]
    assert not problems, "imports that point up the layers:\n" + "\n".join(problems)


# ----- the checker itself can fail -----------------------------------------------------------------
UPWARD_SOURCE = """\
from __future__ import annotations

import torch
from eas.spec.layers import LayerSpec
from . import layers
from ..search import run_search


def later():
    from eas.cli import main
    import eas.train.fit
    from eas import controller
"""


def test_the_checker_reports_upward_imports_with_their_lines() -> None:
    problems = layering_violations(Path("spec/network.py"), UPWARD_SOURCE)
    assert len(problems) == 5, problems
    assert problems[0] == "eas/spec/network.py:3: eas.spec must not import torch (import torch)"
    assert problems[1].startswith("eas/spec/network.py:6: eas.spec may import only ['spec'], not eas.search")
    assert problems[2] == "eas/spec/network.py:10: only eas.cli may import eas.cli (import eas.cli)"
    assert problems[3].endswith("not eas.train (import eas.train.fit)")
    assert problems[4].endswith("not eas.controller (import eas.controller)")


def test_the_checker_accepts_downward_imports_and_knows_the_exceptions() -> None:
    downward = "import torch\nfrom eas.spec import NetSpec\nfrom eas.build import build_model\nfrom .apply import x\n"
    assert layering_violations(Path("transforms/wider.py"), downward) == []
    assert layering_violations(Path("executors/local.py"), "from eas.search import run_search\n") != []
    assert layering_violations(Path("search/loop.py"), "from eas.executors import LocalExecutor\n") == []
    assert layering_violations(Path("cli/main.py"), "from eas.search import run_search\nimport eas.cli\n") == []
    assert layering_violations(Path("__init__.py"), "def f():\n    from eas.cli import main\n") == []
    assert layering_violations(Path("report/html.py"), "from eas.cli import main\n") != []
    assert layering_violations(Path("search/loop.py"), "from eas.report import tables\n") != []
    (unknown,) = layering_violations(Path("plots/draw.py"), "")
    assert "not in the layering table" in unknown


@pytest.mark.parametrize(
    ("relative", "line", "expected"),
    [
        (Path("search/strategies/base.py"), "from ..config import SearchConfig", "eas.search.config"),
        (Path("search/strategies/base.py"), "from ...cli import main", "eas.cli"),
        (Path("search/loop.py"), "from . import store", "eas.search"),
        (Path("build.py"), "from .spec import NetSpec", "eas.spec"),
    ],
)
def test_relative_imports_are_resolved(relative: Path, line: str, expected: str) -> None:
    assert [module for _, module in imported_modules(ast.parse(line), relative)] == [expected]


# ----- global torch state ------------------------------------------------------------------------
# Parts that own a process or its threads and so may set torch's global seed and thread count.
PROCESS_OWNERS = {"cli", "executors"}


def _called_name(call: ast.Call) -> str | None:
    """'torch.manual_seed' / 'set_num_threads' style name of what is called, for the calls checked here."""
    function = call.func
    if isinstance(function, ast.Attribute):
        if function.attr == "manual_seed" and isinstance(function.value, ast.Name) and function.value.id == "torch":
            return "torch.manual_seed"  # torch.Generator().manual_seed(...) is local state, not global
        if function.attr == "set_num_threads":
            return "set_num_threads"
    elif isinstance(function, ast.Name) and function.id in ("manual_seed", "set_num_threads"):
        return "torch.manual_seed" if function.id == "manual_seed" else "set_num_threads"
    return None


def _is_fork_rng(item: ast.withitem) -> bool:
    expression = item.context_expr
    function = expression.func if isinstance(expression, ast.Call) else expression
    return (isinstance(function, ast.Attribute) and function.attr == "fork_rng") or (
        isinstance(function, ast.Name) and function.id == "fork_rng"
    )


def global_state_violations(relative: Path, source: str) -> list[str]:
    """'file:line: message' for each call that changes torch's global seed or threads outside its owners."""
    if part_of(relative) in PROCESS_OWNERS:
        return []
    problems: list[str] = []

    def visit(node: ast.AST, inside_fork: bool) -> None:
        if isinstance(node, ast.Call):
            name = _called_name(node)
            if name == "set_num_threads":
                problems.append(f"eas/{relative}:{node.lineno}: set_num_threads outside eas.cli / eas.executors")
            elif name == "torch.manual_seed" and not inside_fork:
                problems.append(
                    f"eas/{relative}:{node.lineno}: torch.manual_seed outside a `with torch.random.fork_rng` block"
                )
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(_is_fork_rng(item) for item in node.items):
            for item in node.items:
                visit(item, inside_fork)
            for statement in node.body:
                visit(statement, True)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, inside_fork)

    visit(ast.parse(source, filename=str(relative)), False)
    return problems


def test_global_seed_and_threads_are_set_only_by_their_owners() -> None:
    problems = [
        problem
        for relative in source_files()
        for problem in global_state_violations(relative, (SOURCE_ROOT / relative).read_text())
    ]
    assert not problems, "calls that change torch's global state:\n" + "\n".join(problems)


GLOBAL_STATE_SOURCE = """\
import torch


def build(seed):
    torch.manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        torch.manual_seed(seed)
    torch.set_num_threads(1)
    return generator
"""


def test_the_global_state_checker_reports_each_offending_call() -> None:
    assert global_state_violations(Path("train/fit.py"), GLOBAL_STATE_SOURCE) == [
        "eas/train/fit.py:5: torch.manual_seed outside a `with torch.random.fork_rng` block",
        "eas/train/fit.py:10: torch.manual_seed outside a `with torch.random.fork_rng` block",
        "eas/train/fit.py:11: set_num_threads outside eas.cli / eas.executors",
    ]
    assert global_state_violations(Path("executors/pool.py"), GLOBAL_STATE_SOURCE) == []
    assert global_state_violations(Path("cli/__init__.py"), GLOBAL_STATE_SOURCE) == []
