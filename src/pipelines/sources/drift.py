"""Schema drift of file sources, checked before a run: new, missing and retyped columns.

The runner calls :func:`apply_schema_drift` once, before it defines the graph. For each file
source it inspects the files bronze has not ingested yet (their headers, keys or Parquet schema,
plus a sample of values) against the contract, records every change in ``ops.schema_changes``
and applies the source's policy: ``rescue`` carries on (undeclared columns land in
``_rescued_data``), ``evolve`` adds new columns to the contract of this and every later run (as
nullable strings; in a source with PII, masked ``redact``), ``fail`` stops the run naming
file, column and change. A missing column never stops a ``rescue`` or ``evolve`` run: it is
null, and quarantined where not nullable.

A declared column that a file carries under one of its ``aliases`` is ``renamed`` (old name:
the contract's, new name: the file's): the readers fold it into the declared column, so the
change is recorded under every policy and stops none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import Column, FileSource, SourceConfig
from pipelines.config.pii import PiiSpec
from pipelines.errors import PipelineRunError
from pipelines.ops import append_rows
from pipelines.sources.checkpoints import committed_files
from pipelines.sources.file_inspect import (
    FileShape,
    ingested_files_of,
    inspect_file,
    matching_files,
)
from pipelines.sources.infer import infer_column, value_fits

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["ColumnChange", "SchemaDriftError", "apply_schema_drift", "detect_changes"]

Change = Literal["added", "missing", "retyped", "renamed"]
S = TypeVar("S", bound=SourceConfig)
_UNDECLARED_PII = PiiSpec.model_validate({"class": "other", "mask": "redact"})
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


@dataclass(frozen=True)
class ColumnChange:
    """One difference between a file and its source's contract."""

    file: Path
    column: str
    change: Change
    old_type: str | None
    new_type: str | None
    new_name: str | None = None
    """``renamed``: the alias the file carries the column under."""

    def describe(self) -> str:
        """``file x.csv: new column 'shoe' (string)``."""
        what = {
            "added": f"new column '{self.column}' ({self.new_type})",
            "missing": f"column '{self.column}' ({self.old_type}) is missing",
            "retyped": f"column '{self.column}' changed type {self.old_type} -> {self.new_type}",
            "renamed": f"column '{self.column}' arrives as its alias '{self.new_name}'",
        }[self.change]
        return f"file {self.file}: {what}"


class SchemaDriftError(PipelineRunError):
    """A source with ``schema_drift: fail`` received files that break its contract."""


def _compatible(declared: Column, observed: str) -> bool:
    if declared.type in {"string", observed}:
        return True
    numeric = declared.type.startswith(_NUMERIC) and observed.startswith(_NUMERIC)
    return numeric and not (declared.type in _NUMERIC[:4] and observed in _NUMERIC[4:])


def _retyped(declared: Column, shape: FileShape) -> str | None:
    if declared.name in shape.types:  # typed files (Parquet) say it themselves
        observed = shape.types[declared.name]
        return None if _compatible(declared, observed) else observed
    values = [r.get(declared.name) for r in shape.records]
    present = [v.strip() for v in values if v is not None and v.strip()]
    # One bad value is a quality problem (quarantined); a type change is when none fits.
    if not present or any(value_fits(v, declared.type, declared.patterns) for v in present):
        return None
    # A date in another format is still a date: a format is no type (the values that do not
    # parse are quarantined as cast:<col>, a quality problem).
    observed = infer_column(present).type
    return None if observed == declared.type else observed


def _observed(shape: FileShape, name: str) -> str:
    return shape.types.get(name) or infer_column(r.get(name) for r in shape.records).type


def detect_changes(source: SourceConfig, shape: FileShape) -> list[ColumnChange]:
    """Every difference between one file and the contract (pure; no Spark)."""
    if not shape.columns:  # a CSV without header: columns are positional, nothing to compare
        return []
    declared = {c.name: c for c in source.columns}
    aliases = {a for c in source.columns for a in c.aliases}
    changes = []
    for name in shape.columns:
        if name not in declared and name not in aliases:
            changes.append(ColumnChange(shape.path, name, "added", None, _observed(shape, name)))
    for column in source.columns:
        renamed = [a for a in column.aliases if a in shape.columns]
        if column.name not in shape.columns and renamed:
            change = ColumnChange(
                shape.path, column.name, "renamed", column.type, _observed(shape, renamed[0]),
                new_name=renamed[0],
            )  # fmt: skip
            changes.append(change)
        elif column.name not in shape.columns:
            changes.append(ColumnChange(shape.path, column.name, "missing", column.type, None))
        elif (observed := _retyped(column, shape)) is not None:
            changes.append(ColumnChange(shape.path, column.name, "retyped", column.type, observed))
    return changes


