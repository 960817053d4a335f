"""Fuzzing of `eas.spec`'s text and JSON readers: any input gives a spec or a `ValueError`.

Near-valid inputs are valid architecture strings and spec documents of both spaces with a few
mutations (tokens dropped, duplicated, swapped; numbers made huge, negative or not numbers; JSON
values of the wrong type; keys missing or added); the rest is random text and bytes. A valid result
must survive its own round trip; an error must be a `ValueError` whose message names something of
the input, never another exception type. Hypothesis' deadline catches inputs that hang.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eas.spec import DenseNetSpec, NetSpec, parse_spec, spec_from_dict, spec_from_json
from eas.spec.dense import SHORTHAND_KEYS

PLAIN_ARCHS = (
    "conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64",
    "conv-8-1 conv-8-5 avgpool conv-4-3 gap",
    "conv-32-3 gap fc-16 fc-8",
)
DENSE_ARCHS = (
    "densenet-bc stem24 g12 g12 t24 g12 g12",
    "densenet-bc depth=40 growth=12 blocks=3",
    "densenet-bc depth=16 growth=4 blocks=1 compression=0.5 stem=8",
)
NUMBER_REPLACEMENTS = (
    "0",
    "-1",
    "-0",
    "99999999999999999999",
    "1" * 5000,
    "16384",
    "16385",
    "1025",
    "1e3",
    "3.0",
    "nan",
    "",
    "x",
    "٣",  # an Arabic-Indic digit: str.isdigit says yes, the token grammar says no
    "²",
)
EXTRA_TOKENS = (
    "gap",
    "pool",
    "avgpool",
    "fc-8",
    "conv-4-3",
    "densenet-bc",
    "stem8",
    "g4",
    "t8",
    "depth=40",
    "growth=12",
    "blocks=0",
    "compression=2",
    "conv",
    "fc",
    "conv-4",
    "=",
    "\x00",
    "conv-4-3\n",
)
# Words of the program's own vocabulary: an error about structure (e.g. "the network needs a 'gap'")
# names the rule broken rather than one token of the input.
RULE_WORDS = ("gap", "layer", "architecture", "DenseNet", "densenet-bc", "miniblock", "stem", "spec JSON", "token")
JSON_KEYS = ("arch", "input_shape", "num_classes", "layer_ids")
FUZZ_SETTINGS = {
    "deadline": 2000,  # milliseconds: far above the ~1 ms a rejection takes, so only a real hang trips it
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "database": None,
}


def assert_useful_error(error: ValueError, words: list[str]) -> None:
    """The message is one non-empty line naming a word of the input or of the rules."""
    message = str(error)
    assert message.strip(), "empty error message"
    assert "Traceback" not in message
    named = [word for word in words if word and word in message]
    assert named or any(word in message for word in RULE_WORDS), message


def check_text(text: str) -> None:
    """`parse_spec(text)` returns a spec that round-trips, or raises a useful `ValueError`."""
    try:
        spec = parse_spec(text, (3, 32, 32), 10)
    except ValueError as error:
        assert_useful_error(error, text.split())
        return
    assert parse_spec(spec.to_string(), (3, 32, 32), 10) == spec


def check_json(document: str | bytes, words: list[str]) -> None:
    """`spec_from_json(document)` returns a spec that round-trips, or raises a useful `ValueError`."""
    try:
        spec = spec_from_json(document)
    except ValueError as error:
        assert_useful_error(error, words)
        return
    assert spec_from_json(spec.to_json()) == spec


# ----- strategies --------------------------------------------------------------------------------
def _replace_numbers(token: str, replacement: str) -> str:
    for separator in ("=", "-"):
        if separator in token:
            head, _, _ = token.rpartition(separator)
            return f"{head}{separator}{replacement}"
    for prefix in ("stem", "g", "t"):
        if token.startswith(prefix):
            return prefix + replacement
    return token + replacement


@st.composite
def mutated_token_lists(draw: st.DrawFn) -> list[str]:
    """A valid architecture's tokens after one to four mutations."""
    tokens = draw(st.sampled_from(PLAIN_ARCHS + DENSE_ARCHS)).split()
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            tokens.append(draw(st.sampled_from(EXTRA_TOKENS)))
            continue
        index = draw(st.integers(0, len(tokens) - 1))
        operation = draw(st.sampled_from(("drop", "duplicate", "swap", "number", "insert", "garble")))
        if operation == "drop":
            del tokens[index]
        elif operation == "duplicate":
            tokens.insert(index, tokens[index])
        elif operation == "swap":
            other = draw(st.integers(0, len(tokens) - 1))
            tokens[index], tokens[other] = tokens[other], tokens[index]
        elif operation == "number":
            tokens[index] = _replace_numbers(tokens[index], draw(st.sampled_from(NUMBER_REPLACEMENTS)))
        elif operation == "insert":
            tokens.insert(index, draw(st.sampled_from(EXTRA_TOKENS)))
        else:
            tokens[index] = draw(st.text(max_size=12))
    return tokens


WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -1, 0, 1, 2, 16385, 2**31]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(PLAIN_ARCHS + DENSE_ARCHS),
    st.lists(st.integers(-5, 50), max_size=5),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.lists(st.lists(st.integers(), max_size=2), max_size=3),
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any] | list[Any] | str | int | None:
    """A valid spec document with one to three of its values, keys or list entries changed."""
    arch = draw(st.sampled_from(PLAIN_ARCHS + DENSE_ARCHS))
    document: dict[str, Any] = parse_spec(arch, (3, 32, 32), 10).to_dict()
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(st.sampled_from(("value", "drop", "extra", "entry", "arch", "whole")))
        key = draw(st.sampled_from(JSON_KEYS))
        if operation == "value":
            document[key] = draw(WRONG_VALUES)
        elif operation == "drop":
            document.pop(key, None)
        elif operation == "extra":
            document[draw(st.text(max_size=8))] = draw(WRONG_VALUES)
        elif operation == "entry" and isinstance(document.get(key), list) and document[key]:
            entries = document[key]
            entries[draw(st.integers(0, len(entries) - 1))] = draw(WRONG_VALUES)
        elif operation == "arch":
            document["arch"] = " ".join(draw(mutated_token_lists()))
        elif operation == "whole":
            return draw(st.one_of(WRONG_VALUES, st.just([document])))
    return document


def _words_of(document: Any) -> list[str]:
    text = json.dumps(document, default=str) if not isinstance(document, str) else document
    return [*text.replace('"', " ").split(), *JSON_KEYS]


def _document_text(document: Any) -> str:
    # json.dumps writes NaN and Infinity, which json.loads reads back: the reader must refuse them as values.
    return json.dumps(document)


# ----- the default (fast) fuzz run ---------------------------------------------------------------
@settings(max_examples=1500, **FUZZ_SETTINGS)
@given(mutated_token_lists())
def test_mutated_architecture_strings(tokens: list[str]) -> None:
    check_text(" ".join(tokens))


@settings(max_examples=1500, **FUZZ_SETTINGS)
@given(mutated_documents())
def test_mutated_spec_json(document: Any) -> None:
    check_json(_document_text(document), _words_of(document))


@settings(max_examples=500, **FUZZ_SETTINGS)
@given(mutated_documents())
def test_mutated_spec_dicts(document: Any) -> None:
    """The same documents handed over as Python objects (the path a trial store row takes)."""
    try:
        spec = spec_from_dict(document)
    except ValueError as error:
        assert_useful_error(error, _words_of(document))
        return
    assert spec_from_dict(spec.to_dict()) == spec


@settings(max_examples=1500, **FUZZ_SETTINGS)
@given(st.text(max_size=200))
def test_random_text_as_architecture(text: str) -> None:
    check_text(text)


@settings(max_examples=500, **FUZZ_SETTINGS)
@given(st.text(alphabet="conv-fcgaptsemdhrowbkil=0123456789 ", max_size=60))
def test_random_text_from_the_token_alphabet(text: str) -> None:
    check_text(text)
    check_text("densenet-bc " + text)


