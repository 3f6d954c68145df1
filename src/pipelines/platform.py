"""What differs between the platforms, chosen in one place: local Spark or Databricks Lakeflow.

Everything else (config, graph, layers, transforms, source types, preparation, registration)
is the same code on both. ``RunContext.platform`` names the platform (the run's serialisable
identity); :func:`platform_for` (``RunContext.adapter``) turns the name into one of the two
adapters below where a run starts, and from there the adapter itself, never the name, is
handed down to where a decision is made (``platform: Platform``, always passed: no function
falls back to a platform its caller did not name). Every platform decision goes through it:

- how a file stream is read: the open-source file source (``pipelines.sources.files``) or
  Auto Loader (``cloudFiles``, options from ``pipelines.sources.file_options``);
- how a secret is read: the environment, files and the local secrets file
  (``pipelines.secrets``) or ``dbutils.secrets`` (the workspace's secret scopes);
- the Kafka client's package, which JAAS login modules name (Databricks shades the client);
- whether CDC tables are maintained by AUTO CDC (see ``applies_auto_cdc``);
- whether per-source pre-run work (JDBC extracts) runs in the run, or in a job task before it,
  and how that work reaches the landing zone's folders (the file system or ``dbutils.fs``);
- whether sources a machine cannot serve are left out (local runs only);
- whether quality rules are also bound as the engine's expectations (Lakeflow's ``expect``,
  ``expect_or_drop``, ``expect_or_fail``; open-source pipelines have none);
- what of a table's definition reaches the engine (``table_arguments``): Lakeflow takes the
  schema with its column masks, properties, liquid clustering and the row filter; open-source
  Spark the schema (comments) and properties.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pipelines.secrets import Found, SecretNotFound, local_lookup

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.secrets import SecretRef
    from pipelines.config.sources import FileSource
    from pipelines.sources.file_shapes import FileShapes
    from pipelines.sources.jdbc_extract import Folders
    from pipelines.spec import Expectation, TableSpec

__all__ = ["DatabricksPlatform", "LocalPlatform", "Platform", "PlatformName", "platform_for"]

PlatformName = Literal["local", "databricks"]


class Platform:
    """The platform-dependent decisions (see the module docstring)."""

    name: ClassVar[PlatformName]
    kafka_client_package: ClassVar[str]
    applies_auto_cdc: ClassVar[bool]
    """Whether the engine maintains a CDC table with ``dp.create_auto_cdc_flow``."""
    runs_pre_run_work: ClassVar[bool]
    """Whether source types' ``before_run`` work (JDBC extracts) runs before the graph."""
    skips_unserved_sources: ClassVar[bool]
    """Whether sources this machine cannot serve are left out (``local_skip_reason``)."""

    def read_secret(
        self, ref: SecretRef, environ: Mapping[str, str] | None, secrets_dir: Path | None
    ) -> Found:
        """The secret ``ref`` names.

        Raises:
            SecretNotFound: Naming the secret and where it was looked for.
        """
        raise NotImplementedError

    def file_rows(
        self,
        spark: SparkSession,
        source: FileSource,
        names: Sequence[str],
        landing_root: str,
        shapes: FileShapes,
    ) -> DataFrame:
        """A stream of a (non-xlsx) file source's rows: the columns ``names`` as strings,
        ``_corrupt_record`` for text formats, ``_rescued_data``, ``_source_file`` and
        ``_file_modified_at`` (``shapes``: the columns of its files, where the platform's
        reader needs them from Python)."""
        raise NotImplementedError

    def extract_folders(self) -> Folders:
        """How pre-run work (JDBC extracts) lists, moves and removes landing folders."""
        raise NotImplementedError

    def bind_expectations(
        self, query: Callable[[], DataFrame], expectations: Sequence[Expectation]
    ) -> Callable[[], DataFrame]:
        """``query`` (a dataset's query function) with ``expectations`` bound as the engine's
        own, before the dataset's decorator is applied."""
        raise NotImplementedError

    def table_arguments(self, table: TableSpec, catalog: str) -> dict[str, Any]:
        """The keyword arguments of the dataset's decorator (``dp.table``,
        ``dp.materialized_view``, ``dp.create_streaming_table``) that declare ``table``
        (``pipelines.layers.tables``) in ``catalog``."""
        raise NotImplementedError


