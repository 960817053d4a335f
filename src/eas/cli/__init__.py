"""The `eas` command line: one sub-command per module, `main(argv) -> exit code`.

Nothing heavy happens at import time; each sub-command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from eas.cli import (
    export_command,
    grow_command,
    info_command,
    predict_command,
    presets_command,
    report_command,
    search_command,
    train_command,
    trials_command,
)

COMMANDS = (
    info_command,
    train_command,
    grow_command,
    search_command,
    presets_command,
    trials_command,
    export_command,
    predict_command,
    report_command,
)
# Errors that mean the input is wrong (a bad value, a missing or existing file): one line, status 2.
BAD_INPUT_ERRORS = (
    ValueError,
    FileNotFoundError,
    FileExistsError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2, like every other bad
    input (argparse's own prints the whole usage first, which buries the message)."""

    def error(self, message: str) -> NoReturn:
        """Print `prog: error: message` and a pointer to --help, then exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = OneLineParser(prog="eas", description="Efficient Architecture Search by network transformation")
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
        code = int(args.run(args))
        sys.stdout.flush()  # here, where a closed pipe can still be caught, not at interpreter exit
        return code
    except BrokenPipeError:
        # Whoever read the output stopped early (`eas presets fashion-cpu | head`): nothing went wrong
        # here. Point stdout at /dev/null so the flush at exit does not raise the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except BAD_INPUT_ERRORS as error:
        # With -v the traceback goes to the log too, for whoever wants to see where the check fired.
        logging.debug("bad input", exc_info=True)
        print(f"eas {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"eas {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.verbose:
            raise  # -v asks for the traceback
        print(
            f"eas {args.command}: unexpected error: {type(error).__name__}: {_one_line(error)} "
            "(run again with -v for the traceback, and report it if it persists)",
            file=sys.stderr,
        )
        return 1


def _one_line(error: BaseException) -> str:
    # A message spread over lines (numpy and torch write some) would break the one-line promise.
    return " ".join(str(error).split()) or type(error).__name__
