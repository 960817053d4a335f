"""The report of stored runs: every section present, with the figures and numbers of those runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eas.report import RunData, build_document, load_run, write_report
from eas.report.builder import unique_names
from eas.report.document import Document, Image, Paragraph, Section, Table


def _section(document: Document, title: str) -> Section:
    return next(section for section in document.sections if section.title.startswith(title))


# Drawing a report takes seconds: each document is built once for the tests that read it.
@pytest.fixture(scope="module")
def both(rl_run: Path, random_run: Path) -> tuple[list[RunData], Document]:
    runs = [load_run(rl_run), load_run(random_run)]
    return runs, build_document(runs)


@pytest.fixture(scope="module")
def random_only(random_run: Path) -> Document:
    return build_document([load_run(random_run)])


def test_a_report_of_two_runs_has_every_section(both: tuple[list[RunData], Document]) -> None:
    document = both[1]
    titles = [section.title for section in document.sections]
    assert titles[:2] == ["Runs", "Search progress"]
    for name, strategy in (("rl", "rl"), ("random", "random")):
        assert f"Run {name} (strategy {strategy})" in titles
    per_run = ["Controller", "Accuracy against cost", "Where the strategy acted", "Best network and its lineage"]
    per_run += ["Top 10 networks", "Final training"]
    assert sum(title in per_run for title in titles) == 2 * len(per_run)
    names = [image.name for image in document.images()]
    assert names == ["progress"] + [
        f"run{i}-{kind}" for i in (0, 1) for kind in ("controller", "pareto", "edits", "best-network")
    ]


def test_summary_table_gives_best_validation_and_final_test_accuracy(both: tuple[list[RunData], Document]) -> None:
    runs, document = both
    table = next(part for part in _section(document, "Runs").parts if isinstance(part, Table))
    rl_row, random_row = table.rows
    best = runs[0].best()
    assert best is not None and rl_row[4] == f"{100 * best.validation_accuracy:.2f}%"
    assert rl_row[5] == f"{100 * runs[0].final['test_accuracy']:.2f}%"
    assert random_row[5] == "-" and random_row[1] == "random"


def test_run_sections_show_lineage_top_networks_and_final_training(both: tuple[list[RunData], Document]) -> None:
    # The first run's sections come first: these are the rl run's.
    run, document = both[0][0], both[1]
    best = run.best()
    assert best is not None
    lineage = next(p for p in _section(document, "Best network").parts if isinstance(p, Table))
    assert lineage.rows[0][2] == "start" and lineage.rows[-1][1] == str(best.trial_id)
    top = _section(document, "Top 10").parts[0]
    assert isinstance(top, Table) and top.rows[0][1] == str(best.trial_id)
    assert len({row[-1] for row in top.rows}) == len(top.rows)
    final = _section(document, "Final training").parts[0]
    assert isinstance(final, Table) and ("test accuracy", f"{100 * run.final['test_accuracy']:.2f}%") in final.rows
    # The toy dataset's images are never flipped: no flip-averaged figure, shown as such.
    assert ("test accuracy, flip-averaged", "-") in final.rows


def test_a_run_without_final_training_says_how_to_get_one(random_only: Document) -> None:
    final = _section(random_only, "Final training").parts[0]
    assert isinstance(final, Paragraph) and "eas train --from-run" in final.text


def test_a_random_search_still_gets_its_reward_chart(random_only: Document) -> None:
    # Its baseline and entropy panels say "not recorded" (see test_plots); the mean reward is drawn.
    controller = _section(random_only, "Controller").parts[0]
    assert isinstance(controller, Image) and controller.name == "run0-controller"


def test_write_report_writes_html_markdown_and_one_png_per_figure(tmp_path: Path, rl_run: Path) -> None:
    html_path, markdown_path = write_report([rl_run], tmp_path / "report")
    links = re.findall(r"\]\(([^)]+\.png)\)", markdown_path.read_text())
    assert len(links) == 5 and all((markdown_path.parent / link).is_file() for link in links)
    assert html_path.read_text().count('<img src="data:image/png;base64,') == 5


def test_no_runs_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="at least one run"):
        build_document([])


def test_runs_sharing_a_folder_name_are_told_apart_by_their_parent() -> None:
    assert unique_names(["x/a-seed0", "y/a-seed0", "z/b"]) == ["x/a-seed0", "y/a-seed0", "b"]
