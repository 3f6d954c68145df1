"""What the ``lakehouse_mongodb`` readers ask the server, against a real MongoDB-compatible
server on 127.0.0.1 (``pipelines.demo.mongo``), without Spark: the documents a snapshot and
each micro-batch of a stream read, and the offsets a stream keeps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bson import ObjectId

from pipelines.demo.mongo import LocalMongo
from pipelines.sources.mongodb.datasource import (
    MongoReader,
    MongoStreamReader,
    greatest,
    order_type,
    read_documents,
)


def _request(collection: str, **changes: Any) -> dict[str, Any]:
    request = {
        "database": "reads", "collection": collection, "filter": "{}", "field": "at",
        "field_type": "date", "batch_size": 2, "timeout_seconds": 10,
    }  # fmt: skip
    return request | changes


def _ids(documents: Iterator[dict[str, Any]]) -> list[Any]:
    return [d["_id"] for d in documents]


def test_a_stream_reads_each_document_once_and_unordered_ones_in_its_first_batch(
    mongo: LocalMongo,
) -> None:
    day = [datetime(2026, 12, d) for d in range(1, 6)]
    mongo.insert("reads", "events", [
        {"_id": 1, "at": day[0]}, {"_id": 2, "at": "yesterday"}, {"_id": 3},
        {"_id": 4, "at": day[2]}, {"_id": 5, "at": None}, {"_id": 6, "at": day[1]},
    ])  # fmt: skip
    request = _request("events")
    top = greatest(request, mongo.uri)
    assert top == day[2]  # a date: the text and the null are not candidates
    assert _ids(read_documents(request, mongo.uri, None, top)) == [3, 5, 2, 1, 6, 4]
    mongo.insert("reads", "events", [{"_id": 7, "at": day[4]}, {"_id": 8, "at": "later"}])
    second = greatest(request, mongo.uri)
    assert _ids(read_documents(request, mongo.uri, top, second)) == [7]  # "later": never
    assert _ids(read_documents(request, mongo.uri, second, second)) == []
    assert _ids(read_documents(request, mongo.uri)) == [1, 2, 3, 4, 5, 6, 7, 8]  # a snapshot


def test_the_filter_applies_to_every_read_and_extended_json_keeps_types(
    mongo: LocalMongo,
) -> None:
    mongo.insert("reads", "guests", [
        {"_id": 1, "at": datetime(2026, 1, 1), "active": True},
        {"_id": 2, "at": datetime(2026, 1, 3), "active": False},
        {"_id": 3, "at": datetime(2026, 1, 2), "active": True},
    ])  # fmt: skip
    since = json.dumps({"active": True, "at": {"$gte": {"$date": "2026-01-02T00:00:00Z"}}})
    request = _request("guests", filter=since)
    assert greatest(request, mongo.uri) == datetime(2026, 1, 2)
    assert _ids(read_documents(request, mongo.uri)) == [3]


def test_offsets_are_canonical_extended_json_and_an_empty_collection_stays_put(
    mongo: LocalMongo,
) -> None:
    options = {
        "request": json.dumps(_request("ids", field="_id", field_type=None)),
        "secret_uri": mongo.uri, "columns": "[]", "where": "w",
    }  # fmt: skip
    reader = MongoStreamReader(options)
    start = reader.initialOffset()
    assert start == {"after": None}
    assert reader.latestOffset(start) == start  # nothing yet: no batch
    first, second = ObjectId("65a1f0c2b3d4e5f60718293a"), ObjectId("65a1f0c2b3d4e5f60718293b")
    mongo.insert("reads", "ids", [{"_id": first}, {"_id": second}])
    end = reader.latestOffset(start)
    assert end == {"after": '{"$oid": "65a1f0c2b3d4e5f60718293b"}'}
    (batch,) = reader.partitions(start, end)
    assert [row[-3] for row in reader.read(batch)] == [
        '{"_id":{"$oid":"65a1f0c2b3d4e5f60718293a"}}',
        '{"_id":{"$oid":"65a1f0c2b3d4e5f60718293b"}}',
    ]
    assert order_type({"field_type": None}, second) == "objectId"
    assert order_type({"field_type": None}, 3) == "number"
    assert order_type({"field_type": None}, True) == "bool"


def test_a_snapshot_split_in_id_ranges_reads_every_document_once(mongo: LocalMongo) -> None:
    mongo.insert("reads", "split", [{"_id": i} for i in [*range(10), "a", "b"]])
    options = {"secret_uri": mongo.uri, "columns": "[]", "where": "w"}

    def ranges(partitions: int) -> list[list[Any]]:
        request = json.dumps(_request("split", field="_id", partitions=partitions))
        reader = MongoReader({**options, "request": request})
        parts = reader.partitions()
        return [[json.loads(row[-3])["_id"] for row in reader.read(part)] for part in parts]

    # numbers sort before strings: the split points are numbers, and the first range also
    # takes the ids of another type, which a range on numbers would never match
    assert ranges(3) == [[0, 1, 2, 3, "a", "b"], [4, 5, 6, 7], [8, 9]]
    assert ranges(1) == [[*range(10), "a", "b"]]
    assert ranges(7) == [[*range(10), "a", "b"]]  # under 2 documents a part: not split
    only_numbers = _request("split", field="_id", partitions=2, filter='{"_id": {"$lt": 6}}')
    reader = MongoReader({**options, "request": json.dumps(only_numbers)})
    assert [len(list(reader.read(part))) for part in reader.partitions()] == [3, 3]


def test_a_streams_batches_split_in_id_ranges_read_each_document_once(
    mongo: LocalMongo,
) -> None:
    """The first batch (every document, those whose field cannot be ordered too) and a later
    one, each in ``_id`` ranges of its own documents."""
    mongo.insert("reads", "stream_split", [
        *({"_id": i, "at": datetime(2026, 12, 1 + i % 5)} for i in range(12)),
        {"_id": 12}, {"_id": 13, "at": "text"},
    ])  # fmt: skip
    request = json.dumps(_request("stream_split", partitions=3))
    reader = MongoStreamReader({"request": request, "secret_uri": mongo.uri, "columns": "[]", "where": "w"})  # fmt: skip

    def batches(start: dict[str, Any], end: dict[str, Any]) -> list[list[Any]]:
        parts = reader.partitions(start, end)
        return [sorted(json.loads(row[-3])["_id"] for row in reader.read(p)) for p in parts]

    start = reader.initialOffset()
    first = reader.latestOffset(start)
    # 14 documents: split at the 4th and 9th _id (even steps of the batch's count)
    assert batches(start, first) == [[0, 1, 2, 3], [4, 5, 6, 7, 8], [9, 10, 11, 12, 13]]
    mongo.insert("reads", "stream_split", [{"_id": 20 + i, "at": datetime(2026, 12, 9)} for i in range(6)])  # fmt: skip
    later = reader.latestOffset(first)
    assert batches(first, later) == [[20, 21], [22, 23], [24, 25]]  # only the new ones, split
    assert batches(later, later) == [[]]  # nothing new: one empty range


def test_a_declared_date_stored_as_text_is_still_read(mongo: LocalMongo) -> None:
    mongo.insert("reads", "texts", [
        {"_id": 1, "at": "2026-12-01T08:00:00"}, {"_id": 2, "at": "2026-12-02T08:00:00"},
    ])  # fmt: skip
    request = _request("texts")  # at declared a timestamp: no document holds a BSON date
    top = greatest(request, mongo.uri)
    assert top == "2026-12-02T08:00:00"
    assert _ids(read_documents(request, mongo.uri, None, top)) == [1, 2]
    mongo.insert("reads", "texts", [{"_id": 3, "at": "2026-12-03T08:00:00"}])
    assert _ids(read_documents(request, mongo.uri, top, greatest(request, mongo.uri))) == [3]
