"""MongoDB sources: a Python data source (``lakehouse_mongodb``) reading one collection's
documents with pymongo, locally and on Databricks.

With ``mode: snapshot`` (the default) bronze is a materialized view: every run reads the
matching documents afresh; before a local run ``snapshot_rows`` reads them in this process to
compare them with what bronze holds: the same documents, and the source is left as it is
(``pipelines.ops.up_to_date``); others, and the graph reads the copy of those rows. With
``mode: stream`` bronze is a streaming table: each run reads only the documents whose
``incremental.field`` grew past the greatest one read before, kept in the stream's checkpoint
(``datasource.MongoStreamReader``).

Bronze keeps the declared top-level fields as text and the whole document as relaxed extended
JSON (``_record``), so nested fields stay queryable (``_record:address.city``) and nothing
undeclared is lost. The connection string is resolved on the driver and handed to the reader
as ``secret_uri``: Spark redacts options named like a secret in plans and logs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pipelines.config.model import MongoSource, SourceConfig
from pipelines.secrets import resolve
from pipelines.sources.rest import rest_schema

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import DataFrame, SparkSession

    from pipelines.platform import Platform

__all__ = [
    "mongo_request",
    "read_mongo",
    "register_mongo",
    "snapshot_rows",
    "source_request",
    "where",
]


_FIELD_TYPES = {
    "timestamp": "date", "date": "date",
    "int": "number", "bigint": "number", "smallint": "number", "tinyint": "number",
    "double": "number", "float": "number",
}  # fmt: skip
"""A declared column's type -> the BSON type alias a stream orders its incremental field by
(a decimal(p,s) is a number too). Other columns (a string column may hold an ObjectId's hex)
and undeclared fields (``_id``): the greatest value's own type."""


def mongo_request(config: SourceConfig) -> dict[str, Any]:
    """What the reader needs but the connection string."""
    from pipelines.sources.types import typed_source

    source = typed_source(config, MongoSource)
    field = source.incremental.field
    # The declared column read from that field: mapped to it by ``fields``, or of its name.
    named = next((name for name, path in source.fields.items() if path == field), field)
    column = next((c for c in config.columns if c.name == named), None)
    kind = None if column is None else column.type
    field_type = "number" if kind and kind.startswith("decimal") else _FIELD_TYPES.get(kind or "")
    return source_request(source, field_type)


def source_request(source: MongoSource, field_type: str | None = None) -> dict[str, Any]:
    """``mongo_request`` of a source block alone (no declared columns: ``field_type`` is the
    incremental field's BSON type alias, None for its values' own)."""
    from bson import json_util

    return {
        "database": source.database,
        "collection": source.collection,
        # extended JSON ({"$date": ...}) read back into BSON types by the reader
        "filter": json_util.dumps(source.filter),
        "field": source.incremental.field,
        "field_type": field_type,
        "fields": dict(source.fields),
        "partitions": source.partitions,
        "batch_size": source.batch_size,
        "timeout_seconds": source.timeout_seconds,
    }


def where(uri: str, source: MongoSource) -> str:
    """``mongodb://host:port/database.collection``: the hosts of ``uri`` without its user,
    password or options (``_source_file``)."""
    scheme, _, rest = uri.partition("://")
    hosts = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{hosts}/{source.database}.{source.collection}"


def register_mongo(spark: SparkSession) -> None:
    """Register the data source with the session (before the graph is registered)."""
    from pipelines.sources.mongodb.datasource import MongoDataSource

    spark.dataSource.register(MongoDataSource)


def read_mongo(spark: SparkSession, config: SourceConfig, platform: Platform) -> DataFrame:
    """A batch read of the matching documents, or (``mode: stream``) a stream of new ones.

    Raises:
        SecretNotFound: The connection string's secret is not set.
    """
    from pipelines.sources.mongodb.datasource import NAME
    from pipelines.sources.types import typed_source

    source = typed_source(config, MongoSource)
    uri = resolve(source.uri, platform)
    reader = spark.readStream if source.mode == "stream" else spark.read
    return (
        reader.format(NAME)
        .schema(rest_schema(config))  # the same shape: fields as text, the record, where, when
        .option("request", json.dumps(mongo_request(config)))
        .option("secret_uri", uri)
        .option("columns", json.dumps([c.name for c in config.columns]))
        .option("where", where(uri, source))
        .load()
    )


def snapshot_rows(config: SourceConfig, platform: Platform) -> Iterator[tuple[Any, ...]]:
    """Every matching document as its bronze row, read here, in the driver's Python, for the
    comparison with bronze before a local run (``pipelines.sources.record_snapshot``)."""
    from pipelines.sources.mongodb.datasource import document_row, read_documents
    from pipelines.sources.types import typed_source

    source = typed_source(config, MongoSource)
    uri = resolve(source.uri, platform)
    request = mongo_request(config)
    columns, place = [c.name for c in config.columns], where(uri, source)
    for document in read_documents(request, uri):
        yield document_row(columns, document, place, request["fields"])
