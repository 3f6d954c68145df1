"""Record counts of delivered files, each file counted once (``ops.file_records``).

Reconciliation compares bronze's rows with the records the files hold, counted apart from
Spark's parse (``SourceType.records_read``: CSV, quote-aware). Counted anew every run, that
re-read every file of a source's history in Python, every run: about 4 s per run at 1M rows
(0.55 GB of CSV, ~130 MB/s), 40 s at 10M, growing with every delivery. A file's count is
kept instead, keyed by the file, its size and its modification time, so a run counts only
the files it has not seen; a file rewritten in place (another size or time) is counted again.

The table is a record, not only a cache: it says how many records each delivered file held,
which bronze's ``_source_file`` can be compared with file by file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.ops.history import TableRows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["FileCounts"]

_Key = tuple[str, str, int, int]  # dataset, file, size, modification time (ns)


@dataclass
class FileCounts:
    """The known counts (read from ``ops.file_records`` on first use: from its files, where
    ``files`` reads them) and those this run counted (``counted``: the rows to append)."""

    spark: SparkSession | None
    files: TableRows | None = None
    counted: list[dict[str, Any]] = field(default_factory=list)
    _known: dict[_Key, int] | None = None

    def records(self, dataset: str, path: Path, count: Callable[[Path], int]) -> int:
        """The records of ``path`` (a file of ``dataset``): known, or ``count(path)`` now."""
        stat = path.stat()
        key = (dataset, str(path), stat.st_size, stat.st_mtime_ns)
        known = self._load()
        if key not in known:
            known[key] = count(path)
            self.counted.append(
                {"dataset": dataset, "file": str(path), "size": stat.st_size,
                 "modified_ns": stat.st_mtime_ns, "records": known[key]}
            )  # fmt: skip
        return known[key]

    def _load(self) -> dict[_Key, int]:
        if self._known is None:
            self._known = _read(self.spark, self.files) if self.spark is not None else {}
        return self._known


def _read(spark: SparkSession, files: TableRows | None) -> dict[_Key, int]:
    columns = ["dataset", "file", "size", "modified_ns", "records"]
    rows = files("ops.file_records", columns) if files is not None else None
    if rows is None:
        if not spark.catalog.tableExists("ops.file_records"):
            return {}
        query = f"SELECT {', '.join(columns)} FROM ops.file_records"
        rows = [row.asDict() for row in spark.sql(query).collect()]
    return {
        (r["dataset"], r["file"], int(r["size"]), int(r["modified_ns"])): int(r["records"])
        for r in rows
    }
