"""How ``lakehouse sql`` finds a local server that is up (``pipelines.local.warm``): state files
under the lakehouse home, checked by a TCP connect; no Spark (a plain listening socket)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.local.warm import WarmServer, find_server, publish, query_schemas


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)  # fmt: skip
    return int(child.stdout)


@pytest.mark.parametrize(
    ("sql", "schemas"),
    [
        ("SELECT count(*) FROM silver.product_catalog", {"silver"}),
        ("SELECT * FROM gold.a JOIN `silver`.`b` USING (id)", {"gold", "silver"}),
        ("WITH x AS (SELECT * FROM gold.a) SELECT * FROM x", {"gold"}),
        ("SELECT 1 AS n", set()),
        ("SELECT * FROM range(3)", set()),
        ("SELECT * FROM product_catalog", None),  # no schema: the server's default database
        ("SHOW TABLES IN silver", None),
        ("SELEC 1", None),
    ],
)
def test_the_schemas_a_query_reads(sql: str, schemas: set[str] | None) -> None:
    assert query_schemas(sql) == schemas


def test_the_newest_server_up_that_serves_the_query_is_found(tmp_path: Path, listening: int) -> None:  # fmt: skip
    import os

    lakehouse = WarmServer("lakehouse", listening, "t1", os.getpid(), None, 1.0)
    serve = WarmServer("serve", listening, "t2", os.getpid(), ("gold",), 2.0)
    gone = WarmServer("serve", _closed_port(), "t3", os.getpid(), ("gold", "silver"), 3.0)
    paths = [publish(tmp_path, s) for s in (lakehouse, serve, gone)]
    assert [oct(p.stat().st_mode & 0o777) for p in paths] == ["0o600"] * 3  # tokens inside
    assert find_server(tmp_path, {"gold"}) == serve  # newest that answers
    assert find_server(tmp_path, {"silver"}) == lakehouse  # nothing else up serves silver
    assert find_server(tmp_path, None) == lakehouse  # cannot tell: every schema needed
    assert paths[2].exists()  # not answering, its process alive: ignored, left
    assert serve.url == f"sc://localhost:{listening}/;token=t2"
    assert serve.described == f"lakehouse serve, port {listening}"
    mine = WarmServer("lakehouse", listening, None, os.getpid(), None, 1.0)
    assert (mine.url, mine.described) == (f"sc://localhost:{listening}", f"a lakehouse run, port {listening}")  # fmt: skip


def test_stale_and_broken_state_files_are_ignored(tmp_path: Path, listening: int) -> None:
    dead = publish(tmp_path, WarmServer("lakehouse", listening, "t", _dead_pid(), None, 1.0))
    broken = tmp_path / "servers" / "serve-1-2.json"
    broken.write_text(json.dumps({"kind": "serve"}), encoding="utf-8")
    assert find_server(tmp_path, {"gold"}) is None
    assert not dead.exists()  # its process is gone: so is the file
    assert broken.exists()  # not a state file of ours: left alone
    assert find_server(tmp_path / "no_home", {"gold"}) is None


def test_the_jvm_settings_a_server_started_with_are_read_back_and_compared(tmp_path: Path, listening: int) -> None:  # fmt: skip
    """A run on a kept server says which ``local:`` settings its JVM did not take; an older
    state file (no ``jvm``) says nothing rather than guess."""
    import os

    from pipelines.config.model import LocalSettings
    from pipelines.local.warm import jvm_settings, settings_changed

    started = LocalSettings(driver_memory="4g", java_options=("-XX:+UseParallelGC",))
    kept = WarmServer("kept", listening, "t", os.getpid(), None, 1.0, jvm_settings(started))
    publish(tmp_path, kept)
    found = find_server(tmp_path, None)
    assert found == kept
    assert settings_changed(found, started) == []
    assert settings_changed(found, started.model_copy(update={"shuffle_partitions": 2, "jit": "peak"})) == []  # fmt: skip
    now = LocalSettings(driver_memory="8g", cores=2, java_options=())
    assert settings_changed(found, now) == [
        "local.driver_memory: 4g (project.yml: 8g)",
        "local.cores: default (project.yml: 2)",
        'local.java_options: ["-XX:+UseParallelGC"] (project.yml: [])',
    ]
    older = tmp_path / "older"
    state = publish(older, WarmServer("kept", listening, "t", os.getpid(), None, 1.0))
    data = json.loads(state.read_text())
    del data["jvm"]
    state.write_text(json.dumps(data))
    found_older = find_server(older, None)
    assert found_older is not None
    assert (found_older.jvm, settings_changed(found_older, now)) == (None, [])
