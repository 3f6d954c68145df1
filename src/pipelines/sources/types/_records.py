"""What REST and MongoDB sources share: each read asks the server afresh, and bronze keeps each
whole record (``_record``) beside the declared fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.sources.types.base import SourceType

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.model import SourceConfig
    from pipelines.platform import Platform
    from pipelines.sources.types.base import Echo
    from pipelines.spec import DatasetKind, RunContext

__all__ = ["RECORD_COLUMN", "RecordSource"]

RECORD_COLUMN = "_record"
"""The whole record as JSON, kept in bronze beside the declared fields."""
Row = tuple[Any, ...]


class RecordSource(SourceType):
    """A snapshot (materialized view) or a stream of new records, read by a Python data source
    registered before the graph, on both platforms (a query function may not register)."""

    local_server: ClassVar[str]
    """What starts a local server for it (said when a local run skips it)."""

    def is_snapshot(self, config: SourceConfig) -> bool:
        """Whether every run reads every record (else a stream of the new ones)."""
        raise NotImplementedError

    def read_live(
        self, spark: SparkSession, config: SourceConfig, context: RunContext
    ) -> DataFrame:
        """The server's records: every one (a snapshot) or the new ones (a stream)."""
        raise NotImplementedError

    def fresh_rows(self, config: SourceConfig, platform: Platform) -> Iterable[Row]:
        """Every record of a snapshot as its bronze row (``rest_schema``), read in this
        process (no Spark job), to compare with bronze before a local run."""
        raise NotImplementedError

    def read(self, spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
        # The copy of what the comparison before the run read, when it differed from bronze:
        # the server is read once per run (pipelines.sources.record_snapshot).
        from pipelines.sources.rest import rest_schema
        from pipelines.sources.snapshot_copy import staged_copy

        staged = None
        if self.is_snapshot(config):
            staged = staged_copy(spark, config, context, rest_schema(config))
        return staged if staged is not None else self.read_live(spark, config, context)

    def record_columns(self, config: SourceConfig) -> list[str]:
        return [RECORD_COLUMN]

    def read_once(self, config: SourceConfig) -> bool:
        # Every read asks the server afresh (every page, every document), and what it serves
        # may change between two: bronze masks what bronze_pii read (one read, one snapshot).
        return True

    def bronze_kind(self, config: SourceConfig) -> DatasetKind:
        return "materialized_view" if self.is_snapshot(config) else "streaming_table"

    def before_run(
        self, spark: SparkSession, config: SourceConfig, context: RunContext, echo: Echo
    ) -> bool:
        # A snapshot is read afresh by every run, and its bronze, silver, quarantine and what
        # reads them recomputed: unless the server serves what bronze holds already. (A
        # stream's checkpoint keeps its offset: it reads only new records anyway.)
        if not self.is_snapshot(config):
            return False
        from pipelines.sources.record_snapshot import read_records_once
        from pipelines.sources.rest import rest_schema

        def fresh() -> Iterable[Row]:
            return self.fresh_rows(config, context.adapter)

        return read_records_once(spark, config, context, fresh, rest_schema(config))

    def after_run(self, config: SourceConfig, context: RunContext) -> None:
        from pipelines.sources.snapshot_copy import forget_copies

        forget_copies(config, context)  # this run's copy of a snapshot's read (raw values)

    def reset(self, config: SourceConfig, context: RunContext) -> None:
        from pipelines.sources.snapshot_copy import forget_copies

        forget_copies(config, context)  # the copy of a snapshot's read (raw values)

    def local_skip_reason(
        self, config: SourceConfig, environ: Mapping[str, str] | None = None
    ) -> str | None:
        from pipelines.local.skips import unconfigured_reason  # local runs only

        return unconfigured_reason(config, self.local_server, environ)
