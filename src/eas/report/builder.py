"""The report of one or several runs: which sections it has and what they say, from `RunData` to a
`Document`, and `write_report`, the one call the command line makes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eas.report.data import RunData, lineage, load_run, pareto_front, progress, top_trials
from eas.report.document import Document, Image, Paragraph, Part, Section, Table, write_document
from eas.report.drawing import network_figure
from eas.report.edit_sites import count_edits
from eas.report.plots import controller_figure, edits_figure, pareto_figure, progress_figure
from eas.search.trial import Trial
from eas.spec import spec_from_json

TOP_COUNT = 10


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _edits(trial: Trial) -> str:
    return ", ".join(edit.describe() for edit in trial.edits) or "-"


def summary_section(runs: list[RunData]) -> Section:
    """One row per run: strategy, networks trained, best validation accuracy, final test accuracy."""
    rows = []
    for run in runs:
        best, start = run.best(), run.start_trial()
        final = run.final or {}
        rows.append(
            (
                run.name,
                run.strategy,
                str(len(progress(run))),
                _percent(None if start is None else start.validation_accuracy),
                _percent(None if best is None else best.validation_accuracy),
                _percent(final.get("test_accuracy")),
                "-" if best is None else best.arch,
            )
        )
    headers = ("run", "strategy", "children trained", "start val. acc.", "best val. acc.", "final test acc.")
    table = Table((*headers, "best architecture"), tuple(rows))
    where = ", ".join(str(run.root) for run in runs)
    return Section("Runs", [Paragraph(f"Run directories: {where}."), table])


def progress_section(runs: list[RunData]) -> Section:
    """Validation accuracy against networks trained, wall-clock time and episodes, one curve per run."""
    caption = (
        "Validation accuracy of each trained child (dots) and the best so far (line, starting at the start "
        "network), against children trained and wall-clock time; right: best and mean child per episode."
    )
    return Section("Search progress", [Image("progress", progress_figure(runs), caption)])


def controller_section(run: RunData, key: str) -> Section:
    """Mean reward, baseline and entropy per episode, or why they are not shown."""
    figure = controller_figure(run)
    if figure is None:
        text = "No episode statistics were recorded for this run (no episode finished, or no search.log)."
        return Section("Controller", [Paragraph(text)], level=3)
    caption = f"Per episode of {run.name}: children's mean reward, the REINFORCE baseline and the policy entropy."
    return Section("Controller", [Image(f"{key}-controller", figure, caption)], level=3)


def cost_section(run: RunData, key: str) -> Section:
    """Accuracy against parameters and FLOPs, with the Pareto front as a table too."""
    front = pareto_front(run.evaluated(), "parameters")
    rows = tuple(
        (str(t.trial_id), _percent(t.validation_accuracy), _count(t.parameters), _count(t.flops), t.arch) for t in front
    )
    caption = f"Every evaluated network of {run.name}; the Pareto front (red) trades accuracy against cost."
    parts: list[Part] = [
        Image(f"{key}-pareto", pareto_figure(run), caption),
        Paragraph("Pareto front by parameters (no network is both smaller and more accurate):"),
        Table(("trial", "val. acc.", "parameters", "FLOPs", "architecture"), rows),
    ]
    return Section("Accuracy against cost", parts, level=3)


def edits_section(run: RunData, key: str) -> Section:
    """Heat maps of where the strategy widened and deepened, over episodes."""
    figure = edits_figure(count_edits(run.trials))
    if figure is None:
        return Section("Where the strategy acted", [Paragraph("No child was proposed yet.")], level=3)
    caption = (
        "Edits of every proposed child by episode: widen per layer (block and position in it at the time of the "
        "edit) and deepen per block and kernel size of the inserted layer."
    )
    return Section("Where the strategy acted", [Image(f"{key}-edits", figure, caption)], level=3)


def best_section(run: RunData, key: str) -> Section:
    """The best network drawn and the parent chain that led to it."""
    best = run.best()
    if best is None:
        return Section("Best network", [Paragraph("No network was evaluated.")], level=3)
    spec = spec_from_json(best.spec_json)
    title = f"trial {best.trial_id}: {_percent(best.validation_accuracy)} validation accuracy"
    facts = (
        f"Best network (trial {best.trial_id}, episode {best.episode}): {best.arch} - "
        f"{_count(best.parameters)} parameters, {_count(best.flops)} FLOPs per image."
    )
    chain = lineage(run, best)
    rows = tuple(
        (
            str(step),
            str(t.trial_id),
            "start" if not t.is_child else str(t.episode),
            _edits(t),
            _percent(t.validation_accuracy),
            _count(t.parameters),
            t.arch,
        )
        for step, t in enumerate(chain)
    )
    return Section(
        "Best network and its lineage",
        [
            Paragraph(facts),
            Image(f"{key}-best-network", network_figure(spec, title), f"The best network of {run.name}."),
            Paragraph("Lineage, from the start network to the best (each row's edits applied to the row above):"),
            Table(("step", "trial", "episode", "edits", "val. acc.", "parameters", "architecture"), rows),
        ],
        level=3,
    )


def top_section(run: RunData) -> Section:
    """The most accurate networks, one row per architecture."""
    rows = tuple(
        (
            str(rank),
            str(t.trial_id),
            "start" if not t.is_child else str(t.episode),
            _percent(t.validation_accuracy),
            _count(t.parameters),
            _count(t.flops),
            "-" if t.train_seconds is None else f"{t.train_seconds:.1f}",
            t.arch,
        )
        for rank, t in enumerate(top_trials(run, TOP_COUNT), start=1)
    )
    headers = ("rank", "trial", "episode", "val. acc.", "parameters", "FLOPs", "train s", "architecture")
    return Section(f"Top {TOP_COUNT} networks", [Table(headers, rows)], level=3)


def final_section(run: RunData) -> Section:
    """The final training's test accuracy (RUN/final/metrics.json), when the run has one."""
    if run.final is None:
        text = f"No final training yet; run `eas train --from-run {run.root}` to train the best network on every image."
        return Section("Final training", [Paragraph(text)], level=3)
    final = run.final
    result = final.get("result") or {}
    rows = (
        # The final network is the search's choice by its own score (cost-aware searches may prefer a
        # cheaper one), not necessarily the most accurate trial above.
        ("trial", str(final.get("trial", "-"))),
        ("architecture", str(final.get("arch", "-"))),
        ("test accuracy", _percent(final.get("test_accuracy"))),
        ("test accuracy, flip-averaged", _percent(final.get("flip_average_test_accuracy"))),
        ("validation accuracy during the search", _percent(final.get("search_validation_accuracy"))),
        ("epochs", f"{result.get('epochs_completed', '-')} of {result.get('epochs_planned', '-')}"),
        ("training seconds", f"{result.get('seconds', 0.0):.0f}"),
        ("parameters", _count(final.get("parameters"))),
        ("FLOPs per image", _count(final.get("flops"))),
    )
    return Section("Final training", [Table(("", "value"), rows)], level=3)


