"""A local run's table counts read from the tables' Delta logs, without a Spark job.

After every run the runner counts each table it wrote (``pipelines.ops.counts``). Spark
answers ``count(*)`` of a Delta table from the log's file statistics, but each table is still a
query to plan and a job to run: 0.15-0.2 s a table in a warm session, 2.3 s of a two-source
test run, 3.6-4.7 s of a 5M-row daily run. The numbers are in the log: every live file's
``add`` action holds ``numRecords``, less the rows a deletion vector removed (its
``cardinality``), and bronze keeps ``_run_id`` statistics, so the rows a run appended are the
records of the files whose ``_run_id`` is that run's alone. Here the log is read as Delta
reads it (the newest complete checkpoint, then every commit after it) from the managed-table
layout (``<schema's folder>/<table>``), each schema's folder as the session's metastore gives
it: a home copied or moved keeps its tables where they were made, for the metastore holds
absolute locations, and reading the copy's files would answer for tables no one writes.

Exact or nothing: a table this reader cannot answer for certain (a log it does not know, a
reader feature it does not handle, a file without statistics, a file holding this run's rows
among others', storage that is not a local folder, a file it cannot parse) is answered
``None``, and counted by Spark as before. ``tests/ops/test_table_logs.py`` checks it against
Spark's counts through deletion vectors, checkpoints and compaction.
"""

from __future__ import annotations

import json
import os
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["TableLogs", "live_files", "rows_of_run", "table_rows"]

_COMMIT = re.compile(r"^(\d{20})\.json$")
_CHECKPOINT = re.compile(r"^(\d{20})\.checkpoint(?:\.(\d{10})\.(\d{10}))?\.parquet$")
# Reader features that leave the log's layout and each file's rows as this reader sees them.
# Any other (catalog-managed commits, v2 checkpoints with sidecar files, ...) means: ask Spark.
_KNOWN_FEATURES = frozenset(
    {"deletionVectors", "timestampNtz", "columnMapping", "typeWidening", "typeWidening-preview",
     "vacuumProtocolCheck", "variantType", "variantType-preview"}
)  # fmt: skip
_RUN_ID = "_run_id"
# Where a catalog-managed (or coordinated-commits) table keeps commits not yet in its log's
# folder: a table with any there is left to Spark. (Delta 4.4 makes the first, empty, for
# every table.)
_ELSEWHERE = ("_staged_commits", "_commits")
# What reading a log or a data file that is not as expected raises (a garbled or half-written
# file, an action without its fields; pyarrow's errors are ValueErrors): no answer, not a crash.
_UNREADABLE = (OSError, ValueError, KeyError, TypeError, AttributeError)

Action = dict[str, Any]


@dataclass(frozen=True)
class _Files:
    """A table's live ``add`` actions and its ``metaData`` action."""

    adds: tuple[Action, ...]
    metadata: Action

    @property
    def columns(self) -> list[str]:
        fields = json.loads(self.metadata.get("schemaString") or "{}").get("fields", [])
        return [str(f.get("name")) for f in fields]

    @property
    def plain(self) -> bool:
        """Whether each live file holds its rows' every column by name and every row it
        holds is live: no partition columns, no column mapping, no deletion vector."""
        mapping = (self.metadata.get("configuration") or {}).get("delta.columnMapping.mode")
        return (
            not self.metadata.get("partitionColumns")
            and mapping in {None, "none"}
            and not any(add.get("deletionVector") for add in self.adds)
        )


def live_files(table: Path) -> tuple[Action, ...] | None:
    """The ``add`` actions of the current version of the Delta table at ``table`` (None:
    this reader cannot say for certain; see the module docstring)."""
    files = _replay(table / "_delta_log")
    return files.adds if files else None


def table_rows(adds: Iterable[Action]) -> int | None:
    """The table's rows: each file's ``numRecords`` less its deleted rows (None: a file
    without statistics)."""
    total = 0
    for add in adds:
        stats = _stats(add)
        if stats is None or not isinstance(stats.get("numRecords"), int):
            return None
        total += stats["numRecords"] - _deleted(add)
    return total


