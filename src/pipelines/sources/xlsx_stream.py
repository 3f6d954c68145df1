"""The xlsx stream: registers the Python data source and reads the source's workbooks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pipelines.config.sources import FileSource
from pipelines.sources.file_options import RESCUED_COLUMN
from pipelines.sources.xlsx import XLSX_FORMAT

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["read_xlsx"]


def read_xlsx(
    spark: SparkSession, source: FileSource, declared: Sequence[str], location: str
) -> DataFrame:
    """A stream of the workbooks under ``location`` (a local or mounted path, or file:// URI).

    The data source must be registered first (``prepare_sources``: the file source type's
    ``prepare``; tests do it too).
    """
    names = ", ".join(f"`{n}` STRING" for n in [*declared, RESCUED_COLUMN])
    schema = f"{names}, `_source_file` STRING, `_file_modified_at` TIMESTAMP"
    parsed = urlparse(location)
    pattern = unquote(parsed.path) if parsed.scheme == "file" else location
    stream = spark.readStream.format(XLSX_FORMAT).options(
        path=pattern,
        columns=json.dumps(list(declared)),
        xlsx=source.xlsx_options.model_dump_json(),
        schema=schema,
    )
    if source.max_files_per_trigger:
        stream = stream.option("maxFilesPerTrigger", str(source.max_files_per_trigger))
    return stream.load()
