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

from cdc_day import summary
from file_shapes import COLUMNS, write_day
from run import (
    REPO,
    Measurement,
    Ref,
    add_wait_options,
    export_ref,
    measure,
    parse_ours,
    run_job,
    save,
    wait_until_quiet,
)

_COUNT = re.compile(r"(?m)^(bronze|silver|quarantine)\.(\w+)\s+([\d,]+)\s*$")
SOURCE = "orders"
REGISTER = "profile: register graph"


def _conf(work: Path, fmt: str) -> Path:
    """A config tree with the project's settings and the one source."""
    conf = work / "conf"
    (conf / "sources").mkdir(parents=True)
    for name in ("project.yml", "access.yml"):
        shutil.copy(REPO / "src" / "conf" / name, conf / name)
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
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--ref", dest="refs", action="append", default=[], help="another commit")
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench-files"))
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--out", type=Path, default=None)
    add_wait_options(parser)
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    landing, fmt = args.work / "landing", args.format
    (landing / fmt).mkdir(parents=True)
    for day in range(args.days + 1):
        write_day(landing / fmt, fmt, day, args.rows)
    last = sorted((landing / fmt).iterdir())[-1]
    held = last.rename(args.work / last.name)
    conf = _conf(args.work, fmt)
    history = args.days * args.rows
    print(f"history: {history:,} rows in {args.days} {fmt} files; the day: {held.name}")
    codes: list[Ref | None] = [None, *(export_ref(args.work, r) for r in args.refs)]
    results: list[Measurement] = []
    for repeat in range(1, args.repeats + 1):
        for code in codes:
            home = args.work / ("home" if code is None else f"home-{code.name}")
            for kind in ("full", "day"):
                (landing / fmt / held.name).unlink(missing_ok=True)
                if kind == "day":
                    shutil.copy(held, landing / fmt / held.name)
                wait_until_quiet(args.quiet, args.quiet_wait)
                job = run_job(home, landing, conf, code, [SOURCE], _parse, full=kind == "full")
                result = measure(job, history, repeat, kind, args.timeout, fresh=kind == "full")
                results.append(result)
                print(f"  #{repeat} {job.variant:<16} {kind:<5} {result.seconds:7.1f}s "
                      f"register {result.phases.get(REGISTER, 0.0):5.2f}s "
                      f"others {result.other_cores:.2f} cores  "
                      f"{'ok' if result.ok else 'FAILED: ' + result.error}  {result.counts}",
                      flush=True)  # fmt: skip
            shutil.rmtree(home, ignore_errors=True)
    print(summary(results))
    document = {"format": fmt, "days": args.days, "rows_per_file": args.rows,
                "results": [asdict(m) for m in results]}  # fmt: skip
    save(args.out, "files_day", document, summary(results))


if __name__ == "__main__":
    main()
