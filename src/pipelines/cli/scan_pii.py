"""``lakehouse scan-pii``: suggest undeclared columns of a table that look like PII."""

from __future__ import annotations

import argparse
from datetime import date

from pipelines.config import load_config
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser(
        "scan-pii", help="sample a table and suggest undeclared columns that look like PII"
    )
    parser.add_argument(
        "dataset", help="a table (silver.customer_feed) or a source (bronze.<name>)"
    )
    parser.add_argument("--sample", type=int, default=1000, metavar="N", help="rows sampled")
    parser.add_argument("--min-share", type=float, default=0.3, metavar="X", help="0..1")
    parser.set_defaults(handler=_scan_pii)


def _scan_pii(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.local.sessions import home_session
    from pipelines.pii.scan import declared_pii, render_suggestions, scan_table

    config = load_config(settings.conf)
    table = args.dataset if "." in args.dataset else f"bronze.{args.dataset}"
    spark = home_session(settings, config.project.local, "scan-pii", short=True)
    sampled, found = scan_table(
        spark, table, sample=args.sample, min_share=args.min_share, today=date.today(),
        skip=declared_pii(config, table),
    )  # fmt: skip
    print(render_suggestions(table, sampled, found))
    return 0
