"""``lakehouse jars``: fetch the JVM parts local runs use (Delta, Kafka, the JDBC driver).

Run by ``make install``. Offline it says why in one line and exits 0: local runs then write
Parquet, and the Kafka and database sources say what they miss.
"""

from __future__ import annotations

import argparse
import sys

from pipelines.errors import LakehouseError
from pipelines.local.maven import JAR_SETS, cache_root, fetch, fetched
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser(
        "jars", help="fetch Delta, the Kafka connector and broker, the JDBC driver (once)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only say what is cached; exit 1 if a set is missing"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a set cannot be fetched (CI)"
    )
    parser.set_defaults(handler=_jars)


def _jars(args: argparse.Namespace, settings: Settings) -> int:
    missing = 0
    for jar_set in JAR_SETS:
        jars = fetched(jar_set)
        if not jars and not args.check:
            try:
                jars = fetch(jar_set)
            except LakehouseError as exc:
                print(f"jars: {exc}; {jar_set.without}", file=sys.stderr)
        if jars:
            size = sum(j.stat().st_size for j in jars) / 2**20
            print(f"jars: {jar_set.name}: {len(jars)} jar(s), {size:.0f} MiB in {jar_set.folder}")
        else:
            missing += 1
            if args.check:
                print(f"jars: {jar_set.name}: not fetched ({jar_set.purpose})")
    if missing and (args.check or args.strict):
        print(f"jars: {missing} set(s) missing under {cache_root()}", file=sys.stderr)
        return 1
    return 0
