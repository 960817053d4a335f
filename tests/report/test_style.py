"""The shared look: time units and run colours."""

from __future__ import annotations

from eas.report.style import RUN_COLOURS, run_colour, time_unit


def test_time_unit_follows_the_length_of_the_run() -> None:
    assert time_unit(120.0) == (1.0, "s")
    assert time_unit(2400.0) == (60.0, "min")
    assert time_unit(5 * 3600.0) == (3600.0, "h")


def test_run_colours_differ_and_cycle() -> None:
    assert run_colour(0) != run_colour(1)
    assert run_colour(len(RUN_COLOURS)) == run_colour(0)


def test_importing_the_report_code_leaves_the_backend_alone() -> None:
    import subprocess
    import sys

    program = "import matplotlib; matplotlib.use('svg'); import eas.cli, eas.report; print(matplotlib.get_backend())"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "svg"
