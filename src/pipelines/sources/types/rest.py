"""``type: rest``: a paged JSON API, read by the ``lakehouse_rest`` Python data source."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pipelines.config.rest import RestSource
from pipelines.sources.types._records import RECORD_COLUMN, RecordSource, Row
from pipelines.sources.types.base import typed_block, typed_source

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.base import Model
    from pipelines.config.model import SourceConfig
    from pipelines.platform import Platform
    from pipelines.sources.sample import Sample
    from pipelines.spec import RunContext

__all__ = ["RECORD_COLUMN", "Rest"]


class Rest(RecordSource):
    """Every page afresh (``mode: snapshot``) or the records past the offset (``stream``)."""

    model = RestSource
    local_server = "`lakehouse demo` starts a local API server for it"

    def read_live(
        self, spark: SparkSession, config: SourceConfig, context: RunContext
    ) -> DataFrame:
        from pipelines.sources.rest import read_rest

        return read_rest(spark, config, context.adapter)

    def is_snapshot(self, config: SourceConfig) -> bool:
        return typed_source(config, RestSource).mode == "snapshot"

    def fresh_rows(self, config: SourceConfig, platform: Platform) -> Iterable[Row]:
        from pipelines.sources.rest import snapshot_rows

        return snapshot_rows(config, platform)

    def prepare(
        self, spark: SparkSession, sources: Sequence[SourceConfig], context: RunContext
    ) -> None:
        from pipelines.sources.rest import register_rest

        register_rest(spark)

    def sample(self, source: Model, platform: Platform, rows: int) -> Sample:
        from pipelines.sources.rest.sample import sample_endpoint

        return sample_endpoint(typed_block(source, RestSource), platform, rows)
