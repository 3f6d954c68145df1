"""Run a few independent Spark calls at once.

The ops work after a run is a handful of small jobs and catalog calls (append to this table,
read that one), each mostly waiting on the server. One after the other they cost seconds of
every run; at once, about as long as the longest. The Spark Connect client is thread-safe, and
the catalog serialises what must be serialised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["together"]

T = TypeVar("T")


def together(calls: Mapping[str, Callable[[], T]]) -> dict[str, T | Exception]:
    """Each call's result, or the exception it raised, by name (in ``calls`` order)."""
    if len(calls) <= 1:
        return {name: _outcome(call) for name, call in calls.items()}
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="ops") as pool:
        futures = {name: pool.submit(_outcome, call) for name, call in calls.items()}
    return {name: future.result() for name, future in futures.items()}


def _outcome(call: Callable[[], T]) -> T | Exception:
    try:
        return call()
    except Exception as exc:  # reported by the caller, in order
        return exc
