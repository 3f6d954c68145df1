"""Sample a table and run the PII detectors over its columns (the ``scan-pii`` command)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.errors import LakehouseError
from pipelines.output import render_table
from pipelines.pii.detect import Suggestion, suggest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["declared_pii", "render_suggestions", "scan_table"]


def declared_pii(config: LakehouseConfig, table: str) -> set[str]:
    """Columns of ``table`` already declared PII (the table of a source; else none)."""
    name = table.rsplit(".", 1)[-1]
    for source in config.sources:
        if source.name == name:
            return {c.name for c in source.columns if c.pii}
    return set()


def scan_table(
    spark: SparkSession,
    table: str,
    *,
    sample: int,
    min_share: float,
    today: date,
    skip: Iterable[str] = (),
) -> tuple[int, list[Suggestion]]:
    """Sample ``sample`` rows of ``table``; the rows sampled and the suggestions (``skip``:
    columns declared PII already, e.g. ``declared_pii``).

    Raises:
        LakehouseError: The table does not exist.
    """
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, BinaryType, MapType, StructType

    nested = (ArrayType, BinaryType, MapType, StructType)
    try:
        frame = spark.read.table(table)
        fields = [f for f in frame.schema.fields if not isinstance(f.dataType, nested)]
    except AnalysisException:
        raise LakehouseError(f"table {table} not found (run the pipeline first?)") from None
    names = [f.name for f in fields if not f.name.startswith("_")]
    if not names:
        return 0, []
    rows = frame.select(*(F.col(n).cast("string") for n in names)).limit(sample).collect()
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    return len(rows), suggest(columns, today=today, min_share=min_share, skip=skip)


def render_suggestions(table: str, sampled: int, found: Sequence[Suggestion]) -> str:
    """The report: one line per suggested column, examples masked."""
    head = f"scan-pii {table}: {sampled} row(s) sampled"
    if not found:
        return f"{head}; no undeclared column looks like PII"
    rows = [(s.column, s.pii_class, f"{s.share:.0%}", s.example) for s in found]
    table_text = render_table(("column", "class", "matched", "example (masked)"), rows)
    hint = "declare them with `pii: {class: ..., mask: ...}` in the source's columns"
    return f"{head}; {len(found)} column(s) look like PII:\n{table_text}\n{hint}"
