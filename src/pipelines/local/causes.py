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
    """The innermost ``Caused by:`` (``Class: message``, package left out) of the stack traces
    in ``log`` that carry ``error``'s first line, or, when none does, its ``[ERROR_CLASS]``;
    only traces with a cause count (the engine repeats the error on lines without one).

    Two flows can fail with the same error class at once (two unreadable files): their traces
    are told apart by the rest of the first line (the file's path). When the traces that carry
    the error still have different causes, the cause is not known: None, never a guess.
    """
    first = error.strip().splitlines()[0] if error.strip() else ""
    for needle in _needles(first):
        causes = _trace_causes(needle, log)
        if causes:
            return causes[-1] if len(set(causes)) == 1 else None
    return None


def _needles(first: str) -> list[str]:
    """What a trace of the error carries, most specific first: the message from its error
    class on (the log has no "Error: " prefix; SQLSTATE left out), then the class alone."""
    named = _ERROR_CLASS.search(first)
    if named is None:
        return [first[:120]] if first else []
    specific = first[named.start() :].split(" SQLSTATE", 1)[0][:200].strip()
    return list(dict.fromkeys([specific, named.group(0)]))


def _trace_causes(needle: str, log: str) -> list[str]:
    """The innermost cause of each trace in ``log`` that carries ``needle``, in log order."""
    causes: list[str] = []
    cause, inside = None, False
    for line in log.splitlines():
        carries = needle in line and "Caused by:" not in line
        if _ENTRY.match(line) or carries:  # a new log entry, or the error's own line: a trace
            if cause is not None:
                causes.append(cause)
            cause, inside = None, carries
            continue
        match = _CAUSED_BY.match(line.strip()) if inside else None
        if match:
            cause = f"{match.group(1)}: {match.group(2).strip()}"
    if cause is not None:
        causes.append(cause)
    return causes


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