def _schema_and_properties(table: TableSpec, catalog: str | None) -> dict[str, Any]:
    from pipelines.layers.tables import schema_ddl

    arguments: dict[str, Any] = {}
    if table.columns is not None:
        arguments["schema"] = schema_ddl(table.columns, catalog)
    if table.properties:
        arguments["table_properties"] = dict(table.properties)
    return arguments


_DELETION_VECTORS = "delta.enableDeletionVectors"


class LocalPlatform(Platform):
    """Open-source Spark (``lakehouse run``, the demo, the tests)."""

    name = "local"
    kafka_client_package = "org.apache.kafka"
    # Open-source SDP 4.2 applies SCD type 1 only, and only into a table whose connector
    # implements Spark's DSv2 ``SupportsRowLevelOperations``; Delta runs MERGE through its own
    # analyzer rules instead, so the flow fails to start on a Delta target
    # (AUTOCDC_TARGET_DOES_NOT_SUPPORT_MERGE). pyspark 4.3.0 still checks, when it creates the
    # table; the open SPARK-57623 would drop the check, and Delta 4.4.0's DSv2 table
    # (``DeltaV2Table``) has a row-level operation builder but does not declare the interface:
    # either change upstream unblocks this. Locally CDC is
    # therefore the materialized view with AUTO CDC's output contract
    # (``pipelines.transforms.cdc``); ``tests/graph/test_auto_cdc_run.py`` fails the day a
    # pyspark upgrade lifts the check, and this is the one place to change then.
    applies_auto_cdc = False
    runs_pre_run_work = True
    skips_unserved_sources = True

    def read_secret(
        self, ref: SecretRef, environ: Mapping[str, str] | None, secrets_dir: Path | None
    ) -> Found:
        return local_lookup(ref, environ=environ, secrets_dir=secrets_dir)

    def file_rows(
        self,
        spark: SparkSession,
        source: FileSource,
        names: Sequence[str],
        landing_root: str,
        shapes: FileShapes,
    ) -> DataFrame:
        from pipelines.sources.files import read_local_files

        return read_local_files(spark, source, names, landing_root, shapes)

    def extract_folders(self) -> Folders:
        from pipelines.sources.jdbc_extract import LocalFolders

        return LocalFolders()

    def bind_expectations(
        self, query: Callable[[], DataFrame], expectations: Sequence[Expectation]
    ) -> Callable[[], DataFrame]:
        # open-source pyspark.pipelines has no expectations; the rules apply in the query
        return query

    def table_arguments(self, table: TableSpec, catalog: str) -> dict[str, Any]:
        # The schema (comments) and properties. Not clustering: open-source SDP 4.2 hands
        # CLUSTER BY to Delta 4.4.1 as a partition transform, which Delta refuses
        # (DELTA_OPERATION_NOT_ALLOWED "Partitioning by expressions is not supported", seen
        # here); nor row filters and column masks, which are Unity Catalog's (local masking
        # is the layers' own: tokens, redaction, bronze_pii apart).
        arguments = _schema_and_properties(table, None)
        if table.rows_replaced:
            # A row replaced is then marked deleted, not its file rewritten (Databricks
            # gives materialized views deletion vectors itself). Only there: on every table
            # (ops included), reading them cost every run ~1 s more (measured, session 15).
            properties = arguments.get("table_properties", {})
            arguments["table_properties"] = {_DELETION_VECTORS: "true", **properties}
        return arguments


