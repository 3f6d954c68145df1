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

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "KeyPath",
    "LocatedDocument",
    "format_key_path",
    "load_located",
    "parse_key_path",
    "read_config_text",
]

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


MAX_FILE_BYTES = 1_000_000
"""A config file larger than this is refused before it is read (the shipped ones are < 10 kB)."""
MAX_DEPTH = 50
"""Nesting deeper than this is refused (the shipped config nests 5 levels)."""
MAX_ALIASES = 100
"""Alias uses (``*name``) per file: enough for sharing a block, not for a "billion laughs"."""
MAX_NODES = 100_000
"""Values a file may expand to once its aliases are followed; bounds time and memory."""

_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)
"""The tags plain YAML resolves to; anything else (``!foo``, ``!!python/...``, ``!!binary``)
is refused rather than guessed at."""


def load_located(path: Path) -> LocatedDocument:
    """Parse one YAML file into data plus positions, within the bounds above.

    Raises:
        ConfigError: The file cannot be read (a folder, a symlink loop, too large, not UTF-8),
            is not valid YAML, holds several documents, repeats a key, uses an unknown tag or
            exceeds a bound (aliases, expansion, nesting).
    """
    text = read_config_text(path, MAX_FILE_BYTES)
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
    except RecursionError:  # the pure-Python composer recurses per nesting level
        message = f"nesting deeper than {MAX_DEPTH} levels"
        raise ConfigError(ConfigProblem(path, 0, 0, "", message)) from None
    positions: dict[KeyPath, tuple[int, int]] = {}
    walk = _Walk(path, positions)
    data = walk.convert(node, (), ()) if node is not None else None
    return LocatedDocument(path, data, positions)


def read_config_text(path: Path, limit: int) -> str:
    """The UTF-8 text of a config file (YAML or SQL), at most ``limit`` bytes.

    Raises:
        ConfigError: Not a regular file, unreadable, too large, or not UTF-8 text.
    """
    try:
        if path.is_symlink() and not path.exists():
            message = "a symbolic link that leads nowhere (a loop or a missing target)"
            raise ConfigError(ConfigProblem(path, 0, 0, "", message))
        if not path.is_file():  # a folder named x.yml, a device
            raise ConfigError(ConfigProblem(path, 0, 0, "", "not a regular file"))
        size = path.stat().st_size
        if size > limit:
            message = f"file too large: {size:,} bytes (at most {limit:,})"
            raise ConfigError(ConfigProblem(path, 0, 0, "", message))
        raw = path.read_bytes()
    except OSError as exc:  # a symlink loop, no permission
        message = f"cannot read the file: {exc.strerror or exc}"
        raise ConfigError(ConfigProblem(path, 0, 0, "", message)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded"
        raise ConfigError(ConfigProblem(path, line, column, "", message)) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ConfigError(ConfigProblem(path, line, 1, "", "not text: it holds a NUL byte"))
    return text


class _Walk:
    """Turns the node graph into data, counting what aliases would expand to.

    The composer shares an aliased node instead of copying it, so a "billion laughs" file
    composes quickly into a few nodes; it is the walk that would expand it. The walk keeps
    count and stops at the bounds, and refuses an alias to a node that contains it.
    """

    def __init__(self, path: Path, positions: dict[KeyPath, tuple[int, int]]) -> None:
        self.path = path
        self.positions = positions
        self.seen: set[int] = set()
        self.aliases = 0
        self.nodes = 0

    def fail(self, node: yaml.Node, key_path: KeyPath, message: str) -> ConfigError:
        mark = node.start_mark
        dotted = format_key_path(key_path)
        return ConfigError(
            ConfigProblem(self.path, mark.line + 1, mark.column + 1, dotted, message)
        )

    def convert(self, node: yaml.Node, key_path: KeyPath, parents: tuple[int, ...]) -> Any:
        self._count(node, key_path, parents)
        self.positions.setdefault(key_path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in _TAGS:
            raise self.fail(node, key_path, f"unsupported tag '{_short(node.tag)}'")
        inner = (*parents, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key_path, inner)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.convert(item, (*key_path, index), inner)
                for index, item in enumerate(node.value)
            ]
        return self.scalar(node, key_path)

    def _count(self, node: yaml.Node, key_path: KeyPath, parents: tuple[int, ...]) -> None:
        if id(node) in parents:
            raise self.fail(node, key_path, "recursive alias (a value that contains itself)")
        if len(parents) >= MAX_DEPTH:  # the key path would be as long: name its start only
            raise self.fail(node, key_path[:1], f"nesting deeper than {MAX_DEPTH} levels")
        if id(node) in self.seen and not isinstance(node, yaml.ScalarNode):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self.fail(node, key_path, f"more than {MAX_ALIASES} aliases")
        self.seen.add(id(node))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            message = f"expands to more than {MAX_NODES:,} values (aliases)"
            raise self.fail(node, key_path, message)

    def _mapping(
        self, node: yaml.MappingNode, key_path: KeyPath, parents: tuple[int, ...]
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, key_path, "a key must be a plain value")
            key = str(self.scalar(key_node, key_path))
            child = (*key_path, key)
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in result:
                dotted = format_key_path(child)
                raise ConfigError(
                    ConfigProblem(self.path, line, col, dotted, f"duplicate key '{key}'")
                )
            self.positions[child] = (line, col)
            result[key] = self.convert(value_node, child, parents)
            self.positions[child] = (line, col)  # the key's line, not its value's
        return result

    def scalar(self, node: yaml.Node, key_path: KeyPath) -> Any:
        """A scalar's value; the composer already resolved its tag (int, bool, null, ...)."""
        if node.tag not in _TAGS:
            raise self.fail(node, key_path, f"unsupported tag '{_short(node.tag)}'")
        try:
            return _CONSTRUCTOR.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:  # !!int notanumber
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(
                node, key_path, f"invalid value for tag '{_short(node.tag)}': {problem}"
            ) from None


def _short(tag: str) -> str:
    """``tag:yaml.org,2002:int`` -> ``!!int``, as it is written."""
    return tag.replace("tag:yaml.org,2002:", "!!", 1)


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
