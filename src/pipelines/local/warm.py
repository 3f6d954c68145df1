"""Warm local servers: how ``lakehouse sql`` finds a Spark Connect server that is already up.

Each ``lakehouse sql`` used to start a JVM and the metastore (9 to 12 s on a quiet 2-core
machine) for a query that takes a fraction of a second. A local server that is up (a run's,
one kept by ``lakehouse run --keep-server``, ``lakehouse serve``'s) leaves a small state file
under ``$LAKEHOUSE_HOME/servers/`` while it lives: its kind, port, token, process and the
schemas it serves. ``lakehouse sql`` connects to one that answers a TCP connect and serves
every schema the query names, and starts its own server otherwise.

A state file holds a token only when the lakehouse drew it (a token from the environment is
the user's own, maybe a cluster's: it stays there, the client reads it from there too). Files
are readable by their owner only. A file whose server is gone (killed before it could remove
it) is ignored, and removed when its process no longer exists.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.config.model import LocalSettings

__all__ = [
    "SERVERS",
    "WarmServer",
    "find_server",
    "jvm_settings",
    "publish",
    "query_schemas",
    "retitle",
    "settings_changed",
    "wait_for_stop",
    "withdraw",
]

SERVERS = "servers"
"""The folder under ``$LAKEHOUSE_HOME`` of the state files."""
_KINDS = {
    "lakehouse": "a lakehouse run",
    "kept": "lakehouse run --keep-server",
    "serve": "lakehouse serve",
}


@dataclass(frozen=True)
class WarmServer:
    """A local Spark Connect server that is up, as its state file says.

    Attributes:
        kind: ``lakehouse`` (a process's own lakehouse server, every table: a run's, a
            ``lakehouse sql``'s, a notebook's), ``kept`` (one kept for others by ``lakehouse
            run --keep-server`` once its run ended: later runs run there too) or ``serve`` (the
            endpoint's: views over one group's schemas, on a metastore of its own).
        port: Its Spark Connect port on the loopback interface.
        token: Its token, or None when the client's environment holds it.
        pid: The process that runs it.
        schemas: The schemas it serves (None: every one).
        started: When it started (seconds since the epoch): the newest is preferred.
        jvm: The ``local:`` settings its JVM took as it started (``jvm_settings``), which a
            run on it cannot change; None when its file does not say (an older one's).
    """

    kind: str
    port: int
    token: str | None
    pid: int
    schemas: tuple[str, ...] | None
    started: float
    jvm: dict[str, object] | None = None

    @property
    def url(self) -> str:
        """The ``sc://`` URL to connect with (the token in it, when the file holds one)."""
        token = f"/;token={self.token}" if self.token else ""
        return f"sc://localhost:{self.port}{token}"

    @property
    def described(self) -> str:
        """``lakehouse serve, port 15123``."""
        return f"{_KINDS.get(self.kind, self.kind)}, port {self.port}"

    def serves(self, schemas: set[str] | None) -> bool:
        """Whether it serves every one of ``schemas`` (None: a query it cannot tell)."""
        if self.schemas is None:
            return True
        return schemas is not None and schemas <= set(self.schemas)


def publish(home: Path, server: WarmServer) -> Path:
    """Write ``server``'s state file (owner-only) and remove it when the process exits."""
    folder = home / SERVERS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{server.kind}-{server.pid}-{server.port}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(server), handle)
    atexit.register(withdraw, path)
    return path


def retitle(path: Path, kind: str) -> None:
    """Say in ``path`` that its server is now of ``kind`` (written whole, then renamed: a reader
    never sees half a file)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    draft = path.with_suffix(".tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({**data, "kind": kind}, handle)
    draft.replace(path)


def withdraw(path: Path) -> None:
    """Remove a state file (the server stops)."""
    path.unlink(missing_ok=True)


def find_server(home: Path, schemas: set[str] | None, *, timeout: float = 1.0) -> WarmServer | None:  # fmt: skip # noqa: E501
    """The newest server up that serves ``schemas`` (None: only one that serves every
    schema), found by the state files under ``home``; None when there is none."""
    folder = home / SERVERS
    found = [s for p in sorted(folder.glob("*.json")) if (s := _read(p)) is not None]
    for server in sorted(found, key=lambda s: s.started, reverse=True):
        if server.serves(schemas) and _answers(server.port, timeout):
            return server
    return None


def jvm_settings(local: LocalSettings) -> dict[str, object]:
    """The ``local:`` settings a server's JVM takes once, as it starts: memory, cores, options.
    (``shuffle_partitions`` is a session's: a run on a kept server sets its own; ``jit`` does
    not apply to a kept server, which compiles for long work.)"""
    return {
        "driver_memory": local.driver_memory,
        "cores": local.cores,
        "java_options": list(local.java_options),
    }


def settings_changed(server: WarmServer, local: LocalSettings) -> list[str]:
    """``local.<key>: <the server's> (project.yml: <now>)`` for each JVM setting that
    ``local`` changed since ``server`` started: a run there goes on without them."""
    if server.jvm is None:
        return []
    now = jvm_settings(local)
    return [
        f"local.{key}: {_shown(server.jvm.get(key))} (project.yml: {_shown(value)})"
        for key, value in now.items()
        if server.jvm.get(key) != value
    ]


def _shown(value: object) -> str:
    if value is None:
        return "default"
    return json.dumps(value) if isinstance(value, list) else str(value)


def _read(path: Path) -> WarmServer | None:
    """The state file's server, or None for a file that is not one (or whose process is gone:
    then the file goes too)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        schemas = data["schemas"]
        server = WarmServer(
            str(data["kind"]), int(data["port"]), data["token"], int(data["pid"]),
            None if schemas is None else tuple(schemas), float(data["started"]),
            jvm if isinstance(jvm := data.get("jvm"), dict) else None,
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(server.pid):
        withdraw(path)
        return None
    return server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _answers(port: int, timeout: float) -> bool:
    try:
        # "localhost", as the servers bind and the client connects (127.0.0.1 or ::1)
        socket.create_connection(("localhost", port), timeout=timeout).close()
    except OSError:
        return False
    return True


def query_schemas(sql: str) -> set[str] | None:
    """The schemas the tables of ``sql`` are in; None when that cannot be told (it does not
    parse as queries, or names a table without its schema): then only a server of every
    schema will do."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        statements = sqlglot.parse(sql, read="spark")
    except SqlglotError:
        return None
    schemas: set[str] = set()
    for tree in statements:
        if tree is None or not isinstance(tree, exp.Query):
            return None
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if not table.name:  # a table-valued function
                continue
            if not table.db:
                if table.name.lower() in ctes:
                    continue
                return None
            schemas.add(table.db.lower())
    return schemas


def wait_for_stop() -> None:
    """Block until SIGINT (Ctrl-C) or SIGTERM: a server kept for others to use."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    while not stop.wait(1.0):
        pass
