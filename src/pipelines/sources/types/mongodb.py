"""``type: mongodb``: a collection's documents, read by the ``lakehouse_mongodb`` data source."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pipelines.config.mongodb import MongoSource
from pipelines.sources.types._records import RecordSource, Row
from pipelines.sources.types.base import typed_block, typed_source

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.base import Model
    from pipelines.config.model import SourceConfig
    from pipelines.platform import Platform
    from pipelines.sources.sample import Sample
    from pipelines.spec import RunContext

__all__ = ["Mongo"]


class Mongo(RecordSource):
    """Every matching document afresh (``mode: snapshot``) or those whose incremental field
    grew past the offset (``stream``); pymongo is installed where the pipeline runs."""

    model = MongoSource
    local_server = "`lakehouse demo` starts a local MongoDB-compatible server for it"
    pipeline_dependencies = ("pymongo>=4.9",)

    def read_live(
        self, spark: SparkSession, config: SourceConfig, context: RunContext
    ) -> DataFrame:
        from pipelines.sources.mongodb import read_mongo

        return read_mongo(spark, config, context.adapter)

    def is_snapshot(self, config: SourceConfig) -> bool:
        return typed_source(config, MongoSource).mode == "snapshot"

    def fresh_rows(self, config: SourceConfig, platform: Platform) -> Iterable[Row]:
        from pipelines.sources.mongodb import snapshot_rows

        return snapshot_rows(config, platform)

    def prepare(
        self, spark: SparkSession, sources: Sequence[SourceConfig], context: RunContext
    ) -> None:
        from pipelines.sources.mongodb import register_mongo

        register_mongo(spark)

    def sample(self, source: Model, platform: Platform, rows: int) -> Sample:
        from pipelines.secrets import resolve
        from pipelines.sources.mongodb.sample import sample_collection

        block = typed_block(source, MongoSource)
        return sample_collection(block, resolve(block.uri, platform), rows)
