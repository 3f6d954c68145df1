"""One local run at a time per ``$LAKEHOUSE_HOME``, refused at once when another is running.

Two runs on one home would share its checkpoints, tables and increment states. Before a run
could use a warm server (``pipelines.local.warm``), the second run could not even start: it
waited on the embedded Derby metastore the first run's server holds and failed minutes later
with the metastore client's traceback. A lock file says it in a line, at once.

The lock is ``flock`` on ``<home>/run.lock``: the kernel releases it when its process ends,
however it ends (a SIGKILLed run leaves no stale lock to clear by hand). The file holds the
holder's process and start time, for the message.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipelines.errors import LakehouseError

__all__ = ["LOCK_FILE", "RunLocked", "hold_runs"]

LOCK_FILE = "run.lock"


class RunLocked(LakehouseError):
    """Another local run holds this home."""


@contextmanager
def hold_runs(home: Path) -> Iterator[None]:
    """Hold ``home``'s run lock for the block.

    Raises:
        RunLocked: Another process holds it (its process and start time in the message).
    """
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise RunLocked(
                f"another lakehouse run is running on {home} ({holder}): one run at a time "
                "per LAKEHOUSE_HOME; wait for it to end"
            ) from None
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()}, started {started}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
