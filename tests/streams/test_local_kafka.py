"""The local broker's failures are clear errors: jars not fetched, a broker that cannot start
(its log's tail in the message). No Spark."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest

from pipelines.demo.kafka import start_kafka
from pipelines.errors import LakehouseError
from pipelines.local.maven import KAFKA_BROKER, fetched

pytestmark = [pytest.mark.kafka]


def test_missing_jars_say_how_to_get_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_CACHE", str(tmp_path / "empty"))
    with pytest.raises(LakehouseError) as caught:
        start_kafka()
    assert str(caught.value) == (
        f"Apache Kafka's broker jars are not in {KAFKA_BROKER.folder}: run `lakehouse jars` "
        "(it fetches them once)"
    )


def test_a_broker_that_cannot_start_fails_with_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not fetched(KAFKA_BROKER):
        pytest.skip("Apache Kafka's broker jars are not fetched: run `lakehouse jars`")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket() as taken:  # the broker's port; its controller's is free
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with socket.socket() as spare:
            spare.bind(("127.0.0.1", 0))
            ports = iter([port, spare.getsockname()[1]])
        monkeypatch.setattr("pipelines.demo.kafka.free_port", lambda: next(ports))
        with pytest.raises(LakehouseError) as caught:
            start_kafka(timeout=60)
    message = str(caught.value)
    assert message.startswith("local Kafka exited: "), message
    assert f"127.0.0.1:{port}" in message
    assert "Address already in use" in message
    assert "\tat " not in message  # the exception, not its stack frames
    assert list(tmp_path.iterdir()) == []  # its folder is gone
