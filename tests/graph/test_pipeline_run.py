"""The real graph on local Spark, over data the project generates: counts, incrementality,
idempotent reruns, failure reporting."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.demo import generate_catalog
from pipelines.errors import PipelineRunError
from pipelines.local.compaction import RunCount
from pipelines.ops.history import bind
from pipelines.sources.checkpoints import committed_files
from pipelines.sources.file_inspect import ingested_files
from tests.graph.helpers import run
from tests.graph.oracle import expected_from

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]


@pytest.fixture(scope="module")
def config(catalog_config: LakehouseConfig) -> LakehouseConfig:
    """The catalog alone: these runs are about it, and smaller runs are faster."""
    return catalog_config


GOLD_A, GOLD_B = "gold.team_a_products_with_image", "gold.team_b_samsung_after_2000_without_image"
COUNTS = """SELECT (SELECT count(*) FROM bronze.product_catalog),
                   (SELECT count(*) FROM silver.product_catalog),
                   (SELECT count(*) FROM quarantine.product_catalog),
                   (SELECT count(*) FROM gold.team_a_products_with_image),
                   (SELECT count(*) FROM gold.team_b_samsung_after_2000_without_image)"""


def _counts(spark: SparkSession) -> tuple[int, ...]:
    return tuple(spark.sql(COUNTS).collect()[0])


def _snapshot(spark: SparkSession, table: str, columns: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in spark.sql(f"SELECT {columns} FROM {table} ORDER BY 1, 2").collect()]


def test_generated_catalog_end_to_end_then_incremental(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    """Slow (four runs, about 40 s): a full run, a rerun with nothing new, an edited gold
    model and a new day, each checked on the tables the one before left."""
    landing = tmp_path / "landing"
    folder = landing / "product_catalog"
    stats = generate_catalog(folder, rows_per_day=150, days=2)
    first = expected_from(sorted(folder.glob("*.csv")))
    # The ops tables compacted every second run (the count is the session's storage's)
    local = config.project.local.model_copy(update={"compact_ops_every": 2})
    config = replace(config, project=config.project.model_copy(update={"local": local}))
    RunCount((lakehouse_home / "pipeline_storage").as_uri()).restart()

    result = run(spark, config, landing, lakehouse_home, full_refresh=True)

    assert {n: f.state for n, f in result.flows.items()} == dict.fromkeys(config.datasets[:1] + config.datasets[1:], "COMPLETED")  # fmt: skip
    assert _counts(spark) == (stats.rows, first.silver, first.quarantined, first.team_a, first.team_b)  # fmt: skip
    assert first.quarantined == 8  # 4 bad rows a day
    assert first.silver == 300  # 1% of a day repeats the day before
    reasons = spark.sql(
        "SELECT _reasons[0] r, count(*) n FROM quarantine.product_catalog GROUP BY 1 ORDER BY 1"
    ).collect()
    assert [tuple(r) for r in reasons] == [
        ("cast:year_release", 2), ("not_null:brand", 2),
        ("rule:year_release_plausible", 2), ("unparseable_row", 2),
    ]  # fmt: skip
    silver_before = _snapshot(spark, "silver.product_catalog", "_content_hash, _source_file")
    # The drift check takes what bronze ingested from the stream's checkpoint: the files the
    # table holds rows of.
    storage = (lakehouse_home / "pipeline_storage").as_uri()
    ingested = committed_files(storage, "bronze.product_catalog")
    assert ingested == ingested_files(spark, "bronze.product_catalog") == set(folder.glob("*.csv"))
    # Every table of the run and every ops table is Delta, as on Databricks.
    stored = [*config.datasets, "ops.pipeline_runs", "ops.flow_metrics", "ops.quality_metrics"]
    formats = {t: spark.sql(f"DESCRIBE DETAIL {t}").collect()[0]["format"] for t in stored}
    assert formats == dict.fromkeys(stored, "delta")
    # Issue 15: the tables declare their column comments (descriptions) and the config's
    # properties, locally as on Databricks; not the clustering (Delta 4.4.1 refuses it here)
    comments = {f.name: f.metadata.get("comment") for f in spark.table("silver.product_catalog").schema.fields}  # fmt: skip
    assert (comments["brand"], comments["year_release"]) == ("Manufacturer brand", "Release year")
    assert comments["_ingested_at"] == "when the row was ingested"
    detail = spark.sql("DESCRIBE DETAIL silver.product_catalog").collect()[0]
    assert (detail["properties"]["quality"], detail["clusteringColumns"]) == ("silver", [])
    bronze = {f.name: f.metadata.get("comment") for f in spark.table("bronze.product_catalog").schema.fields}  # fmt: skip
    assert bronze["brand"] == "Manufacturer brand"

    # Rerun with nothing new: nothing is recomputed, the tables are as they were.
    lines: list[str] = []
    again = run(spark, config, landing, lakehouse_home, echo=lines.append)
    assert again.up_to_date == config.datasets
    assert {n: f.state for n, f in again.flows.items()} == dict.fromkeys(config.datasets, "UP_TO_DATE")  # fmt: skip
    assert [line for line in lines if line.startswith("   = ")] == [
        "   = bronze.product_catalog, silver.product_catalog, quarantine.product_catalog up to date: nothing new",
        f"   = {GOLD_A} up to date: its inputs and definition are unchanged",
        f"   = {GOLD_B} up to date: its inputs and definition are unchanged",
    ]  # fmt: skip
    assert _counts(spark)[:3] == (stats.rows, first.silver, first.quarantined)
    compacted = [line for line in lines if line.startswith("ops: ops tables compacted")]
    assert len(compacted) == 1, lines
    assert re.fullmatch(r"ops: ops tables compacted \(every 2 runs\): \d+ small files into \d+", compacted[0])  # fmt: skip
    files = spark.sql("DESCRIBE DETAIL ops.flow_metrics").collect()[0]["numFiles"]
    assert files == 1  # and the up-to-date checks below read the compacted tables
    assert (
        _snapshot(spark, "silver.product_catalog", "_content_hash, _source_file") == silver_before
    )
    # A changed definition reruns that dataset (and what reads it), still with nothing new.
    team_b = next(g for g in config.gold if g.name == GOLD_B.removeprefix("gold."))
    changed = team_b.model_copy(update={"sql": f"{team_b.sql}\n-- reviewed"})
    gold = tuple(changed if g is team_b else g for g in config.gold)
    lines.clear()
    edited = run(spark, replace(config, gold=gold), landing, lakehouse_home, echo=lines.append)
    assert {n: f.state for n, f in edited.flows.items()} == {
        **dict.fromkeys(config.datasets, "UP_TO_DATE"), GOLD_B: "COMPLETED",
    }  # fmt: skip
    assert edited.row_counts == {GOLD_B: first.team_b}
    assert list((lakehouse_home / "pipeline_storage" / "_unfinished").iterdir()) == []  # ended

    # A third day lands: only that file is read, in a new run.
    more = generate_catalog(tmp_path / "next", rows_per_day=150, days=3)
    new_file = more.files[2]
    os.replace(new_file, folder / new_file.name)
    second = run(spark, config, landing, lakehouse_home)
    expected = expected_from(sorted(folder.glob("*.csv")))
    assert _counts(spark) == (
        stats.rows + expected_from([folder / new_file.name]).rows,
        expected.silver,
        expected.quarantined,
        expected.team_a,
        expected.team_b,
    )
    assert committed_files(storage, "bronze.product_catalog") == set(folder.glob("*.csv"))
    runs = spark.sql(
        "SELECT _run_id, count(*) FROM bronze.product_catalog GROUP BY 1 ORDER BY 2"
    ).collect()
    assert [(r[0], r[1]) for r in runs] == [(second.run_id, 155), (result.run_id, stats.rows)]
    # The reconciliation counts each delivered file's records once: the first run counted the
    # first two files, the reruns none, the last run the new file only (ops.file_records).
    counted = spark.sql(
        bind(
            "SELECT run_id, file, records FROM ops.file_records "
            "WHERE run_id IN (:a, :b, :c, :d) ORDER BY file",
            {"a": result.run_id, "b": again.run_id, "c": edited.run_id, "d": second.run_id},
        )
    ).collect()
    assert [tuple(r) for r in counted] == [
        *[(result.run_id, str(f), expected_from([f]).rows) for f in sorted(stats.files)],
        (second.run_id, str(folder / new_file.name), 155),
    ]
    read = spark.sql(
        bind(
            "SELECT rows_read, balanced FROM ops.reconciliation WHERE run_id = :run_id",
            {"run_id": second.run_id},
        )
    ).collect()
    assert [tuple(r) for r in read] == [(stats.rows + 155, True)]


def test_failing_dataset_is_named(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    """A gold model and a second source's silver fail; the catalog completes: its
    reconciliation is recorded all the same, and a line says why the other source has none."""
    team_a = next(g for g in config.gold if g.name == "team_a_products_with_image")
    broken_gold = team_a.model_copy(update={"sql": "SELECT 1/0 AS boom FROM silver.product_catalog"})  # fmt: skip
    catalog = config.source("product_catalog")
    failing = SourceConfig.model_validate(
        {**catalog.model_dump(by_alias=True, exclude_defaults=True), "name": "catalog_copy",
         "source": {**catalog.source.model_dump(by_alias=True), "path": "catalog_copy/*.csv"},
         "quality": [{"name": "never", "expr": "brand IS NULL", "action": "fail"}]}
    )  # fmt: skip
    broken = type(config)(config.root, config.project, config.access, (catalog, failing), (broken_gold,))  # fmt: skip
    landing = tmp_path / "landing"
    stats = generate_catalog(landing / "product_catalog", rows_per_day=20, days=1)
    generate_catalog(landing / "catalog_copy", rows_per_day=20, days=1)
    lines: list[str] = []
    with pytest.raises(PipelineRunError) as caught:
        run(spark, broken, landing, lakehouse_home, full_refresh=True, echo=lines.append)
    assert sorted(caught.value.failed) == [
        "gold.team_a_products_with_image", "quarantine.catalog_copy", "silver.catalog_copy",
    ]  # fmt: skip
    assert "DIVIDE_BY_ZERO" in caught.value.failed["gold.team_a_products_with_image"]
    run_id = lines[0].split(":")[0].removeprefix("run ")
    assert (
        "ops: ops.reconciliation has no row for catalog_copy: silver.catalog_copy failed" in lines
    )
    recorded = spark.sql(
        bind(
            "SELECT dataset, rows_read, rows_bronze, rows_silver + rows_quarantined "
            "+ rows_duplicates + rows_superseded, balanced FROM ops.reconciliation "
            "WHERE run_id = :run_id",
            {"run_id": run_id},
        )
    ).collect()
    assert [tuple(r) for r in recorded] == [
        ("product_catalog", stats.rows, stats.rows, stats.rows, True)
    ]
