"""A throwaway PostgreSQL on 127.0.0.1 for the demo and the tests (Debian ``postgresql``).

``initdb`` + ``pg_ctl`` into a fresh folder under the system temp dir, on a free port; as root
the server runs as the ``postgres`` system user (PostgreSQL refuses to run as root). Password
authentication over TCP, so the JDBC reader's credentials are checked for real.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import LakehouseError

__all__ = ["INSTALL_HINT", "JDBC_JAR", "LocalPostgres", "postgres_bin", "start_postgres"]

JDBC_JAR = Path("/usr/share/java/postgresql.jar")
INSTALL_HINT = "apt-get install -y postgresql libpostgresql-jdbc-java"
_TIMEOUT = 60


def postgres_bin() -> Path | None:
    """The folder of the newest installed PostgreSQL server binaries, if any."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_version)
    return versions[-1].parent if versions else None


def _version(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


@dataclass(frozen=True)
class LocalPostgres:
    """A running local server; ``stop()`` removes it and its data."""

    bin: Path
    root: Path  # holds the cluster, the socket and the log
    port: int
    run_as: str | None

    @property
    def host(self) -> str:
        """Where it listens (loopback only)."""
        return "127.0.0.1"

    def jdbc_url(self, database: str) -> str:
        """The JDBC URL of ``database``."""
        return f"jdbc:postgresql://{self.host}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser over the local socket; returns psql's output."""
        command = [str(self.bin / "psql"), "-h", str(self.root), "-p", str(self.port)]
        command += ["-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt"]
        done = self._run(command, input_text=sql)
        return done.stdout

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._run(
            [str(self.bin / "pg_ctl"), "-D", str(self.root / "cluster"), "-m", "fast", "stop"]
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(
        self, command: list[str], input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(
            command, input=input_text, capture_output=True, text=True, timeout=_TIMEOUT,
            check=False, cwd=self.root,
        )  # fmt: skip
        if done.returncode != 0:
            tool = Path(command[4 if self.run_as else 0]).name
            detail = (done.stderr or done.stdout).strip()[:500]
            raise LakehouseError(f"local PostgreSQL: {tool} failed: {detail}")
        return done


def start_postgres() -> LocalPostgres:
    """Start a fresh server on a free loopback port.

    Raises:
        LakehouseError: PostgreSQL is not installed, or it did not start.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise LakehouseError(f"PostgreSQL is not installed ({INSTALL_HINT})")
    run_as = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="lakehouse-pg-"))
    if run_as:
        shutil.chown(root, user=run_as)
    server = LocalPostgres(bin_dir, root, _free_port(), run_as)
    cluster = root / "cluster"
    server._run([
        str(bin_dir / "initdb"), "-D", str(cluster), "-U", "postgres", "-E", "UTF8",
        "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
    ])  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -c port={server.port} -k {root} -c fsync=off"
    server._run([
        str(bin_dir / "pg_ctl"), "-D", str(cluster), "-o", options, "-l", str(root / "log"),
        "-w", "-t", "30", "start",
    ])  # fmt: skip
    return server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
