"""Start a pipeline run and stream its events, tolerating Python workers' metrics.

pyspark 4.2.0: when a Python worker (a Python data source, such as the REST reader) runs
during a pipeline run, the server sends its accumulator updates (an observed-metrics batch
named ``__python_accumulator__``) on the run's response stream, and
``execute_command_as_iterator`` raises ``UNKNOWN_RESPONSE`` on anything that is not an event,
which ends the stream mid-run (seen in ``lakehouse demo``). This sends the same command and
keeps only the events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["start_run_events"]


class _EventsOnly:
    """Stands in for ``spark`` in ``start_run``: its client yields only dict responses."""

    def __init__(self, spark: SparkSession) -> None:
        self.client = self
        self._client: Any = getattr(spark, "client")  # noqa: B009 - Connect only, untyped

    def execute_command_as_iterator(self, command: Any) -> Iterator[dict[str, Any]]:
        client = self._client
        request = client._execute_plan_request_with_metadata()
        if client._user_id:
            request.user_context.user_id = client._user_id
        client._set_command_in_plan(request.plan, command)
        for response in client._execute_and_fetch_as_iterator(request, {}):
            if isinstance(response, dict):
                yield response


def start_run_events(
    spark: SparkSession, graph_id: str, *, full_refresh: list[str], refresh: list[str], storage: str
) -> Iterator[dict[str, Any]]:
    """``pyspark.pipelines.spark_connect_pipeline.start_run``, events only."""
    from pyspark.pipelines.spark_connect_pipeline import start_run

    return start_run(
        _EventsOnly(spark),  # type: ignore[arg-type]
        graph_id, full_refresh=full_refresh, full_refresh_all=False, refresh=refresh,
        dry=False, storage=storage,
    )  # fmt: skip
