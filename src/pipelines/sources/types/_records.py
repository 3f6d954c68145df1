"""What REST and MongoDB sources share: each read asks the server afresh, and bronze keeps each
whole record (``_record``) beside the declared fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from pipelines.sources.types.base import SourceType

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.config.model import SourceConfig
    from pipelines.sources.types.base import Echo
    from pipelines.spec import DatasetKind, RunContext

__all__ = ["RECORD_COLUMN", "RecordSource"]

RECORD_COLUMN = "_record"
"""The whole record as JSON, kept in bronze beside the declared fields."""


class RecordSource(SourceType):
    """A snapshot (materialized view) or a stream of new records, read by a Python data source
    registered before the graph, on both platforms (a query function may not register)."""

    local_server: ClassVar[str]
    """What starts a local server for it (said when a local run skips it)."""

    def is_snapshot(self, config: SourceConfig) -> bool:
        """Whether every run reads every record (else a stream of the new ones)."""
        raise NotImplementedError

    def snapshot_unchanged(
        self, spark: SparkSession, config: SourceConfig, context: RunContext
    ) -> bool:
        """Whether a fresh read gives exactly the records bronze holds."""
        raise NotImplementedError

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
        return self.is_snapshot(config) and self.snapshot_unchanged(spark, config, context)

    def local_skip_reason(
        self, config: SourceConfig, environ: Mapping[str, str] | None = None
    ) -> str | None:
        from pipelines.local.skips import unconfigured_reason  # local runs only

        return unconfigured_reason(config, self.local_server, environ)
