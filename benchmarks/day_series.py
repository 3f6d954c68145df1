"""A day's files over a history, run by this checkout and by other commits: the loop the
``*_day.py`` benchmarks share (``cdc_day``, ``hotel_day``, ``files_day``).

Per repeat and code (this checkout, then each ``--ref``, alternating, each on a home of its
own under ``--work``), each a fresh ``lakehouse run --profile`` process:

1. ``full``: ``--full-refresh`` over the history (the day's files out of the landing);
2. ``day``: a plain run after the day's files landed.

A benchmark says what makes this checkout's day valid (``expect``: a phase its parser sets,
e.g. that the day was applied incrementally) and what else to print per run (``shown``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from run import (
    Measurement,
    Ref,
    add_wait_options,
    export_ref,
    measure,
    run_job,
    wait_until_quiet,
)

__all__ = ["DaySeries", "add_day_options", "summary"]

Parse = Callable[[str], tuple[dict[str, int], dict[str, float], str]]


def add_day_options(parser: argparse.ArgumentParser, work: str) -> None:
    """``--repeats``, ``--ref``, ``--work`` (default ``work``), ``--timeout``, ``--out`` and
    the wait options."""
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ref", dest="refs", action="append", default=[], help="another commit")
    parser.add_argument("--work", type=Path, default=Path(work))
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--out", type=Path, default=None)
    add_wait_options(parser)


@dataclass(frozen=True)
class DaySeries:
    """What the runs read: ``held`` pairs each day's file, kept out of the landing, with where
    it lands; ``sources`` are run with ``--only``; ``history`` is the rows before the day."""

    landing: Path
    conf: Path
    sources: Sequence[str]
    held: Sequence[tuple[Path, Path]]
    history: int
    parse: Parse

    def run(
        self,
        args: argparse.Namespace,
        expect: tuple[str, str] | None = None,
        shown: Callable[[Measurement], str] = lambda _m: "",
    ) -> list[Measurement]:
        """Every run of the series (see the module docstring); ``expect``: (a phase this
        checkout's day must have, the error when it has not)."""
        codes: list[Ref | None] = [None, *(export_ref(args.work, r) for r in args.refs)]
        results: list[Measurement] = []
        for repeat in range(1, args.repeats + 1):
            for code in codes:
                home = args.work / ("home" if code is None else f"home-{code.name}")
                for kind in ("full", "day"):
                    self._land(day=kind == "day")
                    wait_until_quiet(args.quiet, args.quiet_wait)
                    full = kind == "full"
                    job = run_job(home, self.landing, self.conf, code, self.sources, self.parse, full=full)  # fmt: skip # noqa: E501
                    result = measure(job, self.history, repeat, kind, args.timeout, fresh=full)
                    mine = result.ok and code is None and not full
                    if expect and mine and not result.phases.get(expect[0]):
                        result.error = expect[1]
                    results.append(result)
                    print(f"  #{repeat} {job.variant:<16} {kind:<5} {result.seconds:7.1f}s "
                          f"{shown(result)}cpu {result.cpu_seconds:6.1f}s "
                          f"others {result.other_cores:.2f} cores  "
                          f"{'ok' if result.ok else 'FAILED: ' + result.error}  {result.counts}",
                          flush=True)  # fmt: skip
                self._land(day=False)
                shutil.rmtree(home, ignore_errors=True)
        print(summary(results))
        return results

    def _land(self, *, day: bool) -> None:
        for kept, target in self.held:
            target.unlink(missing_ok=True)
            if day:
                shutil.copy(kept, target)


def summary(results: list[Measurement]) -> str:
    """Per code and kind: the median seconds, and whether every run agreed on the counts."""
    lines = []
    for kind in ("full", "day"):
        mine = [m for m in results if m.settings == kind]
        counts = {tuple(sorted(m.counts.items())) for m in mine if m.ok}
        agree = "same counts" if len(counts) == 1 else f"DIFFERENT COUNTS {counts}"
        for variant in dict.fromkeys(m.variant for m in mine):
            runs = [m.seconds for m in mine if m.variant == variant and m.ok]
            failed = sum(1 for m in mine if m.variant == variant and not m.ok)
            median = f"{statistics.median(runs):7.1f} s" if runs else "      -  "
            lines.append(f"  {kind:5} {variant:<16} {median}  runs {sorted(runs)}"
                         f"{f'  FAILED {failed}' if failed else ''}  ({agree})")  # fmt: skip
    return "\n".join(lines)
