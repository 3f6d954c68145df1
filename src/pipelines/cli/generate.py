"""``lakehouse generate``: write the sample product catalog (no Spark)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser("generate", help="write a sample product catalog")
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    parser.add_argument("--rows-per-day", type=int, default=400, metavar="N")
    parser.add_argument("--days", type=int, default=3, metavar="N")
    parser.add_argument("--clean", action="store_true", help="no deliberately bad rows")
    parser.set_defaults(handler=_generate)


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.demo import generate_catalog

    stats = generate_catalog(
        args.out, rows_per_day=args.rows_per_day, days=args.days, with_bad_rows=not args.clean
    )
    print(f"wrote {stats.rows} rows in {len(stats.files)} file(s) to {args.out}")
    return 0
