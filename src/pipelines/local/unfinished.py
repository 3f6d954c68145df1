"""Markers of runs that have not ended cleanly, beside the pipeline storage.

Leaving up-to-date datasets out of a run (``pipelines.ops.up_to_date``) trusts what
``ops.flow_metrics`` recorded of the last run. A run killed mid-way (SIGKILL, a lost machine)
records nothing, yet may have committed bronze: its silver is then older than its bronze
although nothing new is waiting. So each run leaves a marker while it runs, removed only when
it completed and was recorded; a run that finds another run's marker checks nothing and runs
every dataset, then clears the markers once it completed.

A run that completed also leaves, beside them, a stamp dated when it began
(``last_completed``): files landed since then are new to the next run
(``pipelines.local.jit``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["Markers"]


class Markers:
    """The ``_unfinished`` folder of a storage root (a ``file:`` URL; others keep none)."""

    def __init__(self, storage_root: str) -> None:
        url = urlparse(storage_root)
        self.folder = Path(unquote(url.path)) / "_unfinished" if url.scheme == "file" else None
        self._began: float | None = None

    def unfinished(self, run_id: str) -> str | None:
        """Why this run cannot trust the last run's record, or None: a run other than
        ``run_id`` began and did not end cleanly, or the storage is not on this machine (its
        markers cannot be read)."""
        if self.folder is None:
            return "the pipeline storage is not on this machine: earlier runs cannot be checked"
        if not self.folder.is_dir():
            return None
        others = sorted(p.name for p in self.folder.iterdir() if p.name != run_id)
        return f"run {', '.join(others)} did not end cleanly" if others else None

    def begin(self, run_id: str) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / run_id).touch()
            self._began = (self.folder / run_id).stat().st_mtime

    def completed(self) -> None:
        """The run completed and was recorded: no marker is needed any more, its own included;
        the stamp of the last completed run is dated when this one began."""
        if self.folder is not None and self.folder.is_dir():
            for marker in self.folder.iterdir():
                marker.unlink(missing_ok=True)
            if self._began is not None:
                stamp = self.folder.parent / "_last_completed"
                stamp.touch()
                os.utime(stamp, (self._began, self._began))

    def last_completed(self) -> float | None:
        """When the last run that completed here began (seconds since the epoch), or None."""
        try:
            return None if self.folder is None else (self.folder.parent / "_last_completed").stat().st_mtime  # fmt: skip # noqa: E501
        except FileNotFoundError:
            return None
