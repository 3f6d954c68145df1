"""Start a pipeline run over Spark Connect and stream its events, tolerating extra responses.

``pyspark.pipelines.spark_connect_pipeline.start_run`` (pyspark 4.2.0) ends the event stream
with ``UNKNOWN_RESPONSE`` as soon as the server also sends observed metrics, which it does
whenever a Python worker ran in the pipeline (a Python data source, such as the xlsx reader,
reports its accumulators that way). This sends the same command and skips those responses.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["start_run"]


def start_run(
    spark: SparkSession,
    dataflow_graph_id: str,
    *,
    full_refresh: Sequence[str],
    refresh: Sequence[str],
    storage: str,
) -> Iterator[dict[str, Any]]:
    """Like ``spark_connect_pipeline.start_run`` (not dry, no full-refresh-all)."""
    import pyspark.sql.connect.proto as pb2

    inner = pb2.PipelineCommand.StartRun(
        dataflow_graph_id=dataflow_graph_id,
        full_refresh_selection=list(full_refresh),
        full_refresh_all=False,
        refresh_selection=list(refresh),
        dry=False,
        storage=storage,
    )
    command = pb2.Command()
    command.pipeline_command.start_run.CopyFrom(inner)
    client: Any = getattr(spark, "client")  # noqa: B009 - not in the SparkSession stubs
    request = client._execute_plan_request_with_metadata()
    if client._user_id:
        request.user_context.user_id = client._user_id
    client._set_command_in_plan(request.plan, command)
    for response in client._execute_and_fetch_as_iterator(request, {}):
        if isinstance(response, dict):
            yield response