class DatabricksPlatform(Platform):
    """Databricks Lakeflow: Auto Loader, secret scopes, the runtime's shaded Kafka client."""

    name = "databricks"
    kafka_client_package = "kafkashaded.org.apache.kafka"
    applies_auto_cdc = True
    # The pipeline's source file may not run commands in its query functions, and an extract
    # must land before bronze reads it: the daily job's ``extract`` task does it.
    runs_pre_run_work = False
    skips_unserved_sources = False

    def read_secret(
        self, ref: SecretRef, environ: Mapping[str, str] | None, secrets_dir: Path | None
    ) -> Found:
        try:
            from databricks.sdk.runtime import dbutils  # type: ignore[import-not-found,import-untyped,unused-ignore]

            text = str(dbutils.secrets.get(scope=ref.scope, key=ref.key))
        except Exception as exc:
            raise SecretNotFound(
                f"secret '{ref.secret}' is not readable: dbutils.secrets.get(scope="
                f"'{ref.scope}', key='{ref.key}') failed: {exc}"
            ) from None
        return Found(text, f"secret scope '{ref.scope}'")

    def file_rows(
        self,
        spark: SparkSession,
        source: FileSource,
        names: Sequence[str],
        landing_root: str,
        shapes: FileShapes,
    ) -> DataFrame:
        """Auto Loader infers and keeps the files' schema itself: ``shapes`` is not read."""
        from pipelines.sources.file_inspect import landing_location
        from pipelines.sources.file_options import autoloader_options
        from pipelines.sources.files import with_file_metadata

        stream = (
            spark.readStream.format("cloudFiles")
            .options(**autoloader_options(source, names))
            .load(landing_location(landing_root, source.path))
        )
        return with_file_metadata(stream)

    def extract_folders(self) -> Folders:
        from databricks.sdk.runtime import dbutils  # type: ignore[import-not-found,import-untyped,unused-ignore]

        from pipelines.sources.jdbc_extract import DbutilsFolders

        return DbutilsFolders(dbutils)

    def bind_expectations(
        self, query: Callable[[], DataFrame], expectations: Sequence[Expectation]
    ) -> Callable[[], DataFrame]:
        # Lakeflow's pyspark.pipelines: each rule's pass rate in the UI and the event log
        # (pipelines.layers.expectations says which rules and why they never change the rows)
        from pyspark import pipelines as dp

        for expectation in expectations:
            bind = getattr(dp, _LAKEFLOW_EXPECTATION[expectation.action])
            query = bind(expectation.name, expectation.constraint)(query)
        return query

    def table_arguments(self, table: TableSpec, catalog: str) -> dict[str, Any]:
        # Lakeflow's Python reference (dp.table / materialized_view / create_streaming_table):
        # schema as a DDL string whose columns may carry "MASK <function> [USING COLUMNS
        # (...)]", table_properties, cluster_by, cluster_by_auto, and row_filter as
        # "ROW FILTER <function> ON (<columns>)". Declared here, the masks and filter are part
        # of the definition, so an update keeps them (an ALTER after the fact is undone:
        # "Use ALTER statements with pipeline datasets").
        arguments = _schema_and_properties(table, catalog)
        if table.cluster_by:
            arguments["cluster_by"] = list(table.cluster_by)
        if table.cluster_by_auto:
            arguments["cluster_by_auto"] = True
        if table.row_filter is not None:
            columns = ", ".join(f"`{c}`" for c in table.row_filter.columns)
            arguments["row_filter"] = (
                f"ROW FILTER `{catalog}`.{table.row_filter.function} ON ({columns})"
            )
        return arguments


_LAKEFLOW_EXPECTATION = {"warn": "expect", "drop": "expect_or_drop", "fail": "expect_or_fail"}
"""Our rule actions as Lakeflow's expectation decorators."""


_PLATFORMS: dict[str, Platform] = {"local": LocalPlatform(), "databricks": DatabricksPlatform()}


def platform_for(name: str) -> Platform:
    """The adapter of platform ``name`` (``local`` or ``databricks``)."""
    return _PLATFORMS[name]
