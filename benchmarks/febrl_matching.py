"""Entity matching on the febrl ground truth: pair-level precision, recall and F1.

    .venv/bin/python benchmarks/febrl_matching.py [--data ../shared/data/febrl]

Runs the pure ``pipelines.transforms.match.match`` with the match settings of the shipped
customer entity (``src/conf/entities/customers.yml``: rules, normalisers, fuzzy rule,
``max_rounds``) renamed onto febrl's columns, on

* ``dataset1`` (deduplication: 500 originals and 500 duplicates in one file), and
* ``dataset4a`` + ``dataset4b`` (linkage: 5,000 originals, 5,000 duplicates in another file;
  only pairs across the two files count),

with the exact rules only, with the shipped fuzzy rule switched on, and with a fuzzy rule
blocked on the postcode instead (not shipped). Febrl has no e-mail or phone: rules naming
``email`` are left out, and ``phone`` becomes ``soc_sec_id`` (an identifier the person gives,
like a phone number). Values are standardised the way the customer sources declare them:
trimmed (febrl puts a space before every value but the first), dates read with ``yyyyMMdd``
(``19371233`` and other impossible dates become NULL, so they match nothing).

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

from pipelines.config import load_config
from pipelines.config.entity import FuzzyRule, MatchSettings, Normaliser
from pipelines.config.model import LocalSettings
from pipelines.local.settings import Settings
from pipelines.local.spark import local_session, stop_session
from pipelines.transforms.match import match, rounds_needed
from pipelines.transforms.standardise import iso_date, trim

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

REPO = Path(__file__).resolve().parents[1]
RENAMED = {"phone": "soc_sec_id"}
"""Shipped attribute -> febrl column; attributes febrl lacks (email) drop the rules using them."""
FEBRL = ("given_name", "surname", "date_of_birth", "soc_sec_id", "postcode")


def shipped(conf: Path) -> tuple[MatchSettings, dict[str, Normaliser]]:
    """The customer entity's match settings and normalisers, renamed onto febrl's columns;
    the fuzzy rule switched on (the benchmark measures it with and without)."""
    entity = next(e for e in load_config(conf).entities if e.name == "customers")

    def febrl(names: tuple[str, ...]) -> tuple[str, ...] | None:
        renamed = tuple(RENAMED.get(n, n) for n in names)
        return renamed if all(n in FEBRL for n in renamed) else None

    rules = tuple(r for r in (febrl(rule) for rule in entity.match.rules) if r)
    fuzzy = entity.match.fuzzy
    assert fuzzy is not None
    block, compare = febrl(fuzzy.block), febrl(fuzzy.compare)
    assert block is not None
    assert compare is not None
    on = fuzzy.model_copy(update={"enabled": True, "block": block, "compare": compare})
    settings = entity.match.model_copy(update={"rules": rules, "fuzzy": on})
    normalisers = {RENAMED.get(n, n): a.match for n, a in entity.attributes.items()}
    return settings, normalisers


def variants(settings: MatchSettings) -> list[tuple[str, MatchSettings]]:
    """Exact only; the shipped fuzzy rule on; a fuzzy rule blocked on the postcode instead."""
    fuzzy = settings.fuzzy
    assert fuzzy is not None
    by_postcode = FuzzyRule(
        enabled=True, block=("postcode",), compare=("given_name", "surname", "date_of_birth"),
        similarity=fuzzy.similarity, threshold=fuzzy.threshold,
    )  # fmt: skip
    postcode = settings.model_copy(update={"fuzzy": by_postcode})
    return [
        ("exact", settings.model_copy(update={"fuzzy": None})),
        (f"exact + fuzzy (block {'+'.join(fuzzy.block)})", settings),
        ("exact + fuzzy (block postcode; not shipped)", postcode),
    ]


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
    frames: DataFrame, settings: MatchSettings, normalisers: dict[str, Normaliser], linkage: bool
) -> dict[str, object]:
    """Match, then compare predicted with true pairs."""
    started = time.perf_counter()
    rows = match(frames, settings, normalisers).select("_record_id", "_cluster").collect()
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
        "rounds_needed": rounds_needed(frames, settings, normalisers),
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
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="febrl-bench-"))
    spark = local_session(Settings(home, home / "landing", REPO / "src" / "conf"), LocalSettings(shuffle_partitions=4))  # fmt: skip # noqa: E501
    settings, normalisers = shipped(REPO / "src" / "conf")
    print(f"machine: {json.dumps(_machine())}")
    print(f"rules: {[list(r) for r in settings.rules]}, max_rounds: {settings.max_rounds}")
    dedupe = _records(spark, args.data / "dataset1.csv", "a:")
    linkage = _records(spark, args.data / "dataset4a.csv", "a:").unionByName(
        _records(spark, args.data / "dataset4b.csv", "b:")
    )
    table = ["| data set | rules | records | true pairs | predicted | precision | recall | F1 | rounds needed | s |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip # noqa: E501
    for name, frames, is_linkage in (("dataset1 (dedupe)", dedupe, False), ("dataset4a+4b (linkage)", linkage, True)):  # fmt: skip # noqa: E501
        for label, variant in variants(settings):
            measured = evaluate(frames, variant, normalisers, is_linkage)
            result = {"data": name, "rules": label, **measured}
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
