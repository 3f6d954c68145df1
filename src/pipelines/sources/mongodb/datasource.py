"""The ``lakehouse_mongodb`` Python data source: a collection's documents in, raw rows out.

Runs in Spark's Python workers (locally and on Databricks, where the pipeline's environment
installs pymongo). Options: ``request`` (JSON: database, collection, filter, the incremental
field and its type, partitions, batch size, timeout), ``secret_uri`` (the resolved connection
string: Spark redacts options named like a secret in plans and logs), ``columns`` (the
declared field names) and ``where`` (the server and collection, without credentials, for
``_source_file``).

A batch read (``mode: snapshot``) reads the matching documents in ``_id`` order, in one
partition or, with ``partitions``, in ``_id`` ranges at once (``split``). A stream (``mode:
stream``) keeps as its offset the greatest value of the incremental field it has read (as
canonical extended JSON, so an ObjectId or a date stays one): each micro-batch reads the
documents above the last offset and at most the greatest value the collection held when the
batch was planned, in that field's order, in one partition or, with ``partitions``, in
``_id`` ranges of the batch's documents at once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bson import Decimal128, Int64, ObjectId, Timestamp, json_util
from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    DataSourceStreamReader,
    InputPartition,
)
from pyspark.sql.types import StructType

from pipelines.errors import LakehouseError
from pipelines.sources.mongodb.split import IdRange, id_ranges, range_query
from pipelines.sources.rest.paging import dig  # a dotted path, an array element by index

__all__ = [
    "NAME",
    "MongoDataSource",
    "MongoReader",
    "MongoStreamReader",
    "batch_query",
    "document_row",
    "field_text",
    "greatest",
    "order_type",
    "read_documents",
]

NAME = "lakehouse_mongodb"
Row = tuple[Any, ...]
Offset = dict[str, Any]


_RELAXED = json_util.RELAXED_JSON_OPTIONS
_BSON = functools.partial(json_util.default, json_options=_RELAXED)
"""The BSON types' relaxed extended JSON (``{"$oid": ...}``, ``{"$date": ...}``), for
``json.dumps``: the same text as ``json_util.dumps``, which converts every value in Python
first and was most of a row's cost (BENCHMARKS.md, session 26); the standard encoder hands
this only what plain JSON cannot hold."""


def field_text(value: Any) -> str | None:
    """A field as bronze keeps it: text as is, null as null, an ObjectId as its hex, a date
    as ISO 8601 (UTC), a decimal as its digits, anything else as relaxed extended JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, bool):  # before int: a bool is one
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    try:
        return json.dumps(
            value, default=_BSON, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except ValueError:  # NaN or infinity: {"$numberDouble": "NaN"}, as only json_util writes
        return json_util.dumps(
            value, json_options=_RELAXED, ensure_ascii=False, separators=(",", ":")
        )


def document_row(
    columns: list[str],
    document: dict[str, Any],
    where: str,
    fields: dict[str, str] | None = None,
) -> Row:
    """The bronze row of one document: declared fields as text (a column of ``fields`` from
    its dotted path), the document, where, when."""
    paths = fields or {}
    values = [
        field_text(dig(document, paths[name]) if name in paths else document.get(name))
        for name in columns
    ]
    fetched = datetime.now(UTC).replace(tzinfo=None)
    return (*values, field_text(document), where, fetched)


def read_documents(
    request: dict[str, Any],
    uri: str,
    after: Any = None,
    upto: Any = None,
    part: IdRange | None = None,
) -> Iterator[dict[str, Any]]:
    """The documents matching the filter, in ``_id`` order; with ``upto`` (a stream's batch),
    in the incremental field's order, only those whose field is above ``after`` and at most
    ``upto``, and in the first batch (no ``after``) also every document whose field is
    missing, null or of another type: a range cannot order them, and they would never be read
    (such a document is read once, by the first run, and its checks then quarantine it).
    ``part``: an ``_id`` range of the read (``split``)."""
    query = batch_query(request, after, upto)
    if part is not None:
        query = range_query(query, part)
    order = "_id" if upto is None else request["field"]
    with _client(request, uri) as client:
        collection = client[request["database"]][request["collection"]]
        cursor = collection.find(query, sort=[(order, 1)], batch_size=request["batch_size"])
        yield from cursor


def batch_query(request: dict[str, Any], after: Any = None, upto: Any = None) -> dict[str, Any]:
    """The filter of a read: the source's, and for a stream's batch (``upto``) the bounds of
    its incremental field (``read_documents``)."""
    query: dict[str, Any] = json_util.loads(request["filter"])
    if upto is None:
        return query
    field = request["field"]
    if after is None:
        unordered = {field: {"$not": {"$type": order_type(request, upto)}}}
        bounds: dict[str, Any] = {"$or": [{field: {"$lte": upto}}, unordered]}
    else:
        bounds = {field: {"$gt": after, "$lte": upto}}
    return {"$and": [query, bounds]} if query else bounds


def _bounds(start: Offset, end: Offset) -> tuple[Any, Any]:
    """A batch's offsets as the incremental field's values (None: none)."""
    values = [start["after"], end["after"]]
    after, upto = (None if v is None else json_util.loads(v) for v in values)
    return after, upto


def greatest(request: dict[str, Any], uri: str) -> Any:
    """The greatest value of the incremental field among the matching documents whose field
    has the declared column's type, else (none has, or no type is declared: ``_id``) among
    those whose field is not null, or None. The fallback keeps a stream reading a collection
    that stores, say, its dates as ISO text: its range is then taken over text."""
    field = request["field"]
    declared = request.get("field_type")
    query = json_util.loads(request["filter"])
    kinds = [{"$type": declared}] if declared else []
    with _client(request, uri) as client:
        collection = client[request["database"]][request["collection"]]
        for typed in [*kinds, {"$exists": True, "$ne": None}]:
            wanted = {"$and": [query, {field: typed}]} if query else {field: typed}
            found = collection.find_one(wanted, projection={field: True}, sort=[(field, -1)])
            if found is not None:
                return found.get(field)
    return None


def order_type(request: dict[str, Any], value: Any) -> str:
    """The BSON type alias (``$type``) a stream orders its field by: the declared column's,
    else that of the greatest value found."""
    declared = request.get("field_type")
    if declared:
        return str(declared)
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "bool"), (datetime, "date"), ((int, float, Int64, Decimal128), "number"),
        (str, "string"), (ObjectId, "objectId"), (Timestamp, "timestamp"),
    ]  # fmt: skip
    for kind, alias in kinds:
        if isinstance(value, kind):
            return alias
    raise LakehouseError(f"cannot order a stream by {field_text(value)!r} ({type(value).__name__})")


def _client(request: dict[str, Any], uri: str) -> Any:
    from pymongo import MongoClient

    timeout = int(request["timeout_seconds"] * 1000)
    return MongoClient(
        uri,
        appname="lakehouse",
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=timeout,
        tz_aware=False,  # naive UTC datetimes, as bronze keeps timestamps
    )


class MongoReader(DataSourceReader):
    """The documents in ``_id`` order: in one partition, or in ``partitions`` ``_id`` ranges
    read at once (``split``)."""

    def __init__(self, options: dict[str, str]) -> None:
        self.request = json.loads(options["request"])
        self.uri = options["secret_uri"]
        self.columns = json.loads(options["columns"])
        self.where = options["where"]

    def partitions(self) -> list[IdRange]:
        """The ``_id`` ranges (asked of the server on the driver, as Spark plans the read)."""
        request = self.request
        with _client(request, self.uri) as client:
            collection = client[request["database"]][request["collection"]]
            query = json_util.loads(request["filter"])
            return id_ranges(collection, query, request.get("partitions", 1))

    def read(self, partition: Any) -> Iterator[Row]:
        """Yield the rows of one range."""
        part = partition if isinstance(partition, IdRange) else None
        fields = self.request.get("fields")
        for document in read_documents(self.request, self.uri, part=part):
            yield document_row(self.columns, document, self.where, fields)


class _Batch(InputPartition):
    def __init__(self, start: Offset, end: Offset, part: IdRange | None = None) -> None:
        self.start, self.end, self.part = start, end, part


class MongoStreamReader(DataSourceStreamReader):
    """Micro-batches of the documents whose incremental field grew past the offset."""

    def __init__(self, options: dict[str, str]) -> None:
        self.reader = MongoReader(options)

    def initialOffset(self) -> Offset:  # noqa: N802 - the API's name
        """Before the first document."""
        return {"after": None}

    def latestOffset(self, start: Offset, limit: Any = None) -> Offset:  # noqa: N802
        """The greatest value the collection holds now (the start when it holds none)."""
        top = greatest(self.reader.request, self.reader.uri)
        if top is None:
            return start
        return {"after": json_util.dumps(top, json_options=json_util.CANONICAL_JSON_OPTIONS)}

    def partitions(self, start: Offset, end: Offset) -> list[_Batch]:
        """The documents between the offsets: in one partition, or with ``partitions`` in
        ``_id`` ranges of them read at once (the first run of a stream reads the whole
        collection; the batch's end is fixed, so any split reads each document once)."""
        after, upto = _bounds(start, end)
        request = self.reader.request
        if upto is None or request.get("partitions", 1) <= 1:
            return [_Batch(start, end)]
        with _client(request, self.reader.uri) as client:
            collection = client[request["database"]][request["collection"]]
            query = batch_query(request, after, upto)
            ranges = id_ranges(collection, query, request["partitions"])
        return [_Batch(start, end, part) for part in ranges]

    def read(self, partition: InputPartition) -> Iterator[Row]:
        """The rows above the partition's start and at most its end (in its ``_id`` range)."""
        assert isinstance(partition, _Batch)
        after, upto = _bounds(partition.start, partition.end)
        if upto is None:
            return
        reader = self.reader
        fields = reader.request.get("fields")
        for document in read_documents(reader.request, reader.uri, after, upto, partition.part):
            yield document_row(reader.columns, document, reader.where, fields)

    def commit(self, end: Offset) -> None:
        """Nothing to release: the collection is read again from the offset."""


class MongoDataSource(DataSource):
    """``spark.read.format("lakehouse_mongodb")``; the schema always comes from the config."""

    @classmethod
    def name(cls) -> str:
        """The format name."""
        return NAME

    def schema(self) -> StructType | str:
        """Never used: the reader is always given the config's schema."""
        raise LakehouseError("lakehouse_mongodb needs an explicit schema")

    def reader(self, schema: StructType) -> DataSourceReader:
        """The batch reader."""
        return MongoReader(dict(self.options))

    def streamReader(self, schema: StructType) -> DataSourceStreamReader:  # noqa: N802
        """The streaming reader (``mode: stream``): documents past the last offset."""
        return MongoStreamReader(dict(self.options))
