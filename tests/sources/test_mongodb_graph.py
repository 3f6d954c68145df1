"""A MongoDB collection (a MongoDB-compatible server on 127.0.0.1, ``pipelines.demo.mongo``)
read by real runs of the pipeline graph: a snapshot source with PII and a filter, read in two
``_id`` ranges, and a stream source by ``updated_at``, side by side."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipelines.config import load_config
from pipelines.demo.mongo import LocalMongo
from tests.sources.conftest import quiet_run, snapshot_unchanged

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

SOURCE = """name: {name}
description: Guest profiles, from the guest app's MongoDB.
owner: data_engineers
source:
  type: mongodb
  uri: {{secret: guests/mongo_uri}}
  database: guest_app
  collection: profiles
  filter: {{active: true}}
  fields: {{tier: loyalty.tier}}
  mode: {mode}
  incremental: {{field: updated_at}}
  batch_size: 2
columns:
  - {{name: guest_id, type: int, nullable: false}}
  - {{name: name, nullable: false}}
  - name: email
    pii: {{class: email, mask: redact}}
  - {{name: loyalty, description: the loyalty block (JSON)}}
  - {{name: tier, description: loyalty.tier}}
  - {{name: updated_at, type: timestamp, nullable: false}}
silver:
  dedupe: {{key: [guest_id], keep: latest}}
"""


def _profile(guest: int | None, day: int, **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_id": f"p{guest}-{day}",
        "name": f"Guest {guest}",
        "email": f"guest{guest}@example.org",
        "loyalty": {"tier": "gold" if guest == 1 else "silver", "points": 100 * (guest or 0)},
        "active": True,
        "updated_at": datetime(2026, 12, day, 8, 0, guest or 0),
    }
    if guest is not None:
        document["guest_id"] = guest
    return {**document, **extra}


def _rows(spark: SparkSession, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in spark.sql(sql).collect()]


def test_a_collection_read_as_a_snapshot_and_as_a_stream(
    spark: SparkSession,
    mongo: LocalMongo,
    conf_base: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slow (two runs, about 30 s): run 2 reads the snapshot afresh and the stream on from
    the greatest updated_at its checkpoint kept."""
    monkeypatch.setenv("LAKEHOUSE_SECRET_GUESTS_MONGO_URI", mongo.uri)
    first_day = [_profile(g, 1) for g in (1, 2, 3)]
    first_day += [_profile(None, 1), _profile(4, 1, active=False)]  # no guest_id; inactive
    first_day += [_profile(6, 1, updated_at="yesterday")]  # no date: a range cannot order it
    mongo.insert("guest_app", "profiles", first_day)
    for name, mode in (("guest_profiles", "snapshot"), ("guest_profile_changes", "stream")):
        text = SOURCE.format(name=name, mode=mode)
        text = text.replace("batch_size: 2", "batch_size: 2\n  partitions: 2")  # _id ranges
        (conf_base / "sources" / f"{name}.yml").write_text(text)
    config = load_config(conf_base)

    first = quiet_run(config, spark, tmp_path, full=True)
    counts = "SELECT (SELECT count(*) FROM bronze.{0}), (SELECT count(*) FROM silver.{0}), (SELECT count(*) FROM quarantine.{0})"  # fmt: skip
    for name in ("guest_profiles", "guest_profile_changes"):  # the inactive one is not read
        assert _rows(spark, counts.format(name)) == [(5, 3, 2)], name
    quarantined = "SELECT guest_id, updated_at, _reasons FROM quarantine.guest_profile_changes ORDER BY 1"  # fmt: skip
    assert _rows(spark, quarantined) == [
        (None, "2026-12-01T08:00:00", ["not_null:guest_id"]),
        ("6", "yesterday", ["cast:updated_at", "not_null:updated_at"]),
    ]
    silver = (
        "SELECT guest_id, name, email, loyalty, updated_at FROM silver.guest_profiles ORDER BY 1"
    )
    assert _rows(spark, silver)[0] == (
        1,
        "Guest 1",
        "[REDACTED]",
        '{"tier":"gold","points":100}',
        datetime(2026, 12, 1, 8, 0, 1),
    )
    tiers = "SELECT guest_id, tier FROM silver.guest_profile_changes ORDER BY 1"
    assert _rows(spark, tiers) == [(1, "gold"), (2, "silver"), (3, "silver")]
    clear = "SELECT email FROM bronze_pii.guest_profiles WHERE guest_id = '2'"
    assert _rows(spark, clear) == [("guest2@example.org",)]
    leaked = "SELECT count(*) FROM bronze.guest_profiles WHERE _record LIKE '%@example.org%'"
    assert _rows(spark, leaked) == [(0,)]
    source = "SELECT DISTINCT _source_file FROM bronze.guest_profile_changes"
    assert _rows(spark, source) == [(f"mongodb://127.0.0.1:{mongo.port}/guest_app.profiles",)]

    assert snapshot_unchanged(spark, config.source("guest_profiles"), tmp_path)
    mongo.insert("guest_app", "profiles", [_profile(5, 2), _profile(2, 3, name="Guest Two")])
    assert not snapshot_unchanged(spark, config.source("guest_profiles"), tmp_path)
    second = quiet_run(config, spark, tmp_path, full=False)
    assert snapshot_unchanged(spark, config.source("guest_profiles"), tmp_path)

    assert _rows(spark, counts.format("guest_profiles")) == [(7, 4, 2)]
    assert _rows(spark, counts.format("guest_profile_changes")) == [(7, 4, 2)]
    per_run = "SELECT _run_id, count(*) FROM bronze.guest_profile_changes GROUP BY 1"
    assert dict(_rows(spark, per_run)) == {first: 5, second: 2}  # the stream read the new two
    names = "SELECT guest_id, name FROM silver.guest_profile_changes ORDER BY 1"
    assert _rows(spark, names) == [(1, "Guest 1"), (2, "Guest Two"), (3, "Guest 3"), (5, "Guest 5")]
