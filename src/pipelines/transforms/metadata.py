"""Bronze ingestion metadata: where each row came from, when, in which run, and its hash."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.config.model import FileDate
from pipelines.config.tables import INGEST_COLUMNS  # the names config validates against

__all__ = ["INGEST_COLUMNS", "add_ingest_metadata", "content_hash"]

_SEPARATOR = "\u001f"  # ASCII unit separator: cannot be confused with data in text files
_NULL = "\u0000"


def content_hash(columns: Sequence[str]) -> Column:
    """SHA-256 over the raw values, null distinct from the empty string."""
    parts = [F.coalesce(F.col(c).cast("string"), F.lit(_NULL)) for c in columns]
    return F.sha2(F.concat_ws(_SEPARATOR, *parts), 256)


def add_ingest_metadata(
    df: DataFrame,
    *,
    run_id: str,
    hashed_columns: Sequence[str],
    file_date: FileDate | None,
) -> DataFrame:
    """Add run id, ingest time, the file's date and a content hash.

    Expects ``_source_file`` and ``_file_modified_at`` (the reader adds them); the file date is
    parsed from the file name with ``file_date.regex`` and is null where the name has none.
    """
    # The name after the last slash, by string search: the regex ``[^/]*$`` (retried from
    # every position of the path) cost ~5 CPU-s per million rows.
    file_name = F.substring_index(F.col("_source_file"), "/", -1)
    if file_date is None:
        date = F.lit(None).cast("date")
    else:
        # Null where the name has no date: the regex gives "", which try_to_timestamp cannot
        # parse. No `when(text != "", ...)` around it: the condition and the value each ran the
        # regex, per row (bronze's flow at 1M rows: 8.69 s with it, 8.02 s without, medians of
        # five; BENCHMARKS.md, session 25).
        text = F.regexp_extract(file_name, file_date.regex, 1)
        date = F.try_to_timestamp(text, F.lit(file_date.format)).cast("date")
    # withColumns, not df.columns: inside a pipeline, listing columns would force analysis
    # of a plan whose inputs do not exist yet at registration time.
    return df.withColumns(
        {
            "_file_date": date,
            "_ingested_at": F.current_timestamp(),
            "_run_id": F.lit(run_id),
            "_content_hash": content_hash(hashed_columns),
        }
    )
