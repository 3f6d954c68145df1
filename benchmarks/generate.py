"""Generate the product catalog landing zone at N rows, with the project's own generator.

    .venv/bin/python benchmarks/generate.py --rows 1000000 --out /tmp/lakehouse-bench/landing

Writes ``<out>/product_catalog/product_catalog_YYYYMMDD.csv`` (one file per day, the quirks
of the real Back Market extract plus a few deliberately bad rows per day) and
``<out>/stats.json``. An existing landing zone with the same parameters is reused.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pipelines.demo import generate_catalog

__all__ = ["Landing", "landing_zone"]

SOURCE_FOLDER = "product_catalog"


@dataclass(frozen=True)
class Landing:
    """A generated landing zone and what is in it."""

    root: Path
    requested_rows: int
    days: int
    rows: int
    repeated_rows: int
    bad_rows: int
    bytes: int
    seconds: float


def landing_zone(root: Path, rows: int, days: int = 3) -> Landing:
    """The landing zone under ``root`` for ``rows`` rows over ``days`` daily files."""
    stats_file = root / "stats.json"
    if stats_file.exists():
        cached = Landing(**{**json.loads(stats_file.read_text()), "root": root})
        if (cached.requested_rows, cached.days) == (rows, days):
            return cached
    started = time.perf_counter()
    stats = generate_catalog(
        root / SOURCE_FOLDER, rows_per_day=math.ceil(rows / days), days=days, with_bad_rows=True
    )
    landing = Landing(
        root=root,
        requested_rows=rows,
        days=days,
        rows=stats.rows,
        repeated_rows=stats.repeated_rows,
        bad_rows=stats.bad_rows,
        bytes=sum(f.stat().st_size for f in stats.files),
        seconds=round(time.perf_counter() - started, 1),
    )
    stats_file.write_text(json.dumps({**asdict(landing), "root": str(root)}, indent=2))
    return landing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="total rows, about")
    parser.add_argument("--days", type=int, default=3, help="daily files (default 3)")
    parser.add_argument("--out", type=Path, required=True, help="landing root to write")
    args = parser.parse_args()
    landing = landing_zone(args.out, args.rows, args.days)
    print(
        f"{landing.rows:,} rows ({landing.repeated_rows:,} repeated, {landing.bad_rows} bad) "
        f"in {landing.days} files, {landing.bytes / 1e9:.2f} GB, under {landing.root}"
    )


if __name__ == "__main__":
    main()
