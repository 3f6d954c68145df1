"""Scenario A on the real Back Market data in ../shared/data (read by path, never copied
into the repository; copied into a temporary landing folder for the run)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from tests.conftest import SHARED_DATA
from tests.graph.helpers import run, scalar

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.acceptance, pytest.mark.graph, pytest.mark.spark]


@pytest.fixture(scope="module")
def config(catalog_config: LakehouseConfig) -> LakehouseConfig:
    """The catalog alone: these runs are about it, and smaller runs are faster."""
    return catalog_config


CATALOG = SHARED_DATA / "backmarket_catalog" / "product_catalog.csv"
INCREMENTAL = SHARED_DATA / "backmarket_incremental"


@pytest.fixture(autouse=True)
def _shared_data_present() -> None:
    if not CATALOG.is_file():
        pytest.fail(f"the real datasets are expected beside the repository at {SHARED_DATA}")


def test_full_catalog_gives_team_a_740_and_team_b_28(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    """Slow (one run, about 35 s): the whole real catalog file, the acceptance figures."""
    landing = tmp_path / "landing"
    (landing / "product_catalog").mkdir(parents=True)
    shutil.copy(CATALOG, landing / "product_catalog" / CATALOG.name)
    run(spark, config, landing, lakehouse_home, full_refresh=True)
    assert scalar(spark, "SELECT count(*) FROM bronze.product_catalog") == 1000
    assert scalar(spark, "SELECT count(*) FROM silver.product_catalog") == 1000
    assert scalar(spark, "SELECT count(*) FROM quarantine.product_catalog") == 0
    assert scalar(spark, "SELECT count(*) FROM gold.team_a_products_with_image") == 740
    assert scalar(spark, "SELECT count(*) FROM gold.team_b_samsung_after_2000_without_image") == 28
    # the boundary: year_release = 2000 exactly is not "after 2000"
    assert scalar(spark, "SELECT min(year_release) FROM gold.team_b_samsung_after_2000_without_image") == 2001  # fmt: skip


def test_daily_extracts_are_idempotent_and_replace_their_day(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    """Slow (three runs, about 30 s): idempotence and a re-delivered day are about a run on
    the tables the one before left, so the three runs share one test."""
    config = replace(config, gold=())  # bronze and silver are the subject: three runs without marts
    folder = tmp_path / "landing" / "product_catalog"
    folder.mkdir(parents=True)
    for name in ("product_catalog_20210403.csv", "product_catalog_20210404.csv"):
        shutil.copy(INCREMENTAL / name, folder / name)
    run(spark, config, folder.parent, lakehouse_home, full_refresh=True)
    assert scalar(spark, "SELECT count(*) FROM silver.product_catalog") == 224
    per_day = "SELECT count(*) FROM bronze.product_catalog WHERE _file_date = DATE'2021-04-04'"
    assert scalar(spark, per_day) == 126

    # The 0404 extract is delivered again (same name, a new copy) and the pipeline reruns.
    (folder / "product_catalog_20210404.csv").unlink()
    shutil.copy(
        INCREMENTAL / "product_catalog_20210404.csv", folder / "product_catalog_20210404.csv"
    )
    run(spark, config, folder.parent, lakehouse_home)
    assert scalar(spark, "SELECT count(*) FROM silver.product_catalog") == 224
    assert scalar(spark, per_day) == 126

    # A corrected extract for 0404 under a new name replaces that day downstream.
    corrected = folder / "product_catalog_20210404_v2_20210404.csv"
    lines = (INCREMENTAL / "product_catalog_20210404.csv").read_text().splitlines(keepends=True)
    corrected.write_text("".join(lines[:101]))  # header + the first 100 rows only
    run(spark, config, folder.parent, lakehouse_home)
    silver_0404 = "SELECT count(*) FROM silver.product_catalog WHERE _file_date = DATE'2021-04-04'"
    assert scalar(spark, silver_0404) == 100
    assert scalar(spark, "SELECT count(DISTINCT _source_file) FROM silver.product_catalog") == 2
