"""`eas presets`: the list, one preset's values (key = value or JSON), and that printed keys work with --set."""

from __future__ import annotations

import json

from eas.cli import main
from eas.search.overrides import apply_overrides
from eas.search.presets import DESCRIPTIONS, PRESETS, preset


def test_the_list_has_one_line_per_preset_with_its_description(capsys) -> None:
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in PRESETS:
        matching = [line for line in lines if line.split() and line.split()[0] == name]
        assert len(matching) == 1, name
        assert DESCRIPTIONS[name] in matching[0]
    # Descriptions start in one column.
    columns = {
        line.index(DESCRIPTIONS[line.split()[0]]) for line in lines if line.split() and line.split()[0] in PRESETS
    }
    assert len(columns) == 1


def test_one_preset_is_listed_as_aligned_dotted_keys(capsys) -> None:
    assert main(["presets", "paper-cifar10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    values = {line.partition(" = ")[0].strip(): json.loads(line.partition(" = ")[2]) for line in lines}
    assert values["child_training.epochs"] == 20
    assert values["restart_every"] == 30
    assert values["stage_training.epochs"] == preset("paper-cifar10").stage_training.epochs  # type: ignore[union-attr]
    assert values["action_space.max_params"] is None
    assert values["dataset"] == "cifar10"
    assert len({line.index(" = ") for line in lines}) == 1


def test_json_output_is_the_configs_dict(capsys) -> None:
    assert main(["presets", "smoke-densenet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == preset("smoke-densenet").to_dict()


def test_every_printed_line_can_be_passed_back_to_set(capsys) -> None:
    # The listing is the reference for --set keys: each line, pasted back, is accepted and changes nothing.
    for name in ("paper-cifar10-densenet", "fashion-cpu"):
        assert main(["presets", name]) == 0
        config = preset(name)
        assignments = [
            f"{key.strip()}={value}"
            for key, _, value in (line.partition(" = ") for line in capsys.readouterr().out.splitlines())
        ]
        assert len(assignments) > 40
        assert apply_overrides(config, assignments) == config


def test_unknown_preset_and_json_without_a_name_are_bad_input(capsys) -> None:
    assert main(["presets", "imagenet-tpu"]) == 2
    assert "unknown preset 'imagenet-tpu'" in capsys.readouterr().err
    assert main(["presets", "--json"]) == 2
    assert "--json needs a preset NAME" in capsys.readouterr().err


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    # `eas presets fashion-cpu | head -3`: the reader closes the pipe before reading it all (here before
    # eas, still importing, has written anything, so the write is sure to meet a closed pipe).
    import subprocess
    import sys

    eas = [sys.executable, "-c", "import sys; from eas.cli import main; sys.exit(main())", "presets", "fashion-cpu"]
    writer = subprocess.Popen(eas, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert writer.stdout is not None
    writer.stdout.close()
    # Generous: the limit only stops a hung writer; importing torch took over 60 s at the lowest priority on a
    # 2-core machine busy with two training jobs, and this test asserts behaviour, not speed.
    _, errors = writer.communicate(timeout=600)
    assert writer.returncode == 0
    assert b"BrokenPipeError" not in errors and b"Traceback" not in errors