@settings(max_examples=1000, **FUZZ_SETTINGS)
@given(st.binary(max_size=200))
def test_random_bytes_as_spec_json(data: bytes) -> None:
    check_json(data, [data.decode("utf-8", "replace")])


@settings(max_examples=500, **FUZZ_SETTINGS)
@given(st.text(max_size=200))
def test_random_text_as_spec_json(text: str) -> None:
    check_json(text, [text])


# ----- longer runs, `make test-slow` -------------------------------------------------------------
@pytest.mark.slow
@settings(max_examples=30000, **FUZZ_SETTINGS)
@given(mutated_token_lists())
def test_mutated_architecture_strings_long(tokens: list[str]) -> None:
    check_text(" ".join(tokens))


@pytest.mark.slow
@settings(max_examples=30000, **FUZZ_SETTINGS)
@given(mutated_documents())
def test_mutated_spec_json_long(document: Any) -> None:
    check_json(_document_text(document), _words_of(document))


@pytest.mark.slow
@settings(max_examples=20000, **FUZZ_SETTINGS)
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_random_input_long(data: str | bytes) -> None:
    if isinstance(data, str):
        check_text(data)
        check_json(data, [data])
    else:
        check_json(data, [data.decode("utf-8", "replace")])


# ----- inputs too large for hypothesis to draw ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("conv-16-3 " * 200_000 + "gap", "number of layers"),
        ("densenet-bc stem8 " + "g4 " * 200_000, "number of DenseNet units"),
        ("conv-" + "9" * 100_000 + "-3 gap", "exceeds the limit of 16384"),
        ("densenet-bc depth=" + "9" * 100_000 + " growth=12", "exceeds the limit of 1000"),
    ],
)
def test_huge_inputs_fail_fast(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        parse_spec(text, (3, 32, 32), 10)


def test_deeply_nested_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        spec_from_json("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"arch": "conv-8-3 gap", "input_shape": None, "num_classes": 10}, "input_shape"),
        ({"arch": "conv-8-3 gap", "input_shape": [1, 8, 8.5], "num_classes": 10}, "input_shape"),
        ({"arch": "conv-8-3 gap", "input_shape": [1, 8, float("inf")], "num_classes": 10}, "input_shape"),
        ({"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": None}, "num_classes"),
        ({"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": "10"}, "num_classes"),
        ({"arch": ["conv-8-3", "gap"], "input_shape": [1, 8, 8], "num_classes": 10}, "arch"),
        ({"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": 10, "layer_ids": 7}, "layer_ids"),
        ({"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": 10, "layer_ids": [0, None]}, "layer_ids"),
        ({"arch": "conv-8-3 gap", "input_shape": [1, 8, 8], "num_classes": 10, "layer_ids": [0, 2**40]}, "layer_id"),
        ({"arch": "densenet-bc stem8 g4", "input_shape": [1, 8, 8], "num_classes": 10, "layer_ids": [0, "1"]}, "1"),
    ],
)
def test_json_fields_of_the_wrong_type(document: dict[str, Any], named: str) -> None:
    """Found by the fuzzer: these raised TypeError, OverflowError or silently truncated 8.5 to 8."""
    with pytest.raises(ValueError, match=named):
        spec_from_dict(document)


def test_constructors_refuse_wrong_types() -> None:
    """The dataclasses are the last gate: Python callers get the same `ValueError` as text does."""
    with pytest.raises(ValueError, match="input_shape"):
        NetSpec.parse("conv-8-3 gap", (1, 8), 10)
    with pytest.raises(ValueError, match="num_classes"):
        DenseNetSpec.parse("densenet-bc stem8 g4", (1, 8, 8), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="string of tokens"):
        parse_spec(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="layers must be"):
        NetSpec("conv-8-3 gap")  # type: ignore[arg-type]


def test_shorthand_keys_are_all_exercised() -> None:
    """Every shorthand key appears in the fuzzer's seeds, so each one's parser is mutated."""
    seeds = " ".join(DENSE_ARCHS)
    assert all(f"{key}=" in seeds for key in SHORTHAND_KEYS)
