"""File sources: a Spark file stream locally, Auto Loader (``cloudFiles``) on Databricks.

Every declared column is read as a string (bronze is raw); lines the parser cannot split are
kept whole in ``_corrupt_record`` instead of being dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from pipelines.config.model import FileSource, SourceConfig
from pipelines.transforms.conform import CORRUPT_COLUMN

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["raw_schema", "read_files", "reader_options"]

_TEXT_FORMATS = ("csv", "json", "xml")


def raw_schema(config: SourceConfig) -> StructType:
    """All declared columns as strings, plus the corrupt-record column for text formats."""
    fields = [StructField(c.name, StringType()) for c in config.columns]
    if isinstance(config.source, FileSource) and config.source.format in _TEXT_FORMATS:
        fields.append(StructField(CORRUPT_COLUMN, StringType()))
    return StructType(fields)


def reader_options(source: FileSource, platform: str) -> dict[str, str]:
    """Reader options: safe defaults first, the config's options override them."""
    options: dict[str, str] = {}
    if source.format in _TEXT_FORMATS:
        options |= {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_COLUMN}
    if source.format == "csv":
        options |= {"header": "true", "escape": '"'}
    if source.max_files_per_trigger:
        key = "cloudFiles.maxFilesPerTrigger" if platform == "databricks" else "maxFilesPerTrigger"
        options[key] = str(source.max_files_per_trigger)
    if platform == "databricks":
        options["cloudFiles.format"] = source.format
    for key, value in source.options.items():
        options[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return options


def read_files(
    spark: SparkSession, config: SourceConfig, landing_root: str, platform: str = "local"
) -> DataFrame:
    """A streaming read of the source's files with ``_source_file`` and ``_file_modified_at``."""
    source = config.source
    assert isinstance(source, FileSource)
    fmt = "cloudFiles" if platform == "databricks" else source.format
    stream = (
        spark.readStream.format(fmt)
        .options(**reader_options(source, platform))
        .schema(raw_schema(config))
        .load(f"{landing_root.rstrip('/')}/{source.path}")
    )
    return stream.select(
        "*",
        F.col("_metadata.file_path").alias("_source_file"),
        F.col("_metadata.file_modification_time").alias("_file_modified_at"),
    )
