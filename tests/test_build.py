"""Tests of `eas.build`: shapes, parameter names from layer ids, strict loading and stable keys."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from eas.build import BATCH_NORM_EPS, PlainNet, build_model
from eas.spec import LayerSpec, NetSpec, insert_identity_layer, parameter_prefix
from eas.spec.layers import AVG_POOL, CONV, FC, GLOBAL_POOL, MAX_POOL

BN_SUFFIXES = ("bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked")


@st.composite
def net_specs(draw: st.DrawFn) -> NetSpec:
    """Small valid specs with arbitrary unique ids: convs and 2x2 pools in any order (pools while the
    map is at least 2x2), a gap, 0-3 fc layers, on small inputs so the forward passes stay quick."""
    input_shape = (draw(st.integers(1, 3)), draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    height, width = input_shape[1:]
    kinds: list[str] = []
    for kind in draw(st.lists(st.sampled_from([CONV, CONV, MAX_POOL, AVG_POOL]), max_size=6)):
        if kind == CONV or min(height, width) >= 2:
            kinds.append(kind)
        if kind != CONV and min(height, width) >= 2:
            height, width = height // 2, width // 2
    if CONV not in kinds:
        kinds.insert(draw(st.integers(0, len(kinds))), CONV)
    kinds += [GLOBAL_POOL] + [FC] * draw(st.integers(0, 3))
    ids = draw(st.lists(st.integers(0, 500), min_size=len(kinds), max_size=len(kinds), unique=True))
    layers = []
    for kind, layer_id in zip(kinds, ids, strict=True):
        if kind == CONV:
            layers.append(LayerSpec(CONV, draw(st.integers(1, 12)), draw(st.sampled_from((1, 3, 5))), layer_id))
        elif kind == FC:
            layers.append(LayerSpec(FC, draw(st.integers(1, 12)), 0, layer_id))
        else:
            layers.append(LayerSpec(kind, layer_id=layer_id))
    return NetSpec(tuple(layers), input_shape, draw(st.integers(2, 10)))


def expected_keys(spec: NetSpec) -> dict[str, tuple[int, ...]]:
    """State-dict keys and shapes written out from the spec alone."""
    keys: dict[str, tuple[int, ...]] = {}
    channels = spec.input_shape[0]
    for layer in spec.layers:
        prefix = f"body.layer{layer.layer_id}"
        if layer.kind == CONV:
            keys[f"{prefix}.conv.weight"] = (layer.width, channels, layer.kernel_size, layer.kernel_size)
        elif layer.kind == FC:
            keys[f"{prefix}.fc.weight"] = (layer.width, channels)
        else:
            continue
        for suffix in BN_SUFFIXES:
            keys[f"{prefix}.{suffix}"] = () if suffix.endswith("tracked") else (layer.width,)
        channels = layer.width
    keys["classifier.weight"] = (spec.num_classes, channels)
    keys["classifier.bias"] = (spec.num_classes,)
    return keys


@settings(max_examples=30, deadline=None)
@given(net_specs())
def test_output_shapes(spec: NetSpec) -> None:
    model = build_model(spec)
    assert isinstance(model, PlainNet) and model.spec == spec
    generator = torch.Generator().manual_seed(0)
    # BatchNorm1d cannot take a training batch of one, so batch 1 runs in eval mode.
    for batch, train in ((1, False), (3, False), (3, True)):
        model.train(train)
        inputs = torch.randn(batch, *spec.input_shape, generator=generator)
        with torch.no_grad():
            outputs = model(inputs)
        assert outputs.shape == (batch, spec.num_classes)
        assert torch.isfinite(outputs).all()


@settings(max_examples=30, deadline=None)
@given(net_specs())
def test_intermediate_shapes_match_the_spec(spec: NetSpec) -> None:
    model = build_model(spec).eval()
    seen: dict[int, tuple[int, ...]] = {}
    for layer in spec.layers:
        if layer.is_weighted:
            unit = model.body[f"layer{layer.layer_id}"]
            unit.register_forward_hook(
                lambda _module, _inputs, output, layer_id=layer.layer_id: seen.__setitem__(
                    layer_id, tuple(output.shape[1:])
                )
            )
    with torch.no_grad():
        model(torch.randn(2, *spec.input_shape))
    shapes = spec.feature_shapes()
    for index, layer in enumerate(spec.layers):
        if layer.is_weighted:
            assert seen[layer.layer_id] == shapes[index], layer
    assert model.classifier.in_features == spec.classifier_in_features()


@settings(max_examples=30, deadline=None)
@given(net_specs())
def test_parameter_names_derive_from_layer_ids(spec: NetSpec) -> None:
    state = build_model(spec).state_dict()
    assert {key: tuple(value.shape) for key, value in state.items()} == expected_keys(spec)


def test_parameter_names_of_a_spec_with_gaps_in_its_ids() -> None:
    layers = (
        LayerSpec(CONV, 4, 3, 12),
        LayerSpec(MAX_POOL, layer_id=0),
        LayerSpec(CONV, 6, 5, 3),
        LayerSpec(GLOBAL_POOL, layer_id=99),
        LayerSpec(FC, 5, 0, 7),
    )
    spec = NetSpec(layers, (2, 8, 8), 3)
    model = build_model(spec)
    names = dict(model.named_parameters())
    assert list(names) == [
        "body.layer12.conv.weight",
        "body.layer12.bn.weight",
        "body.layer12.bn.bias",
        "body.layer3.conv.weight",
        "body.layer3.bn.weight",
        "body.layer3.bn.bias",
        "body.layer7.fc.weight",
        "body.layer7.bn.weight",
        "body.layer7.bn.bias",
        "classifier.weight",
        "classifier.bias",
    ]
    assert names["body.layer12.conv.weight"].shape == (4, 2, 3, 3)
    assert names["body.layer3.conv.weight"].shape == (6, 4, 5, 5)
    assert names["body.layer7.fc.weight"].shape == (5, 6)
    assert names["classifier.weight"].shape == (3, 5)
    assert all(key.startswith(parameter_prefix(7)) for key in names if ".fc." in key)
    assert model.state_dict()["body.layer3.bn.running_var"].shape == (6,)


def test_conv_and_fc_have_no_bias_and_batch_norm_uses_eps_1e_5() -> None:
    spec = NetSpec.parse("conv-4-3 pool conv-8-1 gap fc-6", (3, 8, 8), 5)
    model = build_model(spec)
    convolutions = [module for module in model.modules() if isinstance(module, nn.Conv2d)]
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    norms = [module for module in model.modules() if isinstance(module, nn.modules.batchnorm._BatchNorm)]
    assert len(convolutions) == 2 and all(conv.bias is None for conv in convolutions)
    assert [conv.padding for conv in convolutions] == [(1, 1), (0, 0)]
    assert all(conv.stride == (1, 1) for conv in convolutions)
    assert len(linears) == 2
    assert linears[0].bias is None  # the hidden fc
    assert model.classifier.bias is not None and model.classifier.bias.shape == (5,)
    assert len(norms) == 3
    assert BATCH_NORM_EPS == 1e-5
    assert all(norm.eps == 1e-5 for norm in norms)
    assert not any(key.endswith(("conv.bias", "fc.bias")) for key in model.state_dict())


def test_pools_follow_the_spec() -> None:
    # A 1x1 conv with weight 1 and an identity BN (eval mode) passes the non-negative input through
    # unchanged, so the logit is the global mean of the pooled map, which depends on the pool kind.
    def logits(kind: str) -> torch.Tensor:
        spec = NetSpec.parse(f"conv-1-1 {kind} gap", (1, 4, 4), 2)
        model = build_model(spec).eval()
        with torch.no_grad():
            model.body["layer0"].conv.weight.fill_(1.0)
            model.body["layer0"].bn.running_var.fill_(1.0 - BATCH_NORM_EPS)
            model.classifier.weight.copy_(torch.tensor([[1.0], [0.0]]))
            model.classifier.bias.zero_()
            return model(torch.arange(16.0).view(1, 1, 4, 4))[0, 0]

    # max of each 2x2 window of 0..15: 5, 7, 13, 15 -> mean 10; average pooling keeps the mean 7.5.
    assert logits("pool").item() == pytest.approx(10.0)
    assert logits("avgpool").item() == pytest.approx(7.5)


def test_build_model_loads_a_state_dict() -> None:
    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap fc-6", (1, 8, 8), 3)
    torch.manual_seed(0)
    source = build_model(spec)
    with torch.no_grad():
        for parameter in source.parameters():
            parameter.add_(torch.randn_like(parameter))
    inputs = torch.randn(4, 1, 8, 8)
    copy = build_model(spec, source.state_dict())
    for key, value in source.state_dict().items():
        assert torch.equal(copy.state_dict()[key], value), key
    with torch.no_grad():
        assert torch.equal(copy.eval()(inputs), source.eval()(inputs))


def test_build_model_loads_strictly() -> None:
    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap fc-6", (1, 8, 8), 3)
    state = build_model(spec).state_dict()
    missing = {key: value for key, value in state.items() if key != "body.layer2.conv.weight"}
    with pytest.raises(RuntimeError, match=r"Missing key\(s\).*body\.layer2\.conv\.weight"):
        build_model(spec, missing)
    extra = {**state, "body.layer9.conv.weight": torch.zeros(8, 8, 3, 3)}
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\).*body\.layer9\.conv\.weight"):
        build_model(spec, extra)
    wrong_shape = {**state, "classifier.weight": torch.zeros(3, 7)}
    with pytest.raises(RuntimeError, match=r"size mismatch for classifier\.weight"):
        build_model(spec, wrong_shape)


def test_build_model_keeps_the_given_tensors_unchanged() -> None:
    spec = NetSpec.parse("conv-4-3 gap", (1, 4, 4), 2)
    state = {key: value.clone() for key, value in build_model(spec).state_dict().items()}
    before = {key: value.clone() for key, value in state.items()}
    model = build_model(spec, state).train()
    model(torch.randn(3, 1, 4, 4)).sum().backward()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(1.0)
    assert all(torch.equal(state[key], before[key]) for key in state)


@settings(max_examples=25, deadline=None)
@given(net_specs(), st.data())
def test_inserting_a_layer_keeps_every_old_key_and_shape(spec: NetSpec, data: st.DataObject) -> None:
    weighted = [index for index, layer in enumerate(spec.layers) if layer.is_weighted]
    after = data.draw(st.sampled_from(weighted))
    new_spec = insert_identity_layer(spec, after, kernel_size=data.draw(st.sampled_from((1, 3, 5))))
    old_state = build_model(spec).state_dict()
    new_state = build_model(new_spec).state_dict()
    for key, value in old_state.items():
        assert key in new_state, key
        assert new_state[key].shape == value.shape, key
    new_id = new_spec.layers[after + 1].layer_id
    added = set(new_state) - set(old_state)
    assert added and all(key.startswith(f"body.layer{new_id}.") for key in added)
    # The old weights load into the grown model once the new layer's entries are added.
    merged = {**{key: new_state[key] for key in added}, **old_state}
    build_model(new_spec, merged)


def test_densenet_model_matches_its_spec_and_keeps_names_on_insertion() -> None:
    from eas.build import DenseNet
    from eas.spec import DenseNetSpec, insert_miniblock

    spec = DenseNetSpec.parse("densenet-bc stem8 g4 g4 t8 g4 g6", (3, 12, 12), 5)
    model = build_model(spec, seed=0)
    assert isinstance(model, DenseNet)
    assert sum(parameter.numel() for parameter in model.parameters()) == spec.num_params()
    same = build_model(spec, seed=0)
    assert all(torch.equal(value, same.state_dict()[key]) for key, value in model.state_dict().items())
    deeper = build_model(insert_miniblock(spec, 1), seed=0)
    assert set(model.state_dict()) < set(deeper.state_dict())
    assert model.eval()(torch.randn(2, 3, 12, 12)).shape == (2, 5)
