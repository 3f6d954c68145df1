"""A snapshot read split into ``_id`` ranges, read at once by several Python workers.

The split points are ``_id`` values taken in ``_id`` order at even steps of the matching
documents' count (``skip`` over the ``_id`` index: the driver asks for ``partitions - 1`` of
them when Spark plans the read). A range query on ``_id`` takes only values of the split
points' BSON type, so the first range also takes every document whose ``_id`` has another
type: the ranges cover the collection once, whatever its ``_id``s are.
"""

from __future__ import annotations

import itertools
from typing import Any

from pyspark.sql.datasource import InputPartition

__all__ = ["IdRange", "id_ranges", "range_query"]

_FEWEST = 2
"""Documents per partition below which a read is not split (one partition does it)."""


class IdRange(InputPartition):
    """``_id`` from ``low`` (inclusive) to ``high`` (exclusive); None is open; ``other_types``:
    also every ``_id`` not of ``kind``'s type (the first range)."""

    def __init__(self, low: Any, high: Any, kind: str | None, other_types: bool) -> None:
        self.low, self.high, self.kind, self.other_types = low, high, kind, other_types


def id_ranges(collection: Any, query: dict[str, Any], partitions: int) -> list[IdRange]:
    """The ranges of a read of ``query`` in ``partitions`` parts (one, unsplit, when the
    collection holds too few documents or ``_id``s of several types at the split points)."""
    from pipelines.sources.mongodb.datasource import order_type

    whole = [IdRange(None, None, None, True)]
    if partitions <= 1:
        return whole
    count = collection.count_documents(query)
    if count < partitions * _FEWEST:
        return whole
    points: list[Any] = []
    for part in range(1, partitions):
        found = list(
            collection.find(query, {"_id": True})
            .sort("_id", 1)
            .skip(part * count // partitions)
            .limit(1)
        )
        if found and (not points or found[0]["_id"] != points[-1]):
            points.append(found[0]["_id"])
    kinds = {order_type({}, point) for point in points}
    if len(kinds) != 1:
        return whole
    (kind,) = kinds
    bounds = [None, *points, None]
    return [
        IdRange(low, high, kind, other_types=index == 0)
        for index, (low, high) in enumerate(itertools.pairwise(bounds))
    ]


def range_query(query: dict[str, Any], part: IdRange) -> dict[str, Any]:
    """``query`` limited to ``part``."""
    if part.kind is None:  # unsplit
        return query
    bounds: dict[str, Any] = {}
    if part.low is not None:
        bounds["$gte"] = part.low
    if part.high is not None:
        bounds["$lt"] = part.high
    limit: dict[str, Any] = {"_id": bounds}
    if part.other_types:
        limit = {"$or": [limit, {"_id": {"$not": {"$type": part.kind}}}]}
    return {"$and": [query, limit]} if query else limit
