"""``type: jdbc``: a database table or query, a snapshot or incremental by a column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pipelines.config.jdbc import JdbcSource
from pipelines.sources.types.base import Echo, JobTask, SourceType, typed_block, typed_source

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.base import Model
    from pipelines.config.deploy import DeploySettings
    from pipelines.config.model import SourceConfig
    from pipelines.platform import Platform
    from pipelines.sources.sample import Sample
    from pipelines.spec import DatasetKind, RunContext

__all__ = ["Jdbc", "extracted"]


def _incremental(config: SourceConfig) -> bool:
    return typed_source(config, JdbcSource).incremental is not None


def extracted(config: SourceConfig) -> bool:
    """Whether ``config`` is an incremental JDBC source (extracted before each run)."""
    return isinstance(config.source, JdbcSource) and config.source.incremental is not None


class Jdbc(SourceType):
    """A snapshot is a materialized view read afresh each run (locally once, before the
    graph: ``pipelines.sources.jdbc_snapshot``). An incremental source is
    extracted before the graph runs (locally by the run, on Databricks by the daily job's
    ``extract`` task: a query function may not run a query) into Parquet under the extracts
    root (``RunContext.extracts``), which bronze streams."""

    model = JdbcSource

    def read(self, spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
        if _incremental(config):
            from pipelines.sources.jdbc_extract import stream_extracts

            return stream_extracts(spark, config, context.extracts)
        from pipelines.sources.jdbc import read_jdbc
        from pipelines.sources.jdbc_snapshot import staged_snapshot

        staged = staged_snapshot(spark, config, context)  # read once, before the graph
        return staged if staged is not None else read_jdbc(spark, config, platform=context.adapter)

    def bronze_kind(self, config: SourceConfig) -> DatasetKind:
        return "streaming_table" if _incremental(config) else "materialized_view"

    def read_once(self, config: SourceConfig) -> bool:
        # A snapshot is a query the database answers afresh: rows can change between two
        # reads, which would leave bronze rows whose raw values bronze_pii does not hold. An
        # incremental source's extracts are files, read the same twice.
        return not _incremental(config)

    def before_run(
        self, spark: SparkSession, config: SourceConfig, context: RunContext, echo: Echo
    ) -> bool:
        if not _incremental(config):
            # A snapshot's tables and all that reads them are left as they are when the
            # database serves the rows bronze holds; when not, bronze takes the rows compared.
            from pipelines.sources.jdbc_snapshot import read_snapshot_once

            return read_snapshot_once(spark, config, context)
        from pipelines.sources.jdbc_extract import extract_increment, prune_extracts

        folders = context.adapter.extract_folders()  # the platform's, for both steps
        where, rows = extract_increment(
            spark, config, context.extracts, context.run_id,
            platform=context.adapter, folders=folders,
        )  # fmt: skip
        echo(f"  extract {config.name}: {rows:,} row(s) {f'where {where}' if where else '(full)'}")
        gone = prune_extracts(spark, config, context.extracts, f"bronze.{config.name}", folders)
        if gone:
            echo(f"  extract {config.name}: deleted {len(gone)} ingested extract(s) (raw PII)")
        # No row past the watermark: the stream over the extracts has nothing new to read.
        return rows == 0

    def sample(self, source: Model, platform: Platform, rows: int) -> Sample:
        # Locally only (new-source): the table's own driver, in a JVM of its own.
        from pipelines.local.jdbc_sample import sample_table

        return sample_table(typed_block(source, JdbcSource), platform, rows)

    def after_run(self, config: SourceConfig, context: RunContext) -> None:
        if not _incremental(config):  # this run's copy of a snapshot's read (raw values)
            from pipelines.sources.jdbc_snapshot import copy_to_mark

            copy_to_mark(config, context)

    def reset(self, config: SourceConfig, context: RunContext) -> None:
        if _incremental(config):
            from pipelines.sources.jdbc_extract import reset_extracts

            reset_extracts(config, context.extracts, context.adapter.extract_folders())
        else:  # the copy of a snapshot's read (raw values)
            from pipelines.sources.snapshot_copy import forget_copies

            forget_copies(config, context)

    def local_skip_reason(
        self, config: SourceConfig, environ: Mapping[str, str] | None = None
    ) -> str | None:
        from pipelines.local.skips import (  # local runs only
            jdbc_driver_missing,
            unconfigured_reason,
        )

        spec = typed_source(config, JdbcSource)
        if spec.local_run != "if_configured":
            return None
        return jdbc_driver_missing(spec.driver) or unconfigured_reason(
            config, "`lakehouse demo` starts a local PostgreSQL for it", environ
        )

    def job_tasks(
        self, sources: Sequence[SourceConfig], settings: DeploySettings
    ) -> tuple[JobTask, ...]:
        from pipelines.deploy.jobs import extract_task

        incremental = tuple(s.name for s in sources if _incremental(s))
        return (extract_task(incremental, settings),) if incremental else ()
