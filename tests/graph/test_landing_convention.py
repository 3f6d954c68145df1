"""The landing-zone convention on the real graph: two teams drop dated files with no YAML; a
run gives each a bronze table held back in its landing schema, records drift, scans for PII
and proposes the contracts; validate and status list the arrivals; once a proposal is
committed, the convention table yields to the declared source."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.convention import with_arrivals
from pipelines.local.runner import run_pipeline
from pipelines.ops.history import bind
from tests.conftest import CONF

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

ORDERS_DAY_1 = "id,amount\n1,10.5\n2,20\n"
ORDERS_DAY_2 = "id,amount,channel\n3,30,web\n"  # a column more: drift, evolved into bronze
CLIENTS = (
    "client_id,email,city\n"
    "1,jane.doe@example.com,Paris\n"
    "2,bob@example.org,Lyon\n"
    "3,ann.lee@example.net,Lille\n"
)
EMAILS = ["ann.lee@example.net", "bob@example.org", "jane.doe@example.com"]


CLIENTS_PROPOSAL = """\
# Proposed by the landing-zone convention for team_b/clients_YYYYMMDD.csv from clients_20240101.csv (3 sample rows).
# Review it, then commit it as src/conf/sources/clients.yml: the held-back table
# landing_team_b.clients then yields to the declared source (bronze, silver, quarantine).
# Types, nullability and date formats are inferred from the sample: review them, and
# describe each column. Check the result with `lakehouse validate`.
name: clients
description: "TODO: what clients holds (scaffolded from clients_20240101.csv)."
owner: team_b

source:
  type: files
  path: "team_b/clients_[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9].csv"  # under $LAKEHOUSE_LANDING
  format: csv
  file_date: {regex: '_(\\d{8})', format: yyyyMMdd}  # e.g. 20240101
  schema_drift: rescue  # rescue | evolve | fail

columns:
  - {name: "client_id", type: "int", nullable: false}  # e.g. 1
  - {name: "email", type: "string", nullable: false, pii: {class: "email", mask: "token"}}  # scan-pii: 100% of 3 sampled values look like email
  - {name: "city", type: "string", nullable: false}  # e.g. Paris
"""


def _landing(root: Path) -> Path:
    landing = root / "landing"
    files = {
        "team_a/orders_20240101.csv": ORDERS_DAY_1,
        "team_a/orders_20240102.csv": ORDERS_DAY_2,
        "team_b/clients_20240101.csv": CLIENTS,
        "team_b/notes.txt": "not a table\n",
        "misc/readme.txt": "nobody's\n",
    }
    for name, text in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_text(text, encoding="utf-8")
    return landing


def _conf(root: Path) -> Path:
    """project.yml and access.yml, no source: every landed file is undeclared."""
    conf = root / "conf"
    (conf / "sources").mkdir(parents=True)
    for name in ("project.yml", "access.yml"):
        shutil.copy(CONF / name, conf / name)
    return conf


def _cli(argv: list[str], env: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What ``lakehouse ARGV`` prints, on the test's home, landing and config."""
    with pytest.MonkeyPatch.context() as patch:
        for name, path in env.items():
            patch.setenv(f"LAKEHOUSE_{name}", str(path))
        capsys.readouterr()
        assert main(argv) == 0
    return capsys.readouterr().out.splitlines()


def test_two_teams_drop_files_and_get_held_back_bronze_tables(
    spark: SparkSession, tmp_path: Path, lakehouse_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing, conf, home = _landing(tmp_path), _conf(tmp_path), tmp_path / "home"
    env = {"HOME": home, "LANDING": landing, "CONF": conf}
    proposals = home / "proposals"
    storage = (lakehouse_home / "pipeline_storage").as_uri()
    lines: list[str] = []

    # No YAML at all: each team's files become a bronze table in its landing schema.
    config = with_arrivals(load_config(conf), landing)
    result = run_pipeline(
        config, spark, landing_root=landing.as_uri(), storage_root=storage, full_refresh=True,
        echo=lines.append, proposals=proposals,
    )  # fmt: skip
    assert result.row_counts == {"landing_team_a.orders": 3, "landing_team_b.clients": 3}
    assert [line for line in lines if line.startswith(("   >", "     "))] == [
        "   > landing_team_a.orders: held back for team_a (team_a/orders_YYYYMMDD.csv, 2 file(s));"
        " scanned 3 row(s): no column looks like PII",
        f"     proposed source: {proposals}/team_a/orders.yml (review it, then commit it as "
        "src/conf/sources/orders.yml)",
        "   > landing_team_b.clients: held back for team_b (team_b/clients_YYYYMMDD.csv, 1 file(s));"
        " scanned 3 row(s): PII declared in the proposal: email (email)",
        f"     proposed source: {proposals}/team_b/clients.yml (review it, then commit it as "
        "src/conf/sources/clients.yml)",
    ]
    # Raw values, as delivered (held back: nobody but team_b reads landing_team_b).
    emails = spark.sql("SELECT email FROM landing_team_b.clients ORDER BY 1").collect()
    assert [r[0] for r in emails] == EMAILS
    # Day 2's new column is recorded as drift and evolves into the table (day 1: null).
    orders = spark.sql(
        "SELECT id, amount, channel, _file_date FROM landing_team_a.orders ORDER BY id"
    ).collect()
    assert [tuple(map(str, r)) for r in orders] == [
        ("1", "10.5", "None", "2024-01-01"), ("2", "20", "None", "2024-01-01"),
        ("3", "30", "web", "2024-01-02"),
    ]  # fmt: skip
    drift = spark.sql(
        bind(
            "SELECT dataset, column_name, change, policy FROM ops.schema_changes "
            "WHERE run_id = :run_id",
            {"run_id": result.run_id},
        )
    ).collect()
    assert [tuple(r) for r in drift] == [("landing_team_a.orders", "channel", "added", "evolve")]

    # The proposed contracts: typed from every file, the e-mail column declared PII.
    assert (proposals / "team_b" / "clients.yml").read_text() == CLIENTS_PROPOSAL
    orders_proposal = (proposals / "team_a" / "orders.yml").read_text()
    assert orders_proposal.splitlines()[-3:] == [
        '  - {name: "id", type: "int", nullable: false}  # e.g. 3',
        '  - {name: "amount", type: "double", nullable: false}  # e.g. 30',
        '  - {name: "channel", type: "string"}  # e.g. web',
    ]

    # validate and status list what no source declares yet.
    listed = [
        f"landing {landing}: 2 arrival(s) no source declares yet, loaded by the convention:",
        "  team_a/orders_YYYYMMDD.csv: 2 file(s) -> landing_team_a.orders (held back for "
        f"team_a); proposed source: {proposals}/team_a/orders.yml",
        "  team_b/clients_YYYYMMDD.csv: 1 file(s) -> landing_team_b.clients (held back for "
        f"team_b); proposed source: {proposals}/team_b/clients.yml",
        f"landing {landing}: 2 file(s) no source reads and the convention does not load:",
        "  misc/: 1 file(s) (e.g. misc/readme.txt): 'misc' is no feature team of access.yml "
        "and no source reads it",
        "  team_b/: 1 file(s) (e.g. team_b/notes.txt): not named <table>_<YYYYMMDD>.csv, "
        ".json or .parquet",
    ]
    validated = _cli(["validate"], env, capsys)
    assert validated[0].startswith(f"{conf}: ok, 0 source(s), 0 entity(ies), 0 gold model(s)")
    assert validated[1:] == listed
    assert _cli(["status", "--last", "1"], env, capsys)[-len(listed) :] == listed

    # The team commits the proposal: the convention table yields to the declared source.
    shutil.copy(proposals / "team_b" / "clients.yml", conf / "sources" / "clients.yml")
    declared = with_arrivals(load_config(conf), landing)
    assert [a.bronze_table for a in declared.arrivals] == ["landing_team_a.orders"]
    lines.clear()
    again = run_pipeline(
        declared, spark, landing_root=landing.as_uri(), storage_root=storage,
        echo=lines.append, proposals=proposals,
    )  # fmt: skip
    assert "   = landing_team_a.orders up to date: nothing new" in lines
    # dropped once bronze.clients holds the files (a declared source that fails takes nothing)
    yields = "   ~ landing_team_b.clients yields to bronze.clients, which holds its files now: dropped"  # fmt: skip
    ingested = next(i for i, line in enumerate(lines) if line.startswith("  ok bronze.clients "))
    assert lines.index(yields) > ingested
    assert again.row_counts == {"bronze.clients": 3, "bronze_pii.clients": 3, "silver.clients": 3, "quarantine.clients": 0}  # fmt: skip
    assert not spark.catalog.tableExists("landing_team_b.clients")
    # Declared PII: masked everywhere but bronze_pii, which the convention table never was.
    masked = spark.sql("SELECT length(email), count(*) FROM silver.clients GROUP BY 1").collect()
    assert [tuple(r) for r in masked] == [(64, 3)]
    raw = spark.sql("SELECT email FROM bronze_pii.clients ORDER BY 1").collect()
    assert [r[0] for r in raw] == EMAILS
    one = listed[0].replace(": 2 arrival(s)", ": 1 arrival(s)")
    assert _cli(["validate"], env, capsys)[1:] == [one, listed[1], *listed[3:]]
