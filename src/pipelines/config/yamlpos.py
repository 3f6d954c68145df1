"""YAML loading that remembers where every key and value came from.

PyYAML's composer gives a node tree with marks; we turn it into plain Python data plus an
index from key paths (tuples of keys and list indexes) to 1-based ``(line, column)``, so a
validation error deep in the model can point at the exact line of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.errors import ConfigError, ConfigProblem

__all__ = ["KeyPath", "LocatedDocument", "format_key_path", "load_located", "parse_key_path"]

KeyPath = tuple[str | int, ...]

_CONSTRUCTOR = yaml.constructor.SafeConstructor()

# the C loader is ~10x faster; fall back when PyYAML was built without libyaml
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LocatedDocument:
    """A parsed YAML document and the position of each key path in it."""

    path: Path
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, key_path: KeyPath) -> tuple[int, int]:
        """Position of the longest prefix of ``key_path`` that exists in the file."""
        for end in range(len(key_path), -1, -1):
            found = self.positions.get(key_path[:end])
            if found:
                return found
        return (1, 1)


def load_located(path: Path) -> LocatedDocument:
    """Parse one YAML file into data plus positions.

    Raises:
        ConfigError: The file is not valid YAML, holds several documents, or repeats a key.
    """
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise ConfigError(
            ConfigProblem(path, line, col, "", f"invalid YAML: {exc.problem}")
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(ConfigProblem(path, 0, 0, "", f"invalid YAML: {exc}")) from None
    positions: dict[KeyPath, tuple[int, int]] = {}
    data = _convert(node, (), positions, path) if node is not None else None
    return LocatedDocument(path, data, positions)


def _convert(
    node: yaml.Node, key_path: KeyPath, positions: dict[KeyPath, tuple[int, int]], path: Path
) -> Any:
    positions.setdefault(key_path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, key_path, positions, path)
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*key_path, index), positions, path)
            for index, item in enumerate(node.value)
        ]
    # Scalars: the composer already resolved their tags (int, bool, null, float, str).
    return _CONSTRUCTOR.construct_object(node, deep=True)


def _convert_mapping(
    node: yaml.MappingNode,
    key_path: KeyPath,
    positions: dict[KeyPath, tuple[int, int]],
    path: Path,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(_scalar(key_node))
        child = (*key_path, key)
        line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
        if key in result:
            dotted = format_key_path(child)
            raise ConfigError(ConfigProblem(path, line, col, dotted, f"duplicate key '{key}'"))
        positions[child] = (line, col)
        result[key] = _convert(value_node, child, positions, path)
        positions[child] = (line, col)  # the key's line, not its value's
    return result


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return node.value
    return _CONSTRUCTOR.construct_object(node, deep=True)


def format_key_path(key_path: KeyPath) -> str:
    """``('columns', 2, 'type')`` -> ``columns[2].type``."""
    out = ""
    for part in key_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_key_path(dotted: str) -> KeyPath:
    """``columns[2].type`` -> ``('columns', 2, 'type')``."""
    parts: list[str | int] = []
    for piece in dotted.split("."):
        name, *indexes = piece.replace("]", "").split("[")
        parts.append(name)
        parts.extend(int(i) for i in indexes)
    return tuple(parts)
