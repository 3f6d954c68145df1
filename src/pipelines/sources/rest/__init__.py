"""REST sources: a Python data source (``lakehouse_rest``) reading paged JSON records.

Bronze is a materialized view: every run reads the endpoint afresh. (A streaming reader was
tried: on the local engine a Python streaming source fails with "Python worker failed to
connect back", so REST stays batch.) Secrets (the auth header, a URL kept as a secret) are
resolved on the driver and handed to the reader as options; the data source must be
registered before the graph is (``register_rest``): registering inside a query function is
refused by the pipeline engine.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pyspark.sql.types import StringType, StructField, StructType, TimestampType

from pipelines.config.model import RestSource, SourceConfig
from pipelines.secrets import resolve

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "RECORD_COLUMN",
    "read_rest",
    "register_rest",
    "rest_request",
    "rest_schema",
    "secret_headers",
]

RECORD_COLUMN = "_record"


def secret_headers(source: RestSource, platform: str = "local") -> dict[str, str]:
    """The auth header, secret resolved (raises SecretNotFound).

    It travels in its own reader option, ``secret_headers``: Spark redacts option values whose
    key matches ``spark.redaction.regex`` (``secret|password|token``) in plans and logs.
    """
    if source.auth is None:
        return {}
    token = resolve(source.auth.value, platform)
    scheme = source.auth.scheme
    return {source.auth.header: f"{scheme} {token}" if scheme else token}


def rest_request(source: RestSource, platform: str = "local") -> dict[str, Any]:
    """What the reader needs but the auth header (raises SecretNotFound for a URL secret)."""
    headers = {"Accept": "application/json", **source.headers}
    params = {
        k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in source.params.items()
    }
    return {
        "url": resolve(source.url, platform),
        "params": params,
        "headers": headers,
        "records_path": source.records_path,
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


def read_rest(spark: SparkSession, config: SourceConfig, platform: str = "local") -> DataFrame:
    """A batch read of every page."""
    from pipelines.sources.rest.datasource import NAME

    source = config.source
    assert isinstance(source, RestSource)
    return (
        spark.read.format(NAME)
        .schema(rest_schema(config))
        .option("request", json.dumps(rest_request(source, platform)))
        .option("secret_headers", json.dumps(secret_headers(source, platform)))
        .option("columns", json.dumps([c.name for c in config.columns]))
        .load()
    )
