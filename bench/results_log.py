"""The resumable result log of the long benchmarks: one CSV row per finished measurement, appended at
once, so that an interrupted benchmark skips what it already measured when it is run again; and what each
measured command printed, kept in a file beside its run folder; the pool that runs a benchmark's jobs;
and the lines that test a difference between two sets of runs (independent, or paired)."""

from __future__ import annotations

import csv
import multiprocessing
import statistics
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scipy import stats


def run_keeping_output(line: Sequence[str], printed: Path, *, append: bool = False) -> None:
    """Run the command `line` (failing if it fails) with its standard output written to `printed`,
    appended to for a run that resumes an earlier one (`append`). The run folder holds a search's own
    log, but not its printed view: the twin's line, each episode's row, the final result."""
    printed.parent.mkdir(parents=True, exist_ok=True)
    with printed.open("a" if append else "w") as stream:
        subprocess.run(list(line), check=True, stdout=stream)


def recorded(path: Path) -> list[dict[str, str]]:
    """Rows already in the CSV (none when it does not exist yet)."""
    if not path.is_file():
        return []
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def append_row(path: Path, fields: Sequence[str], row: Mapping[str, object]) -> None:
    """Append `row` to the CSV, writing the header first when the file is new. A CSV written before
    the benchmark gained a column is rewritten first with the new header (its rows keep their values and
    leave the new columns empty), so old and new rows stay in one table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.is_file()
    if not new_file:
        with path.open(newline="") as stream:
            header = next(csv.reader(stream), [])
        if header != list(fields):
            _rewrite(path, fields, header)
    with path.open("a", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(fields), lineterminator="\n")
        if new_file:
            writer.writeheader()
        writer.writerow(row)


def _rewrite(path: Path, fields: Sequence[str], header: Sequence[str]) -> None:
    """Rewrite the CSV under the header `fields`; refuses to drop a column the file has, since that would
    lose measurements."""
    dropped = [name for name in header if name not in fields]
    if dropped:
        raise ValueError(f"{path} has columns {dropped} that this benchmark no longer writes; move the file aside")
    rows = recorded(path)
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(fields), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    temporary.replace(path)  # all at once: a crash leaves the old file or the new one, never half of one


def run_jobs(worker: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], workers: int) -> list[Any]:
    """`worker(*task)` for each task, `workers` at a time, in task order; the first failure is raised.
    With one worker the jobs run in this process, one after another. More run in fresh (spawned)
    processes: a forked child inherits the parent's OpenMP thread pool, which can hang torch, and each
    job sets its own thread count. Each job should record its own result as it finishes, so that an
    interrupted benchmark keeps what finished."""
    tasks = list(tasks)
    if workers == 1:
        return [worker(*task) for task in tasks]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending = [pool.apply_async(worker, task) for task in tasks]
        return [result.get() for result in pending]


def welch_line(label: str, values: Sequence[float], base: Sequence[float]) -> str:
    """`label`, the difference of the means of `values` and `base` (in points, as given) and a two-sided
    Welch t-test of it, for a summary to print; each side needs two runs or more. Welch, not Student: the
    methods and variants compared here spread differently (a search's final network varies by seed, a
    fixed network less)."""
    if len(values) < 2 or len(base) < 2:
        raise ValueError(f"{label}: a t-test needs two runs or more on each side ({len(values)} and {len(base)})")
    welch = stats.ttest_ind(values, base, equal_var=False)
    gap = statistics.mean(values) - statistics.mean(base)
    return f"{label}: {gap:+.2f} points; Welch t = {welch.statistic:.2f}, p = {welch.pvalue:.3f}"


def paired_line(values: Sequence[float], base: Sequence[float]) -> str:
    """A two-sided paired t-test of `values` against `base` (the i-th of each a pair: one network scored
    two ways, or two strategies from one seed's start), for a summary to print; it needs two pairs or more.
    When every difference is the same the test is undefined (no spread), and the line says so."""
    if len(values) != len(base) or len(values) < 2:
        raise ValueError(f"a paired t-test needs two pairs or more, of equal length ({len(values)} and {len(base)})")
    differences = [value - other for value, other in zip(values, base, strict=True)]
    if len(set(differences)) == 1:
        return f"paired t undefined: every difference is {differences[0]:+.4g}"
    paired = stats.ttest_rel(values, base)
    freedom = len(values) - 1
    return f"paired t = {paired.statistic:.2f}, p = {paired.pvalue:.3f} (two-sided, {freedom} degrees of freedom)"
