"""What every job task's entry file does once the package imports: run the task's ``main``
with the task's parameters, and turn a ``LakehouseError`` into its message and exit code
(the run's log shows the message, not a traceback)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from pipelines.errors import LakehouseError

__all__ = ["run_task"]


def run_task(main: Callable[[Sequence[str]], int | None]) -> NoReturn:
    """Exit with what ``main(sys.argv[1:])`` returns (0 for None), or a LakehouseError's code."""
    try:
        raise SystemExit(main(sys.argv[1:]) or 0)
    except LakehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
