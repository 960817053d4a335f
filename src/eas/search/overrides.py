"""`--set key=value` overrides of any `SearchConfig` field, nested fields with dots (`child_training.epochs=2`).

Pure functions over `SearchConfig.to_dict()` / `from_dict()`: a value is read as JSON when it parses (numbers,
true/false, null, lists, objects), else as a string, and is checked against the field's annotated type
before the config is rebuilt, so that a typo fails with the key, the allowed keys or type, and what was given.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Sequence
from typing import Any

from eas.search.config import SearchConfig


def parse_assignment(text: str) -> tuple[str, str]:
    """'child_training.epochs=2' -> ('child_training.epochs', '2'); the value is everything after the first '='."""
    key, separator, value = text.partition("=")
    key = key.strip()
    if not separator or not key:
        raise ValueError(f"--set expects KEY=VALUE (such as child_training.epochs=2), got {text!r}")
    return key, value


def parse_value(text: str) -> Any:
    """The value as JSON when it parses (2, 0.5, true, null, [16, 32]), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def apply_overrides(config: SearchConfig, assignments: Sequence[str]) -> SearchConfig:
    """`config` with each 'key=value' of `assignments` applied in order (a later one wins).

    Raises ValueError naming the key for an unknown field (with the fields known at that level), a value
    of the wrong type (with the type expected), or a config the new values make invalid.
    """
    if not assignments:
        return config
    data = config.to_dict()
    for assignment in assignments:
        key, text = parse_assignment(assignment)
        set_field(data, SearchConfig, key, text)
    try:
        return SearchConfig.from_dict(data)
    except (ValueError, TypeError) as error:
        raise ValueError(f"--set {' '.join(assignments)}: {error}") from error


def set_field(data: dict[str, Any], config_class: type, key: str, text: str) -> None:
    """Set the dotted `key` of `data` (the `to_dict` form of `config_class`) to the value `text` holds.

    A JSON object given for a nested config updates the fields it names and keeps the others.
    """
    path = key.split(".")
    current_class: Any = config_class
    current = data
    for depth, name in enumerate(path):
        hints = _field_types(current_class)
        if name not in hints:
            prefix = ".".join(path[:depth])
            where = f"fields of {prefix}" if prefix else f"{config_class.__name__} fields"
            raise ValueError(f"--set {key}: unknown field {name!r}; {where}: {', '.join(sorted(hints))}")
        hint = hints[name]
        if depth == len(path) - 1:
            current[name] = _checked_value(key, hint, text, current.get(name))
            return
        nested_class = _nested_config(hint)
        if nested_class is None:
            raise ValueError(
                f"--set {key}: {'.'.join(path[: depth + 1])} holds {_describe(hint)}, not a config with fields"
            )
        if current.get(name) is None:
            raise ValueError(
                f"--set {key}: {'.'.join(path[: depth + 1])} is null; set it whole first, such as "
                f"--set {'.'.join(path[: depth + 1])}='{{\"epochs\": 60}}'"
            )
        current_class, current = nested_class, current[name]


def _field_types(config_class: Any) -> dict[str, Any]:
    # get_type_hints resolves the postponed annotations (`from __future__ import annotations`) in the
    # class's own module, where its field types are imported.
    hints = typing.get_type_hints(config_class)
    return {item.name: hints[item.name] for item in dataclasses.fields(config_class)}


def _nested_config(hint: Any) -> type | None:
    """The config dataclass a field holds (`TrainConfig` for `TrainConfig | None`), else None."""
    for option in _options(hint):
        if dataclasses.is_dataclass(option) and isinstance(option, type):
            return option
    return None


def _options(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _checked_value(key: str, hint: Any, text: str, current: Any) -> Any:
    value = parse_value(text)
    for option in _options(hint):
        accepted, converted = _accepts(option, value, current)
        if accepted:
            return converted
    # `--set dataset=123` means the string: JSON read a number, but the field wants text.
    if str in _options(hint):
        return text
    raise ValueError(f"--set {key}: expected {_describe(hint)}, got {text!r}")


def _accepts(option: Any, value: Any, current: Any) -> tuple[bool, Any]:
    """(whether `value` fits the type `option`, the value in its `to_dict` form)."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if option is type(None):
        return value is None, None
    if option is bool:
        return isinstance(value, bool), value
    if option is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if option is float:
        return is_number, float(value) if is_number else value
    if option is str:
        return isinstance(value, str), value
    if typing.get_origin(option) is tuple:
        return _accepts_tuple(option, value)
    if dataclasses.is_dataclass(option) and isinstance(value, dict):
        known = {item.name for item in dataclasses.fields(option)}
        if not set(value) <= known:
            return False, value
        return True, {**(current or {}), **value}
    return False, value


def _accepts_tuple(option: Any, value: Any) -> tuple[bool, Any]:
    if not isinstance(value, list):
        return False, value
    arguments = typing.get_args(option)
    if len(arguments) == 2 and arguments[1] is Ellipsis:
        element_types = [arguments[0]] * len(value)
    elif len(arguments) == len(value):
        element_types = list(arguments)
    else:
        return False, value
    converted = []
    for element_type, element in zip(element_types, value, strict=True):
        accepted, element_value = _accepts(element_type, element, None)
        if not accepted:
            return False, value
        converted.append(element_value)
    return True, converted


def _describe(hint: Any) -> str:
    """A type in the words of JSON: 'int or null', 'list of int', 'TrainConfig object (JSON) or null'."""
    words = []
    for option in _options(hint):
        if option is type(None):
            words.append("null")
        elif typing.get_origin(option) is tuple:
            arguments = typing.get_args(option)
            if len(arguments) == 2 and arguments[1] is Ellipsis:
                words.append(f"list of {_describe(arguments[0])}")
            else:
                words.append(f"list of {len(arguments)} ({', '.join(_describe(item) for item in arguments)})")
        elif dataclasses.is_dataclass(option) and isinstance(option, type):
            words.append(f"{option.__name__} object (JSON)")
        elif option is bool:
            words.append("true or false")
        else:
            words.append(getattr(option, "__name__", str(option)))
    return " or ".join(words)


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'child_training': {'epochs': 20}} -> {'child_training.epochs': 20}: nested dicts as dotted keys."""
    flat: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat
