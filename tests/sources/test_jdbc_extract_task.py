"""The Databricks daily job's ``extract`` task, run locally against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.demo.postgres import LocalPostgres
from pipelines.errors import LakehouseError
from pipelines.sources.jdbc_extract import LocalFolders
from pipelines.sources.jdbc_task import main
from tests.sources.test_db_api_graph import CUSTOMERS, ORDERS, _write

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.spark, pytest.mark.postgres]


def test_the_extract_task_writes_where_bronze_reads_once_per_job_run(
    spark: SparkSession, crm: dict[str, str], postgres: LocalPostgres, conf_base: Path,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    for name, value in crm.items():
        monkeypatch.setenv(name, value)
    # the task alone: a bronze table another test left would make it prune ingested extracts
    spark.sql("DROP TABLE IF EXISTS bronze.crm_customers")
    _write(conf_base, "crm_customers", CUSTOMERS)
    _write(conf_base, "crm_orders", ORDERS)
    extracts = (tmp_path / "extracts").as_uri()  # the extracts volume on Databricks
    args = ["--conf", str(conf_base), "--extracts-root", extracts, "--platform", "local"]

    def extract(run_id: str, *sources: str) -> str:
        named = [part for s in sources for part in ("--source", s)]
        assert main([*args, "--run-id", run_id, *named], spark, LocalFolders()) == 0
        return capsys.readouterr().out

    # the session's crm database (other tests add customers): its count and newest change
    count, newest = (
        postgres.psql("SELECT count(*), max(updated_at) FROM customers", "crm").strip().split("|")
    )
    full = f"extract crm_customers: {count} row(s) (full)\n"
    assert extract("1001", "crm_customers") == full
    assert extract("1001", "crm_customers") == full  # a retried task keeps its extract
    assert extract("1002", "crm_customers") == (
        f"extract crm_customers: 0 row(s) where updated_at > '{newest}'\n"
    )
    folders = tmp_path / "extracts" / "crm_customers"
    assert sorted(p.name for p in folders.iterdir()) == ["1001", "1002"]
    with pytest.raises(LakehouseError) as caught:
        main([*args, "--run-id", "1003", "--source", "crm_orders"], spark, LocalFolders())
    assert str(caught.value) == f"crm_orders: not an incremental JDBC source of {conf_base}"
