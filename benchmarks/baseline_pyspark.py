"""Hand-written PySpark: the product catalog pipeline without the framework.

    .venv/bin/python benchmarks/baseline_pyspark.py --landing LANDING --out OUT

What a data engineer would write by hand for the same job, on a classic local SparkSession
with the same Spark settings as the lakehouse's local session: read the CSV extracts as
strings (PERMISSIVE, corrupt record kept), add the ingestion metadata and a SHA-256 content
hash, write bronze; keep the newest file per file date, trim / blank -> null / try_cast,
route rows with a reason to quarantine, deduplicate the rest by content hash keeping the
newest delivery, write silver; filter the two gold tables. Tables are Delta folders (no
metastore; the same Delta jars and settings as the lakehouse's session), or Parquet with
``--table-format parquet``. Prints ``BENCH_RESULT {json}`` with the row count of every output.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

COLUMNS = ("brand", "category_id", "comment", "currency", "description", "image", "year_release")
INT_COLUMNS = ("category_id", "year_release")
REQUIRED = ("brand",)
CORRUPT = "_corrupt_record"
DELIVERY = ("_file_date", "_file_modified_at", "_source_file")
INGEST = (*DELIVERY, "_ingested_at", "_run_id", "_content_hash")
SEPARATOR, NULL = "\u001f", "\u0000"
PHASES: dict[str, float] = {}


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Record how long the block took, in seconds."""
    started = time.perf_counter()
    yield
    PHASES[name] = round(time.perf_counter() - started, 2)


def session(shuffle_partitions: int, driver_memory: str, table_format: str) -> SparkSession:
    """A classic local session with the lakehouse's local Spark settings."""
    from pipelines.local.spark import delta_confs

    delta = delta_confs() if table_format == "delta" else {}
    if table_format == "delta" and not delta:
        raise SystemExit("no Delta jars: run `lakehouse jars` or pass --table-format parquet")
    confs = {
        **delta,
        "spark.driver.memory": driver_memory,
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
    }
    builder = SparkSession.builder.master("local[*]").appName("baseline-pyspark")
    for key, value in confs.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def read_raw(spark: SparkSession, landing: Path) -> DataFrame:
    """Every CSV row as strings; lines the parser cannot split kept in ``_corrupt_record``."""
    schema = StructType([StructField(name, StringType()) for name in (*COLUMNS, CORRUPT)])
    options = {"header": "true", "escape": '"', "mode": "PERMISSIVE"}
    raw = (
        spark.read.options(**options, columnNameOfCorruptRecord=CORRUPT)
        .schema(schema)
        .csv(str(landing / "product_catalog" / "*.csv"))
    )
    return raw.select(
        "*",
        F.col("_metadata.file_path").alias("_source_file"),
        F.col("_metadata.file_modification_time").alias("_file_modified_at"),
    )


def with_ingest_metadata(raw: DataFrame, run_id: str) -> DataFrame:
    """File date from the name, ingest time, run id and the content hash of the raw values."""
    name = F.regexp_extract("_source_file", r"[^/]*$", 0)
    text = F.regexp_extract(name, r"_(\d{8})\.csv$", 1)
    parts = [F.coalesce(F.col(c), F.lit(NULL)) for c in (*COLUMNS, CORRUPT)]
    return raw.withColumns(
        {
            "_file_date": F.when(text != "", F.try_to_timestamp(text, F.lit("yyyyMMdd"))),
            "_ingested_at": F.current_timestamp(),
            "_run_id": F.lit(run_id),
            "_content_hash": F.sha2(F.concat_ws(SEPARATOR, *parts), 256),
        }
    ).withColumn("_file_date", F.col("_file_date").cast("date"))


def newest_file_per_date(df: DataFrame) -> DataFrame:
    """Rows of the newest delivery of each file date (rows without a date all kept)."""
    this = F.struct("_file_modified_at", "_source_file")
    marked = df.withColumn("_newest", F.max(this).over(Window.partitionBy("_file_date")))
    return marked.where(F.col("_file_date").isNull() | (this == F.col("_newest")))


