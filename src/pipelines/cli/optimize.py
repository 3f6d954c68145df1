"""``lakehouse optimize``: compact the small files of the ops tables and the tables that grow
by appends.

A local run compacts the ops tables by itself every ``project.local.compact_ops_every`` runs
(``pipelines.local.compaction``). The streaming tables (bronze) gain files with every run that
ingests something, one or more per micro-batch, and every materialized view over them opens
them all; so do the silver, quarantine and gold tables a local run refreshes from new rows
(``pipelines.local.refresh``), with deletion vectors where rows were replaced. This command
compacts those too, when the user chooses (it rewrites their data, so its cost grows with the
table, unlike the ops tables'); a compaction changes no row, so those tables are still
refreshed from new rows afterwards (``pipelines.local.increments.same_rows``). ``--vacuum``
then deletes the files that compaction replaced more than Delta's retention ago (7 days by
default).
"""

from __future__ import annotations

import argparse
import re
import time

from pipelines.config import load_config
from pipelines.errors import first_line
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser(
        "optimize",
        help="compact the small files of the ops tables and the tables appended to (OPTIMIZE)",
    )
    parser.add_argument(
        "tables",
        nargs="*",
        type=_table_name,
        metavar="TABLE",
        help="schema.table to compact (default: every ops table, every streaming table and "
        "every table refreshed from new rows)",
    )
    parser.add_argument(
        "--vacuum",
        action="store_true",
        help="then delete the files replaced more than the retention ago (VACUUM, 7 days)",
    )
    parser.set_defaults(handler=_optimize)


def _optimize(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.local.run_lock import hold_runs

    with hold_runs(settings.home):  # it rewrites the tables a run writes: not during one
        return _compact(args, settings)


def _compact(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.graph import build_graph
    from pipelines.local.compaction import RunCount
    from pipelines.local.refresh import appended_locally
    from pipelines.local.sessions import home_session
    from pipelines.local.spark import table_format
    from pipelines.ops.compact import compact, ops_tables, vacuum
    from pipelines.spec import RunContext

    config = load_config(settings.conf)
    spark = home_session(settings, config.project.local, "optimize")
    if table_format(spark, config.project.local) != "delta":
        print("optimize: the tables are not Delta (project.local.table_format): nothing to do")
        return 0
    tables = list(args.tables)
    if not tables:
        specs = build_graph(config, RunContext("optimize", settings.landing.as_uri()))
        streaming = [s.name for s in specs if s.kind == "streaming_table"]
        growing = [*streaming, *appended_locally(config)]
        present = [t for t in growing if spark.catalog.tableExists(t)]
        tables = [*ops_tables(spark), *present]
    started = time.monotonic()
    done = compact(spark, tables)
    failed = 0
    for table, result in done.items():
        if isinstance(result, Exception):
            failed += 1
            print(f"  x {table}: {first_line(result)}")
        else:
            print(f"  ok {result.line()}")
    compacted = [t for t, r in done.items() if not isinstance(r, Exception)]
    for table, error in (vacuum(spark, compacted) if args.vacuum else {}).items():
        if error is not None:
            failed += 1
            print(f"  x {table}: not vacuumed: {first_line(error)}")
    if not failed and not args.tables:  # every ops table compacted: the run count restarts
        RunCount(settings.storage.as_uri()).restart()
    seconds = time.monotonic() - started
    print(f"optimize: {len(done) - failed} of {len(done)} table(s) in {seconds:.1f}s")
    return 1 if failed else 0


_TABLE = re.compile(r"[A-Za-z_]\w*\.[A-Za-z_]\w*")


def _table_name(text: str) -> str:
    """A ``schema.table`` name (it goes into SQL as it is: nothing else may)."""
    if not _TABLE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a schema.table name, e.g. ops.flow_metrics")  # fmt: skip # noqa: E501
    return text
