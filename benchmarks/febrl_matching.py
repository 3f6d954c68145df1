"""Entity matching on the febrl ground truth: pair-level precision, recall and F1.

    .venv/bin/python benchmarks/febrl_matching.py [--data ../shared/data/febrl] [--rounds 8]

Runs the pure ``pipelines.transforms.match.match`` with the rules of the shipped customer
entity (``src/conf/entities/customers.yml``) mapped onto febrl's columns, on

* ``dataset1`` (deduplication: 500 originals and 500 duplicates in one file), and
* ``dataset4a`` + ``dataset4b`` (linkage: 5,000 originals, 5,000 duplicates in another file;
  only pairs across the two files count),

once with the exact rules only and once with the fuzzy rule on. Febrl has no e-mail or phone:
``[email]`` has nothing to match, ``[phone, date_of_birth]`` becomes
``[soc_sec_id, date_of_birth]`` (an identifier the person gives, like a phone number), and
``[given_name, surname, date_of_birth]`` is unchanged. Values are standardised the way the
customer sources declare them: trimmed (febrl puts a space before every value but the first),
dates read with ``yyyyMMdd`` (``19371233`` and other impossible dates become NULL, so they match
nothing), names normalised with ``match: name``.

Ground truth: ``rec-N-org`` and ``rec-N-dup-K`` are the same person N; a true pair is two
records with the same N. A predicted pair is two records in one cluster. Prints a JSON line per
run (``BENCH_RESULT {...}``) and a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.entity import FuzzyRule, MatchSettings
from pipelines.config.model import LocalSettings
from pipelines.settings import Settings
from pipelines.spark import local_session, stop_session
from pipelines.transforms.match import match, rounds_needed
from pipelines.transforms.standardise import iso_date, trim

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

REPO = Path(__file__).resolve().parents[1]
COLUMNS = ("given_name", "surname", "date_of_birth", "soc_sec_id", "postcode")
NORMALISERS = {"given_name": "name", "surname": "name", "soc_sec_id": "digits"}
EXACT = (("soc_sec_id", "date_of_birth"), ("given_name", "surname", "date_of_birth"))
FUZZY = FuzzyRule(
    enabled=True, block=("date_of_birth",), compare=("given_name", "surname"),
    similarity="jaro_winkler", threshold=0.9,
)  # fmt: skip


def _records(spark: SparkSession, path: Path, tag: str) -> DataFrame:
    from pyspark.sql import functions as F

    raw = spark.read.option("header", True).csv(str(path))
    raw = raw.select(*[F.col(c).alias(c.strip()) for c in raw.columns])
    return raw.select(
        F.concat(F.lit(tag), trim(F.col("rec_id"))).alias("_record_id"),
        trim(F.col("given_name")).alias("given_name"),
        trim(F.col("surname")).alias("surname"),
        iso_date(F.col("date_of_birth"), ["yyyyMMdd"]).alias("date_of_birth"),
        trim(F.col("soc_sec_id")).alias("soc_sec_id"),
        trim(F.col("postcode")).alias("postcode"),
    )


def _person(record_id: str) -> str:
    return record_id.split(":", 1)[1].split("-")[1]  # a:rec-12-dup-0 -> 12


def _pairs(members: dict[str, list[str]], linkage: bool) -> set[tuple[str, str]]:
    pairs = set()
    for ids in members.values():
        for a, b in combinations(sorted(ids), 2):
            if not linkage or a[0] != b[0]:  # linkage: one record of each file
                pairs.add((a, b))
    return pairs


def evaluate(
    spark: SparkSession, frames: DataFrame, settings: MatchSettings, linkage: bool
) -> dict[str, object]:
    """Match, then compare predicted with true pairs."""
    started = time.perf_counter()
    rows = match(frames, settings, NORMALISERS).select("_record_id", "_cluster").collect()
    seconds = time.perf_counter() - started
    clusters: dict[str, list[str]] = defaultdict(list)
    people: dict[str, list[str]] = defaultdict(list)
    for record_id, cluster in rows:
        clusters[cluster].append(record_id)
        people[_person(record_id)].append(record_id)
    predicted, true = _pairs(clusters, linkage), _pairs(people, linkage)
    hits = len(predicted & true)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records": len(rows), "true_pairs": len(true), "predicted_pairs": len(predicted),
        "true_positives": hits, "precision": round(precision, 4), "recall": round(recall, 4),
        "f1": round(f1, 4), "clusters": len(clusters), "seconds": round(seconds, 1),
        "rounds_needed": rounds_needed(frames, settings, NORMALISERS),
    }  # fmt: skip


def _machine() -> dict[str, object]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    return {"cpu": model, "cores": os.cpu_count(), "load_1m_at_start": os.getloadavg()[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "febrl")
    parser.add_argument("--rounds", type=int, default=8, help="match.max_rounds")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="febrl-bench-"))
    spark = local_session(Settings(home, home / "landing", REPO / "src" / "conf"), LocalSettings(shuffle_partitions=4))  # fmt: skip # noqa: E501
    print(f"machine: {json.dumps(_machine())}")
    dedupe = _records(spark, args.data / "dataset1.csv", "a:")
    linkage = _records(spark, args.data / "dataset4a.csv", "a:").unionByName(
        _records(spark, args.data / "dataset4b.csv", "b:")
    )
    table = ["| data set | rules | records | true pairs | predicted | precision | recall | F1 | rounds needed | s |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip # noqa: E501
    for name, frames, is_linkage in (("dataset1 (dedupe)", dedupe, False), ("dataset4a+4b (linkage)", linkage, True)):  # fmt: skip # noqa: E501
        for label, fuzzy in (("exact", None), ("exact + fuzzy", FUZZY)):
            settings = MatchSettings(rules=EXACT, fuzzy=fuzzy, max_rounds=args.rounds)
            result = {"data": name, "rules": label, **evaluate(spark, frames, settings, is_linkage)}
            print(f"BENCH_RESULT {json.dumps(result)}", flush=True)
            table.append(
                f"| {name} | {label} | {result['records']:,} | {result['true_pairs']:,} | "
                f"{result['predicted_pairs']:,} | {result['precision']:.4f} | "
                f"{result['recall']:.4f} | {result['f1']:.4f} | {result['rounds_needed']} | "
                f"{result['seconds']} |"
            )
    print("\n".join(table))
    stop_session()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
