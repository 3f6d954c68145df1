"""The columns of each landing file, remembered between local runs.

The local reader defines a file source's stream from the columns of every file the source
matches: each CSV file's header (to take columns by name), the elements of each XML file's
records and each Parquet file's schema (to know the undeclared columns and their types). Read
afresh, that is every file of the source's history opened before every run: a year of daily
XML files meant parsing up to 1,000 records of each of 365 files although one file was new,
so the cost of a daily run grew with history (issue 16).

A file's columns are kept under the engine's storage (``_file_shapes/<source>.json``), keyed
by the file's path, size and modification time (nanoseconds), and the whole record by the
source's reading settings: a new file, a file delivered again (another size or time) or a
changed setting is read again; every other file costs a ``stat``. Deleting the folder only
costs the next run the reads. Without a local storage (Databricks: Auto Loader keeps its own
schema) nothing is kept and every file is read, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pipelines.config.sources import FileSource
from pipelines.errors import LakehouseError
from pipelines.sources.file_inspect import inspect_file

__all__ = ["FileShapes", "Shape"]

_VERSION = 1


@dataclass(frozen=True)
class Shape:
    """A file's column names in file order, and their Spark types where the file has them
    (Parquet)."""

    columns: tuple[str, ...]
    types: dict[str, str]


class FileShapes:
    """The shapes of one source's files, each read once per version of the file (see the
    module docstring); ``record`` None: nothing is kept."""

    def __init__(self, record: Path | None) -> None:
        self.record = record

    @classmethod
    def under(cls, storage_root: str, name: str) -> FileShapes:
        """Source ``name``'s record under a local engine's storage (``file:`` URI); none
        elsewhere."""
        parsed = urlparse(storage_root)
        if parsed.scheme != "file":
            return cls(None)
        return cls(Path(unquote(parsed.path)) / "_file_shapes" / f"{name}.json")

    def of(self, source: FileSource, files: Sequence[Path], sample: int) -> dict[Path, Shape]:
        """Each of ``files`` and its shape; ``sample``: how many records of a file without a
        header or schema (XML) name its columns."""
        settings = _settings(source, sample)
        kept = self._load(settings)
        found: dict[Path, Shape] = {}
        fresh: dict[str, list[Any]] = {}
        for path in files:
            try:
                stat = path.stat()
            except OSError as exc:  # gone since it was listed: said as a read would say it
                raise LakehouseError(f"{path}: cannot read as {source.format}: {exc}") from None
            version = [stat.st_size, stat.st_mtime_ns]
            shape = _kept(kept.get(str(path)), version)
            if shape is None:
                read = inspect_file(path, source, sample=sample)
                shape = Shape(read.columns, read.types)
            found[path] = shape
            fresh[str(path)] = [*version, list(shape.columns), shape.types]
        if fresh != kept:
            self._save(settings, fresh)
        return found

    def _load(self, settings: str) -> dict[str, list[Any]]:
        path = self.record
        if path is None:
            return {}
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or unreadable: read the files again
        if not isinstance(record, dict) or record.get("settings") != settings:
            return {}
        files = record.get("files")
        return files if isinstance(files, dict) else {}

    def _save(self, settings: str, files: dict[str, list[Any]]) -> None:
        path = self.record
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"settings": settings, "files": files}, separators=(",", ":"))
        # written whole, then renamed: a run killed mid-write leaves the old record, never half
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, prefix=f".{path.stem}.", encoding="utf-8", delete=False
        ) as handle:
            handle.write(text)
        os.replace(handle.name, path)


def _kept(entry: object, version: list[int]) -> Shape | None:
    """The shape an entry of the record holds for this version of its file (None: none, of
    another version, or not an entry this module writes: the file is read again)."""
    if not isinstance(entry, list) or len(entry) != 4 or entry[:2] != version:
        return None
    columns, types = entry[2], entry[3]
    if not isinstance(columns, list) or not isinstance(types, dict):
        return None
    return Shape(tuple(str(c) for c in columns), {str(k): str(v) for k, v in types.items()})


def _settings(source: FileSource, sample: int) -> str:
    """A digest of what a file's shape depends on: the source's settings and the sample."""
    text = json.dumps([_VERSION, sample, source.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
