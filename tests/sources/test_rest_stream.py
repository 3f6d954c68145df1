"""REST sources with ``mode: stream``: each run reads only what the endpoint added (a real
HTTP server on 127.0.0.1, real runs of the graph, offsets in the streams' checkpoints)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipelines.config import load_config
from pipelines.demo.api import demo_api, rate_records
from tests.sources.conftest import quiet_run

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

SOURCE = """name: {name}
description: Room rates, streamed.
owner: data_engineers
source:
  type: rest
  url: {url}
  records_path: {path}
  pagination: {pagination}
  mode: stream
  retry: {{max_attempts: 2, backoff_seconds: 0}}
columns:
  - {{name: rate_id, type: int, nullable: false}}
  - {{name: price, type: double}}
  - {{name: updated_by, pii: {{class: email, mask: token}}}}
silver:
  dedupe: {{key: [rate_id]}}
"""
STYLES = {  # one stream per run: see the "connect back" note in pipelines.sources.rest
    "stream_page": ("/rates/page", "data.items", "{style: page, size_param: size, size: 4}"),
}


def _rows(spark: SparkSession, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in spark.sql(sql).collect()]


def test_a_streamed_endpoint_is_read_incrementally(
    spark: SparkSession, conf_base: Path, tmp_path: Path
) -> None:
    """Slow (three runs, about 30 s): each run reads on from the offset the one before kept."""
    with demo_api(rate_records(10, updated_by=True)) as api:
        for name, (path, records, pagination) in STYLES.items():
            text = SOURCE.format(name=name, url=api.base_url + path, path=records, pagination=pagination)  # fmt: skip
            (conf_base / "sources" / f"{name}.yml").write_text(text)
        config = load_config(conf_base)

        def run(full: bool) -> str:
            return quiet_run(config, spark, tmp_path, full=full)

        first = run(full=True)
        hits = [sum(api.hits.values())]
        api.records.extend(rate_records(13, updated_by=True)[10:])  # 3 records more
        hits.append(sum(api.hits.values()))
        second = run(full=False)
        hits.append(sum(api.hits.values()))
        third = run(full=False)  # nothing new
        hits.append(sum(api.hits.values()))

    for name in STYLES:
        per_run = f"SELECT _run_id, count(*) FROM bronze.{name} GROUP BY 1"
        assert dict(_rows(spark, per_run)) == {first: 10, second: 3}, name
        assert third not in dict(_rows(spark, per_run))
        # With PII the endpoint is read by bronze_pii alone; bronze masks the same rows.
        assert dict(_rows(spark, per_run.replace("bronze.", "bronze_pii."))) == {
            first: 10,
            second: 3,
        }
        clear = "SELECT count(*) FROM {} WHERE updated_by LIKE '%@hotels.example.com'"
        assert _rows(spark, clear.format(f"bronze.{name}")) == [(0,)]
        assert _rows(spark, clear.format(f"bronze_pii.{name}")) == [(13,)]
        ids = _rows(spark, f"SELECT rate_id FROM silver.{name} ORDER BY 1")
        assert ids == [(i,) for i in range(1, 14)], name
    # Pages fetched per run: once, by one stream (bronze_pii's; bronze's own stream fetched
    # them again), which reads the records it walked to find the end (it walked them twice).
    # Run 1: pages 1-3; run 2: pages 3-4; run 3: page 4, nothing past it.
    assert [hits[0], hits[2] - hits[1], hits[3] - hits[2]] == [3, 2, 1]
    # run 2 resumed at the short page 3 (2 of its 4 records were new) and read page 4
    page = f"rest:GET {api.base_url}/rates/page page"
    read = f"SELECT _source_file, rate_id FROM bronze.stream_page WHERE _run_id = '{second}'"
    assert sorted(_rows(spark, read)) == [(f"{page} 3", "11"), (f"{page} 3", "12"), (f"{page} 4", "13")]  # fmt: skip
