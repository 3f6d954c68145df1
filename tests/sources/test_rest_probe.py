"""The REST snapshot's check before a local run (``pipelines.sources.record_snapshot``): the
endpoint's records against the ``_record`` texts a bronze table holds, exactly, and "run"
whenever it cannot be certain; when they differ, the rows read are the run's copy, which the
graph reads instead of the endpoint. (The real runs that use it: ``test_db_api_graph.py``.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pyspark.sql import functions as F

from pipelines.config import load_config
from pipelines.config.model import SourceConfig
from pipelines.demo.api import DemoApi
from pipelines.sources.rest.paging import text_value
from tests.sources.conftest import snapshot_unchanged

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.spark]

TABLE = "bronze.rates_probe"
ZURICH = {"rate_id": 99, "hotel": "Zürich Öst", "price": 1.5}  # sorts after ASCII by UTF-8 bytes


def _source(conf: Path, url: str) -> SourceConfig:
    (conf / "sources" / "rates_probe.yml").write_text(
        "name: rates_probe\ndescription: Rates.\nowner: data_engineers\n"
        f"source: {{type: rest, url: '{url}', records_path: items,\n"
        "  pagination: {style: cursor, param: cursor, cursor_path: next_cursor},\n"
        "  auth: {value: {secret: rates_api/token}}, retry: {max_attempts: 2, backoff_seconds: 0}}\n"
        "columns:\n  - {name: rate_id, type: int}\n  - {name: hotel}\n"
    )
    return load_config(conf).source("rates_probe")


def _store(spark: SparkSession, records: list[dict[str, Any]]) -> None:
    rows = [(text_value(r),) for r in records]
    spark.sql("CREATE DATABASE IF NOT EXISTS bronze")
    spark.createDataFrame(rows, "_record string").write.mode("overwrite").saveAsTable(TABLE)


@pytest.fixture(autouse=True)
def token(api: DemoApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_SECRET_RATES_API_TOKEN", api.token or "")


@pytest.fixture
def with_zurich(api: DemoApi) -> Iterator[list[dict[str, Any]]]:
    """The API's records with one more whose text is not ASCII (the fixture is the session's)."""
    api.records.append(ZURICH)
    try:
        yield list(api.records)
    finally:
        api.records.remove(ZURICH)


def test_the_same_records_in_any_order_are_unchanged_and_any_difference_is_not(
    spark: SparkSession, api: DemoApi, conf_base: Path, tmp_path: Path,
    with_zurich: list[dict[str, Any]],
) -> None:  # fmt: skip
    source = _source(conf_base, f"{api.base_url}/rates/cursor")
    copies = tmp_path / "landing" / "_extracts" / "_snapshots" / "rates_probe"
    spark.sql(f"DROP TABLE IF EXISTS {TABLE}")
    assert snapshot_unchanged(spark, source, tmp_path) is False  # no table yet: the graph reads
    assert not copies.exists()
    _store(spark, list(reversed(with_zurich)))
    assert snapshot_unchanged(spark, source, tmp_path) is True
    assert not copies.exists()
    _store(spark, with_zurich[1:])  # one record fewer
    assert snapshot_unchanged(spark, source, tmp_path) is False
    # the rows read are the run's copy, for the graph: the endpoint is not read again
    copy = spark.read.parquet(str(copies / "check")).orderBy(F.col("rate_id").cast("int"))
    assert [(r.rate_id, r.hotel, r._record) for r in copy.collect()] == [
        (str(r["rate_id"]), r["hotel"], text_value(r)) for r in with_zurich
    ]
    assert {r._source_file for r in copy.collect()} == {f"rest:GET {api.base_url}/rates/cursor page {n}" for n in (1, 2, 3)}  # fmt: skip
    _store(spark, [*with_zurich, with_zurich[0]])  # one record twice
    assert snapshot_unchanged(spark, source, tmp_path) is False
    _store(spark, [dict(with_zurich[0], price=0.5), *with_zurich[1:]])  # one value changed
    assert snapshot_unchanged(spark, source, tmp_path) is False
    _store(spark, with_zurich)
    assert snapshot_unchanged(spark, source, tmp_path) is True
    assert not copies.exists()  # the last check's copy went
    spark.sql(f"DROP TABLE {TABLE}")


def test_an_endpoint_that_fails_means_run(
    spark: SparkSession, api: DemoApi, conf_base: Path, tmp_path: Path
) -> None:
    _store(spark, api.records)
    source = _source(conf_base, f"{api.base_url}/fail")
    assert snapshot_unchanged(spark, source, tmp_path) is False
    assert not (tmp_path / "landing" / "_extracts" / "_snapshots").exists()  # no copy: no rows
    spark.sql(f"DROP TABLE {TABLE}")
