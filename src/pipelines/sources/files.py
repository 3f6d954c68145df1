"""File sources: a Spark file stream locally, Auto Loader (``cloudFiles``) on Databricks
(``pipelines.platform`` chooses).

Every reader returns the declared columns as raw strings, matched **by name** (a CSV header,
JSON keys, XML elements, Parquet fields, an xlsx header row), plus ``_rescued_data`` (a JSON
object of the values of columns the contract does not declare), ``_corrupt_record`` for text
formats (the raw text of a record the parser could not split), ``_source_file`` and
``_file_modified_at``. One module per format: ``csv_reader``, this one for the rest.

A column's ``aliases`` (names it arrives under in some files, e.g. after a rename upstream) are
read like declared columns and folded into it: the first non-null of the declared name and
its aliases, in order. The same happens on Databricks, where the aliases are Auto Loader
schema hints too, so a renamed column never lands in ``_rescued_data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F

from pipelines.config.model import FileSource, SourceConfig
from pipelines.sources.file_inspect import landing_location, matching_files
from pipelines.sources.file_options import (
    CORRUPT_COLUMN,
    CORRUPT_FORMATS,
    RESCUED_COLUMN,
    spark_options,
)
from pipelines.sources.file_shapes import FileShapes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.spec import RunContext

__all__ = [
    "has_corrupt_record",
    "json_object_fields",
    "read_files",
    "read_local_files",
    "read_names",
    "rescued_json",
    "strings_ddl",
    "with_file_metadata",
]


def has_corrupt_record(source: FileSource) -> bool:
    """Whether the format's reader fills ``_corrupt_record``."""
    return source.format in CORRUPT_FORMATS


def strings_ddl(names: Sequence[str]) -> str:
    """``a STRING, b STRING``, names quoted."""
    return ", ".join(f"`{name}` STRING" for name in names)


def rescued_json(pairs: Sequence[tuple[str, Column]]) -> Column:
    """A JSON object of the non-null values among ``pairs``; null when there are none."""
    if not pairs:
        return F.lit(None).cast("string")
    values = F.create_map(*[part for name, value in pairs for part in (F.lit(name), value)])
    present = F.map_filter(values, lambda _key, value: value.isNotNull())
    return F.when(F.size(present) > 0, F.to_json(present))


def with_file_metadata(stream: DataFrame) -> DataFrame:
    return stream.select(
        "*",
        F.col("_metadata.file_path").alias("_source_file"),
        F.col("_metadata.file_modification_time").alias("_file_modified_at"),
    )


def _output(source: FileSource, declared: Sequence[str]) -> list[str]:
    corrupt = [CORRUPT_COLUMN] if has_corrupt_record(source) else []
    return [*declared, *corrupt, RESCUED_COLUMN, "_source_file", "_file_modified_at"]


def read_names(config: SourceConfig) -> list[str]:
    """The names a reader looks for: the declared columns, then their aliases."""
    return [c.name for c in config.columns] + [a for c in config.columns for a in c.aliases]


def _unaliased(rows: DataFrame, config: SourceConfig) -> DataFrame:
    """Each aliased column as the first non-null of its name and its aliases."""
    folded = {
        c.name: F.coalesce(F.col(c.name), *[F.col(a) for a in c.aliases])
        for c in config.columns
        if c.aliases
    }
    return rows.withColumns(folded) if folded else rows


