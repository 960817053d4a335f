"""`eas report`: an HTML and a Markdown report of one or several search runs (charts, tables, the best
network drawn), for looking at a run or comparing strategies on the same axes."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register `eas report`."""
    parser = subparsers.add_parser(
        "report",
        help="write report.html and report.md for search runs",
        description="Charts and tables of search runs: progress (several runs share the axes), the controller's "
        "reward, baseline and entropy, accuracy against parameters and FLOPs, where the strategy edited, the best "
        "network and its lineage, the top networks and the final test accuracy. Needs matplotlib (eas[report]).",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN", help="run directories written by `eas search --run-dir`")
    parser.add_argument("--out", required=True, help="folder for report.html, report.md and the PNG figures")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the report and print where it is."""
    from eas.report import write_report

    html_path, markdown_path = write_report(args.runs, args.out)
    print(f"report: {html_path}")
    print(f"markdown: {markdown_path} (figures beside it)")
    return 0
