"""One look for every report figure, and the switch to matplotlib's Agg backend.

The backend is chosen here, when a report is drawn, never when `eas` is imported: a notebook or a
program that imported matplotlib itself keeps its own backend until it asks for a report.
"""

from __future__ import annotations

import io
from typing import Any

# Colours of the runs in comparison plots (matplotlib's tab10, readable in print), then the roles.
RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
FRONT_COLOUR = "#d62728"
BEST_COLOUR = "#2ca02c"
_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.frameon": False,
}


def pyplot() -> Any:
    """`matplotlib.pyplot` on the Agg backend with the report style; an `ImportError` that says which
    extra to install when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("reports need matplotlib: pip install 'eas[report]'") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings: Any = plt.rcParams  # typed with literal keys only; the style's keys are checked at run time
    settings.update(_STYLE)
    return plt


def run_colour(index: int) -> str:
    """The colour of the `index`-th run of a report."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]


def png_bytes(figure: Any) -> bytes:
    """The figure as PNG bytes; the figure is closed (reports draw many, pyplot would keep them all)."""
    plt = pyplot()
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", bbox_inches="tight")
    finally:
        plt.close(figure)
    return buffer.getvalue()


def time_unit(max_seconds: float) -> tuple[float, str]:
    """(divisor, unit name) for a time axis: seconds for short runs, minutes up to 3 hours, then hours."""
    if max_seconds < 300:
        return 1.0, "s"
    if max_seconds < 3 * 3600:
        return 60.0, "min"
    return 3600.0, "h"
