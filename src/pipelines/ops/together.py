"""Run a few independent Spark calls at once.

The ops work after a run is a handful of small jobs and catalog calls (append to this table,
read that one), each mostly waiting on the server. One after the other they cost seconds of
every run; at once, about as long as the longest. The Spark Connect client is thread-safe, and
the catalog serialises what must be serialised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

__all__ = ["Started", "together"]

T = TypeVar("T")


class Started(Generic[T]):
    """Calls started now, on threads of their own, whose results are wanted later: what does
    not depend on the work in between goes alongside it (``results`` waits for them)."""

    def __init__(self, calls: Mapping[str, Callable[[], T]]) -> None:
        workers = max(len(calls), 1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ahead")
        self._futures = {name: self._pool.submit(_outcome, call) for name, call in calls.items()}

    def results(self) -> dict[str, T | Exception]:
        """Each call's result, or the exception it raised, by name (in ``calls`` order)."""
        done = {name: future.result() for name, future in self._futures.items()}
        self._pool.shutdown()
        return done


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
