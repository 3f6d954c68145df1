"""``lakehouse sql``: query the local lakehouse, on a local server that is up when there is one
(``pipelines.local.warm``), else on a server of its own."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pipelines.errors import LakehouseError
from pipelines.local.settings import Settings

if TYPE_CHECKING:
    pass

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

    from pipelines.local.sessions import home_session
    from pipelines.local.spark import remote_session
    from pipelines.local.warm import query_schemas
    from pipelines.output import render_rows

    if args.remote:
        spark = remote_session(args.remote)
    else:
        spark = home_session(settings, None, "sql", query_schemas(args.query), short=True)
    try:
        frame = spark.sql(args.query)
        rows = frame.collect()
    except PySparkException as exc:
        raise LakehouseError(f"query failed: {str(exc).strip().splitlines()[0]}") from None
    print(render_rows(frame.columns, [tuple(r) for r in rows], args.format))
    return 0