def _cleaned(name: str) -> Column:
    value = F.trim(F.col(name))
    return F.when(value != "", value)


def _typed(name: str) -> Column:
    return F.col(f"{name}__typed")


def checked(df: DataFrame) -> DataFrame:
    """Typed columns ``<name>__typed`` plus ``_reasons``: every check the row fails."""
    typed = {
        f"{c}__typed": _cleaned(c).try_cast("int") if c in INT_COLUMNS else _cleaned(c)
        for c in COLUMNS
    }
    year = F.col("year_release__typed")
    plausible = F.coalesce(year.isNull() | year.between(1900, 2100), F.lit(False))
    checks = [
        (F.col(CORRUPT).isNotNull(), "unparseable_row"),
        *[(_cleaned(c).isNotNull() & _typed(c).isNull(), f"cast:{c}") for c in INT_COLUMNS],
        *[(_typed(c).isNull(), f"not_null:{c}") for c in REQUIRED],
        (~plausible, "rule:year_release_plausible"),
    ]
    reasons = F.array_compact(F.array(*[F.when(cond, F.lit(label)) for cond, label in checks]))
    return df.withColumns(typed).withColumn("_reasons", reasons)


def silver(rows: DataFrame) -> DataFrame:
    """Valid rows, typed, one per content hash (the newest delivery wins)."""
    order = [F.col(c).desc_nulls_last() for c in DELIVERY]
    rank = F.row_number().over(Window.partitionBy("_content_hash").orderBy(*order))
    valid = rows.where(F.size("_reasons") == 0).withColumn("_rank", rank).where("_rank = 1")
    return valid.select(*[F.col(f"{c}__typed").alias(c) for c in COLUMNS], *INGEST)


def quarantine(rows: DataFrame) -> DataFrame:
    """Rows with at least one reason, raw values as delivered."""
    return rows.where(F.size("_reasons") > 0).select("_reasons", *COLUMNS, CORRUPT, *INGEST)


GOLD: dict[str, Callable[[DataFrame], DataFrame]] = {
    "team_a": lambda s: s.where("image IS NOT NULL").select(*COLUMNS),
    "team_b": lambda s: s.where(
        "brand = 'Samsung' AND year_release > 2000 AND image IS NULL"
    ).select(*[c for c in COLUMNS if c != "image"]),
}


def run(spark: SparkSession, landing: Path, out: Path, fmt: str = "delta") -> dict[str, int]:
    """The whole pipeline; returns the row count of every table written."""
    tables = {name: str(out / name) for name in ("bronze", "silver", "quarantine", *GOLD)}

    def read(name: str) -> DataFrame:
        return spark.read.format(fmt).load(tables[name])

    with phase("bronze"):
        bronze = with_ingest_metadata(read_raw(spark, landing), uuid.uuid4().hex)
        bronze.write.format(fmt).mode("overwrite").partitionBy("_file_date").save(tables["bronze"])
    rows = checked(newest_file_per_date(read("bronze")))
    with phase("silver"):
        silver(rows).write.format(fmt).mode("overwrite").save(tables["silver"])
    with phase("quarantine"):
        quarantine(rows).write.format(fmt).mode("overwrite").save(tables["quarantine"])
    with phase("gold"):
        for name, query in GOLD.items():
            query(read("silver")).write.format(fmt).mode("overwrite").save(tables[name])
    with phase("count"):
        return {name: read(name).count() for name in tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True, help="landing root")
    parser.add_argument("--out", type=Path, required=True, help="folder for the tables")
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--table-format", choices=("delta", "parquet"), default="delta")
    args = parser.parse_args()
    with phase("session"):
        spark = session(args.shuffle_partitions, args.driver_memory, args.table_format)
    counts = run(spark, args.landing, args.out, args.table_format)
    spark.stop()
    print("BENCH_RESULT " + json.dumps({"counts": counts, "phases": PHASES}), flush=True)


if __name__ == "__main__":
    main()