def rows_of_run(adds: Iterable[Action], run_id: str) -> int | None:
    """Rows whose ``_run_id`` is ``run_id``, from each file's ``_run_id`` statistics: all of
    a file whose every row has it, none of a file whose range excludes it (None: a file that
    may hold it among other values, or has no such statistics)."""
    total = 0
    for add in adds:
        stats = _stats(add)
        if stats is None or not isinstance(stats.get("numRecords"), int):
            return None
        records, nulls = stats["numRecords"], stats.get("nullCount", {}).get(_RUN_ID)
        low, high = stats.get("minValues", {}).get(_RUN_ID), stats.get("maxValues", {}).get(_RUN_ID)
        if not isinstance(nulls, int):
            return None
        if low is None and high is None and nulls == records:  # no row has a run id
            continue
        if not isinstance(low, str) or not isinstance(high, str):
            return None
        if low == high == run_id and nulls == 0:
            total += records - _deleted(add)
        elif not low <= run_id <= high:  # a truncated bound still brackets every value
            continue
        else:
            return None
    return total


class TableLogs:
    """The counts a local run's tables' logs answer (``count_run`` counts the rest).

    A table ``s.t`` is read from ``<folder of schema s>/t``, the managed-table layout.
    ``warehouse``: the schemas' folders are ``<warehouse>/<s>.db``; ``schemas``: where the
    session's metastore keeps each schema instead (``of``). None: answers nothing."""

    def __init__(
        self, warehouse: Path | None, schemas: Callable[[str], Path | None] | None = None
    ) -> None:
        self._schemas = schemas or (lambda s: warehouse / f"{s}.db" if warehouse else None)

    @classmethod
    def of(cls, spark: SparkSession) -> TableLogs:
        """The logs of ``spark``'s tables, each schema where its metastore keeps it: not
        necessarily under the session's warehouse, for the metastore keeps absolute
        locations (a home copied elsewhere still reads and writes the tables where they
        were made). A schema that is not a local folder answers nothing."""
        return cls(None, partial(_schema_folder, spark))

    def counts(self, specs: Sequence[DatasetSpec], run_id: str) -> dict[str, Mapping[str, int]]:
        """Per table of ``specs`` whose log answers every count ``table_aggregates`` takes of
        it, those counts (its rows; a streaming table's rows this run appended, when it keeps
        ``_run_id``), by the same keys."""
        return dict(self._answered(specs, run_id))

    def appended(self, table: str, run_id: str) -> int | None:
        """The rows of ``table`` that run ``run_id`` appended (``rows_of_run``; None: not
        known from the log)."""
        folder = self._folder(table)
        files = _replay(folder / "_delta_log") if folder else None
        return rows_of_run(files.adds, run_id) if files and _RUN_ID in files.columns else None

    def rows(self, table: str, columns: Sequence[str]) -> list[dict[str, Any]] | None:
        """``columns`` of every row of ``table`` (a small table: the ops tables), read from
        its live files (None: no such table here, or one whose files do not hold its rows
        plainly); a column the table does not have is None."""
        folder = self._folder(table)
        if folder is None:
            return None
        files = _replay(folder / "_delta_log")
        if files is None or not files.plain or any("://" in a["path"] for a in files.adds):
            return None
        try:
            return [row for add in files.adds for row in _file_rows(folder / unquote(add["path"]), columns)]  # fmt: skip # noqa: E501
        except _UNREADABLE:
            return None

    def newest_maxima(self, table: str, column: str) -> list[Any] | None:
        """The maximum of ``column`` each live file of ``table`` keeps in its statistics, as
        the log writes it (None: no log here, or a file without one)."""
        folder = self._folder(table)
        files = _replay(folder / "_delta_log") if folder else None
        if files is None:
            return None
        maxima = []
        for add in files.adds:
            stats = _stats(add)
            value = stats.get("maxValues", {}).get(column) if stats else None
            if value is None:
                return None
            maxima.append(value)
        return maxima

    def newest_commit(self, table: str) -> tuple[int, Action] | None:
        """The version of ``table``'s newest commit and its ``commitInfo`` (None: no log
        here, or one whose newest commit this reader cannot be sure of: see
        ``commit_infos``). What ``DESCRIBE HISTORY ... LIMIT 1`` answers, without a query."""
        log = self._log(table)
        if log is None:
            return None
        try:
            names = os.listdir(log)
            if any(f in names and os.listdir(log / f) for f in _ELSEWHERE):
                return None  # commits a catalog or coordinator holds apart
        except OSError:
            return None
        versions = [int(m[1]) for n in names if (m := _COMMIT.match(n))]
        infos = self.commit_infos(table, [max(versions)]) if versions else None
        return (max(versions), infos[0]) if infos else None

    def commit_infos(self, table: str, versions: Sequence[int]) -> list[Action] | None:
        """The ``commitInfo`` action of each of ``table``'s commits ``versions``, in order
        (None: a commit missing, e.g. cleaned up after a checkpoint, unreadable, or
        without one)."""
        log = self._log(table)
        if log is None:
            return None
        infos = []
        for version in versions:
            try:
                info = _commit_info(log / f"{version:020d}.json")
            except _UNREADABLE:
                return None
            if info is None:
                return None
            infos.append(info)
        return infos

    def _log(self, table: str) -> Path | None:
        folder = self._folder(table)
        return folder / "_delta_log" if folder else None

    def _folder(self, table: str) -> Path | None:
        schema, _, name = table.lower().partition(".")
        folder = self._schemas(schema) if name else None
        return folder / name if folder else None

    def _answered(
        self, specs: Sequence[DatasetSpec], run_id: str
    ) -> Iterator[tuple[str, Mapping[str, int]]]:
        for spec in specs:
            folder = self._folder(spec.name)
            files = _replay(folder / "_delta_log") if folder else None
            rows = table_rows(files.adds) if files else None
            if files is None or rows is None:
                continue
            counts = {spec.name: rows}
            if spec.kind == "streaming_table" and _RUN_ID in files.columns:
                appended = rows_of_run(files.adds, run_id)
                if appended is None:
                    continue
                counts[f"{spec.name}#appended"] = appended
            yield spec.name, counts


