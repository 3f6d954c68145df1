"""``lakehouse run`` and ``lakehouse demo``: run the pipeline graph on local Spark."""

from __future__ import annotations

import argparse

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.settings import Settings

__all__ = ["add_parser", "run_local"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the commands."""
    run = commands.add_parser("run", help="run the pipeline graph on local Spark")
    run.add_argument("--full-refresh", action="store_true", help="recompute everything")
    run.set_defaults(handler=_run)
    demo = commands.add_parser("demo", help="generate sample data, then run everything")
    demo.add_argument("--rows-per-day", type=int, default=400, metavar="N")
    demo.add_argument("--days", type=int, default=3, metavar="N")
    demo.set_defaults(handler=_demo)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return run_local(settings, load_config(settings.conf), full_refresh=args.full_refresh)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.demo import generate_catalog
    from pipelines.demo.servers import demo_servers

    config = load_config(settings.conf)  # fail on bad config before writing anything
    target = settings.landing / "product_catalog"
    stats = generate_catalog(target, rows_per_day=args.rows_per_day, days=args.days)
    print(
        f"demo: generated {stats.rows} catalog rows in {len(stats.files)} daily extracts "
        f"({stats.repeated_rows} repeated across days, {stats.bad_rows} deliberately bad) "
        f"under {target}"
    )
    with demo_servers():  # the example database and API sources read from these
        code = run_local(settings, config, full_refresh=True)
    if code == 0:
        print('next: .venv/bin/lakehouse sql "SELECT * FROM gold.team_a_products_with_image"')
    return code


def run_local(settings: Settings, config: LakehouseConfig, *, full_refresh: bool) -> int:
    """Run the whole graph on the local session and print the summary."""
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
