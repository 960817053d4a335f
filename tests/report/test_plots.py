"""Each chart is a PNG, and a chart with nothing to show is left out instead of drawn empty."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib

from eas.report.data import load_run
from eas.report.edit_sites import count_edits
from eas.report.plots import controller_figure, edits_figure, pareto_figure, progress_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_every_chart_of_a_stored_run_is_a_png_and_leaves_no_figure_open(rl_run: Path, random_run: Path) -> None:
    import matplotlib.pyplot as plt

    runs = [load_run(rl_run), load_run(random_run)]
    charts = [progress_figure(runs), pareto_figure(runs[0]), controller_figure(runs[0]), controller_figure(runs[1])]
    charts.append(edits_figure(count_edits(runs[0].trials)))
    for chart in charts:
        assert chart is not None and chart.startswith(PNG_SIGNATURE)
    assert plt.get_fignums() == []
    assert matplotlib.get_backend().lower() == "agg"


def test_charts_without_data_are_none(rl_run: Path) -> None:
    run = load_run(rl_run)
    assert controller_figure(replace(run, episodes=())) is None
    start_only = tuple(t for t in run.trials if not t.is_child)
    assert edits_figure(count_edits(start_only)) is None
