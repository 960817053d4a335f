"""The resumable CSV log and the job pool that the long benchmarks share (bench/results_log.py)."""

from __future__ import annotations

import operator

import pytest


def test_rows_are_appended_under_one_header(results_log, tmp_path) -> None:
    path = tmp_path / "results.csv"
    assert results_log.recorded(path) == []
    results_log.append_row(path, ("method", "accuracy"), {"method": "c", "accuracy": 0.94})
    results_log.append_row(path, ("method", "accuracy"), {"method": "l", "accuracy": 0.95})
    assert results_log.recorded(path) == [{"method": "c", "accuracy": "0.94"}, {"method": "l", "accuracy": "0.95"}]
    assert path.read_text().count("method,accuracy") == 1


def test_a_new_column_keeps_the_old_rows(results_log, tmp_path) -> None:
    path = tmp_path / "results.csv"
    results_log.append_row(path, ("method", "accuracy"), {"method": "c", "accuracy": 0.94})
    results_log.append_row(path, ("method", "dataset", "accuracy"), {"method": "l", "dataset": "svhn", "accuracy": 0.9})
    assert results_log.recorded(path) == [
        {"method": "c", "dataset": "", "accuracy": "0.94"},
        {"method": "l", "dataset": "svhn", "accuracy": "0.9"},
    ]


def test_a_dropped_column_is_refused_and_the_file_kept(results_log, tmp_path) -> None:
    path = tmp_path / "results.csv"
    results_log.append_row(path, ("method", "accuracy"), {"method": "c", "accuracy": 0.94})
    before = path.read_text()
    with pytest.raises(ValueError, match=r"\['accuracy'\].*move the file aside"):
        results_log.append_row(path, ("method",), {"method": "l"})
    assert path.read_text() == before


def test_one_worker_runs_the_jobs_here_in_order(results_log) -> None:
    calls: list[tuple[int, int]] = []

    def worker(first: int, second: int) -> int:  # a local function: it cannot be sent to another process
        calls.append((first, second))
        return first * second

    assert results_log.run_jobs(worker, [(2, 3), (4, 5)], workers=1) == [6, 20]
    assert calls == [(2, 3), (4, 5)]


def test_more_workers_return_every_result_in_task_order(results_log) -> None:
    tasks = [(number, 10) for number in range(5)]
    assert results_log.run_jobs(operator.add, tasks, workers=2) == [10, 11, 12, 13, 14]


def test_a_failed_job_is_raised(results_log) -> None:
    with pytest.raises(ZeroDivisionError):
        results_log.run_jobs(operator.truediv, [(1, 1), (1, 0)], workers=2)


def test_the_welch_line_gives_the_gap_t_and_p(results_log) -> None:
    # A gap of 3 over a standard error of sqrt(2/2 + 2/2) = 1.414: t = 2.12 on 2 degrees of freedom, where the
    # t-distribution's tail has a closed form, p = 1 - t / sqrt(2 + t^2) = 0.168.
    line = results_log.welch_line("l - c, test", [93.0, 95.0], [90.0, 92.0])
    assert line == "l - c, test: +3.00 points; Welch t = 2.12, p = 0.168"


def test_the_welch_line_needs_two_runs_a_side(results_log) -> None:
    with pytest.raises(ValueError, match=r"l - c, test: .*two runs or more on each side \(1 and 2\)"):
        results_log.welch_line("l - c, test", [95.0], [90.0, 92.0])


def test_the_paired_line_gives_t_p_and_degrees_of_freedom(results_log) -> None:
    # Differences 1, 3: mean 2, standard deviation sqrt(2), t = 2 / (sqrt(2) / sqrt(2)) = 2.00; on 1 degree
    # of freedom (Cauchy) the two-sided p is 1 - 2 atan(2) / pi = 0.295.
    line = results_log.paired_line([91.0, 95.0], [90.0, 92.0])
    assert line == "paired t = 2.00, p = 0.295 (two-sided, 1 degrees of freedom)"


def test_the_paired_line_without_spread_or_pairs(results_log) -> None:
    assert results_log.paired_line([91.0, 93.0], [90.0, 92.0]) == "paired t undefined: every difference is +1"
    with pytest.raises(ValueError, match=r"two pairs or more, of equal length \(1 and 1\)"):
        results_log.paired_line([95.0], [90.0])
    with pytest.raises(ValueError, match=r"\(2 and 3\)"):
        results_log.paired_line([95.0, 94.0], [90.0, 92.0, 93.0])
