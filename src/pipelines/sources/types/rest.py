"""``type: rest``: a paged JSON API, read by the ``lakehouse_rest`` Python data source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pipelines.config.rest import RestSource
from pipelines.sources.types.base import SourceType, typed_source

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.model import SourceConfig
    from pipelines.sources.types.base import Echo
    from pipelines.spec import DatasetKind, RunContext

__all__ = ["RECORD_COLUMN", "Rest"]

RECORD_COLUMN = "_record"
"""The whole record as JSON, kept in bronze beside the declared fields."""


class Rest(SourceType):
    """A snapshot (materialized view) or a stream of new records; the data source is
    registered before the graph, on both platforms (a query function may not register)."""

    model = RestSource
    # Every read is a fetch of every page (or of the records past the offset), and the API
    # may change between two: bronze masks what bronze_pii fetched (one fetch, one snapshot).
    read_once = True

    def read(self, spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
        from pipelines.sources.rest import read_rest

        return read_rest(spark, config, context.adapter)

    def record_columns(self, config: SourceConfig) -> list[str]:
        return [RECORD_COLUMN]

    def bronze_kind(self, config: SourceConfig) -> DatasetKind:
        snapshot = typed_source(config, RestSource).mode == "snapshot"
        return "materialized_view" if snapshot else "streaming_table"

    def prepare(
        self, spark: SparkSession, sources: Sequence[SourceConfig], context: RunContext
    ) -> None:
        from pipelines.sources.rest import register_rest

        register_rest(spark)

    def before_run(
        self, spark: SparkSession, config: SourceConfig, context: RunContext, echo: Echo
    ) -> bool:
        # A snapshot is read afresh by every run, and its bronze, silver, quarantine and what
        # reads them recomputed: unless the endpoint serves what bronze holds already.
        # (A stream's checkpoint keeps its offset: it reads only new records anyway.)
        if typed_source(config, RestSource).mode != "snapshot":
            return False
        from pipelines.sources.rest import snapshot_unchanged

        return snapshot_unchanged(spark, config, context.adapter)

    def local_skip_reason(
        self, config: SourceConfig, environ: Mapping[str, str] | None = None
    ) -> str | None:
        from pipelines.local.skips import unconfigured_reason  # local runs only

        return unconfigured_reason(
            config, "`lakehouse demo` starts a local API server for it", environ
        )
