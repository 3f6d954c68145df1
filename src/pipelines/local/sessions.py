"""The session a local command runs on: the home's server when one is up, else its own.

Embedded Derby admits one process: while a server holds a home's metastore (a run's, one kept
by ``lakehouse run --keep-server``, a ``lakehouse sql``'s or a notebook's), a command that
started a server of its own would wait on the metastore for minutes and then fail with the
metastore client's traceback. ``lakehouse status``, ``report``, ``scan-pii``, ``optimize``
and the notebooks' local ``spark_session()`` run on that server instead, as ``lakehouse sql``
does (``pipelines.cli.sql``), and say so on stderr. A run is stricter
(``pipelines.cli.run``): it takes only a kept server, whose life is not another command's.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from pipelines.config.model import LocalSettings
from pipelines.errors import LakehouseError
from pipelines.local.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["home_session"]


def home_session(
    settings: Settings,
    local: LocalSettings | None,
    command: str,
    schemas: set[str] | None = None,
    *,
    short: bool = False,
) -> SparkSession:
    """A session on a server of ``settings.home`` that is up and serves ``schemas`` (None:
    every one; one line on stderr: ``<command>: on the local server of ...``), or on a server
    of this process's own, with ``local`` (None: the project's, read only then). ``short``: the
    command does little, and its own server starts for a quick start (``local.jit``,
    ``pipelines.local.jit``)."""
    from pipelines.config import load_config
    from pipelines.local.jit import command_jit
    from pipelines.local.spark import remote_session, start_local_session
    from pipelines.local.warm import find_server

    server = find_server(settings.home, schemas)
    if server is not None and server.pid != os.getpid():  # this process's own: its session
        try:
            spark = remote_session(server.url, timeout=2.0)
        except LakehouseError:  # gone since: a server of its own, as without one
            pass
        else:
            print(f"{command}: on the local server of {server.described}", file=sys.stderr)
            return spark
    local = local or load_config(settings.conf).project.local
    return start_local_session(settings, local, command_jit(local.jit, short=short)).session()
