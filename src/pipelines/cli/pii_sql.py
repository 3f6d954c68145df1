"""``lakehouse pii-sql``: the Unity Catalog functions and views for PII (no Spark): what the
daily jobs' ``pii_functions`` task creates, to review it or to create it by hand."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.config import load_config
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser(
        "pii-sql",
        help="print the Unity Catalog mask functions and revealing views for PII columns",
    )
    parser.add_argument(
        "--catalog", required=True, help="Unity Catalog catalog, e.g. lakehouse_staging"
    )
    parser.add_argument(
        "--run-as",
        required=True,
        metavar="IDENTITY",
        help="who the pipelines run as there (sees clear values): the pipelines service "
        "principal's application ID, or your user name for your dev catalog",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write there (e.g. bundles/sql/pii_masks.sql)"
    )
    parser.set_defaults(handler=_pii_sql)


def _pii_sql(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.pii.unity import pii_sql

    text = pii_sql(load_config(settings.conf), args.catalog, args.run_as)
    if args.out is None:
        print(text, end="")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0
