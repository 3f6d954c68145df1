"""pandas: the product catalog pipeline the way the original brief solved it.

    .venv/bin/python benchmarks/baseline_pandas.py --landing LANDING --out OUT

``read_csv`` each extract as strings, add the same ingestion metadata and SHA-256 content
hash, keep the newest file per file date, trim / blank -> null / cast to int, split off the
quarantine with reasons, drop duplicate hashes keeping the newest delivery, filter the two
gold tables and write everything as Parquet (bronze partitioned by file date). Everything is
in memory at once, which is the point of comparing it.

The C parser cannot keep a line with too many fields (it raises or skips it), so each file is
read with a few spare overflow columns: a row that fills one is the "unparseable" row Spark
puts in ``_corrupt_record``, kept here as its fields joined back with commas.

Prints ``BENCH_RESULT {json}``; on ``MemoryError`` prints an ``out of memory`` result and
exits with 3 (the benchmark caps this process's address space to show where that happens).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ("brand", "category_id", "comment", "currency", "description", "image", "year_release")
INT_COLUMNS = ("category_id", "year_release")
REQUIRED = ("brand",)
OVERFLOW = tuple(f"_overflow_{i}" for i in range(8))
CORRUPT = "_corrupt_record"
DELIVERY = ["_file_date", "_file_modified_at", "_source_file"]
INGEST = [*DELIVERY, "_ingested_at", "_run_id", "_content_hash"]
SEPARATOR, NULL = "\u001f", "\u0000"
FILE_DATE = re.compile(r"_(\d{8})\.csv$")
CAP_HELP = "cap this process's address space (RLIMIT_AS), GiB; 0: none"
PHASES: dict[str, float] = {}


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Record how long the block took, in seconds."""
    started = time.perf_counter()
    yield
    PHASES[name] = round(time.perf_counter() - started, 2)


def _file_date(path: Path) -> date | None:
    match = FILE_DATE.search(path.name)
    return datetime.strptime(match.group(1), "%Y%m%d").date() if match else None


def content_hash(frame: pd.DataFrame) -> list[str]:
    """SHA-256 of the raw values joined by a separator, null distinct from empty."""
    joined = frame[COLUMNS[0]].fillna(NULL)
    for name in (*COLUMNS[1:], CORRUPT):
        joined = joined + SEPARATOR + frame[name].fillna(NULL)
    return [hashlib.sha256(text.encode()).hexdigest() for text in joined]


def read_extract(path: Path, run_id: str, ingested_at: datetime) -> pd.DataFrame:
    """One CSV extract as strings plus ingestion metadata."""
    frame = pd.read_csv(
        path,
        header=None,
        skiprows=1,
        names=[*COLUMNS, *OVERFLOW],
        dtype=str,
        keep_default_na=False,
        na_values=[""],
    )
    overflow = frame[list(OVERFLOW)]
    spilled = overflow.notna().any(axis=1)
    frame[CORRUPT] = None
    if spilled.any():
        fields = frame.loc[spilled, [*COLUMNS, *OVERFLOW]]
        frame.loc[spilled, CORRUPT] = fields.apply(lambda r: ",".join(r.dropna()), axis=1)
    frame = frame.drop(columns=list(OVERFLOW))
    frame["_source_file"] = path.resolve().as_uri()
    frame["_file_modified_at"] = pd.Timestamp(path.stat().st_mtime, unit="s")
    frame["_file_date"] = _file_date(path)
    frame["_ingested_at"] = ingested_at
    frame["_run_id"] = run_id
    frame["_content_hash"] = content_hash(frame)
    return frame


def newest_file_per_date(bronze: pd.DataFrame) -> pd.DataFrame:
    """Rows of the newest delivery of each file date (rows without a date all kept)."""
    files = bronze[DELIVERY].drop_duplicates()
    dated = files[files["_file_date"].notna()]
    newest = dated.sort_values(DELIVERY[1:]).groupby("_file_date").tail(1)["_source_file"]
    undated = files.loc[files["_file_date"].isna(), "_source_file"]
    return bronze[bronze["_source_file"].isin(set(newest) | set(undated))]


