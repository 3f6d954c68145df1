"""CSV by header name, per file: files whose headers differ still land in the right columns.

Spark's CSV reader maps columns by position. Locally, the header of every matching file is read
in Python when the query is defined (once per version of a file: ``file_shapes``); each
distinct header (a *layout*) gets an id, and each row picks its values by its file's layout,
so a row with more or fewer fields than its own header is detected and kept whole in
``_corrupt_record`` (see ``_Layouts``); columns outside the contract go to ``_rescued_data``.
A file that lands after the query was defined is read in the contract's column order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F

from pipelines.config.sources import FileSource
from pipelines.sources.file_inspect import landing_location, matching_files
from pipelines.sources.file_options import CORRUPT_COLUMN, RESCUED_COLUMN, spark_options
from pipelines.sources.file_shapes import FileShapes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["file_layouts", "local_file_key", "read_csv"]

Layout = tuple[str, ...]

_LAYOUT = "_lakehouse_layout"  # a row's layout id while its columns are chosen


def file_layouts(source: FileSource, landing_root: str, shapes: FileShapes) -> dict[str, Layout]:
    """File (local path) -> its header, for every file the source matches now (each header
    read once per version of its file: ``pipelines.sources.file_shapes``)."""
    if not source.csv_options.header:
        return {}
    found = shapes.of(source, matching_files(landing_root, source), sample=0)
    return {str(path): shape.columns for path, shape in found.items()}


def local_file_key(file_path: Column) -> Column:
    """``_metadata.file_path`` (``file:/a%20b/c.csv``) as a local path (``/a b/c.csv``)."""
    path = F.regexp_replace(file_path, r"^file:(//)?", "")
    return F.url_decode(F.replace(path, F.lit("+"), F.lit("%2B")))


class _Layouts:
    """Per-row choice of expressions by the row's layout id (``-1``: the contract's order).

    The stream reads ``width`` generic columns, the widest layout's. Spark flags a row whose
    field count differs from that width (``_corrupt_record``, the raw text); for a narrower
    layout every row differs, so its raw text is parsed again with that layout's width.
    """

    def __init__(self, layouts: Sequence[Layout], contract: Layout, source: FileSource) -> None:
        self.layouts = list(layouts) or [contract]
        self.width = max(len(layout) for layout in self.layouts)
        self.contract = contract
        self.options = {
            "sep": source.csv_options.delimiter,
            "quote": source.csv_options.quote,
            "escape": source.csv_options.escape,
            "mode": "PERMISSIVE",
            "columnNameOfCorruptRecord": CORRUPT_COLUMN,
        }

    def _parsed(self, layout: Layout) -> Column | None:
        if len(layout) == self.width:
            return None
        fields = ", ".join(f"`_c{i}` STRING" for i in range(len(layout)))
        raw = F.coalesce(F.col(CORRUPT_COLUMN), F.lit(""))
        return F.from_csv(raw, f"{fields}, `{CORRUPT_COLUMN}` STRING", self.options)

    def value(self, layout: Layout, name: str) -> Column:
        if name not in layout:
            return F.lit(None).cast("string")
        field = f"_c{layout.index(name)}"
        parsed = self._parsed(layout)
        return F.col(field) if parsed is None else parsed.getField(field)

    def malformed(self, layout: Layout) -> Column:
        parsed = self._parsed(layout)
        if parsed is None:
            return F.col(CORRUPT_COLUMN).isNotNull()
        # not flagged by Spark means exactly `width` fields: too many for this layout
        return F.col(CORRUPT_COLUMN).isNull() | parsed.getField(CORRUPT_COLUMN).isNotNull()

    def extras(self, layout: Layout, declared: Sequence[str]) -> Column:
        first = {name: index for index, name in reversed(list(enumerate(layout)))}
        pairs = [(name, self.value(layout, name)) for name in first if name not in declared]
        if not pairs:
            return F.lit(None).cast("string")
        return F.to_json(F.create_map(*[p for name, col in pairs for p in (F.lit(name), col)]))

    def choose(self, layout_id: Column, per_layout: list[Column], default: Column) -> Column:
        expr = F.when(layout_id == 0, per_layout[0])
        for index in range(1, len(per_layout)):
            expr = expr.when(layout_id == index, per_layout[index])
        return expr.otherwise(default)


def read_csv(
    spark: SparkSession,
    source: FileSource,
    declared: Sequence[str],
    landing_root: str,
    shapes: FileShapes,
) -> DataFrame:
    """The CSV stream with declared columns by header name (see the module docstring)."""
    by_file = file_layouts(source, landing_root, shapes)
    contract: Layout = tuple(declared)
    layouts = _Layouts(list(dict.fromkeys(by_file.values())), contract, source)
    generic = ", ".join(f"`_c{i}` STRING" for i in range(layouts.width))
    stream = (
        spark.readStream.format("csv")
        .options(**spark_options(source))
        .schema(f"{generic}, `{CORRUPT_COLUMN}` STRING")
        .load(landing_location(landing_root, source.path))
        .select(
            "*",
            F.col("_metadata.file_path").alias("_source_file"),
            F.col("_metadata.file_modification_time").alias("_file_modified_at"),
        )
    )
    ids = {layout: index for index, layout in enumerate(layouts.layouts)}
    # A file in the contract's order takes the default (-1: the contract's expressions, the
    # same as its own id's), so only the others are looked up: usually none (no per-row URL
    # decode and map lookup), and the map grows with the files that differ, not with history.
    lookup = [
        p
        for path, lay in by_file.items()
        if lay != contract
        for p in (F.lit(path), F.lit(ids[lay]))
    ]
    layout_id = F.lit(-1)
    if lookup:
        found = F.try_element_at(F.create_map(*lookup), local_file_key(F.col("_source_file")))
        # looked up once per row, not once in each column's expression
        stream = stream.withColumn(_LAYOUT, F.coalesce(found, layout_id))
        layout_id = F.col(_LAYOUT)
    every = layouts.layouts

    def choose(per_layout: list[Column], default: Column) -> Column:
        return layouts.choose(layout_id, per_layout, default)

    columns = {
        name: choose([layouts.value(lay, name) for lay in every], layouts.value(contract, name))
        for name in declared
    }
    malformed = choose([layouts.malformed(lay) for lay in every], layouts.malformed(contract))
    extras = choose([layouts.extras(lay, declared) for lay in every], F.lit(None).cast("string"))
    fields = [F.col(f"_c{i}") for i in range(layouts.width)]
    rebuilt = F.concat_ws(source.csv_options.delimiter, *fields)
    return stream.withColumns(
        {
            **columns,
            CORRUPT_COLUMN: F.when(malformed, F.coalesce(F.col(CORRUPT_COLUMN), rebuilt)),
            RESCUED_COLUMN: extras,
        }
    ).drop(_LAYOUT)