def build_document(runs: list[RunData]) -> Document:
    """Every section of the report, the runs compared first, then each run on its own."""
    if not runs:
        raise ValueError("a report needs at least one run directory")
    names = ", ".join(run.name for run in runs)
    document = Document(f"EAS search report: {names}", [summary_section(runs), progress_section(runs)])
    for index, run in enumerate(runs):
        key = f"run{index}"
        document.sections.append(Section(f"Run {run.name} (strategy {run.strategy})"))
        document.sections += [
            controller_section(run, key),
            cost_section(run, key),
            edits_section(run, key),
            best_section(run, key),
            top_section(run),
            final_section(run),
        ]
    return document


def unique_names(paths: Sequence[str | Path]) -> list[str]:
    """Run names for the report: the folder name, with its parent folder when two runs share it."""
    folders = [Path(path).resolve() for path in paths]
    names = [folder.name for folder in folders]
    return [f"{f.parent.name}/{f.name}" if names.count(f.name) > 1 else f.name for f in folders]


def write_report(run_dirs: Sequence[str | Path], out: str | Path) -> tuple[Path, Path]:
    """Read the runs and write `report.html` and `report.md` into `out`; returns their paths."""
    runs = [load_run(path, name) for path, name in zip(run_dirs, unique_names(run_dirs), strict=True)]
    return write_document(build_document(runs), out)
