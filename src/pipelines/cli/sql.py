"""``lakehouse sql``: query the local lakehouse, on a local server that is up when there is one
(``pipelines.local.warm``), else on a server of its own."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from pipelines.config import load_config
from pipelines.errors import LakehouseError
from pipelines.local.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser("sql", help="query the local lakehouse")
    parser.add_argument("query", help='e.g. "SELECT * FROM gold.team_a_products_with_image"')
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    parser.add_argument(
        "--remote", metavar="URL", help="query an existing Spark Connect server (sc://HOST:PORT)"
    )
    parser.set_defaults(handler=_sql)


def _sql(args: argparse.Namespace, settings: Settings) -> int:
    from pyspark.errors import PySparkException

    from pipelines.local.spark import local_session, remote_session
    from pipelines.output import render_rows

    if args.remote:
        spark = remote_session(args.remote)
    else:
        spark = _warm(settings, args.query) or local_session(
            settings, load_config(settings.conf).project.local
        )
    try:
        frame = spark.sql(args.query)
        rows = frame.collect()
    except PySparkException as exc:
        raise LakehouseError(f"query failed: {str(exc).strip().splitlines()[0]}") from None
    print(render_rows(frame.columns, [tuple(r) for r in rows], args.format))
    return 0


def _warm(settings: Settings, query: str) -> SparkSession | None:
    """A session on a local server that is up and serves what ``query`` reads (one line on
    stderr says which), or None."""
    from pipelines.local.spark import remote_session
    from pipelines.local.warm import find_server, query_schemas

    server = find_server(settings.home, query_schemas(query))
    if server is None:
        return None
    try:
        spark = remote_session(server.url, timeout=2.0)
    except LakehouseError:  # gone since: a server of its own, as without one
        return None
    print(f"sql: on the local server of {server.described}", file=sys.stderr)
    return spark
