"""`eas presets`: the named search settings, one line each, or one preset's every value."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register `eas presets`."""
    parser = subparsers.add_parser("presets", help="list the search presets, or show one preset's settings")
    parser.add_argument("name", nargs="?", default=None, metavar="NAME", help="show this preset's resolved values")
    parser.add_argument("--json", action="store_true", help="print the values as the JSON of config.json")
    parser.set_defaults(run=run)


def preset_lines() -> list[str]:
    """One line per preset: its name, padded, and what it is for."""
    from eas.search.presets import DESCRIPTIONS, PRESETS

    width = max(len(name) for name in PRESETS)
    return [f"{name:<{width}}  {DESCRIPTIONS.get(name, '')}".rstrip() for name in PRESETS]


def value_lines(values: dict[str, Any]) -> list[str]:
    """`key = value` lines, nested fields dotted (`child_training.epochs = 20`), the '=' signs aligned."""
    from eas.search.overrides import flatten

    flat = flatten(values)
    width = max(len(key) for key in flat)
    # JSON spelling (true, null, [16, 32]) so that a line can be pasted back as `--set key=value`.
    return [f"{key:<{width}} = {json.dumps(value)}" for key, value in flat.items()]


def run(args: argparse.Namespace) -> int:
    """Print the list, or the named preset's values."""
    if args.name is None:
        if args.json:
            raise ValueError("--json needs a preset NAME")
        print("\n".join(preset_lines()))
        print("\nshow one: eas presets NAME; use one: eas search --preset NAME [--set key=value ...]")
        return 0
    from eas.search import preset

    values = preset(args.name).to_dict()
    print(json.dumps(values, indent=2, sort_keys=True) if args.json else "\n".join(value_lines(values)))
    return 0
