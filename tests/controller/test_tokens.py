"""Tests of the token vocabulary: one token per ladder width, kernel and pool; off-ladder widths."""

import pytest

from eas.controller import TokenVocabulary
from eas.spec import ActionSpace, LayerSpec, NetSpec


def test_vocabulary_covers_every_ladder_width_kernel_and_pool() -> None:
    space = ActionSpace.cpu()
    vocabulary = TokenVocabulary(space)
    assert len(vocabulary) == len(space.filter_widths) * 3 + len(space.unit_widths) + 3
    assert len(set(vocabulary.tokens)) == len(vocabulary)
    for width in space.filter_widths:
        assert f"conv-{width}-5" in vocabulary.tokens
    assert {"fc-32", "pool", "avgpool", "gap"} <= set(vocabulary.tokens)


def test_on_ladder_layers_map_to_their_own_token() -> None:
    vocabulary = TokenVocabulary(ActionSpace.cpu())
    for token in ("conv-48-1", "fc-128", "avgpool"):
        assert vocabulary.token_of(LayerSpec.from_token(token)) == token


def test_off_ladder_widths_snap_to_the_rung_at_or_below() -> None:
    vocabulary = TokenVocabulary(ActionSpace.cpu())  # filters 16..128, units 32..256
    assert vocabulary.token_of(LayerSpec.from_token("conv-40-3")) == "conv-32-3"
    assert vocabulary.token_of(LayerSpec.from_token("conv-1000-3")) == "conv-128-3"
    assert vocabulary.token_of(LayerSpec.from_token("conv-8-3")) == "conv-16-3"  # below the ladder: lowest rung
    assert vocabulary.token_of(LayerSpec.from_token("fc-100")) == "fc-64"


def test_encode_gives_one_index_per_layer() -> None:
    vocabulary = TokenVocabulary(ActionSpace.cpu())
    spec = NetSpec.parse("conv-16-3 pool conv-32-5 gap fc-64")
    indices = vocabulary.encode(spec)
    assert indices.tolist() == [vocabulary.tokens.index(token) for token in spec.to_string().split()]


def test_a_growth_ladder_adds_the_densenet_tokens() -> None:
    from dataclasses import replace

    from eas.spec import DenseNetSpec

    plain = TokenVocabulary(replace(ActionSpace.densenet_cpu(), growth_widths=()))
    dense = TokenVocabulary(ActionSpace.densenet_cpu())
    assert len(dense) == len(plain) + len(ActionSpace.densenet_cpu().growth_widths) + 2
    spec = DenseNetSpec.parse("densenet-bc stem16 g8 g10 t16 g30")
    tokens = [dense.tokens[index] for index in dense.encode(spec).tolist()]
    assert tokens == ["stem", "g8", "g8", "t", "g24"]
    with pytest.raises(ValueError, match="growth_widths"):
        plain.encode(spec)
