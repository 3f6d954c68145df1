"""A GraphQL API (graphql-core over ``http.server`` on 127.0.0.1, ``tests/graphql_api.py``) read
by real runs of the pipeline graph: a snapshot source and a stream source, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipelines.config import load_config
from tests.graphql_api import graphql_api, guest_records
from tests.sources.conftest import quiet_run, snapshot_unchanged

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

SOURCE = """name: {name}
description: Hotel guests, from the guest API (GraphQL).
owner: data_engineers
source:
  type: rest
  url: {url}
  auth: {{value: {{secret: guest_api/token}}}}
  graphql:
    query: |
      query Guests($first: Int!, $after: String) {{
        guests(first: $first, after: $after) {{
          edges {{ node {{ id name country nights }} }}
          pageInfo {{ endCursor hasNextPage }}
        }}
      }}
  records_path: data.guests.edges.node
  pagination:
    style: cursor
    param: after
    size_param: first
    size: 4
    cursor_path: data.guests.pageInfo.endCursor
    has_next_path: data.guests.pageInfo.hasNextPage
  retry: {{max_attempts: 2, backoff_seconds: 0}}
  mode: {mode}
columns:
  - {{name: id, type: int, nullable: false}}
  - {{name: name, nullable: false}}
  - {{name: country}}
  - {{name: nights, type: int}}
silver:
  dedupe: {{key: [id]}}
"""
TOKEN = "guest-api-token"


def _rows(spark: SparkSession, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in spark.sql(sql).collect()]


def test_a_graphql_api_read_as_a_snapshot_and_as_a_stream(
    spark: SparkSession, conf_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slow (two runs, about 30 s): run 2 reads the snapshot afresh and the stream on from
    the cursor its checkpoint kept."""
    monkeypatch.setenv("LAKEHOUSE_SECRET_GUEST_API_TOKEN", TOKEN)
    with graphql_api(guest_records(10), token=TOKEN) as api:
        for name, mode in (("guests", "snapshot"), ("guest_stream", "stream")):
            text = SOURCE.format(name=name, url=api.url, mode=mode)
            (conf_base / "sources" / f"{name}.yml").write_text(text)
        config = load_config(conf_base)

        def run(full: bool) -> str:
            return quiet_run(config, spark, tmp_path, full=full)

        first = run(full=True)
        counts = "SELECT (SELECT count(*) FROM bronze.{0}), (SELECT count(*) FROM silver.{0}), (SELECT count(*) FROM quarantine.{0})"  # fmt: skip
        for name in ("guests", "guest_stream"):  # guest 4 has no name: quarantined
            assert _rows(spark, counts.format(name)) == [(10, 9, 1)], name
        assert _rows(spark, "SELECT id, name FROM quarantine.guests") == [("4", None)]  # as read

        api.records.extend(guest_records(13)[10:])
        assert not snapshot_unchanged(spark, config.source("guests"), tmp_path)
        second = run(full=False)
        assert snapshot_unchanged(spark, config.source("guests"), tmp_path)  # the check POSTs too
        assert _rows(spark, counts.format("guests")) == [(13, 12, 1)]
        assert _rows(spark, counts.format("guest_stream")) == [(13, 12, 1)]
        per_run = "SELECT _run_id, count(*) FROM bronze.guest_stream GROUP BY 1"
        assert dict(_rows(spark, per_run)) == {first: 10, second: 3}
        # run 2 resumed at page 3 (after guest 8's cursor; 2 of its records read) and went on
        page = f"rest:POST {api.url} page"
        read = f"SELECT _source_file, id FROM bronze.guest_stream WHERE _run_id = '{second}'"
        assert sorted(_rows(spark, read)) == [(f"{page} 3", "11"), (f"{page} 3", "12"), (f"{page} 4", "13")]  # fmt: skip
        ids = _rows(spark, "SELECT id, name FROM silver.guest_stream WHERE id > 10 ORDER BY 1")
        assert ids == [(11, "Guest 11"), (12, "Guest 12"), (13, "Guest 13")]
        assert {h["Authorization"] for _p, _v, h in api.requests} == {f"Bearer {TOKEN}"}