def _to_int(cleaned: pd.Series) -> pd.Series:
    number = pd.to_numeric(cleaned, errors="coerce")
    whole = number.notna() & (number % 1 == 0) & number.between(-(2**31), 2**31 - 1)
    return number.where(whole).astype("Int64")


def conform(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Typed columns and, per check, the mask of rows that fail it."""
    typed = rows.copy()
    failed: dict[str, pd.Series] = {"unparseable_row": rows[CORRUPT].notna()}
    for name in COLUMNS:
        stripped = rows[name].str.strip()
        cleaned = stripped.where(stripped != "")
        typed[name] = _to_int(cleaned) if name in INT_COLUMNS else cleaned
        if name in INT_COLUMNS:
            failed[f"cast:{name}"] = cleaned.notna() & typed[name].isna()
    for name in REQUIRED:
        failed[f"not_null:{name}"] = typed[name].isna()
    year = typed["year_release"]
    plausible = year.isna() | year.between(1900, 2100)
    failed["rule:year_release_plausible"] = ~plausible.fillna(False).astype(bool)
    return typed, failed


def reasons(failed: dict[str, pd.Series], where: pd.Series) -> list[list[str]]:
    """The labels of the checks each selected row fails."""
    masks = {label: mask[where].to_numpy() for label, mask in failed.items()}
    count = int(where.sum())
    return [[label for label, mask in masks.items() if mask[i]] for i in range(count)]


def silver(typed: pd.DataFrame, bad: pd.Series) -> pd.DataFrame:
    """Valid rows, one per content hash (the newest delivery wins)."""
    valid = typed[~bad]
    newest_first = valid.sort_values(DELIVERY, ascending=False, na_position="last")
    return newest_first.drop_duplicates("_content_hash", keep="first")[[*COLUMNS, *INGEST]]


def run(landing: Path, out: Path) -> dict[str, int]:
    """The whole pipeline; returns the row count of every table written."""
    run_id, ingested_at = uuid.uuid4().hex, datetime.now(UTC).replace(tzinfo=None)
    files = sorted((landing / "product_catalog").glob("*.csv"))
    with phase("bronze"):
        bronze = pd.concat([read_extract(f, run_id, ingested_at) for f in files], ignore_index=True)
        bronze.to_parquet(out / "bronze", partition_cols=["_file_date"], index=False)
    with phase("silver"):
        typed, failed = conform(newest_file_per_date(bronze))
        bad = np.logical_or.reduce(list(failed.values()))
        silver_rows = silver(typed, pd.Series(bad, index=typed.index))
        silver_rows.to_parquet(out / "silver.parquet", index=False)
    with phase("quarantine"):
        raw = bronze.loc[typed.index[bad], [*COLUMNS, CORRUPT, *INGEST]]
        raw.insert(0, "_reasons", reasons(failed, pd.Series(bad, index=typed.index)))
        raw.to_parquet(out / "quarantine.parquet", index=False)
    with phase("gold"):
        team_a = silver_rows.loc[silver_rows["image"].notna(), list(COLUMNS)]
        samsung = (silver_rows["brand"] == "Samsung") & (silver_rows["year_release"] > 2000)
        team_b = silver_rows.loc[samsung.fillna(False) & silver_rows["image"].isna()]
        team_a.to_parquet(out / "team_a.parquet", index=False)
        team_b[[c for c in COLUMNS if c != "image"]].to_parquet(out / "team_b.parquet", index=False)
    return {
        "bronze": len(bronze),
        "silver": len(silver_rows),
        "quarantine": len(raw),
        "team_a": len(team_a),
        "team_b": len(team_b),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True, help="landing root")
    parser.add_argument("--out", type=Path, required=True, help="folder for the tables")
    parser.add_argument("--mem-cap", type=float, default=0, metavar="GIB", help=CAP_HELP)
    args = parser.parse_args()
    if args.mem_cap:
        limit = int(args.mem_cap * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        counts = run(args.landing, args.out)
    except MemoryError:
        done = list(PHASES)
        result = {
            "error": "out of memory",
            "after": done[-1] if done else "start",
            "phases": PHASES,
        }
        print("BENCH_RESULT " + json.dumps(result), flush=True)
        return 3
    print("BENCH_RESULT " + json.dumps({"counts": counts, "phases": PHASES}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
