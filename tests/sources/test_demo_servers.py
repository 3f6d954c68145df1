"""``lakehouse demo``'s servers: the rates API and PostgreSQL always start (no system package),
the CRM secrets point at a real table the reader role can read over TCP, and everything is
gone after the block."""

from __future__ import annotations

import os
import socket
import subprocess
from urllib.parse import urlparse

import pytest

from pipelines.demo.postgres import postgres_bin
from pipelines.demo.servers import demo_servers

pytestmark = [pytest.mark.postgres]

CRM_SECRETS = (
    "LAKEHOUSE_SECRET_CRM_JDBC_URL",
    "LAKEHOUSE_SECRET_CRM_USER",
    "LAKEHOUSE_SECRET_CRM_PASSWORD",
)


def test_the_demo_starts_postgresql_and_points_the_crm_secrets_at_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in CRM_SECRETS:
        monkeypatch.delenv(name, raising=False)
    lines: list[str] = []
    with demo_servers(echo=lines.append):
        url = os.environ["LAKEHOUSE_SECRET_CRM_JDBC_URL"]
        address = urlparse(url.removeprefix("jdbc:"))
        assert (address.scheme, address.hostname, address.path) == (
            "postgresql",
            "127.0.0.1",
            "/crm",
        )
        assert (
            lines[1] == f"demo: PostgreSQL 18.6 on 127.0.0.1:{address.port} (source crm_customers)"
        )
        bin_dir = postgres_bin()
        assert bin_dir is not None
        command = [str(bin_dir / "psql"), "-X", "-w", "-h", "127.0.0.1", "-p", str(address.port)]
        command += ["-U", os.environ["LAKEHOUSE_SECRET_CRM_USER"], "-d", "crm", "-qAt"]
        command += ["-c", "SELECT count(*) FROM customers"]
        env = {**os.environ, "PGPASSWORD": os.environ["LAKEHOUSE_SECRET_CRM_PASSWORD"]}
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        # No feed people given: only the 20 people the CRM alone knows (pipelines.demo.crm).
        assert (done.returncode, done.stdout, done.stderr) == (0, "20\n", "")
    assert lines[0].startswith("demo: rates API on http://127.0.0.1:")
    assert not any(name in os.environ for name in CRM_SECRETS)
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", address.port or 0))


def test_the_demo_starts_a_document_store_holding_the_guest_profiles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pymongo import MongoClient

    from pipelines.demo.guests import GUEST_PROFILES

    monkeypatch.delenv("LAKEHOUSE_SECRET_GUEST_APP_MONGO_URI", raising=False)
    lines: list[str] = []
    with demo_servers(echo=lines.append):
        uri = os.environ["LAKEHOUSE_SECRET_GUEST_APP_MONGO_URI"]
        port = urlparse(uri).port
        assert uri == f"mongodb://127.0.0.1:{port}/"
        assert lines[2].startswith(f"demo: MongoDB-compatible server on 127.0.0.1:{port} (")
        assert lines[2].endswith(
            "): 13 guest profiles in guest_app.profiles (2 saved twice, 1 without guest_id, "
            "1 with a text date, 1 inactive) (source guest_profiles)"
        )
        client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=5000)
        with client:
            profiles = client["guest_app"]["profiles"]
            assert profiles.count_documents({}) == len(GUEST_PROFILES) == 13
            assert profiles.count_documents({"active": True}) == 12
    assert "LAKEHOUSE_SECRET_GUEST_APP_MONGO_URI" not in os.environ
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port or 0))
