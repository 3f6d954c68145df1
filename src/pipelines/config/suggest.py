"""Turn pydantic validation errors into located, human messages with "did you mean"."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from pipelines.config.yamlpos import KeyPath

__all__ = ["allowed_keys", "did_you_mean", "humanize", "yaml_key_path"]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def yaml_key_path(model: type[BaseModel], loc: Sequence[str | int]) -> KeyPath:
    """Drop the union tags pydantic puts in ``loc``: ``source.files.path`` -> ``source.path``."""
    out: list[str | int] = []
    annotation: Any = model
    for part in loc:
        stripped = _strip_annotated(annotation)
        options = _union_members(annotation) or (stripped,)
        if isinstance(part, str) and not _is_field(stripped, part):
            tagged = _tagged_member(options, part)
            if tagged is not None:
                annotation = tagged
                continue
        out.append(part)
        annotation = _child(annotation, part)
    return tuple(out)


def allowed_keys(model: type[BaseModel], key_path: KeyPath, data: Any) -> list[str]:
    """The keys the model accepts at the mapping that holds ``key_path[-1]``."""
    annotation: Any = model
    node = data
    for part in key_path[:-1]:
        annotation = _resolve_union(annotation, node)
        annotation = _child(annotation, part)
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None  # type: ignore[index]
    annotation = _resolve_union(annotation, node)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [field.alias or name for name, field in annotation.model_fields.items()]
    return []


def humanize(error: ErrorDetails, model: type[BaseModel], key_path: KeyPath, data: Any) -> str:
    """A message for one pydantic error, phrased for someone editing YAML."""
    kind = error["type"]
    ctx = error.get("ctx", {})
    value = error.get("input")
    if kind == "extra_forbidden":
        key = str(key_path[-1])
        allowed = allowed_keys(model, key_path, data)
        hint = did_you_mean(key, allowed) or (
            f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        )
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return f"missing required key '{key_path[-1]}'"
    if kind == "literal_error":
        expected = _literal_options(str(ctx.get("expected", "")))
        hint = did_you_mean(str(value), expected)
        return f"expected one of {', '.join(map(repr, expected))}, got {value!r}{hint}"
    if kind == "union_tag_invalid":
        tags = _literal_options(str(ctx.get("expected_tags", "")))
        hint = did_you_mean(str(ctx.get("tag")), tags)
        return f"unknown type {ctx.get('tag')!r}; expected one of {', '.join(tags)}{hint}"
    if kind == "union_tag_not_found":
        return f"missing required key '{ctx.get('discriminator', 'type').strip(chr(39))}'"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == r"^[a-z][a-z0-9_]*$":
        return f"expected a lower_snake_case name, got {value!r}"
    if kind in {"value_error", "assertion_error"}:
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in _YAML_SHAPES:  # pydantic names Python's types (tuple, dict, a model's class)
        return f"expected {_YAML_SHAPES[kind]}, got {_shape(value)}"
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}, got {value!r}"


_YAML_SHAPES = {
    "tuple_type": "a list",
    "list_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}
"""pydantic's error types whose message names a Python type, as the YAML shape expected."""


def _shape(value: Any) -> str:
    """What a YAML value is, with the value: ``a mapping {'id': 'int'}``, ``a text 'x'``."""
    if isinstance(value, dict):
        return f"a mapping {value!r}"
    if isinstance(value, list | tuple):
        return f"a list {list(value)!r}"
    if isinstance(value, str):
        return f"a text {value!r}"
    return repr(value)


def _literal_options(expected: str) -> list[str]:
    # pydantic renders them as "'csv', 'json' or 'xml'"
    return [part.strip(" '\"") for part in expected.replace(" or ", ", ").split(",") if part]


def _is_field(annotation: Any, part: str) -> bool:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and part in annotation.model_fields
    )


def _has(node: dict[str, Any] | list[Any], part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _union_members(annotation: Any) -> tuple[Any, ...] | None:
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(_strip_annotated(a) for a in typing.get_args(annotation))
    return None


def _tagged_member(options: tuple[Any, ...], tag: str) -> Any:
    for option in options:
        if isinstance(option, type) and issubclass(option, BaseModel):
            field = option.model_fields.get("type")
            if field is not None and tag in typing.get_args(field.annotation):
                return option
    return None


def _resolve_union(annotation: Any, node: Any) -> Any:
    annotation = _strip_annotated(annotation)
    options = _union_members(annotation)
    if options is None:
        return annotation
    if isinstance(node, dict) and "type" in node:
        tagged = _tagged_member(options, str(node["type"]))
        if tagged is not None:
            return tagged
    models = [o for o in options if isinstance(o, type) and issubclass(o, BaseModel)]
    return models[0] if len(models) == 1 else annotation


def _child(annotation: Any, part: str | int) -> Any:
    annotation = _strip_annotated(annotation)
    members = _union_members(annotation)
    if members is not None:
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        annotation = models[0] if models else annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field else None
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation
