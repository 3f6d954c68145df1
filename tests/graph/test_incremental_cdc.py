"""A CDC source's silver refreshed from its new change events (``pipelines.local.cdc_merge``).

Each run is compared with what the engine's full recompute gives on the same bronze (and the
mart over the SCD1 table with its query over silver): exactly the same rows, lineage and
``__START_AT`` / ``__END_AT`` included. A late event, one at or before the last event applied
to its key (a deleted key's delete included), has its key's every event in bronze applied
again, and the run says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from tests.files.conf import file_conf
from tests.graph.helpers import run
from tests.graph.test_incremental_silver import _deliver, _lines, _marts, _rows, _same_as_recompute

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.config.loader import LakehouseConfig

pytestmark = [pytest.mark.graph, pytest.mark.spark]

# SCD1 with deletes, null updates keeping the current values; SCD2 tracking the status only.
ACCOUNTS = """
name: accounts
description: Accounts as change events; the newest of an account wins.
owner: data_engineers
source: {type: files, path: accounts, format: json}
columns:
  - {name: id, type: int, nullable: false}
  - {name: plan, type: string}
  - {name: seats, type: int}
  - {name: seq, type: int, nullable: false}
  - {name: op, type: string}
quality:
  - {name: seats_positive, expr: "seats IS NULL OR seats > 0"}
silver:
  cdc:
    keys: [id]
    sequence_by: seq
    delete_when: op = 'D'
    ignore_null_updates: true
    exclude_columns: [op]
"""
TICKETS = """
name: tickets
description: Support tickets as change events, one row per status.
owner: data_engineers
source: {type: files, path: tickets, format: json}
columns:
  - {name: id, type: int, nullable: false}
  - {name: status, type: string}
  - {name: note, type: string}
  - {name: seq, type: int, nullable: false}
  - {name: op, type: string}
silver:
  cdc:
    keys: [id]
    sequence_by: seq
    delete_when: op = 'D'
    scd_type: 2
    track_history: [status]
    exclude_columns: [op]
