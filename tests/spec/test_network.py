"""Tests of `eas.spec.network`: parsing, JSON, validation, blocks, shapes, sizes and hashes of `NetSpec`."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eas.spec
from eas.build import build_model
from eas.spec import Block, LayerSpec, NetSpec
from eas.spec.layers import AVG_POOL, CONV, FC, GLOBAL_POOL, MAX_POOL

DEFAULT_ARCH = "conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64"

input_shapes = st.tuples(st.integers(1, 3), st.integers(1, 40), st.integers(1, 40))


@st.composite
def arch_strings(draw: st.DrawFn, input_shape: tuple[int, int, int]) -> str:
    """A valid token string for `input_shape`: convs (widths 1..64, kernels 1/3/5) and 2x2 pools
    in any order (pools only while the map is at least 2x2), at least one conv, one gap, 0-3 fc."""
    height, width = input_shape[1:]
    tokens: list[str] = []
    for kind in draw(st.lists(st.sampled_from(["conv", "conv", "pool", "avgpool"]), max_size=9)):
        if kind == "conv":
            tokens.append(f"conv-{draw(st.integers(1, 64))}-{draw(st.sampled_from((1, 3, 5)))}")
        elif min(height, width) >= 2:
            tokens.append(kind)
            height, width = height // 2, width // 2
    if "conv" not in " ".join(tokens):
        tokens.insert(draw(st.integers(0, len(tokens))), f"conv-{draw(st.integers(1, 64))}-3")
    tokens.append("gap")
    tokens.extend(f"fc-{draw(st.integers(1, 64))}" for _ in range(draw(st.integers(0, 3))))
    return " ".join(tokens)


@st.composite
def specs_with_strings(draw: st.DrawFn) -> tuple[NetSpec, str]:
    shape = draw(input_shapes)
    text = draw(arch_strings(shape))
    return NetSpec.parse(text, shape, draw(st.integers(2, 100))), text


@st.composite
def specs_with_ids(draw: st.DrawFn) -> NetSpec:
    """Generated specs whose layer ids are unique but arbitrary (as after insertions)."""
    spec, _ = draw(specs_with_strings())
    ids = draw(st.lists(st.integers(0, 10_000), min_size=len(spec.layers), max_size=len(spec.layers), unique=True))
    layers = tuple(
        LayerSpec(layer.kind, layer.width, layer.kernel_size, layer_id)
        for layer, layer_id in zip(spec.layers, ids, strict=True)
    )
    return NetSpec(layers, spec.input_shape, spec.num_classes)


def expected_shapes(text: str, input_shape: tuple[int, int, int]) -> list[tuple[int, ...]]:
    """An independent reading of the token string: channels follow conv/fc widths, pools floor-halve."""
    channels, height, width = input_shape
    pooled = False
    shapes: list[tuple[int, ...]] = []
    for token in text.split():
        if token.startswith(("conv-", "fc-")):
            channels = int(token.split("-")[1])
        elif token == "gap":
            pooled = True
        else:
            height, width = height // 2, width // 2
        shapes.append((channels,) if pooled else (channels, height, width))
    return shapes


# ----- round trips -------------------------------------------------------------------------------
@settings(deadline=None)
@given(specs_with_strings())
def test_parse_to_string_round_trip(spec_and_text: tuple[NetSpec, str]) -> None:
    spec, text = spec_and_text
    assert spec.to_string() == text
    assert [layer.layer_id for layer in spec.layers] == list(range(len(text.split())))
    assert NetSpec.parse(spec.to_string(), spec.input_shape, spec.num_classes) == spec


@settings(deadline=None)
@given(specs_with_ids())
def test_json_round_trip_keeps_ids_shape_and_classes(spec: NetSpec) -> None:
    text = spec.to_json()
    restored = NetSpec.from_json(text)
    assert restored == spec
    assert [layer.layer_id for layer in restored.layers] == [layer.layer_id for layer in spec.layers]
    assert restored.input_shape == spec.input_shape
    assert restored.num_classes == spec.num_classes
    data = json.loads(text)
    assert data == {
        "arch": spec.to_string(),
        "layer_ids": [layer.layer_id for layer in spec.layers],
        "input_shape": list(spec.input_shape),
        "num_classes": spec.num_classes,
    }
    assert NetSpec.from_dict(spec.to_dict()) == spec


def test_to_json_is_canonical() -> None:
    spec = NetSpec.parse("conv-8-3 gap", (3, 4, 5), 7)
    assert spec.to_json() == '{"arch": "conv-8-3 gap", "input_shape": [3, 4, 5], "layer_ids": [0, 1], "num_classes": 7}'


def test_from_dict_without_ids_numbers_layers_in_order() -> None:
    spec = NetSpec.from_dict({"arch": "conv-8-3 pool conv-4-1 gap", "input_shape": [1, 8, 8], "num_classes": 3})
    assert [layer.layer_id for layer in spec.layers] == [0, 1, 2, 3]
    assert spec == NetSpec.parse("conv-8-3 pool conv-4-1 gap", (1, 8, 8), 3)


@pytest.mark.parametrize("missing", ["arch", "input_shape", "num_classes"])
def test_from_dict_names_a_missing_field(missing: str) -> None:
    data = {"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": 3}
    del data[missing]
    with pytest.raises(ValueError, match=f"lacks the field '{missing}'"):
        NetSpec.from_dict(data)


def test_from_dict_rejects_wrong_number_of_ids() -> None:
    data = {"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": 3, "layer_ids": [0, 1, 2]}
    with pytest.raises(ValueError, match="3 layer_ids for 2 layers"):
        NetSpec.from_dict(data)


def test_from_dict_rejects_duplicate_ids() -> None:
    data = {"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": 3, "layer_ids": [4, 4]}
    with pytest.raises(ValueError, match=r"layer ids must be unique, got \[4, 4\]"):
        NetSpec.from_dict(data)


def test_construction_normalises_lists_to_tuples() -> None:
    layers = [LayerSpec(CONV, 8, 3, 0), LayerSpec(GLOBAL_POOL, layer_id=1)]
    spec = NetSpec(layers, [2, 6, 6], 4)  # type: ignore[arg-type]
    assert isinstance(spec.layers, tuple) and spec.input_shape == (2, 6, 6)
    assert spec == NetSpec(tuple(layers), (2, 6, 6), 4)
    hash(spec)  # frozen and hashable: usable as a cache key


# ----- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "input_shape", "match"),
    [
        ("conv-16-3 relu gap", (1, 28, 28), r"unknown token 'relu'"),
        ("conv-16-2 gap", (1, 28, 28), r"token 'conv-16-2': kernel must be one of \(1, 3, 5\)"),
        ("conv-16-4 gap", (1, 28, 28), r"token 'conv-16-4': kernel must be one of \(1, 3, 5\)"),
        ("conv-0-3 gap", (1, 28, 28), r"token 'conv-0-3': filters must be a positive integer"),
        ("conv-8-3 gap fc-0", (1, 28, 28), r"token 'fc-0': units must be a positive integer"),
        ("conv-8-3 pool pool gap", (1, 2, 2), r"token 2 'pool': the feature map is 1x1 here"),
        ("conv-8-3 pool avgpool gap", (1, 3, 3), r"token 2 'avgpool': the feature map is 1x1 here"),
        ("conv-8-3 pool gap", (1, 1, 8), r"token 1 'pool': the feature map is 1x8 here"),
        ("conv-8-3 pool pool pool gap", (1, 16, 5), r"token 3 'pool': the feature map is 4x1 here"),
        ("conv-8-3 gap conv-8-3", (1, 28, 28), r"token 2 'conv-8-3': only fc layers may follow 'gap'"),
        ("conv-8-3 gap fc-4 conv-8-3", (1, 28, 28), r"token 3 'conv-8-3': only fc layers may follow 'gap'"),
        ("conv-8-3 gap pool", (1, 28, 28), r"token 2 'pool': only fc layers may follow 'gap'"),
        ("conv-8-3 gap avgpool", (1, 28, 28), r"token 2 'avgpool': only fc layers may follow 'gap'"),
        ("conv-8-3 fc-10 gap", (1, 28, 28), r"token 1 'fc-10': fc layers must come after 'gap'"),
        ("fc-10 conv-8-3 gap", (1, 28, 28), r"token 0 'fc-10': fc layers must come after 'gap'"),
        ("conv-8-3", (1, 28, 28), r"needs a 'gap'"),
        ("conv-8-3 pool conv-4-3 pool", (1, 28, 28), r"needs a 'gap'"),
        ("conv-8-3 gap gap", (1, 28, 28), r"token 2 'gap': only one 'gap' is allowed"),
        ("conv-8-3 gap fc-3 gap", (1, 28, 28), r"token 3 'gap': only one 'gap' is allowed"),
        ("gap", (1, 28, 28), r"token 0 'gap': 'gap' needs a conv layer before it"),
        ("pool gap fc-4", (1, 28, 28), r"token 1 'gap': 'gap' needs a conv layer before it"),
        ("", (1, 28, 28), r"empty architecture"),
        ("   \t ", (1, 28, 28), r"empty architecture"),
    ],
)
def test_parse_errors_name_the_token(text: str, input_shape: tuple[int, int, int], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        NetSpec.parse(text, input_shape, 10)


def test_pool_is_allowed_down_to_exactly_one_pixel() -> None:
    spec = NetSpec.parse("conv-8-3 pool pool gap", (1, 4, 5), 10)
    assert spec.feature_shapes()[2] == (8, 1, 1)
    assert NetSpec.parse("pool conv-8-3 gap", (1, 2, 3), 2).feature_shapes()[0] == (1, 1, 1)


def test_duplicate_layer_ids() -> None:
    layers = (LayerSpec(CONV, 8, 3, 3), LayerSpec(CONV, 8, 3, 1), LayerSpec(GLOBAL_POOL, layer_id=3))
    with pytest.raises(ValueError, match=r"layer ids must be unique, got \[3, 1, 3\]"):
        NetSpec(layers)


@pytest.mark.parametrize(
    "input_shape", [(0, 28, 28), (1, 0, 28), (1, 28, -1), (1, 28), (1, 28, 28, 1), (), (3,)], ids=str
)
def test_bad_input_shape(input_shape: tuple) -> None:
    with pytest.raises(ValueError, match=r"input_shape must be \(channels, height, width\) of positive ints"):
        NetSpec.parse("conv-8-3 gap", input_shape, 10)


@pytest.mark.parametrize("num_classes", [1, 0, -5])
def test_num_classes_below_two(num_classes: int) -> None:
    with pytest.raises(ValueError, match=f"num_classes must be at least 2, got {num_classes}"):
        NetSpec.parse("conv-8-3 gap", (1, 8, 8), num_classes)


def test_no_layers() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        NetSpec(())


def test_layers_must_be_layer_specs() -> None:
    with pytest.raises(ValueError, match="layers must be LayerSpec objects, got str"):
        NetSpec(("conv-8-3", "gap"))  # type: ignore[arg-type]


def test_replace_layers_validates() -> None:
    spec = NetSpec.parse("conv-8-3 gap", (3, 8, 8), 5)
    other = spec.replace_layers((LayerSpec(CONV, 4, 1, 9), LayerSpec(GLOBAL_POOL, layer_id=2)))
    assert other.to_string() == "conv-4-1 gap"
    assert (other.input_shape, other.num_classes) == ((3, 8, 8), 5)
    with pytest.raises(ValueError, match="needs a 'gap'"):
        spec.replace_layers((LayerSpec(CONV, 4, 1, 0),))


# ----- structure ---------------------------------------------------------------------------------
def test_blocks_of_the_default_network() -> None:
    spec = NetSpec.parse(DEFAULT_ARCH)
    assert spec.blocks() == (
        Block(0, CONV, (0,), 1),
        Block(1, CONV, (2,), 3),
        Block(2, CONV, (4,), 5),
        Block(3, FC, (6,), None),
    )


def test_blocks_between_consecutive_pools_are_empty() -> None:
    spec = NetSpec.parse("pool conv-4-3 conv-5-1 pool avgpool conv-6-5 gap", (1, 16, 16), 10)
    assert spec.blocks() == (
        Block(0, CONV, (), 0),
        Block(1, CONV, (1, 2), 3),
        Block(2, CONV, (), 4),
        Block(3, CONV, (5,), 6),
    )


def test_blocks_without_fc_have_no_fc_block() -> None:
    blocks = NetSpec.parse("conv-4-3 gap", (1, 4, 4), 2).blocks()
    assert blocks == (Block(0, CONV, (0,), 1),)
    fc_blocks = NetSpec.parse("conv-4-3 gap fc-3 fc-5", (1, 4, 4), 2).blocks()
    assert fc_blocks[-1] == Block(1, FC, (2, 3), None)


@settings(deadline=None)
@given(specs_with_strings())
def test_blocks_cover_every_weighted_layer_once(spec_and_text: tuple[NetSpec, str]) -> None:
    spec, _ = spec_and_text
    blocks = spec.blocks()
    pools = [index for index, layer in enumerate(spec.layers) if layer.is_pool]
    assert [block.end for block in blocks if block.end is not None] == pools
    assert [block.index for block in blocks] == list(range(len(blocks)))
    covered = [index for block in blocks for index in block.layer_indices]
    assert covered == [index for index, layer in enumerate(spec.layers) if layer.is_weighted]
    has_fc = any(layer.kind == FC for layer in spec.layers)
    assert (blocks[-1].kind == FC) == has_fc
    assert blocks[-1 - has_fc].end == [layer.kind for layer in spec.layers].index(GLOBAL_POOL)
    for block in blocks:
        kinds = {spec.layers[index].kind for index in block.layer_indices}
        assert kinds <= ({FC} if block.kind == FC else {CONV})
        if block.end is not None:
            assert all(index < block.end for index in block.layer_indices)


def test_feature_shapes_by_hand() -> None:
    spec = NetSpec.parse("conv-4-3 pool conv-6-1 avgpool conv-2-5 gap fc-7 fc-3", (3, 11, 9), 5)
    assert spec.feature_shapes() == (
        (4, 11, 9),
        (4, 5, 4),
        (6, 5, 4),
        (6, 2, 2),
        (2, 2, 2),
        (2,),
        (7,),
        (3,),
    )
    assert spec.classifier_in_features() == 3
    assert NetSpec.parse("conv-4-3 gap", (3, 11, 9), 5).classifier_in_features() == 4


@settings(deadline=None)
@given(specs_with_strings())
def test_feature_shapes_of_generated_specs(spec_and_text: tuple[NetSpec, str]) -> None:
    spec, text = spec_and_text
    shapes = spec.feature_shapes()
    assert list(shapes) == expected_shapes(text, spec.input_shape)
    assert all(min(shape) >= 1 for shape in shapes)
    assert spec.classifier_in_features() == shapes[-1][0]


def test_num_params_and_flops_by_hand() -> None:
    # conv-2-3 on 1x4x4: 1*2*9 weights + 2*2 BN = 22 params; 2*(1*2*9)*(4*4) = 576 FLOPs
    # pool -> 2x2.  conv-4-1: 2*4 + 2*4 = 16 params; 2*(2*4*1)*(2*2) = 64 FLOPs
    # gap -> 4.  fc-5: 4*5 + 2*5 = 30 params; 2*4*5 = 40 FLOPs
    # classifier 5 -> 3: 5*3 + 3 = 18 params; 2*5*3 = 30 FLOPs
    spec = NetSpec.parse("conv-2-3 pool conv-4-1 gap fc-5", (1, 4, 4), 3)
    assert spec.num_params() == 22 + 16 + 30 + 18
    assert spec.flops() == 576 + 64 + 40 + 30


def test_num_params_and_flops_of_the_default_network() -> None:
    spec = NetSpec.parse(DEFAULT_ARCH)
    # convs: 176 + 4,672 + 18,560; fc-64: 4,224; classifier 650
    assert spec.num_params() == 28_282
    # convs: 225,792 + 1,806,336 + 1,806,336; fc-64: 8,192; classifier 1,280
    assert spec.flops() == 3_847_936


def test_avgpool_and_maxpool_cost_the_same() -> None:
    first = NetSpec.parse("conv-4-3 pool conv-8-3 gap", (3, 8, 8), 10)
    second = NetSpec.parse("conv-4-3 avgpool conv-8-3 gap", (3, 8, 8), 10)
    assert (first.num_params(), first.flops()) == (second.num_params(), second.flops())


@settings(max_examples=40, deadline=None)
@given(specs_with_ids())
def test_num_params_matches_the_built_model(spec: NetSpec) -> None:
    model = build_model(spec)
    assert spec.num_params() == sum(parameter.numel() for parameter in model.parameters())


def test_flops_grow_with_input_size() -> None:
    small = NetSpec.parse("conv-4-3 gap", (1, 8, 8), 2)
    large = NetSpec.parse("conv-4-3 gap", (1, 16, 16), 2)
    assert large.flops() - 2 * 4 * 2 == 4 * (small.flops() - 2 * 4 * 2)
    assert large.num_params() == small.num_params()


def test_stable_hash() -> None:
    spec = NetSpec.parse(DEFAULT_ARCH)
    # A fixed value: caches and run directories key on it, so it must not change between runs or versions.
    assert spec.stable_hash() == "44a5a07b066bcad1"
    assert spec.stable_hash() == NetSpec.parse(DEFAULT_ARCH).stable_hash()
    renumbered = NetSpec(
        tuple(LayerSpec(layer.kind, layer.width, layer.kernel_size, 100 - layer.layer_id) for layer in spec.layers)
    )
    assert renumbered != spec
    assert renumbered.stable_hash() == spec.stable_hash()  # ids are not part of the architecture
    others = {
        NetSpec.parse(DEFAULT_ARCH.replace("conv-64-3", "conv-64-5")).stable_hash(),
        NetSpec.parse(DEFAULT_ARCH.replace("conv-64-3", "conv-65-3")).stable_hash(),
        NetSpec.parse(DEFAULT_ARCH.replace("pool", "avgpool", 1)).stable_hash(),
        NetSpec.parse(DEFAULT_ARCH, (1, 28, 29)).stable_hash(),
        NetSpec.parse(DEFAULT_ARCH, (3, 28, 28)).stable_hash(),
        NetSpec.parse(DEFAULT_ARCH, num_classes=11).stable_hash(),
        NetSpec.parse(DEFAULT_ARCH + " fc-64").stable_hash(),
    }
    assert len(others) == 7 and spec.stable_hash() not in others
    assert all(len(value) == 16 and int(value, 16) >= 0 for value in others)


@settings(deadline=None)
@given(specs_with_strings(), specs_with_strings())
def test_stable_hash_separates_different_architectures(first: tuple[NetSpec, str], second: tuple[NetSpec, str]) -> None:
    a, b = first[0], second[0]
    same = (a.to_string(), a.input_shape, a.num_classes) == (b.to_string(), b.input_shape, b.num_classes)
    assert (a.stable_hash() == b.stable_hash()) == same


def test_next_layer_id_and_index_of_id() -> None:
    layers = (
        LayerSpec(CONV, 8, 3, 4),
        LayerSpec(MAX_POOL, layer_id=0),
        LayerSpec(CONV, 8, 3, 11),
        LayerSpec(AVG_POOL, layer_id=2),
        LayerSpec(CONV, 8, 3, 7),
        LayerSpec(GLOBAL_POOL, layer_id=1),
        LayerSpec(FC, 5, 0, 9),
    )
    spec = NetSpec(layers, (1, 8, 8), 3)
    assert spec.next_layer_id() == 12
    assert [spec.index_of_id(layer_id) for layer_id in (4, 0, 11, 2, 7, 1, 9)] == list(range(7))
    with pytest.raises(KeyError, match="no layer has id 3"):
        spec.index_of_id(3)
    assert NetSpec.parse("conv-8-3 gap").next_layer_id() == 2


@settings(deadline=None)
@given(specs_with_ids())
def test_next_layer_id_is_unused(spec: NetSpec) -> None:
    fresh = spec.next_layer_id()
    assert fresh not in {layer.layer_id for layer in spec.layers}
    for index, layer in enumerate(spec.layers):
        assert spec.index_of_id(layer.layer_id) == index


def test_next_weighted() -> None:
    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap fc-5", (1, 8, 8), 3)
    assert [spec.next_weighted(index) for index in range(5)] == [2, 2, 4, 4, None]


def test_spec_modules_import_neither_torch_nor_other_project_modules() -> None:
    # `eas/__init__.py` imports eas.build (and so torch), so check the spec files' own imports.
    imported: set[str] = set()
    for path in Path(eas.spec.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module is not None:
                imported.add(node.module)
    assert "eas.spec.layers" in imported
    assert not {name for name in imported if name.split(".")[0] in ("torch", "numpy")}
    assert not {name for name in imported if name.startswith("eas.") and not name.startswith("eas.spec")}
