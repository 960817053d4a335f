"""`eas search` and `eas train --from-run` on a toy dataset, through `eas.cli.main`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eas.cli import main
from eas.search import RunLockedError  # noqa: F401 - the CLI maps it to exit code 2
from eas.search.store import RunLock
from tests.toy_data import write_toy_npz


def test_search_then_final_training(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"
    run_dir = tmp_path / "run"
    arguments = ["search", "--preset", "smoke", "--dataset", dataset, "--run-dir", str(run_dir), "--episodes", "1"]
    assert main(arguments) == 0
    output = capsys.readouterr().out
    assert "best architecture:" in output and f"run directory: {run_dir}" in output
    assert "best validation accuracy:" in output

    assert main(["train", "--from-run", str(run_dir), "--epochs", "1"]) == 0
    output = capsys.readouterr().out
    assert "test accuracy:" in output and (run_dir / "final" / "weights.safetensors").is_file()

    # A second final training without --out would replace the first one's checkpoint and test accuracy.
    stored = (run_dir / "final" / "weights.safetensors").read_bytes()
    assert main(["train", "--from-run", str(run_dir), "--epochs", "1"]) == 2
    assert "already holds this run's final network" in capsys.readouterr().err
    assert (run_dir / "final" / "weights.safetensors").read_bytes() == stored
    # --overwrite is the way the message gives to replace it.
    assert main(["train", "--from-run", str(run_dir), "--epochs", "1", "--overwrite"]) == 0
    assert "test accuracy:" in capsys.readouterr().out

    with RunLock(run_dir):
        assert main(arguments) == 2
    assert "in use" in capsys.readouterr().err


def test_search_rejects_unknown_preset(tmp_path: Path, capsys) -> None:
    assert main(["search", "--preset", "nope", "--run-dir", str(tmp_path / "r")]) == 2
    assert "unknown preset" in capsys.readouterr().err


def test_search_with_train_final_prints_the_test_accuracy_and_how_to_train_longer(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"
    run_dir = tmp_path / "run"
    arguments = ["search", "--preset", "smoke", "--dataset", dataset, "--run-dir", str(run_dir), "--episodes", "1"]
    assert main([*arguments, "--train-final"]) == 0
    output = capsys.readouterr().out
    assert "test accuracy:" in output and "final network: trial" in output
    assert f"eas train --from-run {run_dir} --time-budget SECONDS" in output
    assert (run_dir / "final" / "metrics.json").is_file()

    # Training "it" longer trains the network the final training chose, from its searched weights.
    chosen = json.loads((run_dir / "final" / "metrics.json").read_text())["trial"]
    assert main(["train", "--from-run", str(run_dir), "--epochs", "1", "--out", str(tmp_path / "longer")]) == 0
    assert f"final training of trial {chosen} " in capsys.readouterr().err


def test_search_flags_reach_the_config() -> None:
    from eas.cli import build_parser
    from eas.cli.search_command import build_config

    arguments = ["search", "--run-dir", "r", "--time-budget", "900", "--train-final", "--final-share", "0.4"]
    arguments += ["--start-share", "0.2", "--cost-exponent", "-0.07", "--restart-every", "3", "--stage-epochs", "2"]
    config = build_config(build_parser().parse_args(arguments))
    assert (config.time_budget, config.train_final, config.final_share) == (900.0, True, 0.4)
    assert (config.start_share, config.cost_exponent, config.restart_every) == (0.2, -0.07, 3)
    assert config.stage_training is not None and config.stage_training.epochs == 2
    assert config.stage_training.train_subset is None
    no_restart = build_config(build_parser().parse_args(["search", "--run-dir", "r", "--restart-every", "0"]))
    assert no_restart.restart_every is None
    search_only = build_config(build_parser().parse_args(["search", "--run-dir", "r", "--no-train-final"]))
    assert search_only.train_final is False
    slower = build_config(build_parser().parse_args(["search", "--run-dir", "r", "--final-lr", "0.01"]))
    assert slower.final_training.learning_rate == 0.01 and slower.final_training.epochs == 30
    assert config.one_schedule and config.start_recipe().schedule_window == (0.0, 0.2)  # the preset's
    no_budget = build_config(build_parser().parse_args(["search", "--run-dir", "r", "--no-time-budget"]))
    assert no_budget.start_share is None and not no_budget.one_schedule
    separate = build_config(build_parser().parse_args([*arguments, "--set", "one_schedule=false"]))
    assert not separate.one_schedule and separate.start_recipe().schedule_window == (0.0, 1.0)
    assert not config.parent_twin  # the preset's
    assert build_config(build_parser().parse_args([*arguments, "--parent-twin"])).parent_twin


def test_search_on_the_pool_executor_and_in_the_densenet_space(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"
    common = ["search", "--preset", "smoke", "--dataset", dataset, "--episodes", "1"]
    pool = ["--executor", "pool", "--workers", "2", "--threads", "1", "--child-retries", "0"]
    assert main([*common, *pool, "--run-dir", str(tmp_path / "pool")]) == 0
    assert "best architecture:" in capsys.readouterr().out
    assert main([*common, "--space", "densenet", "--run-dir", str(tmp_path / "dense")]) == 0
    assert "best architecture: densenet-bc" in capsys.readouterr().out
    with pytest.raises(SystemExit) as raised:  # argparse's own check of --executor's choices
        main([*common, "--executor", "dask", "--run-dir", str(tmp_path / "x")])
    assert raised.value.code == 2
    assert main([*common, "--start", "densenet-bc stem4 g2", "--run-dir", str(tmp_path / "y")]) == 2
    assert "--space densenet" in capsys.readouterr().err


def test_set_overrides_the_preset_and_the_other_flags() -> None:
    from eas.cli import build_parser
    from eas.cli.search_command import build_config

    arguments = ["search", "--run-dir", "r", "--preset", "smoke", "--child-epochs", "3", "--seed", "4"]
    arguments += ["--set", "child_training.epochs=2", "--set", "action_space.max_params=1000000"]
    arguments += ["--set", "controller.learning_rate=0.001", "--set", "seed=9"]
    config = build_config(build_parser().parse_args(arguments))
    assert config.child_training.epochs == 2 and config.seed == 9  # --set wins over --child-epochs and --seed
    assert config.action_space.max_params == 1_000_000 and config.controller.learning_rate == 0.001


def test_a_bad_set_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    arguments = ["search", "--preset", "smoke", "--run-dir", str(tmp_path / "r"), "--set", "child_training.epoch=2"]
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "child_training.epoch" in error and "epochs" in error and len(error.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_device_reaches_every_recipe_including_the_stage_recipe() -> None:
    from eas.cli import build_parser
    from eas.cli.search_command import build_config

    config = build_config(build_parser().parse_args(["search", "--run-dir", "r", "--preset", "paper-cifar10"]))
    assert config.stage_training is not None and config.stage_training.device == "cpu"
    arguments = ["search", "--run-dir", "r", "--preset", "paper-cifar10", "--device", "cuda"]
    config = build_config(build_parser().parse_args(arguments))
    recipes = (config.start_training, config.child_training, config.final_training, config.stage_training)
    assert all(recipe is not None and recipe.device == "cuda" for recipe in recipes)


def test_the_paper_preset_starts_on_a_toy_set_and_records_each_session(tmp_path: Path, capsys) -> None:
    import json

    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=300, test=40)}"
    run_dir = tmp_path / "paper"
    # The paper's protocol cut to almost nothing: one child of one action, one epoch each, on 64 images.
    cuts = ["start_training.epochs=1", "child_training.epochs=1", "start_training.train_subset=64"]
    cuts += ["child_training.train_subset=64", "networks_per_episode=1", "wider_actions=1", "deeper_actions=0"]
    arguments = ["search", "--preset", "paper-cifar10", "--dataset", dataset, "--run-dir", str(run_dir)]
    arguments += ["--episodes", "1", "--no-train-final"]
    for cut in cuts:
        arguments += ["--set", cut]
    assert main(arguments) == 0
    assert "best architecture:" in capsys.readouterr().out
    stored = json.loads((run_dir / "config.json").read_text())
    assert stored["restart_every"] == 30 and stored["child_training"]["learning_rate"] == 0.02
    assert stored["start"].startswith("conv-16-3 pool conv-32-3 pool conv-64-3 pool conv-128-3")
    sessions = json.loads((run_dir / "environment.json").read_text())["sessions"]
    assert len(sessions) == 1 and sessions[0]["devices"] == ["cpu"]
    # A resume (nothing left to do) adds its own record and keeps the first.
    assert main(arguments) == 0
    resumed = json.loads((run_dir / "environment.json").read_text())["sessions"]
    assert len(resumed) == 2 and resumed[0] == sessions[0]


def test_search_with_tensorboard_logs_every_stored_child_and_episode(toy_dataset_name: str, tmp_path: Path) -> None:
    import json

    from eas.search import TrialStore
    from tests.report.test_tensorboard import read_log, scalar_points, texts

    pytest.importorskip("tensorboard", reason="--tensorboard needs tensorboard: pip install 'eas[report]'")
    run_dir = tmp_path / "run"
    arguments = ["search", "--preset", "smoke", "--dataset", toy_dataset_name, "--run-dir", str(run_dir)]
    assert main([*arguments, "--episodes", "2", "--train-final", "--tensorboard"]) == 0

    board = read_log(run_dir / "tensorboard")  # the default folder
    store = TrialStore(run_dir / "trials.sqlite")
    children = [trial for trial in store.trials() if trial.is_child]
    store.close()
    assert len(children) == 6  # two episodes of three networks
    for tag, attribute in [
        ("child/validation_accuracy", "validation_accuracy"),
        ("child/accuracy_before_fine_tune", "accuracy_before"),
        ("child/parameters", "parameters"),
        ("child/flops", "flops"),
        ("child/seconds", "train_seconds"),
    ]:
        stored = [(trial.trial_id, getattr(trial, attribute)) for trial in children]
        logged = sorted(scalar_points(board, tag))  # written as children finish, not in trial order
        assert [step for step, _ in logged] == [trial_id for trial_id, value in stored if value is not None], tag
        for (_, value), (_, expected) in zip(logged, [pair for pair in stored if pair[1] is not None], strict=True):
            assert value == pytest.approx(expected, rel=1e-6), tag
    assert sorted(step for step, _ in texts(board, "child/architecture")) == [trial.trial_id for trial in children]
    for tag in ["episode/mean_reward", "episode/baseline", "episode/entropy", "episode/best_accuracy"]:
        assert [step for step, _ in scalar_points(board, tag)] == [0, 1], tag
    test_accuracy = json.loads((run_dir / "final" / "metrics.json").read_text())["test_accuracy"]
    assert scalar_points(board, "final/test_accuracy") == [(0, pytest.approx(test_accuracy, rel=1e-6))]


def test_search_with_tensorboard_but_without_the_package_says_what_to_install(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # as where tensorboard is not installed
    run_dir = tmp_path / "run"
    assert main(["search", "--preset", "smoke", "--run-dir", str(run_dir), "--tensorboard", str(tmp_path / "tb")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "pip install 'eas[report]'" in error
    assert not run_dir.exists() and not (tmp_path / "tb").exists()  # refused before anything started
