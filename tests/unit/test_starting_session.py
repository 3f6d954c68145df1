"""The local server starts in the background; starting it fails loudly, at the caller."""

from __future__ import annotations

import threading

import pytest

from pipelines.local.spark import StartingSession


class _JvmFailed(RuntimeError):
    pass


def test_the_start_runs_while_the_caller_goes_on_and_its_error_reaches_the_caller() -> None:
    caller_went_on = threading.Event()

    def start() -> int:
        # Only a start running in the background sees the caller go on (else: 2 s, then False).
        seen = caller_went_on.wait(timeout=2)
        raise _JvmFailed(f"JAVA_HOME is not set (caller went on: {seen})")

    starting = StartingSession(start)
    caller_went_on.set()
    with pytest.raises(_JvmFailed, match=r"^JAVA_HOME is not set \(caller went on: True\)$"):
        starting.session()
