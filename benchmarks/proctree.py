"""Peak memory and CPU time of a process and all its descendants, sampled from ``/proc``.

Linux only. Each sample reads ``/proc/<pid>/stat`` of every process once, finds every
descendant of the root process (the JVM a PySpark driver starts, and anything it forks) and
sums their RSS: what ``top`` would show, added up. RSS counts a shared page once per process
that maps it, so the sum over-counts pages shared between processes, most visibly when the JVM
spawns a helper (``posix_spawn``) that briefly shares its whole address space. The summed PSS
(``/proc/<pid>/smaps_rollup``: shared pages split between the processes sharing them) does not,
so both are kept. Reading PSS makes the kernel walk the page tables, which costs real CPU on a
multi-GiB JVM, so it is sampled every ``pss_every`` samples (1 s by default) only. CPU time is
the last value seen per process, so a process that ends between samples loses at most one
interval of it.

``busy_cpu_seconds`` reads the machine-wide counter: the difference with the tree's own CPU
time over a run is what other work on the machine took meanwhile.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["PeakTree", "busy_cpu_seconds", "tree_cpu_seconds", "tree_rss"]

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")
_PROC = Path("/proc")


@dataclass(frozen=True)
class _Proc:
    name: str
    parent: int
    cpu_ticks: int
    rss_pages: int


def _read(pid: int) -> _Proc | None:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:  # the process ended while we looked
        return None
    # The command name is in parentheses and may hold spaces: split after its closing one.
    head, tail = stat.rsplit(")", 1)
    fields = tail.split()
    name = head.split("(", 1)[1]
    return _Proc(name, int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]))


def _pss(pid: int) -> int:
    """Proportional set size in bytes (0 if the process is gone)."""
    try:
        rollup = (_PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    line = next((row for row in rollup.splitlines() if row.startswith("Pss:")), "Pss: 0 kB")
    return int(line.split()[1]) * 1024


def _tree(root: int) -> dict[int, _Proc]:
    """``root`` and every live descendant, by pid."""
    procs = {
        int(e.name): p for e in _PROC.iterdir() if e.name.isdigit() and (p := _read(int(e.name)))
    }
    children: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        children.setdefault(proc.parent, []).append(pid)
    found: dict[int, _Proc] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in procs and pid not in found:
            found[pid] = procs[pid]
            todo.extend(children.get(pid, ()))
    return found


def tree_rss(root: int) -> int:
    """Summed resident set size, in bytes, of ``root`` and its live descendants."""
    return sum(p.rss_pages for p in _tree(root).values()) * _PAGE


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by ``root`` and its live descendants (a JVM child included)."""
    return sum(p.cpu_ticks for p in _tree(root).values()) / _TICK


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine (all cores) has spent busy since boot."""
    first = (_PROC / "stat").read_text().split("\n", 1)[0].split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, first[1:9])
    return (user + nice + system + irq + softirq + steal) / _TICK


class PeakTree:
    """Samples a process tree on a thread until closed.

    ``peak_rss`` and ``peak_pss`` are the largest sums seen (bytes), ``peak_parts`` the RSS
    per process name at the RSS peak, ``cpu_seconds`` the CPU time of every process seen in
    the tree. Use as a context manager around the wait for the process.
    """

    def __init__(self, root: int, interval: float = 0.1, pss_every: int = 10) -> None:
        self.root = root
        self.interval = interval
        self.pss_every = pss_every
        self.samples = 0
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_parts: dict[str, int] = {}
        self._ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="proc-sampler", daemon=True)

    @property
    def cpu_seconds(self) -> float:
        return sum(self._ticks.values()) / _TICK

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample(_tree(self.root))
            self._stop.wait(self.interval)

    def _sample(self, tree: dict[int, _Proc]) -> None:
        rss = sum(p.rss_pages for p in tree.values()) * _PAGE
        if rss > self.peak_rss:
            self.peak_rss, self.peak_parts = rss, {}
            for proc in tree.values():
                self.peak_parts[proc.name] = (
                    self.peak_parts.get(proc.name, 0) + proc.rss_pages * _PAGE
                )
        if self.samples % self.pss_every == 0:
            self.peak_pss = max(self.peak_pss, sum(_pss(pid) for pid in tree))
        self.samples += 1
        for pid, proc in tree.items():
            self._ticks[pid] = proc.cpu_ticks

    def __enter__(self) -> PeakTree:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
