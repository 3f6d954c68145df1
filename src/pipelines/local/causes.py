"""The root cause of a failed dataset, from the local Spark server's log.

The engine reports a failed flow with the outermost error only: a file that cannot be read is
``[FAILED_READ_FILE.NO_HINT] Encountered error while reading file ...``, and what went wrong
(``Delimiter cannot be empty``) is the innermost ``Caused by:`` of the stack trace that only
the server's log (``$LAKEHOUSE_HOME/logs/spark.log``) holds. The runner remembers where the log
ended before a run and, for each failed flow, appends the innermost cause of the trace that
carries the flow's error, in front of it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["LogTail", "root_cause", "with_cause"]

_LOG_DIR = re.compile(r"-Dlakehouse\.log\.dir=(\S+)")
_ENTRY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")  # a new log line (not a trace)
_CAUSED_BY = re.compile(r"^Caused by: (?:[\w$]+\.)*([\w$]+(?:Exception|Error)): (.+)$")
_ERROR_CLASS = re.compile(r"\[([A-Z_]+(?:\.[A-Z_]+)*)\]")


def root_cause(error: str, log: str) -> str | None:
    """The innermost ``Caused by:`` (``Class: message``, package left out) of the last stack
    trace in ``log`` that carries ``error``'s first line (or its ``[ERROR_CLASS]``) and has a
    cause (the engine repeats the error on lines without one)."""
    first = error.strip().splitlines()[0] if error.strip() else ""
    named = _ERROR_CLASS.search(first)
    needle = named.group(0) if named else first[:120]
    if not needle:
        return None
    cause = None
    inside = False
    for line in log.splitlines():
        if _ENTRY.match(line):
            inside = False
        if needle in line and "Caused by:" not in line:
            inside = True  # a trace of the error (or a line that repeats it, no trace)
            continue
        match = _CAUSED_BY.match(line.strip()) if inside else None
        if match:
            cause = f"{match.group(1)}: {match.group(2).strip()}"
    return cause


def with_cause(error: str, log: str) -> str:
    """``error`` led by its root cause, when the log knows one the error does not say (first:
    the printed line is the error's first, cut at 300 characters)."""
    first, _, rest = error.strip().partition("\n")
    cause = root_cause(error, log)
    if cause is None or cause.split(": ", 1)[-1] in first:  # printed: the first line only
        return error
    return f"{cause} (in: {first})" + (f"\n{rest}" if rest else "")


class LogTail:
    """The server log written since this object was made (empty when there is no local log)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.offset = path.stat().st_size if path is not None and path.is_file() else 0

    @classmethod
    def of(cls, spark: SparkSession) -> LogTail:
        """The log of the local server ``spark`` talks to (none for a remote server)."""
        try:
            options = spark.conf.get("spark.driver.extraJavaOptions") or ""
        except Exception:  # a server that does not say: no log to read
            options = ""
        found = _LOG_DIR.search(options)
        return cls(Path(found.group(1)) / "spark.log" if found else None)

    def text(self) -> str:
        if self.path is None or not self.path.is_file():
            return ""
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            return handle.read().decode("utf-8", errors="replace")
