"""The drawing of a network: one box per layer or unit, blocks, the classifier last, a PNG."""

from __future__ import annotations

from eas.report.drawing import network_boxes, network_figure
from eas.spec import parse_spec

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plain_network_boxes_follow_the_layers_and_their_blocks() -> None:
    boxes = network_boxes(parse_spec("conv-16-3 pool conv-32-5 gap fc-64"))
    assert [box.kind for box in boxes] == ["conv", "pool", "conv", "pool", "fc", "classifier"]
    assert [box.block for box in boxes] == [0, None, 1, None, 2, None]
    assert boxes[2].label == "conv 32\n5x5" and boxes[4].width == 64


def test_dense_network_boxes_show_stem_miniblocks_and_transitions() -> None:
    boxes = network_boxes(parse_spec("densenet-bc stem8 g4 g6 t8 g4"))
    assert [box.kind for box in boxes] == ["stem", "miniblock", "miniblock", "transition", "miniblock", "classifier"]
    assert [box.block for box in boxes[1:5]] == [0, 0, None, 1]


def test_network_figure_is_a_png() -> None:
    assert network_figure(parse_spec("conv-4-3 pool conv-8-3 gap"), "a title").startswith(PNG_SIGNATURE)