def read_files(spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
    """A streaming read of the source's files (see the module docstring for the columns):
    the platform's file stream (``pipelines.platform``), the xlsx data source on both."""
    from pipelines.sources.types import typed_source

    landing_root = context.landing_root
    source = typed_source(config, FileSource)
    declared = [c.name for c in config.columns]
    names = read_names(config)
    if source.format == "xlsx":
        from pipelines.sources.xlsx_stream import read_xlsx

        location = landing_location(landing_root, source.path)
        rows = read_xlsx(spark, source, names, location)
    else:
        shapes = FileShapes.under(context.storage_root, config.name)
        rows = context.adapter.file_rows(spark, source, names, landing_root, shapes)
    return _unaliased(rows, config).select(*_output(source, declared))


def read_local_files(
    spark: SparkSession,
    source: FileSource,
    names: Sequence[str],
    landing_root: str,
    shapes: FileShapes,
) -> DataFrame:
    """The open-source Spark stream of a csv, json, xml or parquet source (``shapes``: its
    files' columns, read once per file: ``pipelines.sources.file_shapes``)."""
    if source.format == "csv":
        from pipelines.sources.csv_reader import read_csv

        return read_csv(spark, source, names, landing_root, shapes)
    if source.format == "json":  # every key is kept, by name: no file is looked at first
        return _read_json(spark, source, names, landing_root)
    reader = {"xml": _read_xml, "parquet": _read_parquet}[source.format]
    return reader(spark, source, names, landing_root, shapes)


def _read_json(
    spark: SparkSession, source: FileSource, declared: Sequence[str], landing_root: str
) -> DataFrame:
    """Each line (or whole file) as text, parsed into a map: every key is kept, by name."""
    text = with_file_metadata(
        spark.readStream.format("text")
        .options(**spark_options(source))
        .load(landing_location(landing_root, source.path))
    )
    value = F.col("value")
    if source.json_options.multiline:
        document = F.trim(value)
        objects = F.when(
            document.startswith("["), F.from_json(value, "array<map<string,string>>")
        ).otherwise(F.array(F.from_json(value, "map<string,string>")))
        rows = text.withColumn("_map", F.explode_outer(objects))
    else:
        rows = text.where(F.trim(value) != "").withColumn(
            "_map", F.from_json(value, "map<string,string>")
        )
    return json_object_fields(rows, value, declared)


def json_object_fields(rows: DataFrame, text: Column, declared: Sequence[str]) -> DataFrame:
    """``rows`` (with ``_map``: the JSON object parsed from ``text``, or null) plus the
    declared keys as columns (keys normalised, so ``bookingId`` is ``booking_id``),
    ``_corrupt_record`` (``text`` where it is not a JSON object) and ``_rescued_data`` (the
    undeclared keys, as a JSON object). The Kafka reader parses message values with it too."""
    rows = rows.withColumn("_map", F.transform_keys("_map", lambda key, _v: spark_normalised(key)))
    known = F.array(*[F.lit(name) for name in declared])
    extras = F.map_filter(F.col("_map"), lambda key, _v: ~F.array_contains(known, key))
    return rows.withColumns(
        {
            **{name: F.try_element_at(F.col("_map"), F.lit(name)) for name in declared},
            CORRUPT_COLUMN: F.when(F.col("_map").isNull(), text),
            RESCUED_COLUMN: F.when(F.size(extras) > 0, F.to_json(extras)),
        }
    )


def spark_normalised(name: Column) -> Column:
    """``pipelines.sources.infer.normalise_name`` as a Spark expression."""
    spaced = F.regexp_replace(F.trim(name), r"([a-z0-9])([A-Z])", "$1_$2")
    snake = F.lower(
        F.regexp_replace(F.regexp_replace(spaced, r"[^0-9A-Za-z]+", "_"), "^_+|_+$", "")
    )
    return F.when(snake.rlike("^[a-z]"), snake).otherwise(F.concat(F.lit("c_"), snake))


def _observed_columns(
    source: FileSource, landing_root: str, shapes: FileShapes, sample: int
) -> dict[str, str]:
    """Column -> Spark type over every file the source matches now (first type wins);
    ``sample``: how many records of a file name its columns (0: its schema does)."""
    found: dict[str, str] = {}
    for shape in shapes.of(source, matching_files(landing_root, source), sample).values():
        for name in shape.columns:
            found.setdefault(name, shape.types.get(name, "string"))
    return found


def _read_xml(
    spark: SparkSession,
    source: FileSource,
    declared: Sequence[str],
    landing_root: str,
    shapes: FileShapes,
) -> DataFrame:
    # XML has no header: a file's columns are the elements of its first 1,000 records
    observed = _observed_columns(source, landing_root, shapes, sample=1000)
    extras = [n for n in observed if n not in declared]
    schema = strings_ddl([*declared, *extras, CORRUPT_COLUMN])
    stream = with_file_metadata(
        spark.readStream.format("xml")
        .options(**spark_options(source))
        .schema(schema)
        .load(landing_location(landing_root, source.path))
    )
    return stream.withColumn(RESCUED_COLUMN, rescued_json([(n, F.col(n)) for n in extras]))


def _read_parquet(
    spark: SparkSession,
    source: FileSource,
    declared: Sequence[str],
    landing_root: str,
    shapes: FileShapes,
) -> DataFrame:
    """Parquet keeps its types on read (Spark cannot read an int as a string); cast after."""
    observed = _observed_columns(source, landing_root, shapes, sample=0)  # the footer's
    types = {name: observed.get(name, "string") for name in declared} | observed
    schema = ", ".join(f"`{name}` {kind}" for name, kind in types.items())
    stream = with_file_metadata(
        spark.readStream.format("parquet")
        .options(**spark_options(source))
        .schema(schema)
        .load(landing_location(landing_root, source.path))
    )
    extras = [n for n in observed if n not in declared]
    as_text = {name: F.col(name).cast("string") for name in types}
    rescued = rescued_json([(n, F.col(n).cast("string")) for n in extras])
    return stream.withColumns({**as_text, RESCUED_COLUMN: rescued})
