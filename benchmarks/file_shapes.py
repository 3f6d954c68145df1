"""What defining a local file source's stream costs as its history of files grows.

    .venv/bin/python benchmarks/file_shapes.py --days 30 365 1095 --repeats 5

The local reader names each file's columns before every run (a CSV file's header, an XML
file's first 1,000 records, a Parquet file's schema). For each format and each count of daily
files (generated under ``--work``, deterministic), this process times, alternating:

* ``every file``: each file read, as every run did before ``pipelines.sources.file_shapes``
  (the same calls: ``inspect_file`` with the old samples, 1,000 for XML and Parquet);
* ``record``: ``FileShapes.of`` with the record a previous run left (every file unchanged: a
  ``stat`` each), then the same with one file more (the day's new file, read and recorded).

No Spark: this is the Python half of the definition, which ran before the graph was
registered, in the ``lakehouse run`` process. Prints a Markdown table (medians) and writes
every timing to ``benchmarks/results/file_shapes-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from pipelines.config.sources import FileSource
from pipelines.sources.file_inspect import inspect_file, matching_files
from pipelines.sources.file_shapes import FileShapes

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("order_id", "customer", "sku", "quantity", "price", "channel", "status", "note")
OLD_SAMPLE = {"csv": 0, "xml": 1000, "parquet": 1000}
NEW_SAMPLE = {"csv": 0, "xml": 1000, "parquet": 0}


def _values(day: int, row: int) -> list[str]:
    n = day * 100_000 + row
    return [str(n), f"c{n % 997}", f"s{n % 113}", str(n % 7 + 1), f"{n % 500}.25", "web",
            "open", "none"]  # fmt: skip


def write_day(folder: Path, fmt: str, day: int, rows: int) -> None:
    """Day ``day``'s file of ``rows`` orders in format ``fmt`` under ``folder``."""
    name = (date(2024, 1, 1) + timedelta(days=day)).strftime("%Y%m%d")
    path = folder / f"orders_{name}.{fmt}"
    # every 10th file has its columns in another order: a CSV layout of its own
    columns = COLUMNS[::-1] if day % 10 == 9 else COLUMNS
    table = [dict(zip(COLUMNS, _values(day, r), strict=True)) for r in range(rows)]
    if fmt == "csv":
        lines = [",".join(columns)] + [",".join(t[c] for c in columns) for t in table]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "xml":
        body = "".join(
            "<row>" + "".join(f"<{c}>{t[c]}</{c}>" for c in columns) + "</row>\n" for t in table
        )
        path.write_text(f"<rows>\n{body}</rows>\n", encoding="utf-8")
    else:
        pq.write_table(pa.table({c: [t[c] for t in table] for c in columns}), path)


def _source(fmt: str) -> FileSource:
    block: dict[str, Any] = {"type": "files", "path": f"{fmt}/*.{fmt}", "format": fmt}
    if fmt == "xml":
        block["xml"] = {"row_tag": "row"}
    return FileSource.model_validate(block)


def _timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def _series(work: Path, fmt: str, days: int, rows: int, repeats: int) -> dict[str, Any]:
    landing = work / f"landing-{fmt}-{days}"
    shutil.rmtree(landing, ignore_errors=True)
    (landing / fmt).mkdir(parents=True)
    for day in range(days):
        write_day(landing / fmt, fmt, day, rows)
    source, root = _source(fmt), landing.as_uri()
    record = work / f"storage-{fmt}-{days}"
    shapes = FileShapes.under(record.as_uri(), "orders")

    def every_file() -> None:
        for path in matching_files(root, source):
            inspect_file(path, source, sample=OLD_SAMPLE[fmt])

    def kept() -> None:
        shapes.of(source, matching_files(root, source), NEW_SAMPLE[fmt])

    def one_new() -> None:
        write_day(landing / fmt, fmt, days, rows)  # the day's file, not timed
        start = time.perf_counter()
        files = matching_files(root, source)
        shapes.of(source, files, NEW_SAMPLE[fmt])
        timings["one_new"].append(time.perf_counter() - start)
        os.remove(files[-1])
        shapes.of(source, matching_files(root, source), NEW_SAMPLE[fmt])  # back, not timed

    timings: dict[str, list[float]] = {"every_file": [], "record": [], "one_new": []}
    timings["first_record"] = [_timed(kept)]  # the first run after the change: every file read
    for _ in range(repeats):
        timings["every_file"].append(_timed(every_file))
        timings["record"].append(_timed(kept))
        one_new()
    shutil.rmtree(landing)
    shutil.rmtree(record)
    return {"format": fmt, "days": days, "rows_per_file": rows, "seconds": timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365, 1095])
    parser.add_argument("--formats", nargs="+", default=["csv", "xml", "parquet"])
    parser.add_argument("--rows", type=int, default=2000, help="rows per daily file")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/file_shapes_bench"))
    args = parser.parse_args()

    series = [
        _series(args.work, fmt, days, args.rows, args.repeats)
        for fmt in args.formats
        for days in args.days
    ]
    print("| format | daily files | every file s | record s | record + the day's file s |")
    print("|---|---:|---:|---:|---:|")
    for s in series:
        t = {k: statistics.median(v) for k, v in s["seconds"].items()}
        print(f"| {s['format']} | {s['days']} | {t['every_file']:.3f} | {t['record']:.3f} | "
              f"{t['one_new']:.3f} |")  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"file_shapes-{stamp}.json"
    machine = {"cpus": os.cpu_count(), "load": os.getloadavg()}
    out.write_text(json.dumps({"machine": machine, "series": series}, indent=1), encoding="utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
