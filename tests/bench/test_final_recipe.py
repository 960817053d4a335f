"""bench/final_recipe.py: each variant changes only what it names, and a run records every job once."""

from __future__ import annotations

import csv
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from eas.search.presets import FINAL_RECIPE
from eas.spec import parse_spec


def test_each_variant_differs_from_the_final_recipe_in_its_own_settings_only(final_recipe) -> None:
    for variant, settings in final_recipe.VARIANTS.items():
        config = final_recipe.recipe(variant, epochs=7, seed=3, device="cpu")
        changed = {
            field.name
            for field in fields(FINAL_RECIPE)
            if getattr(config, field.name) != getattr(FINAL_RECIPE, field.name)
        }
        assert changed == {"epochs", "seed"} | set(settings), variant
        assert (config.epochs, config.seed) == (7, 3)
    assert final_recipe.VARIANTS["final"] == {}


def test_each_network_is_the_one_its_runs_recorded(final_recipe) -> None:
    # Parameter counts as bench/results/equal_budget.csv records them for (c), (r) and (l) seed 2: a network
    # misspelt here would measure recipes on a network no run kept.
    counts = {name: parse_spec(arch).num_params() for name, arch in final_recipe.NETWORKS.items()}
    assert counts == {"hand": 304_810, "half": 76_890, "grown": 500_618}


def test_a_run_records_each_job_once_and_skips_it_when_run_again(
    final_recipe, toy_dataset_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    table = tmp_path / "recipe.csv"
    line = ["final_recipe.py", "--dataset", toy_dataset_name, "--network", "half", "--epochs", "1", "--seeds", "0"]
    line += ["--variants", "final", "no-augment", "--threads", "1", "--csv", str(table)]
    monkeypatch.setattr(sys, "argv", line)
    final_recipe.main()
    first = capsys.readouterr().out
    with table.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["variant"], row["network"], row["dataset"], row["seed"], row["epochs"]) for row in rows] == [
        ("final", "half", toy_dataset_name, "0", "1"),
        ("no-augment", "half", toy_dataset_name, "0", "1"),
    ]
    for row in rows:
        assert 0.0 <= float(row["validation_accuracy"]) <= 1.0
        assert 0.0 <= float(row["test_accuracy"]) <= 1.0
        assert float(row["images_per_second"]) > 0
    assert "final         half  seed 0: validation" in first
    final_recipe.main()
    assert "seed 0:" not in capsys.readouterr().out  # nothing trained again
    with table.open(newline="") as stream:
        assert len(list(csv.DictReader(stream))) == 2


def test_the_summary_gives_each_variant_s_difference_from_the_final_recipe(final_recipe, capsys) -> None:
    def row(variant: str, seed: int, validation: float, test: float) -> dict[str, str]:
        figures = {"validation_accuracy": str(validation), "test_accuracy": str(test), "images_per_second": "500"}
        return {"variant": variant, "network": "hand", "seed": str(seed), "epochs": "30", **figures}

    rows = [row("final", 0, 0.90, 0.91), row("final", 1, 0.92, 0.93), row("smoothing-0.1", 0, 0.93, 0.915)]
    rows.append(row("decay-5e-4", 0, 0.99, 0.99) | {"epochs": "15"})  # another epoch count: not in this table
    rows.append(row("lr-0.1", 0, 0.99, 0.99) | {"dataset": "cifar10"})  # another dataset: not in this table
    rows[0]["dataset"] = ""  # a row of the CSV before it had the column: the default dataset's
    final_recipe.summary(rows, "hand", 30)
    printed = capsys.readouterr().out.splitlines()
    smoothing = next(line for line in printed if line.startswith("smoothing-0.1"))
    assert smoothing.split() == ["smoothing-0.1", "1", "93.00", "nan", "+2.00", "91.50", "nan", "-0.50", "500"]
    final = next(line for line in printed if line.startswith("final"))
    assert final.split() == ["final", "2", "91.00", "1.41", "92.00", "1.41", "500"]
    assert not any(line.startswith(("decay-5e-4", "lr-0.1")) for line in printed)
    assert "hand network, fashion-mnist, 30 epochs" in printed[1]


def test_the_summary_tests_each_validation_difference_with_two_runs_or_more(final_recipe, capsys) -> None:
    def row(variant: str, validation: float) -> dict[str, str]:
        figures = {"validation_accuracy": str(validation), "test_accuracy": "0.9", "images_per_second": "500"}
        return {"variant": variant, "network": "half", "seed": "0", "epochs": "30", **figures}

    # final 90, 92 and no-erasing 93, 95: a gap of 3 points over a standard error of sqrt(2/2 + 2/2).
    rows = [row("final", 0.90), row("final", 0.92), row("no-erasing", 0.93), row("no-erasing", 0.95)]
    rows.append(row("decay-5e-4", 0.99))  # one run: no test
    final_recipe.summary(rows, "half", 30)
    tests = [line for line in capsys.readouterr().out.splitlines() if "Welch" in line]
    assert len(tests) == 1
    assert tests[0].startswith("no-erasing - final, validation: +3.00 points; Welch t = 2.12, p = ")