def _evolved_before(spark: SparkSession, dataset: str) -> dict[str, str]:
    """Columns earlier runs evolved into ``dataset`` -> the run that first saw each."""
    if not spark.catalog.tableExists("ops.schema_changes"):
        return {}
    rows = spark.sql(
        "SELECT column_name, min_by(run_id, detected_at), min(detected_at) first "
        f"FROM ops.schema_changes WHERE dataset = '{dataset}' AND change = 'added' "
        "AND policy = 'evolve' GROUP BY 1 ORDER BY 3, 1"
    ).collect()
    return {r[0]: r[1] for r in rows}


def _record(
    spark: SparkSession,
    run_id: str,
    dataset: str,
    policy: str,
    changes: Sequence[ColumnChange],
    table_format: str | None,
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    distinct = dict.fromkeys(
        (c.column, c.change, c.old_type, c.new_type, c.new_name) for c in changes
    )
    rows = [
        {"run_id": run_id, "dataset": dataset, "column_name": column, "change": change,
         "old_type": old, "new_type": new, "policy": policy, "detected_at": now,
         "old_name": column if alias else None, "new_name": alias}
        for column, change, old, new, alias in distinct
    ]  # fmt: skip
    append_rows(spark, "schema_changes", rows, table_format)


def _evolve(source: S, first_seen: Mapping[str, str]) -> S:
    """``source`` with the new columns (-> the run that first saw each) as nullable strings.
    In a source that declares PII they are PII too (``redact``: clear only in
    ``bronze_pii``) until someone declares them: an undeclared column of such a source may be
    personal, and nobody chose its mask.

    The description names the run that first saw the column, not this one: a source's
    definition is the same from run to run, so a run with nothing new leaves it as it is
    (``pipelines.ops.up_to_date``)."""
    known = {c.name for c in source.columns}
    pii = _UNDECLARED_PII if source.has_pii else None
    added = [
        Column(name=n, description=f"added by schema drift (first seen by run {run})", pii=pii)
        for n, run in first_seen.items()
        if n not in known
    ]
    return source.model_copy(update={"columns": (*source.columns, *added)}) if added else source


def apply_schema_drift(
    spark: SparkSession,
    config: LakehouseConfig,
    *,
    run_id: str,
    landing_root: str,
    table_format: str | None = "delta",
    nothing_new: set[str] | None = None,
    storage_root: str | None = None,
) -> LakehouseConfig:
    """Check the files each file source (and each undeclared arrival) has not ingested yet;
    record and apply the policy. What each has ingested comes from its stream's checkpoint
    under ``storage_root`` where that says (``pipelines.sources.checkpoints``), else from its
    bronze table.

    Returns the config the run uses (``evolve`` sources with their new columns). The bronze
    tables of file sources with no file left to ingest are added to ``nothing_new`` (when
    given): the listing is made here anyway (``pipelines.ops.up_to_date``).

    Raises:
        SchemaDriftError: A ``fail`` source has changes; names the dataset, file and columns.
    """
    failed: dict[str, str] = {}
    files = [s for s in (*config.sources, *config.arrivals) if isinstance(s.source, FileSource)]
    logged = {
        s.bronze_table: found
        for s in files
        if storage_root and (found := committed_files(storage_root, s.bronze_table)) is not None
    }
    asked = [s.bronze_table for s in files if s.bronze_table not in logged]
    ingested = logged | ingested_files_of(spark, asked)  # one job for all the others
    check = partial(
        _checked, spark, run_id, landing_root, table_format, nothing_new, failed, ingested
    )
    sources = tuple(check(source) for source in config.sources)
    arrivals = tuple(check(arrival) for arrival in config.arrivals)
    if failed:
        raise SchemaDriftError(failed)
    return replace(config, sources=sources, arrivals=arrivals)


def _checked(
    spark: SparkSession,
    run_id: str,
    landing_root: str,
    table_format: str | None,
    nothing_new: set[str] | None,
    failed: dict[str, str],
    ingested: Mapping[str, set[Path]],
    source: S,
) -> S:
    """One source's drift check: recorded; ``source`` as this run reads it (``failed`` gets
    its dataset when its policy stops the run)."""
    spec = source.source
    if not isinstance(spec, FileSource):
        return source
    dataset = source.bronze_table
    if spec.schema_drift == "evolve":  # columns evolved by earlier runs are contract now
        source = _evolve(source, _evolved_before(spark, dataset))
    done = ingested[dataset]
    new = [p for p in matching_files(landing_root, spec) if p not in done]
    if not new and nothing_new is not None:
        nothing_new.add(dataset)
    changes = [c for p in new for c in detect_changes(source, inspect_file(p, spec))]
    if changes:
        _record(spark, run_id, dataset, spec.schema_drift, changes, table_format)
    breaking = [c for c in changes if c.change != "renamed"]  # an alias is an answer
    if spec.schema_drift == "fail" and breaking:
        failed[dataset] = "schema drift (policy fail): " + "; ".join(c.describe() for c in breaking)
    if spec.schema_drift == "evolve":
        source = _evolve(source, {c.column: run_id for c in changes if c.change == "added"})
    return source
