"""``lakehouse new-source NAME --from DRAFT.yml`` for a Kafka topic: its messages sampled from
a real local broker with the client Spark's connector uses, in a JVM of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.demo.kafka import LocalKafka

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.kafka, pytest.mark.spark]


def test_a_topic_is_sampled_from_the_start_of_its_partitions(
    kafka: LocalKafka, spark: SparkSession, conf_copy: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    events = [
        {"bookingId": i, "status": "paid" if i % 2 else "open", "amount": 10.5 * i, "at": f"2026-01-0{i} 10:00:00"}
        for i in range(1, 5)
    ]  # fmt: skip
    messages = [(str(e["bookingId"]), json.dumps(e)) for e in events] + [("5", "oops, not JSON")]
    kafka.produce(spark, "scaffold-bookings", messages)
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    draft = tmp_path / "bookings.yml"
    draft.write_text(
        f"source:\n  type: kafka\n  bootstrap_servers: {kafka.bootstrap_servers}\n"
        "  topic: scaffold-bookings\n  security_protocol: PLAINTEXT\n  value_format: json\n"
    )
    assert main(["new-source", "bookings", "--from", str(draft)]) == 0
    out, err = capsys.readouterr()
    where = f"kafka:scaffold-bookings at {kafka.bootstrap_servers}"
    assert (out.splitlines()[2:], err) == ([
        f"  read all 4 records of {where}",
        "  booking_id: int (every value is one), not null (every one of 4 records has one)",
        "  status: string (text), not null (every one of 4 records has one)",
        "  amount: double (every value is one), not null (every one of 4 records has one)",
        "  at: timestamp (text: every one of 4 values parses), not null (every one of 4 records has one)",
        "  1 of 5 messages are no JSON object: a run quarantines such messages (unparseable_row)",
    ], "")  # fmt: skip
    written = yaml.safe_load((conf_copy / "sources" / "bookings.yml").read_text())
    assert written["source"]["topic"] == "scaffold-bookings"
    assert "fields" not in written["source"]  # the reader normalises bookingId itself
    assert [c["name"] for c in written["columns"]] == ["booking_id", "status", "amount", "at"]
    assert "bookings" in [s.name for s in load_config(conf_copy).sources]

    # A sample of part of the topic: nothing is known to be always there.
    assert main(["new-source", "part", "--from", str(draft), "--rows", "2"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[2:4] == [
        f"  read the first 2 records of {where}",
        "  booking_id: int (every value is one), nullable (only part of the source was read)",
    ]
    # A topic that does not exist.
    draft.write_text(draft.read_text().replace("scaffold-bookings", "no-such-topic"))
    assert main(["new-source", "missing", "--from", str(draft)]) == 1
    assert capsys.readouterr().err == f"error: kafka:no-such-topic at {kafka.bootstrap_servers}: no such topic\n"  # fmt: skip
