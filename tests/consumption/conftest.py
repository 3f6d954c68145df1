"""One pipeline run for the whole package: notebooks, the SQL endpoint and --remote read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.demo import generate_catalog
from pipelines.local.runner import run_pipeline
from tests.consumption.helpers import Built

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PII_TABLE = "bronze_pii.customer_contacts"


@pytest.fixture(scope="package")
def built(
    spark: SparkSession,
    config: LakehouseConfig,
    lakehouse_home: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Built]:
    """Two small generated days, run once (full refresh) into the session's lakehouse.

    A ``bronze_pii`` table with a clear e-mail address is added, so that the SQL endpoint has
    something it must not show.
    """
    root = tmp_path_factory.mktemp("consumption")
    built = Built(home=lakehouse_home, landing=root / "landing", storage=root / "storage")
    generate_catalog(built.landing / "product_catalog", rows_per_day=60, days=2)
    run_pipeline(
        config.select(["product_catalog"]),
        spark,
        landing_root=built.landing.as_uri(),
        storage_root=built.storage.as_uri(),
        full_refresh=True,
        echo=lambda _line: None,
    )
    spark.sql(f"DROP TABLE IF EXISTS {PII_TABLE}")
    spark.sql(f"CREATE TABLE {PII_TABLE} USING parquet AS SELECT 'alice@example.com' AS email")
    yield built
    spark.sql(f"DROP TABLE IF EXISTS {PII_TABLE}")
