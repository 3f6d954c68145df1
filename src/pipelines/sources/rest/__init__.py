"""REST sources: a Python data source (``lakehouse_rest``) reading paged JSON records, by GET
or, for a GraphQL API (``graphql``), by POSTing the query with the paging in its variables.

With ``mode: snapshot`` (the default) bronze is a materialized view: every run reads the
endpoint afresh. With ``mode: stream`` bronze is a streaming table fed by the data source's
streaming reader (``stream.py``): each run reads only the records added since the offset kept
in the stream's checkpoint (tests/sources/test_rest_stream.py). Before a local run,
``snapshot_rows`` reads a snapshot's pages in this process to compare them with what bronze
holds: the same records, and the source is left as it is (``pipelines.ops.up_to_date``); other
records, and the graph reads the copy of those rows (``pipelines.sources.record_snapshot``).

"Python worker failed to connect back" (the reason REST was batch only): each Python
streaming source starts a Python process on the driver when its stream starts, and Spark
(``PythonWorkerFactory.createSimpleWorker``, pyspark 4.2) waits a hard-coded 10 seconds
(``Selector.select(10000)``, no conf) for it to connect back to a loopback socket. The
loopback binding is not the cause (driver and worker are both on 127.0.0.1; one stream, or
three on an idle machine, start fine). On this shared 2-core machine at load average ~17,
importing ``pyspark.sql.streaming.python_streaming_source_runner`` alone took ~2 s and three
streams starting at once missed the 10 s (the worker then reports CANNOT_OPEN_SOCKET ...
timed out). So keep Python streaming sources per pipeline few; a failed stream is retried by
the engine and by the next run, which resumes from the checkpointed offset.
Secrets (the auth header, a URL kept as a secret) are resolved on the driver and handed to the
reader as options; the data source must be registered before the graph is
(``register_rest``): registering inside a query function is refused by the pipeline engine.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pyspark.sql.types import StringType, StructField, StructType, TimestampType

from pipelines.config.model import RestSource, SourceConfig
from pipelines.secrets import resolve
from pipelines.sources.types.rest import RECORD_COLUMN

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import DataFrame, SparkSession

    from pipelines.platform import Platform

__all__ = [
    "RECORD_COLUMN",
    "read_rest",
    "register_rest",
    "rest_request",
    "rest_schema",
    "secret_headers",
    "snapshot_rows",
]


def secret_headers(source: RestSource, platform: Platform) -> dict[str, str]:
    """The auth header, secret resolved (raises SecretNotFound).

    It travels in its own reader option, ``secret_headers``: Spark redacts option values whose
    key matches ``spark.redaction.regex`` (``secret|password|token``) in plans and logs.
    """
    if source.auth is None:
        return {}
    token = resolve(source.auth.value, platform)
    scheme = source.auth.scheme
    return {source.auth.header: f"{scheme} {token}" if scheme else token}


def rest_request(source: RestSource, platform: Platform) -> dict[str, Any]:
    """What the reader needs but the auth header (raises SecretNotFound for a URL secret)."""
    headers = {"Accept": "application/json", **source.headers}
    params = {
        k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in source.params.items()
    }
    return {
        "url": resolve(source.url, platform),
        "params": params,
        "headers": headers,
        "graphql": source.graphql.model_dump() if source.graphql else None,
        "records_path": source.records_path,
        "fields": dict(source.fields),
        "pagination": source.pagination.model_dump(),
        "retry": source.retry.model_dump(),
        "rate_limit_per_second": source.rate_limit_per_second,
        "timeout_seconds": source.timeout_seconds,
    }


def rest_schema(config: SourceConfig) -> StructType:
    """Declared fields as text, the raw record, the endpoint and the fetch time."""
    fields = [StructField(c.name, StringType()) for c in config.columns]
    fields += [
        StructField(RECORD_COLUMN, StringType()),
        StructField("_source_file", StringType()),
        StructField("_file_modified_at", TimestampType()),
    ]
    return StructType(fields)


def register_rest(spark: SparkSession) -> None:
    """Register the data source with the session (before the graph is registered)."""
    from pipelines.sources.rest.datasource import RestDataSource

    spark.dataSource.register(RestDataSource)


def read_rest(spark: SparkSession, config: SourceConfig, platform: Platform) -> DataFrame:
    """A batch read of every page, or (``mode: stream``) a stream of the new records."""
    from pipelines.sources.rest.datasource import NAME
    from pipelines.sources.types import typed_source

    source = typed_source(config, RestSource)
    reader = spark.readStream if source.mode == "stream" else spark.read
    return (
        reader.format(NAME)
        .schema(rest_schema(config))
        .option("request", json.dumps(rest_request(source, platform)))
        .option("secret_headers", json.dumps(secret_headers(source, platform)))
        .option("columns", json.dumps([c.name for c in config.columns]))
        .load()
    )


def snapshot_rows(config: SourceConfig, platform: Platform) -> Iterator[tuple[Any, ...]]:
    """Every record of every page as its bronze row, read here, in the driver's Python (no
    Spark job), for the comparison with bronze before a local run
    (``pipelines.sources.record_snapshot``)."""
    from pipelines.sources.rest.datasource import read_pages
    from pipelines.sources.types import typed_source

    source = typed_source(config, RestSource)
    columns = [c.name for c in config.columns]
    return read_pages(rest_request(source, platform), columns, secret_headers(source, platform))
