"""Where the test suite's graph runs spend their time: a pytest plugin.

Issue 16 asks for the suite under 5 minutes. Most of its time is real pipeline runs in the test
session's Spark; this plugin times every ``run_pipeline`` a test makes in that process, with
the runner's own steps (``pipelines.profile.Profile``: the graph, the counts, the ops records,
the up-to-date check), and writes the totals per step and per test when the session ends.
Runs in ``lakehouse`` child processes are not seen (their JVMs are apart).

    PYTHONPATH=benchmarks .venv/bin/pytest -m "not infra" -p suite_profile

The report goes to ``$SUITE_PROFILE`` (default ``benchmarks/results/suite_profile.json``).
It wraps the function before the test modules import it, so it must be loaded with ``-p``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from pipelines.local import runner
from pipelines.profile import Profile

__all__ = ["pytest_runtest_setup", "pytest_sessionfinish"]

_OUT = Path(__file__).parent / "results" / "suite_profile.json"
_steps: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # step -> [runs, seconds]
_tests: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # test -> [runs, seconds]
_current = ["(no test)"]
_RUN_N = re.compile(r"^run \d+ dataset\(s\)$")
_run = runner.run_pipeline


def _timed(*args: Any, profile: Profile | None = None, **kwargs: Any) -> runner.RunResult:
    profile = profile or Profile()
    started = time.perf_counter()
    try:
        return _run(*args, profile=profile, **kwargs)
    finally:
        took = time.perf_counter() - started
        for key, seconds in [("run", took), *_top(profile)]:
            _steps[key][0] += 1
            _steps[key][1] += seconds
        _tests[_current[0]][0] += 1
        _tests[_current[0]][1] += took


def _top(profile: Profile) -> list[tuple[str, float]]:
    """The runner's steps and the ones directly under them (``after run / ops records``)."""
    named, parent = [], ""
    for depth, name, seconds in profile.steps:
        if depth == 0:
            parent = name
            named.append((name, seconds))
        elif depth == 1:  # "run 7 dataset(s)": one total, whatever the count
            named.append((f"{parent} / {_RUN_N.sub('run datasets', name)}", seconds))
    return named


runner.run_pipeline = _timed


def pytest_runtest_setup(item: pytest.Item) -> None:
    _current[0] = item.nodeid


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = Path(os.environ.get("SUITE_PROFILE", _OUT))
    out.parent.mkdir(parents=True, exist_ok=True)
    steps = {k: {"runs": int(n), "seconds": round(s, 1)} for k, (n, s) in _steps.items()}
    ranked = sorted(_tests.items(), key=lambda item: -item[1][1])
    tests = {k: {"runs": int(n), "seconds": round(s, 1)} for k, (n, s) in ranked}
    out.write_text(json.dumps({"steps": steps, "tests": tests}, indent=1) + "\n")