"""
PLANS = "SELECT plan, count(*) AS accounts, sum(seats) AS seats FROM silver.accounts GROUP BY plan"


def _config(root: Path) -> LakehouseConfig:
    conf = file_conf(root, "events")
    (conf / "sources" / "events.yml").unlink()
    (conf / "sources" / "accounts.yml").write_text(ACCOUNTS.lstrip())
    (conf / "sources" / "tickets.yml").write_text(TICKETS.lstrip())
    (conf / "gold").mkdir()
    (conf / "gold" / "plans.yml").write_text(
        f"name: plans\ndescription: Accounts per plan.\nowner: data_engineers\nsql: {PLANS}\n"
    )
    return load_config(conf)


def _events(path: Path, *rows: dict[str, object]) -> None:
    _deliver(path, "".join(json.dumps(r) + "\n" for r in rows))


def _a(id_: int, seq: int, plan: str | None = None, seats: int | None = None, op: str = "U") -> dict[str, object]:  # fmt: skip
    return {"id": id_, "plan": plan, "seats": seats, "seq": seq, "op": op}


def _t(id_: int, seq: int, status: str | None = None, note: str = "", op: str = "U") -> dict[str, object]:  # fmt: skip
    return {"id": id_, "status": status, "note": note, "seq": seq, "op": op}


ACCOUNTS_NOW = "SELECT id, plan, seats, seq FROM silver.accounts ORDER BY id"
TICKETS_NOW = "SELECT id, status, note, seq, __START_AT, __END_AT FROM silver.tickets ORDER BY id, __START_AT"  # fmt: skip
BALANCE = (
    "SELECT dataset, rows_read, rows_silver, rows_quarantined, rows_duplicates, balanced "
    "FROM ops.reconciliation WHERE run_id = '{}' ORDER BY 1"
)


def test_new_change_events_are_applied_late_ones_replayed(spark: SparkSession, tmp_path: Path, lakehouse_home: Path) -> None:  # fmt: skip
    """Slow (five runs, 40-60 s): each run applies its events to the tables the one before left."""
    config = _config(tmp_path)
    landing = tmp_path / "landing"
    _events(landing / "accounts" / "a1.json", _a(1, 1, "free", 1), _a(2, 1, "pro", 5), _a(3, 1, "pro", 2), _a(4, 1, "free", 1), _a(8, 1, "free", 1), _a(8, 2, op="D"))  # fmt: skip
    _events(landing / "tickets" / "t1.json", _t(1, 1, "open", "new"), _t(2, 1, "open", "new"), _t(2, 2, "open", "seen"), _t(3, 1, "open"), _t(6, 1, "open"), _t(6, 2, op="D"))  # fmt: skip
    said: list[str] = []
    run(spark, config, landing, lakehouse_home, full_refresh=True, echo=said.append)
    _same_as_recompute(spark, config)
    # The deleted keys are kept beside the state, made from bronze's deletes and silver.
    kept = lakehouse_home / "pipeline_storage" / "increments"
    for name, keys in (("accounts", [(8, 2)]), ("tickets", [(6, 2)])):
        state = json.loads((kept / f"{name}.json").read_text())
        assert [p.name for p in (kept / name).iterdir()] == [state["deletes"]]
        found = spark.read.parquet(str(kept / name / state["deletes"])).collect()
        assert sorted(tuple(r) for r in found) == keys

    # In order: updates (a null keeps the plan), a delete, a new key, a delete of a key never
    # seen, an invalid event; a ticket updated in place, one closed and reopened, one deleted.
    _events(
        landing / "accounts" / "a2.json",
        _a(1, 2, None, 3), _a(2, 2, op="D"), _a(5, 1, "pro", 1), _a(6, 1, op="D"), _a(3, 2, "pro", -1),
    )  # fmt: skip
    _events(
        landing / "tickets" / "t2.json",
        _t(1, 2, "open", "called"), _t(2, 3, "closed", "done"), _t(2, 4, "open", "again"),
        _t(3, 2, op="D"), _t(4, 1, "open", "late start"),
    )  # fmt: skip
    said.clear()
    result = run(spark, config, landing, lakehouse_home, echo=said.append)
    assert _lines(said, "silver.accounts") == [
        "  ok silver.accounts                                      completed <s>  incremental: 5 new bronze rows"
    ]
    assert _lines(said, "silver.tickets") == [
        "  ok silver.tickets                                       completed <s>  incremental: 5 new bronze rows"
    ]
    assert _rows(spark, ACCOUNTS_NOW) == [(1, "free", 3, 2), (3, "pro", 2, 1), (4, "free", 1, 1), (5, "pro", 1, 1)]  # fmt: skip
    assert _rows(spark, TICKETS_NOW) == [
        (1, "open", "called", 2, 1, None),
        (2, "open", "seen", 2, 1, 3), (2, "closed", "done", 3, 3, 4), (2, "open", "again", 4, 4, None),
        (3, "open", None, 1, 1, 2),
        (4, "open", "late start", 1, 1, None),
        (6, "open", None, 1, 1, 2),
    ]  # fmt: skip
    # accounts 2 (pro, 5) and 1 (free, 1) left their groups, 1 (free, 3) and 5 (pro, 1) came
    assert _marts(said) == [
        "  ok gold.plans completed <s> incremental: 2 new and 2 removed rows of silver.accounts folded into its groups"
    ]
    _same_as_recompute(spark, config)
    # 11 read: 1 quarantined (seats -1), 10 valid; silver holds 4 of them; 6 superseded or
    # deleted
    assert _rows(spark, BALANCE.format(result.run_id)) == [
        ("accounts", 11, 4, 1, 6, True), ("tickets", 11, 7, 0, 4, True),
    ]  # fmt: skip
    state = json.loads((kept / "accounts.json").read_text())
    deleted = spark.read.parquet(str(kept / "accounts" / state["deletes"]))
    assert sorted(tuple(r) for r in deleted.collect()) == [(2, 2), (6, 1), (8, 2)]

    # Late: account 2 comes back at a sequence before its delete (it must stay deleted), and
    # account 3 gets an event before its first; ticket 2 one at a sequence it holds. Their
    # every event in bronze is applied again, the others' new events as before.
    _events(landing / "accounts" / "a3.json", _a(2, 1, "free", 9), _a(7, 1, "free", 2), _a(3, 0, "free", 7))  # fmt: skip
    _events(landing / "tickets" / "t3.json", _t(2, 2, "open", "seen again"), _t(5, 1, "open"))
    said.clear()
    result = run(spark, config, landing, lakehouse_home, echo=said.append)
    assert not [line for line in said if line.startswith("   ~ silver.")]
    assert _lines(said, "silver.accounts") == [
        "  ok silver.accounts                                      completed <s>  incremental: 3 new bronze rows (2 keys with late events applied again from bronze)"
    ]
    assert _lines(said, "silver.tickets") == [
        "  ok silver.tickets                                       completed <s>  incremental: 2 new bronze rows (1 keys with late events applied again from bronze)"
    ]
    assert _rows(spark, "SELECT id, plan, seats FROM silver.accounts ORDER BY id") == [(1, "free", 3), (3, "pro", 2), (4, "free", 1), (5, "pro", 1), (7, "free", 2)]  # fmt: skip
    # the same sequence twice: the later delivery wins, in place
    assert _rows(spark, "SELECT note, __START_AT, __END_AT FROM silver.tickets WHERE id = 2 ORDER BY 2") == [("seen again", 1, 3), ("done", 3, 4), ("again", 4, None)]  # fmt: skip
    _same_as_recompute(spark, config)
    assert [r[-1] for r in _rows(spark, BALANCE.format(result.run_id))] == [True, True]

    # In order again, on the deleted keys carried forward: account 2 back after its delete.
    _events(landing / "accounts" / "a4.json", _a(2, 3, "pro", 4), _a(6, 2, "free", 1), _a(7, 2, op="D"))  # fmt: skip
    # Ticket 2's open version updated in place: its closed versions stay as they were.
    _events(landing / "tickets" / "t4.json", _t(3, 3, "open", "reopened"), _t(5, 2, "closed"), _t(2, 5, "open", "fixed"))  # fmt: skip
    said.clear()
    result = run(spark, config, landing, lakehouse_home, echo=said.append)
    assert not [line for line in said if line.startswith("   ~ silver.")]
    assert _rows(spark, ACCOUNTS_NOW) == [(1, "free", 3, 2), (2, "pro", 4, 3), (3, "pro", 2, 1), (4, "free", 1, 1), (5, "pro", 1, 1), (6, "free", 1, 2)]  # fmt: skip
    assert _rows(spark, "SELECT id, status, note, seq, __START_AT, __END_AT FROM silver.tickets WHERE id IN (2, 3, 5) ORDER BY 1, 5") == [
        (2, "open", "seen again", 2, 1, 3), (2, "closed", "done", 3, 3, 4), (2, "open", "fixed", 5, 4, None),
        (3, "open", None, 1, 1, 2), (3, "open", "reopened", 3, 3, None),
        (5, "open", None, 1, 1, 2), (5, "closed", None, 2, 2, None),
    ]  # fmt: skip
    _same_as_recompute(spark, config)
    assert [r[-1] for r in _rows(spark, BALANCE.format(result.run_id))] == [True, True]
    state = json.loads((kept / "accounts.json").read_text())
    assert [p.name for p in (kept / "accounts").iterdir()] == [state["deletes"]]
    deleted = spark.read.parquet(str(kept / "accounts" / state["deletes"]))
    assert sorted(tuple(r) for r in deleted.collect()) == [(7, 2), (8, 2)]
