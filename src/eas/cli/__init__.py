"""The `eas` command line: one sub-command per module, `main(argv) -> exit code`.

Nothing heavy happens at import time; each sub-command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from eas.cli import grow_command, info_command, search_command, train_command

COMMANDS = (info_command, train_command, grow_command, search_command)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(prog="eas", description="Efficient Architecture Search by network transformation")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")
    # The search logs INFO to its run directory's file; the terminal shows only what `level` allows.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    try:
        return int(args.run(args))
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"eas {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"eas {args.command}: interrupted", file=sys.stderr)
        return 130
