"""A recording stand-in for ``pyspark.pipelines`` (``dp``): what ``pipelines.register`` hands
each decorator, by exact arguments, without Spark."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["RecordingDp"]


class RecordingDp:
    """Records ``(decorator, arguments)`` of each call; defines nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _decorator(self, kind: str, **arguments: Any) -> Callable[[Callable[[], Any]], None]:
        self.calls.append((kind, arguments))
        return lambda _function: None

    def temporary_view(self, **arguments: Any) -> Callable[[Callable[[], Any]], None]:
        return self._decorator("temporary_view", **arguments)

    def table(self, **arguments: Any) -> Callable[[Callable[[], Any]], None]:
        return self._decorator("table", **arguments)

    def materialized_view(self, **arguments: Any) -> Callable[[Callable[[], Any]], None]:
        return self._decorator("materialized_view", **arguments)

    def create_streaming_table(self, **arguments: Any) -> None:
        self.calls.append(("create_streaming_table", arguments))

    def create_auto_cdc_flow(self, **arguments: Any) -> None:
        self.calls.append(("create_auto_cdc_flow", arguments))
