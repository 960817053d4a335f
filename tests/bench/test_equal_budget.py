"""bench/equal_budget.py: every method is described, and every method's command line is one `eas` accepts.

A 40-minute run that dies on a bad flag or a misspelt `--set` key loses its slot on a shared machine;
these checks read the command lines without training anything.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from eas.cli import build_parser
from eas.cli.search_command import build_config

SECONDS = 2400.0
PROBE = 450.0  # images/s, a slow day's speed probe (method m derives its epoch target from it)


def parsed(equal_budget, method: str, seed: int = 0):
    """The `eas` arguments of `method`'s command line, parsed as the CLI parses them."""
    line, _ = equal_budget.command(method, seed, SECONDS, Path("runs/x"), PROBE)
    assert line[0] == equal_budget.EAS
    return build_parser().parse_args(line[1:])


def test_every_method_is_described(equal_budget) -> None:
    lines = equal_budget.__doc__.splitlines()
    described = {line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")}
    assert set(equal_budget.METHODS) <= described


def test_every_search_command_builds_a_valid_config(equal_budget) -> None:
    for method in equal_budget.METHODS:
        args = parsed(equal_budget, method)
        if args.command != "search":
            continue
        config = build_config(args)
        assert config.time_budget == SECONDS
        assert config.train_final
        assert config.seed == 0


def test_alone_methods_train_their_network(equal_budget) -> None:
    expected = {
        "c": equal_budget.HAND_DESIGNED,
        "d": equal_budget.DEFAULT_ARCH,
        "k": equal_budget.SEARCHED,
        "o": equal_budget.SEARCHED_BY_N[0],
        "r": equal_budget.HALF_WIDTH,
    }
    for method, arch in expected.items():
        args = parsed(equal_budget, method)
        assert args.command == "train"
        assert args.arch == arch
        assert args.full_train
        assert args.time_budget == SECONDS


def test_q_takes_small_steps_priced_steeply(equal_budget) -> None:
    config = build_config(parsed(equal_budget, "q"))
    assert config.start == equal_budget.HALF_WIDTH
    assert (config.wider_actions, config.deeper_actions) == (1, 1)
    assert config.cost_exponent == -0.3
    assert config.cost_measure == "time"
    assert config.final_epochs_target == 40
    assert (config.start_share, config.final_share) == (0.1, 0.75)


def test_s_is_q_with_the_twin_and_less_search_at_the_same_price(equal_budget) -> None:
    q = build_config(parsed(equal_budget, "q"))
    s = build_config(parsed(equal_budget, "s"))
    assert s.parent_twin and not q.parent_twin
    assert (s.start_share, s.final_share) == (0.1, 0.8)
    # The same cost target per image: final_epochs_target epochs fill the final share.
    assert s.final_share / s.final_epochs_target == pytest.approx(q.final_share / q.final_epochs_target, rel=0.01)
    same = ("start", "wider_actions", "deeper_actions", "cost_exponent", "cost_measure")
    assert all(getattr(s, name) == getattr(q, name) for name in same)


def test_t_is_s_priced_as_the_preset_prices(equal_budget) -> None:
    s = build_config(parsed(equal_budget, "s"))
    t = build_config(parsed(equal_budget, "t"))
    assert t.cost_exponent == -0.1 and s.cost_exponent == -0.3
    assert replace(t, cost_exponent=s.cost_exponent) == s


def test_u_is_t_grown_late_at_the_same_price_per_image(equal_budget) -> None:
    t = build_config(parsed(equal_budget, "t"))
    u = build_config(parsed(equal_budget, "u"))
    assert (u.start_share, u.final_share) == (0.7, 0.2)
    assert u.one_schedule and u.parent_twin
    # The same cost target per image as t, to the nearest whole epoch.
    assert u.final_share / u.final_epochs_target == pytest.approx(t.final_share / t.final_epochs_target, rel=0.03)
    assert replace(u, start_share=t.start_share, final_share=t.final_share, final_epochs_target=43) == t


def test_v_is_u_from_the_hand_designed_network_at_m_s_target(equal_budget) -> None:
    u = build_config(parsed(equal_budget, "u"))
    m = build_config(parsed(equal_budget, "m"))
    v = build_config(parsed(equal_budget, "v"))
    assert v.start == equal_budget.HAND_DESIGNED
    assert (v.start_share, v.final_share) == (u.start_share, u.final_share)
    assert v.one_schedule and v.parent_twin
    assert (v.wider_actions, v.deeper_actions) == (u.wider_actions, u.deeper_actions) == (1, 1)
    assert v.cost_exponent == u.cost_exponent == -0.1
    assert v.action_space.filter_widths == m.action_space.filter_widths
    # m's target per image of final share, from the same probe: v's final share is 0.2 of m's 0.75.
    assert v.final_epochs_target == round(m.final_epochs_target * 0.2 / 0.75)


def test_w_is_l_with_the_cifar_weight_decay_in_the_final_training_only(equal_budget) -> None:
    l_config = build_config(parsed(equal_budget, "l"))
    w_config = build_config(parsed(equal_budget, "w"))
    assert w_config.final_training.weight_decay == 5e-4 and l_config.final_training.weight_decay == 1e-4
    assert w_config.child_training == l_config.child_training  # the search itself is l's
    assert replace(w_config, final_training=l_config.final_training) == l_config


def test_y_is_w_with_one_wider_and_one_deeper_action_per_child(equal_budget) -> None:
    w_config = build_config(parsed(equal_budget, "w"))
    y_config = build_config(parsed(equal_budget, "y"))
    assert (y_config.wider_actions, y_config.deeper_actions) == (1, 1)
    assert (w_config.wider_actions, w_config.deeper_actions) == (2, 2)
    assert replace(y_config, wider_actions=2, deeper_actions=2) == w_config


def test_x_is_c_with_the_cifar_weight_decay(equal_budget) -> None:
    c_args, x_args = parsed(equal_budget, "c"), parsed(equal_budget, "x")
    assert (x_args.weight_decay, c_args.weight_decay) == (5e-4, 1e-4)
    assert vars(x_args) | {"weight_decay": c_args.weight_decay} == vars(c_args)


def test_a_run_keeps_what_its_command_printed(equal_budget, results_log, tmp_path, monkeypatch) -> None:
    """The printed view (the twin's line among it) is kept in OUT/<run>.out, and the CSV row still
    comes from the run's metrics.json."""

    def fake_run(line, check, stdout):
        result = Path(line[line.index("--out") + 1])
        result.mkdir(parents=True)
        metrics = {"test_accuracy": 0.9, "flip_average_test_accuracy": 0.91, "parameters": 7, "arch": "fc-10"}
        (result / "metrics.json").write_text(json.dumps(metrics))
        stdout.write("test accuracy 90.00%\n")

    monkeypatch.setattr(equal_budget, "machine_speed", lambda: PROBE)
    monkeypatch.setattr(results_log.subprocess, "run", fake_run)
    row = equal_budget.run_one("c", 0, 40.0, tmp_path / "runs")
    assert (tmp_path / "runs" / "c-seed0-40min.out").read_text() == "test accuracy 90.00%\n"
    assert (row["test_accuracy"], row["parameters"], row["probe_images_per_second"]) == (0.9, 7, PROBE)
    assert row["flip_average_test_accuracy"] == 0.91 and set(row) == set(equal_budget.FIELDS)


def test_the_summary_tests_each_method_against_the_hand_designed_network_of_its_speed(equal_budget, capsys) -> None:
    def row(method: str, accuracy: float, probe: str = "800", minutes: float = 120.0) -> dict[str, str]:
        return {
            "method": method,
            "seed": "0",
            "minutes": str(minutes),
            "test_accuracy": str(accuracy),
            "parameters": "300000",
            "wall_seconds": "7200",
            "probe_images_per_second": probe,
        }

    rows = [row("c", 0.950), row("c", 0.948, probe="950"), row("c", 0.90, probe="450"), row("c", 0.90, probe="")]
    rows += [row("l", 0.945, probe="780"), row("l", 0.951, probe="820"), row("m", 0.95)]
    rows += [row("v", 0.94, probe=""), row("v", 0.95, probe="")]  # no probe: no day to compare with
    rows += [row("u", 0.90, minutes=40.0), row("u", 0.91, minutes=40.0)]  # another budget: not in this table
    equal_budget.summary(rows, 120.0)
    tests = [line for line in capsys.readouterr().out.splitlines() if "Welch" in line]
    # l (probes 780, 820; median 800) against the two runs of c probed within 1.25x of 800 (800 and 950), not
    # those probed at 450 or not probed: 94.5, 95.1 against 95.0, 94.8; standard error sqrt(0.18 / 2 + 0.02 / 2)
    # = 0.316, t = -0.10 / 0.316. m has one run and c is not tested against itself.
    assert len(tests) == 1
    assert tests[0].startswith("l - c (2 runs of c at l's speed), test: -0.10 points; Welch t = -0.32, p = ")
