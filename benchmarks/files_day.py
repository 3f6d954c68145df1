"""A day's file over a history of daily files: the run as a whole, this checkout against a commit.

    .venv/bin/python benchmarks/files_day.py --format xml --days 365 --ref 9ef7e58

One file source (``--format`` xml, parquet or csv; the orders of ``file_shapes.py``, every
tenth file with its columns in another order) with ``--days`` daily files under ``--work``,
and one more day held back. Per repeat and code (this checkout, then each ``--ref``,
alternating, each on a home of its own), each a fresh ``lakehouse run --profile`` process:

1. ``full``: ``--full-refresh`` over the history;
2. ``day``: a plain run after the day's file landed.

Every run must end with the same counts for every code. The profile's ``register graph``
step holds the definition, where the local reader names the files' columns
(``pipelines.sources.file_shapes``). Writes ``benchmarks/results/files_day-<time>.json``.
"""

from __future__ import annotations

import argparse
import re
import shutil
from dataclasses import asdict
from pathlib import Path

from day_series import DaySeries, add_day_options, summary
from file_shapes import COLUMNS, write_day
from run import bare_conf, parse_ours, save

_COUNT = re.compile(r"(?m)^(bronze|silver|quarantine)\.(\w+)\s+([\d,]+)\s*$")
SOURCE = "orders"
REGISTER = "profile: register graph"


def _conf(work: Path, fmt: str) -> Path:
    """A config tree with the project's settings and the one source."""
    conf = bare_conf(work)
    options = {"xml": "\n  xml: {row_tag: row}", "parquet": "", "csv": ""}[fmt]
    columns = "\n".join(f"  - {{name: {c}, type: string}}" for c in COLUMNS)
    (conf / "sources" / f"{SOURCE}.yml").write_text(
        f"name: {SOURCE}\ndescription: Daily orders.\nowner: data_engineers\n"
        f"source:\n  type: files\n  path: {fmt}/*.{fmt}\n  format: {fmt}{options}\n"
        f"  file_date: {{regex: '_(\\d{{8}})', format: yyyyMMdd}}\n"
        f"columns:\n{columns}\n",
        encoding="utf-8",
    )
    return conf


def _parse(stdout: str) -> tuple[dict[str, int], dict[str, float], str]:
    _, phases, _ = parse_ours(stdout)
    counts = {f"{m[1]}.{m[2]}": int(m[3].replace(",", "")) for m in _COUNT.finditer(stdout)}
    return counts, phases, "" if len(counts) == 3 else "no summary table"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("xml", "parquet", "csv"), default="xml")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows", type=int, default=2000, help="rows per daily file")
    add_day_options(parser, "/tmp/lakehouse-bench-files")
    parser.set_defaults(repeats=2)
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    landing, fmt = args.work / "landing", args.format
    (landing / fmt).mkdir(parents=True)
    for day in range(args.days + 1):
        write_day(landing / fmt, fmt, day, args.rows)
    last = sorted((landing / fmt).iterdir())[-1]
    kept = last.rename(args.work / last.name)
    history = args.days * args.rows
    print(f"history: {history:,} rows in {args.days} {fmt} files; the day: {kept.name}")
    held = [(kept, landing / fmt / kept.name)]
    series = DaySeries(landing, _conf(args.work, fmt), [SOURCE], held, history, _parse)
    results = series.run(args, shown=lambda m: f"register {m.phases.get(REGISTER, 0.0):5.2f}s ")
    document = {"format": fmt, "days": args.days, "rows_per_file": args.rows,
                "results": [asdict(m) for m in results]}  # fmt: skip
    save(args.out, "files_day", document, summary(results))


if __name__ == "__main__":
    main()