# Per session, each schema's folder (None: not a local folder), as its metastore says: one
# listing (0.25 s in a warm session), again when a schema is not in it (made since). A schema
# dropped and made again elsewhere in the same session is not seen; dropping and making its
# tables (a full refresh) keeps the schema's folder.
_SCHEMA_FOLDERS: weakref.WeakKeyDictionary[Any, dict[str, Path | None]] = (
    weakref.WeakKeyDictionary()
)


def _schema_folder(spark: SparkSession, schema: str) -> Path | None:
    known = _SCHEMA_FOLDERS.get(spark)
    if known is None or schema not in known:
        try:
            listed = spark.catalog.listDatabases()
        except Exception:  # no metastore to ask: no answer (Spark counts)
            return None
        known = {d.name.lower(): _local_folder(d.locationUri) for d in listed}
        _SCHEMA_FOLDERS[spark] = known
    return known.get(schema)


def _local_folder(uri: str | None) -> Path | None:
    location = urlparse(uri or "")
    local = location.scheme in {"", "file"} and location.path
    return Path(unquote(location.path)) if local else None


def _replay(log: Path) -> _Files | None:
    """The live files of the log's newest version (None: see the module docstring)."""
    try:
        return _replayed(log)
    except _UNREADABLE:
        return None


def _replayed(log: Path) -> _Files | None:
    actions = _in_order(log)
    if actions is None:
        return None
    live: dict[tuple[str, str | None], Action] = {}
    protocol: Action | None = None
    metadata: Action | None = None
    for action in actions:
        if action.get("sidecar") is not None:  # a v2 checkpoint's files are elsewhere
            return None
        protocol = action.get("protocol") or protocol
        metadata = action.get("metaData") or metadata
        if (add := action.get("add")) is not None:
            live[_key(add)] = add
        elif (remove := action.get("remove")) is not None:
            live.pop(_key(remove), None)
    if protocol is None or metadata is None:
        return None
    if not set(protocol.get("readerFeatures") or ()) <= _KNOWN_FEATURES:
        return None
    return _Files(tuple(live.values()), metadata)


