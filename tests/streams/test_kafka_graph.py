"""The shipped Kafka source (``booking_events``) in real runs of the pipeline graph, against a
real local Apache Kafka broker: malformed messages quarantined with the reason, every message
accounted for, offsets checkpointed (a rerun reads only new messages; with none, nothing is
recomputed), a full refresh starting over from ``starting_offsets``."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.demo.booking_events import BOOKING_EVENTS, BOOKING_EVENTS_TOPIC, booking_event
from pipelines.demo.kafka import LocalKafka
from pipelines.local.runner import RunResult, run_pipeline
from pipelines.local.summary import reconciliation
from pipelines.platform import platform_for
from pipelines.sources.checkpoints import checkpoint_dir, committed_offsets
from pipelines.sources.streams import no_new_messages
from pipelines.sources.types.kafka import Kafka
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark, pytest.mark.kafka]

REPO = Path(__file__).resolve().parents[2]
SECRET = "LAKEHOUSE_SECRET_BOOKING_EVENTS_BOOTSTRAP_SERVERS"
TOPIC = BOOKING_EVENTS_TOPIC
LATER = (
    booking_event("B1005", 3, "confirmed", 30),  # B1005's seq 2 was quarantined: this one wins
    ("B1007", "not json either"),
    booking_event("B1007", 1, "booked", 31),
)  # fmt: skip


# What a value that is no JSON object breaks: the parse, then (as for a corrupt line of a file
# source) every required field and the CDC key and sequence, which it cannot carry.
UNPARSEABLE = [
    "unparseable_row", "not_null:booking_id", "not_null:event_seq", "not_null:status",
    "not_null:changed_at", "rule:cdc_keys_present", "rule:cdc_sequence_present",
]  # fmt: skip


def _config(tmp_path: Path) -> LakehouseConfig:
    """The shipped project, access, ``booking_events`` source and its gold mart only."""
    conf = tmp_path / "conf"
    (conf / "sources").mkdir(parents=True)
    (conf / "gold").mkdir()
    for name in ("project.yml", "access.yml", "sources/booking_events.yml",
                 "gold/hotel_bookings_by_status.yml"):  # fmt: skip
        shutil.copy(REPO / "src" / "conf" / name, conf / name)
    return load_config(conf)


def _run(
    spark: SparkSession, config: LakehouseConfig, home: Path, *, full: bool,
    echo: Callable[[str], None] = lambda _line: None,
) -> RunResult:  # fmt: skip
    return run_pipeline(
        config, spark, landing_root=(home / "landing").as_uri(),
        storage_root=(home / "storage").as_uri(), full_refresh=full, echo=echo,
    )  # fmt: skip


def _rows(spark: SparkSession, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in spark.sql(sql).collect()]


def _committed_offsets(storage: Path) -> dict[str, int]:
    """The Kafka offsets of the bronze stream's last committed batch, per partition, as the
    check before a run reads them from its checkpoint."""
    offsets = committed_offsets(storage.as_uri(), "bronze.booking_events")
    assert offsets is not None
    assert list(offsets) == [TOPIC]
    return dict(sorted(offsets[TOPIC].items()))


def test_kafka_source_end_to_end(
    spark: SparkSession, kafka: LocalKafka, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slow (four runs, about 45 s): the offsets, a rerun with nothing new and the full
    refresh are about what the run before left, so the runs share one test."""
    monkeypatch.setenv(SECRET, kafka.bootstrap_servers)
    config = _config(tmp_path)
    assert kafka.produce(spark, TOPIC, BOOKING_EVENTS) == 19

    first = _run(spark, config, tmp_path, full=True)
    counts = {k: v for k, v in first.row_counts.items() if "booking_events" in k}
    assert counts == {
        "bronze.booking_events": 19, "silver.booking_events": 6, "quarantine.booking_events": 5,
    }  # fmt: skip
    assert reconciliation(config, first.row_counts) == [
        "booking_events: 19 bronze rows -> 6 silver + 5 quarantined + 8 duplicate or replaced"
    ]
    # Malformed values: quarantined as unparseable_row, their text kept, with their lineage.
    assert _rows(spark, """
        SELECT _reasons, q.booking_id, q._corrupt_record, _kafka_key
        FROM quarantine.booking_events q JOIN bronze.booking_events b USING (_source_file)
        ORDER BY 3 NULLS LAST, 2
    """) == [
        (UNPARSEABLE, None, '[{"booking_id": "B1006", "event_seq": 2}]', "B1006"),
        (UNPARSEABLE, None, "booking B1006 confirmed by phone", "B1006"),
        (UNPARSEABLE, None,
         '{"booking_id": "B1006", "event_seq": 2, "status": "conf', "B1006"),
        (["rule:accepted_values_status"], "B1004", None, "B1004"),
        (["cast:nights"], "B1005", None, "B1005"),
    ]  # fmt: skip
    # Silver: each booking's newest valid change, whatever the arrival order.
    assert _rows(spark, """
        SELECT booking_id, event_seq, status, nights, CAST(amount AS STRING)
        FROM silver.booking_events ORDER BY 1
    """) == [
        ("B1001", 4, "checked_out", 3, "420.00"), ("B1002", 3, "cancelled", 2, "180.00"),
        ("B1003", 2, "confirmed", 4, "960.00"), ("B1004", 3, "cancelled", 1, "140.00"),
        ("B1005", 1, "booked", 5, "650.00"), ("B1006", 1, "booked", 2, "210.00"),
    ]  # fmt: skip
    assert _rows(spark, "SELECT * FROM gold.hotel_bookings_by_status ORDER BY 1, 2") == [
        ("Berlin Mitte", "booked", 1, 2, pytest.approx(210)),
        ("Berlin Mitte", "confirmed", 1, 4, pytest.approx(960)),
        ("Lisbon Alfama", "booked", 1, 5, pytest.approx(650)),
        ("Lisbon Alfama", "cancelled", 1, 2, pytest.approx(180)),
        ("Paris Marais", "cancelled", 1, 1, pytest.approx(140)),
        ("Paris Marais", "checked_out", 1, 3, pytest.approx(420)),
    ]
    # Bronze lineage: every message once, by partition and offset; the key; undeclared keys.
    assert _rows(
        spark,
        """
        SELECT count(*), count(DISTINCT _kafka_partition, _kafka_offset),
               count_if(_source_file = format_string('kafka:%s partition %d offset %d',
                        _kafka_topic, _kafka_partition, _kafka_offset)),
               count_if(_file_modified_at IS NOT NULL), count(DISTINCT _kafka_topic)
        FROM bronze.booking_events
    """,
    ) == [(19, 19, 19, 19, 1)]
    assert _rows(spark, "SELECT _rescued_data FROM bronze.booking_events WHERE _rescued_data IS NOT NULL") == [
        ('{"channel":"mobile"}',)
    ]  # fmt: skip
    offsets = _committed_offsets(tmp_path / "storage")
    assert sum(offsets.values()) == 19
    assert offsets == dict(_rows(spark, """
        SELECT CAST(_kafka_partition AS STRING), max(_kafka_offset) + 1 FROM bronze.booking_events
        GROUP BY 1
    """))  # fmt: skip

    # Three more messages: the incremental run reads exactly those, from the checkpoint.
    kafka.produce(spark, TOPIC, LATER)
    second = _run(spark, config, tmp_path, full=False)
    assert second.row_counts["bronze.booking_events"] == 22
    assert _rows(spark, f"""
        SELECT _kafka_key, coalesce(status, _corrupt_record) FROM bronze.booking_events
        WHERE _run_id = '{second.run_id}' ORDER BY 1, 2
    """) == [("B1005", "confirmed"), ("B1007", "booked"), ("B1007", "not json either")]  # fmt: skip
    assert sum(_committed_offsets(tmp_path / "storage").values()) == 22
    assert reconciliation(config, second.row_counts) == [
        "booking_events: 22 bronze rows -> 7 silver + 6 quarantined + 9 duplicate or replaced"
    ]
    assert _rows(spark, "SELECT status FROM silver.booking_events WHERE booking_id = 'B1005'") == [
        ("confirmed",)
    ]

    # The check before a run asks the broker from where the checkpoint says the stream
    # stopped (not from bronze's offsets): one message short of that, there is a new one.
    source = config.source("booking_events")
    options = Kafka().reader_options(source, platform_for("local"))
    committed = {TOPIC: _committed_offsets(tmp_path / "storage")}
    assert no_new_messages(spark, "bronze.booking_events", options, committed)
    partition, offset = max(committed[TOPIC].items(), key=lambda po: po[1])
    short = {TOPIC: {**committed[TOPIC], partition: offset - 1}}
    assert not no_new_messages(spark, "bronze.booking_events", options, short)
    # The run's own check reads that checkpoint: a copy whose last offsets are one short
    # (bronze is unchanged, and holds every message) makes it see a new message.
    copied = tmp_path / "copied"
    checkpoint = checkpoint_dir((tmp_path / "storage").as_uri(), "bronze.booking_events")
    assert checkpoint is not None
    shutil.copytree(checkpoint, copied / checkpoint.relative_to(tmp_path / "storage"))
    last = max((p for p in copied.rglob("offsets/*") if p.name.isdigit()), key=lambda p: int(p.name))  # fmt: skip
    lines = last.read_text().splitlines()
    last.write_text("\n".join([*lines[:2], json.dumps(short)]))
    for root, expected in ((tmp_path / "storage", True), (copied, False)):
        context = RunContext("check", (tmp_path / "landing").as_uri(), storage_root=root.as_uri())
        assert Kafka().before_run(spark, source, context, lambda _line: None) is expected

    # No new message: the broker says so before the run (pipelines.sources.streams
    # .no_new_messages), and nothing is recomputed, the mart included.
    said: list[str] = []
    quiet = _run(spark, config, tmp_path, full=False, echo=said.append)
    assert quiet.up_to_date == config.datasets
    assert [line for line in said if line.startswith("   = ")] == [
        "   = bronze.booking_events, silver.booking_events, quarantine.booking_events up to date: nothing new",
        "   = gold.hotel_bookings_by_status up to date: its inputs and definition are unchanged",
    ]  # fmt: skip
    assert _rows(spark, "SELECT count(*) FROM bronze.booking_events") == [(22,)]

    # A full refresh forgets the offsets: every message again, from starting_offsets.
    third = _run(spark, config, tmp_path, full=True)
    assert third.row_counts["bronze.booking_events"] == 22
    assert _rows(spark, "SELECT DISTINCT _run_id FROM bronze.booking_events") == [(third.run_id,)]
