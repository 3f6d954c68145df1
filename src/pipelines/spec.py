"""What the graph is made of: frozen dataset specs and the run they belong to (no Spark needed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.cdc import Cdc
    from pipelines.pii.keys import PiiKeys
    from pipelines.platform import Platform

__all__ = [
    "AutoCdcFlow",
    "ColumnMask",
    "ColumnSpec",
    "DatasetKind",
    "DatasetSpec",
    "Expectation",
    "Query",
    "RowFilterSpec",
    "RunContext",
    "TableSpec",
]

DatasetKind = Literal["streaming_table", "materialized_view", "temporary_view", "auto_cdc"]
"""``auto_cdc``: a streaming table maintained by an AUTO CDC flow from the spec's query."""
Query = Callable[["SparkSession"], "DataFrame"]


@dataclass(frozen=True)
class RunContext:
    """What a graph needs to know about the run it is part of."""

    run_id: str
    landing_root: str
    platform: Literal["local", "databricks"] = "local"
    pii_keys: PiiKeys | None = field(default=None, repr=False, compare=False)
    extracts_root: str = ""
    """Where incremental JDBC extracts land and bronze reads them (``<root>/<source>/<run>/``):
    on Databricks a Unity Catalog volume the extract task may write (the landing location is
    read-only), from the pipeline configuration; empty: ``<landing root>/_extracts``."""
    storage_root: str = ""
    """Where the local engine keeps the pipeline's checkpoints (``_checkpoints``), whose
    streams' progress the pre-run checks read (``pipelines.sources.checkpoints``); empty where
    the platform keeps them to itself (Databricks)."""

    @property
    def extracts(self) -> str:
        """The root of the JDBC extracts of this run (see ``extracts_root``)."""
        return self.extracts_root or f"{self.landing_root.rstrip('/')}/_extracts"

    @property
    def adapter(self) -> Platform:
        """The platform's adapter: every platform decision goes through it."""
        from pipelines.platform import platform_for

        return platform_for(self.platform)

    def applies_auto_cdc(self, cdc: Cdc) -> bool:
        """Whether the engine maintains a CDC table with ``dp.create_auto_cdc_flow`` (the
        platform's choice: ``pipelines.platform.Platform.applies_auto_cdc`` says why)."""
        return self.adapter.applies_auto_cdc


@dataclass(frozen=True)
class AutoCdcFlow:
    """The arguments of ``dp.create_auto_cdc_flow`` (needs a Delta target).

    ``source`` names the temporary view that feeds it (the spec's query).
    """

    source: str
    keys: tuple[str, ...]
    sequence_by: str
    apply_as_deletes: str | None = None
    except_column_list: tuple[str, ...] = ()
    stored_as_scd_type: int = 1
    track_history_column_list: tuple[str, ...] = ()
    ignore_null_updates: bool = False

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``create_auto_cdc_flow``, leaving out the unset ones.

        (The open-source ``dp`` of pyspark 4.2 knows fewer parameters than Databricks'.)
        """
        arguments: dict[str, Any] = {
            "source": self.source,
            "keys": list(self.keys),
            "sequence_by": self.sequence_by,
            "stored_as_scd_type": self.stored_as_scd_type,
        }
        if self.apply_as_deletes:
            arguments["apply_as_deletes"] = self.apply_as_deletes
        if self.except_column_list:
            arguments["except_column_list"] = list(self.except_column_list)
        if self.track_history_column_list:
            arguments["track_history_column_list"] = list(self.track_history_column_list)
        if self.ignore_null_updates:
            arguments["ignore_null_updates"] = True
        return arguments


@dataclass(frozen=True)
class Expectation:
    """A quality rule as a Lakeflow expectation of a dataset (bound on Databricks only).

    Attributes:
        name: The rule's name (what the Lakeflow UI and event log show).
        constraint: A SQL boolean over the dataset's output rows.
        action: ``warn`` (expect), ``drop`` (expect_or_drop) or ``fail`` (expect_or_fail).
    """

    name: str
    constraint: str
    action: Literal["warn", "drop", "fail"]


@dataclass(frozen=True)
class ColumnMask:
    """A Unity Catalog column mask: ``function`` (``<schema>.<function>`` of the catalog the
    table is in) applied to the column, ``using`` further arguments (SQL literals)."""

    function: str
    using: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table's declared schema.

    Attributes:
        name: The column.
        type: Its Spark SQL type, exactly the query's (a schema whose types differ from the
            query's is refused: USER_SPECIFIED_AND_INFERRED_SCHEMA_NOT_COMPATIBLE).
        comment: Its column comment (the config's ``description``).
        mask: The column mask Unity Catalog applies to readers (Databricks only).
    """

    name: str
    type: str
    comment: str = ""
    mask: ColumnMask | None = None


@dataclass(frozen=True)
class RowFilterSpec:
    """A Unity Catalog row filter: ``function`` (``<schema>.<function>``) over ``columns``."""

    function: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """What a stored dataset is in the catalog beyond its rows (``pipelines.layers.tables``).

    Attributes:
        columns: Its complete schema when the config determines it (every column the query
            returns, with its exact type), else None: a declared schema must name them all.
        properties: Table properties.
        cluster_by: Liquid clustering keys.
        cluster_by_auto: Automatic liquid clustering (Databricks).
        row_filter: Its row filter (Databricks).
        rows_replaced: Rows of it are replaced in place after the engine wrote it (silver:
            the local increments, ``pipelines.local.increments``). The local adapter gives it
            deletion vectors; Databricks manages its materialized views' own.
    """

    columns: tuple[ColumnSpec, ...] | None = None
    properties: tuple[tuple[str, str], ...] = ()
    cluster_by: tuple[str, ...] = ()
    cluster_by_auto: bool = False
    row_filter: RowFilterSpec | None = None
    rows_replaced: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the graph.

    Attributes:
        name: Logical name (``silver.product_catalog``); temporary views have no schema.
        kind: How the dataset is materialised.
        query: Builds the dataset's DataFrame from a session.
        inputs: Logical names it reads, for lineage and inspection.
        comment: The table comment.
        partition_cols: Partition columns of the stored table.
        flow: For ``auto_cdc``: the AUTO CDC flow that fills the table from the query.
        lookups: The inputs a quality rule looks up (``foreign_key``), also listed in
            ``inputs``. The local engine does not order a flow after its lookups, so the
            runner refreshes them in an earlier phase (``runner._waves``).
        expectations: Quality rules the platform may also bind as engine expectations.
        unordered: Other inputs the local engine was seen not to order this flow after (an
            entity's input tables); the runner refreshes them in an earlier phase too.
        table: Its schema, comments, masks, properties, clustering and row filter, bound by
            the platform adapter (``Platform.table_arguments``).
        after_ingest: A table that reads what the ingest datasets write and that the views
            read (a read-once source's bronze, masking its ``bronze_pii`` rows:
            ``pipelines.layers.bronze``). The local engine does not order a view after such a
            table reliably, so the runner refreshes it in a phase of its own, between the
            ingest and the views (``runner._run_phases``). Databricks orders it itself.
    """

    name: str
    kind: DatasetKind
    query: Query
    inputs: tuple[str, ...] = ()
    comment: str = ""
    partition_cols: tuple[str, ...] = ()
    flow: AutoCdcFlow | None = None
    lookups: tuple[str, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    unordered: tuple[str, ...] = ()
    table: TableSpec = TableSpec()
    after_ingest: bool = False

    @property
    def stored(self) -> bool:
        """Whether the dataset is a table (not a temporary view)."""
        return self.kind != "temporary_view"