def _in_order(log: Path) -> Iterator[Action] | None:
    """The log's actions as Delta replays them: its newest complete checkpoint, then each
    commit after it, in order (None: no log, or one this reader cannot follow)."""
    try:
        names = os.listdir(log)
    except OSError:
        return None
    commits = sorted(int(m[1]) for n in names if (m := _COMMIT.match(n)))
    checkpoint = _checkpoint(log, names)
    if checkpoint is False or (not commits and checkpoint is None):
        return None
    start, files = checkpoint if isinstance(checkpoint, tuple) else (-1, [])
    after = [c for c in commits if c > start]
    if after != list(range(start + 1, start + 1 + len(after))):
        return None  # a commit is missing
    return chain(_checkpoint_actions(files), _commit_actions(log, after))


def _commit_actions(log: Path, versions: Sequence[int]) -> Iterator[Action]:
    for version in versions:
        with (log / f"{version:020d}.json").open(encoding="utf-8") as lines:
            yield from (json.loads(line) for line in lines if line.strip())


def _checkpoint(log: Path, names: Sequence[str]) -> tuple[int, list[Path]] | bool | None:
    """The newest complete checkpoint (version, its files); None: none; False: a checkpoint
    of a kind this reader does not read (a v2 checkpoint named by its id)."""
    parts: dict[int, dict[int, Path]] = {}
    wanted: dict[int, int] = {}
    for name in names:
        if ".checkpoint." not in name or name.endswith(".crc") or name.startswith("."):
            continue
        match = _CHECKPOINT.match(name)
        if match is None:
            return False
        version, part, of = int(match[1]), int(match[2] or 1), int(match[3] or 1)
        parts.setdefault(version, {})[part] = log / name
        wanted[version] = of
    complete = [v for v, found in parts.items() if len(found) == wanted[v]]
    if not complete:
        return None
    version = max(complete)
    return version, [parts[version][p] for p in sorted(parts[version])]


def _file_rows(path: Path, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """``columns`` of each row of the Parquet file at ``path`` (None where it has no such
    column: written before the column was added)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    present = [c for c in columns if c in pq.read_schema(path).names]
    for row in pq.read_table(path, columns=present).to_pylist():
        yield {c: row.get(c) for c in columns}


def _commit_info(path: Path) -> Action | None:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            action = json.loads(line) if line.strip() else {}
            if isinstance(action.get("commitInfo"), dict):
                info: Action = action["commitInfo"]
                return info
    return None


def _checkpoint_actions(files: Sequence[Path]) -> Iterator[Action]:
    import pyarrow.parquet as pq

    for path in files:
        schema = pq.read_schema(path)
        columns = [c for c in ("add", "protocol", "metaData", "sidecar") if c in schema.names]
        for row in pq.read_table(path, columns=columns).to_pylist():
            yield {k: v for k, v in row.items() if v is not None}


def _key(action: Action) -> tuple[str, str | None]:
    """A file's identity in the log: its path and its deletion vector (a new vector on a file
    is a ``remove`` of the file with the old one and an ``add`` with the new one)."""
    vector = action.get("deletionVector")
    dv = None
    if vector:
        dv = f"{vector.get('storageType')}{vector.get('pathOrInlineDv')}@{vector.get('offset')}"
    return action["path"], dv


def _stats(add: Action) -> dict[str, Any] | None:
    stats = add.get("stats")
    if not stats:
        return None
    parsed = json.loads(stats)
    return parsed if isinstance(parsed, dict) else None


def _deleted(add: Action) -> int:
    vector = add.get("deletionVector")
    return int(vector.get("cardinality") or 0) if vector else 0
