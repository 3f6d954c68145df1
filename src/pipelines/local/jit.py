"""How the local server's JVM compiles: for a quick start, or for long work.

The JVM compiles hot code twice: quickly (C1), then again, optimised (C2). On a 2-core machine
the optimising compiler takes a core for the first tens of seconds, which a short run does not
win back: a daily run that adds one small file to 5M rows of history took 39.5 and 40.1 s
with both compilers and 32.6 and 36.3 s with C1 alone; a run with nothing new 13.9-16.1 s
against 10.7-12.4 s (BENCHMARKS.md, session 18). A long run is the other way round: the full
5M-row run took 153 s with both and 252 s with C1 alone.

So ``local.jit`` (project.yml): ``peak`` is the JVM's default, ``start-up`` stops at C1, and
``auto`` (the default) picks ``start-up`` for a ``lakehouse run`` process that can only have
a little to do: not a full refresh, not a server kept after it, on a home where a run has
completed, with less than ``SMALL`` bytes of files landed since that run began. Other
sources' new rows (a database, a topic, an API) are not known before the run; a backlog there
runs slower, not wrongly.

The short commands that start a server of their own (``lakehouse sql``, ``status``,
``report``, ``scan-pii``) start it for a quick start too under ``auto``: a cold ``lakehouse
sql`` on the demo's home took 8.8-10.0 s that way against 11.9-13.5 s. Every other server
(``serve``, ``optimize``, a notebook's, the tests', a kept one) lives long or works long and
keeps the default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["SMALL", "START_UP", "JitChoice", "choose_jit", "command_jit"]

SMALL = 64 * 1024 * 1024
"""Bytes of newly landed files under which a run starts for a quick start (a day of the
catalog at 10,000 rows is 5.6 MB)."""

START_UP = ("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=240m")
"""The JVM options of ``start-up``: C1 only, with the tiered default's code cache. Without
tiers the JVM reserves 48 MB for compiled code, and Spark generates classes for every query: a
day's run at 1M rows that had to recompute silver filled it ("CodeCache is full. Compiler has
been disabled"), leaving the rest of the run interpreted. The cache is reserved, not used."""


@dataclass(frozen=True)
class JitChoice:
    """The JVM options chosen, and why (a line of ``lakehouse run --profile``)."""

    options: tuple[str, ...]
    why: str


def choose_jit(
    setting: Literal["auto", "start-up", "peak"],
    *,
    landing: Path,
    last_start: float | None,
    full_refresh: bool,
    kept: bool,
) -> JitChoice:
    """The compilation of a ``lakehouse run`` process's JVM (see the module docstring).

    ``last_start``: when the last run that completed on this home began (seconds since the
    epoch; ``pipelines.local.unfinished.Markers.last_completed``), None if none did.
    """
    if setting != "auto":
        return JitChoice(command_jit(setting, short=False), f"local.jit: {setting}")
    if full_refresh or kept or last_start is None:
        why = "a full refresh" if full_refresh else "a kept server" if kept else "a first run"
        return JitChoice((), f"jit: peak ({why})")
    new = sum(size for size in _sizes_since(landing, last_start))
    if new >= SMALL:
        return JitChoice((), f"jit: peak ({new / 2**20:,.1f} MiB landed since the last run)")
    return JitChoice(START_UP, f"jit: start-up ({new / 2**20:,.1f} MiB landed since the last run)")  # fmt: skip # noqa: E501


def command_jit(setting: Literal["auto", "start-up", "peak"], *, short: bool) -> tuple[str, ...]:
    """The JVM options of a command's own server: ``start-up`` for a ``short`` command under
    ``auto`` (see the module docstring), else as ``setting`` says."""
    if setting == "auto":
        return START_UP if short else ()
    return START_UP if setting == "start-up" else ()


def _sizes_since(landing: Path, since: float) -> Iterator[int]:
    """The sizes of the files under ``landing`` changed at or after ``since``."""
    for folder, _, names in os.walk(landing):
        for name in names:
            try:
                stat = os.stat(os.path.join(folder, name))  # a walk: os paths
            except OSError:  # gone since it was listed
                continue
            if stat.st_mtime >= since:
                yield stat.st_size
