"""``lakehouse``: validate config, run the pipeline locally, query it, run the demo.

Exit codes: 0 success, 1 a run or query failed, 2 bad config or bad usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pipelines.config import format_problems, load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.errors import ConfigErrors, LakehouseError
from pipelines.settings import Settings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakehouse",
        description="Config-driven medallion lakehouse: bronze -> silver -> gold, locally.",
        epilog="Paths: $LAKEHOUSE_HOME (.lakehouse), $LAKEHOUSE_LANDING (<home>/landing), "
        "$LAKEHOUSE_CONF (src/conf).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("validate", help="check every config file (no Spark)")
    run = commands.add_parser("run", help="run the pipeline graph on local Spark")
    run.add_argument("--full-refresh", action="store_true", help="recompute everything")
    demo = commands.add_parser("demo", help="generate sample data, then run everything")
    demo.add_argument("--rows-per-day", type=int, default=400, metavar="N")
    demo.add_argument("--days", type=int, default=3, metavar="N")
    sql = commands.add_parser("sql", help="query the local lakehouse")
    sql.add_argument("query", help='e.g. "SELECT * FROM gold.team_a_products_with_image"')
    sql.add_argument("--format", choices=("table", "json", "csv"), default="table")
    generate = commands.add_parser("generate", help="write a sample product catalog")
    generate.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    generate.add_argument("--rows-per-day", type=int, default=400, metavar="N")
    generate.add_argument("--days", type=int, default=3, metavar="N")
    generate.add_argument("--clean", action="store_true", help="no deliberately bad rows")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        return _dispatch(args, settings)
    except ConfigErrors as exc:
        print(f"{len(exc.problems)} config problem(s):", file=sys.stderr)
        print(format_problems(exc.problems, Path.cwd()), file=sys.stderr)
        return exc.exit_code
    except LakehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "validate":
        return _validate(settings)
    if args.command == "generate":
        return _generate(args)
    if args.command == "demo":
        return _demo(settings, args.rows_per_day, args.days)
    if args.command == "run":
        return _run(settings, load_config(settings.conf), full_refresh=args.full_refresh)
    return _sql(settings, args.query, args.format)


def _validate(settings: Settings) -> int:
    started = time.perf_counter()
    config = load_config(settings.conf)
    elapsed = (time.perf_counter() - started) * 1000
    print(
        f"{settings.conf}: ok, {len(config.sources)} source(s), {len(config.gold)} gold "
        f"model(s), {len(config.datasets)} datasets ({elapsed:.0f} ms)"
    )
    return 0


def _generate(args: argparse.Namespace) -> int:
    from pipelines.demo import generate_catalog

    stats = generate_catalog(
        args.out, rows_per_day=args.rows_per_day, days=args.days, with_bad_rows=not args.clean
    )
    print(f"wrote {stats.rows} rows in {len(stats.files)} file(s) to {args.out}")
    return 0


def _demo(settings: Settings, rows_per_day: int, days: int) -> int:
    from pipelines.demo import generate_catalog

    config = load_config(settings.conf)  # fail on bad config before writing anything
    target = settings.landing / "product_catalog"
    stats = generate_catalog(target, rows_per_day=rows_per_day, days=days)
    print(
        f"demo: generated {stats.rows} catalog rows in {len(stats.files)} daily extracts "
        f"({stats.repeated_rows} repeated across days, {stats.bad_rows} deliberately bad) "
        f"under {target}"
    )
    code = _run(settings, config, full_refresh=True)
    if code == 0:
        print('next: .venv/bin/lakehouse sql "SELECT * FROM gold.team_a_products_with_image"')
    return code


def _run(settings: Settings, config: LakehouseConfig, *, full_refresh: bool) -> int:
    from pipelines.runner import run_pipeline
    from pipelines.spark import local_session
    from pipelines.summary import print_summary

    spark = local_session(settings, config.project.local)
    result = run_pipeline(
        config,
        spark,
        landing_root=settings.landing.as_uri(),
        storage_root=settings.storage.as_uri(),
        full_refresh=full_refresh,
        table_format=config.project.local.table_format,
    )
    print_summary(config, result)
    return 0


def _sql(settings: Settings, query: str, fmt: str) -> int:
    from pyspark.errors import PySparkException

    from pipelines.output import render_rows
    from pipelines.spark import local_session

    config = load_config(settings.conf)
    spark = local_session(settings, config.project.local)
    try:
        frame = spark.sql(query)
        rows = frame.collect()
    except PySparkException as exc:
        raise LakehouseError(f"query failed: {str(exc).strip().splitlines()[0]}") from None
    print(render_rows(frame.columns, [tuple(r) for r in rows], fmt))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
