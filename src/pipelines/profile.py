"""Where a run's time goes: named steps, timed as they run, shown by ``lakehouse run --profile``.

Timing is always on (a clock read per step); only the report is optional. Steps may nest
(``after run`` holds ``reconciliation``): a nested step's line is indented, and the total is
the sum of the top-level steps only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Profile", "process_age"]


@dataclass
class Profile:
    """Named steps (depth, name, wall seconds), in the order they started."""

    steps: list[tuple[int, str, float]] = field(default_factory=list)
    _depth: int = 0

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the block as ``name`` (listed where it started, nested steps after it)."""
        index, started = len(self.steps), time.perf_counter()
        self.steps.append((self._depth, name, 0.0))
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self.steps[index] = (self._depth, name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        """Record a duration measured elsewhere (nested in the step running now)."""
        self.steps.append((self._depth, name, seconds))

    def merge(self, other: Profile) -> None:
        """Record ``other``'s steps (timed apart, in a thread of their own) nested in the step
        running now."""
        self.steps.extend((self._depth + depth, name, s) for depth, name, s in other.steps)

    def seconds(self, name: str) -> float:
        """Total seconds of the steps called ``name``."""
        return sum(s for _, n, s in self.steps if n == name)

    def report(self) -> list[str]:
        """One line per step, nested steps indented under the step that holds them."""
        total = sum(s for depth, _, s in self.steps if depth == 0)
        lines = [_line(*step) for step in self.steps]
        return ["profile (wall seconds):", *lines, _line(0, "total", total)]


def _line(depth: int, name: str, seconds: float) -> str:
    return f"  {'  ' * depth}{name:<{44 - 2 * depth}} {seconds:7.2f}"


def process_age() -> float | None:
    """Seconds since this process started (Linux ``/proc``; None elsewhere)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return None
    started = int(stat.rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    return max(0.0, uptime - started)
