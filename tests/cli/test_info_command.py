"""`eas info` through `eas.cli.main`: the printed sizes match the spec, bad input exits with code 2."""

from __future__ import annotations

import re

import pytest

from eas.cli import main
from eas.cli.common import DEFAULT_ARCH
from eas.spec import NetSpec


def printed_number(output: str, label: str) -> int:
    match = re.search(rf"^{re.escape(label)}: ([\d,]+)$", output, flags=re.MULTILINE)
    assert match is not None, f"no {label!r} line in:\n{output}"
    return int(match.group(1).replace(",", ""))


@pytest.mark.parametrize(
    ("arguments", "arch", "input_shape", "classes"),
    [
        ([], DEFAULT_ARCH, (1, 28, 28), 10),
        (
            ["--arch", "conv-8-5 avgpool conv-12-1 pool conv-6-3 gap fc-20 fc-7", "--input-shape", "3,32,30"],
            "conv-8-5 avgpool conv-12-1 pool conv-6-3 gap fc-20 fc-7",
            (3, 32, 30),
            10,
        ),
        (["--arch", "conv-4-3 gap", "--input-shape", "2x5x5", "--classes", "3"], "conv-4-3 gap", (2, 5, 5), 3),
    ],
)
def test_info_prints_parameters_and_flops(capsys, arguments, arch, input_shape, classes) -> None:
    assert main(["info", *arguments]) == 0
    captured = capsys.readouterr()
    spec = NetSpec.parse(arch, input_shape, classes)
    assert printed_number(captured.out, "parameters") == spec.num_params()
    assert printed_number(captured.out, "FLOPs per image (multiply-add = 2)") == spec.flops()
    assert printed_number(captured.out, "blocks") == len(spec.blocks())
    assert f"architecture: {arch}" in captured.out
    assert f"input {input_shape}, {classes} classes" in captured.out
    assert captured.err == ""


def test_info_lists_every_layer_with_its_output_shape(capsys) -> None:
    assert main(["info", "--arch", "conv-4-3 pool conv-6-1 gap fc-5", "--input-shape", "1,8,6"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if re.match(r"^\s+\d+\s", line)]
    assert rows == [
        ["0", "conv-4-3", "0", "4x8x6"],
        ["1", "pool", "4x4x3"],
        ["2", "conv-6-1", "1", "6x4x3"],
        ["3", "gap", "6"],
        ["4", "fc-5", "2", "5"],
    ]


def test_default_network_numbers(capsys) -> None:
    assert main(["info"]) == 0
    output = capsys.readouterr().out
    assert "parameters: 28,282" in output
    assert "FLOPs per image (multiply-add = 2): 3,847,936" in output


@pytest.mark.parametrize(
    ("arch", "named"),
    [
        ("conv-16-3 relu gap", "'relu'"),
        ("conv-16-2 gap", "'conv-16-2'"),
        ("conv-0-3 gap", "'conv-0-3'"),
        ("conv-16-3 fc-10 gap", "'fc-10'"),
        ("conv-16-3 gap conv-8-3", "'conv-8-3'"),
        ("conv-16-3", "'gap'"),
        ("conv-16-3 pool pool pool pool pool gap", "'pool'"),
    ],
)
def test_bad_arch_exits_2_naming_the_token(capsys, arch: str, named: str) -> None:
    assert main(["info", "--arch", arch]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("eas info: error: ")
    assert named in captured.err


def test_bad_classes_exit_2(capsys) -> None:
    assert main(["info", "--classes", "1"]) == 2
    assert "num_classes must be at least 2" in capsys.readouterr().err


def test_bad_input_shape_is_an_argument_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["info", "--input-shape", "1,28"])
    assert exit_info.value.code == 2
    assert "expected C,H,W such as 1,28,28, got '1,28'" in capsys.readouterr().err


def test_info_describes_a_densenet(capsys) -> None:
    assert main(["info", "--arch", "densenet-bc depth=40 growth=12"]) == 0
    output = capsys.readouterr().out
    assert "densenet-bc stem24 g12" in output and "t48" in output
    assert "parameters: 175,690" in output and "dense blocks: 3" in output
    assert main(["info", "--arch", "densenet-bc depth=41 growth=12"]) == 2
    assert "depth must be 2nB + B + 1" in capsys.readouterr().err
