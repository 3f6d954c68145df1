"""Drain a streaming DataFrame once (available-now) and return its rows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def drain(frame: DataFrame, checkpoint: Path, columns: list[str]) -> list[tuple[object, ...]]:
    """Every row the stream holds now, as tuples of ``columns``, sorted."""
    name = f"drain_{abs(hash(str(checkpoint)))}"
    query = (
        frame.writeStream.format("memory")
        .queryName(name)
        .option("checkpointLocation", str(checkpoint))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    rows = frame.sparkSession.sql(f"SELECT {', '.join(columns)} FROM {name}").collect()
    return sorted((tuple(r) for r in rows), key=repr)
