"""When a local run compacts the ops tables: every so many runs recorded in a lakehouse home.

Each run appends about one small file to each ops table, so the number of runs recorded since
the last compaction is the number of small files a read of them opens. Counting the runs here,
in a file beside the pipeline storage, costs nothing; asking Delta for a table's file count
(``DESCRIBE DETAIL``) is a query per table in every run, the per-run cost this avoids.
Compaction is then due every ``every`` runs (``project.local.compact_ops_every``): its cost
(about 3 s at the end of a run, in a fresh process, BENCHMARKS.md session 12) is paid once per
``every`` runs, and the reads never open more than ``every`` files more than after one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pipelines.errors import first_line
from pipelines.ops.compact import compact, ops_tables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["RunCount", "compact_when_due"]


def compact_when_due(
    spark: SparkSession,
    storage_root: str,
    every: int,
    table_format: str | None,
    echo: Callable[[str], None],
) -> None:
    """Count the run just recorded; when compaction is due, compact every ops table and say
    so in one line. Never raises: a table that could not be compacted is named. The count
    restarts after every attempt, so a table that cannot be compacted (not Delta, say) costs an
    attempt and a line every ``every`` runs, not in every run."""
    count = RunCount(storage_root)
    try:
        due = count.recorded(every) and table_format in (None, "delta")
        if due:  # attempted now: the next attempt is ``every`` runs away, whatever happens
            count.restart()
    except OSError as exc:  # an unwritable storage root: the run has said so already, or will
        echo(f"ops: runs since the last compaction not counted: {exc}")
        return
    if not due:
        return
    try:
        done = compact(spark, ops_tables(spark))
    except Exception as exc:  # the run's outcome is not the compaction's business
        echo(f"ops: ops tables not compacted: {first_line(exc)}")
        return
    failed = {t: r for t, r in done.items() if isinstance(r, Exception)}
    removed = sum(r.removed for r in done.values() if not isinstance(r, Exception))
    added = sum(r.added for r in done.values() if not isinstance(r, Exception))
    runs = f"{every} run{'s' if every != 1 else ''}"
    echo(f"ops: ops tables compacted (every {runs}): {removed} small files into {added}")
    for table, why in failed.items():
        echo(f"ops: {table} not compacted: {first_line(why)}")


class RunCount:
    """The runs recorded since the ops tables were last compacted, in ``_compaction/runs`` of
    a storage root (a ``file:`` URL; another storage keeps no count, and never compacts)."""

    def __init__(self, storage_root: str) -> None:
        url = urlparse(storage_root)
        self.file = (
            Path(unquote(url.path)) / "_compaction" / "runs" if url.scheme == "file" else None
        )

    def runs(self) -> int:
        """The runs counted (0: none, or an unreadable count, which starts again)."""
        if self.file is None:
            return 0
        try:
            return max(int(self.file.read_text(encoding="utf-8")), 0)
        except (OSError, ValueError):
            return 0

    def recorded(self, every: int) -> bool:
        """Count one more run; whether compaction is due (``every`` runs counted; 0: never)."""
        if self.file is None:
            return False
        runs = self.runs() + 1
        _write(self.file, runs)
        return every > 0 and runs >= every

    def restart(self) -> None:
        """The ops tables were compacted (or an attempt was made): the count starts again."""
        if self.file is not None:
            _write(self.file, 0)


def _write(file: Path, runs: int) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_suffix(".tmp")
    partial.write_text(str(runs), encoding="utf-8")
    os.replace(partial, file)  # a kill mid-write leaves the old count, not half of one
