"""The daily job's ``extract`` task on Databricks: incremental JDBC sources' extracts.

Locally the runner extracts before the graph runs (``prepare_sources``). A Lakeflow pipeline
has no such step, and a query function may not run a query (see ``pipelines.sources.jdbc``),
so each daily job whose pipeline has incremental JDBC sources runs this task before its
``bronze`` task: the same ``extract_increment``, secrets from the secret scope, folders through
``dbutils.fs``, written into the extracts volume the pipeline reads
(``/Volumes/<catalog>/bronze_pii/jdbc_extracts/<source>/<job run id>/``: the landing location
is read-only). Entry point: ``src/pipelines/databricks/task_extract_jdbc.py``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config import load_config
from pipelines.errors import LakehouseError
from pipelines.platform import platform_for
from pipelines.sources.jdbc_extract import Folders, extract_increment, prune_extracts
from pipelines.sources.types.jdbc import extracted

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["main"]


def main(
    argv: Sequence[str] | None = None,
    spark: SparkSession | None = None,
    folders: Folders | None = None,
) -> int:
    """``task_extract_jdbc.py --conf C --extracts-root E --run-id R [--catalog K] --source S
    [--source S2]``.

    Raises:
        LakehouseError: A named source is not an incremental JDBC source of the config.
    """
    parser = argparse.ArgumentParser(prog="extract_jdbc")
    parser.add_argument("--src", help="synced src/ folder (put on sys.path by the entry point)")
    parser.add_argument("--conf", required=True, help="the synced src/conf folder")
    parser.add_argument(
        "--extracts-root", required=True, help="one folder per source (a volume on Databricks)"
    )
    parser.add_argument("--run-id", required=True, help="names the extract folder")
    parser.add_argument(
        "--catalog", help="of the bronze tables: extracts they ingested are deleted (raw PII)"
    )
    parser.add_argument("--source", action="append", required=True)
    parser.add_argument("--platform", default="databricks", choices=["databricks", "local"])
    args = parser.parse_args(argv)
    config = load_config(Path(args.conf))
    known = {s.name: s for s in config.sources}
    for name in args.source:
        source = known.get(name)
        if source is None or not extracted(source):
            raise LakehouseError(f"{name}: not an incremental JDBC source of {args.conf}")
    if spark is None:
        from pyspark.sql import SparkSession as Session

        spark = Session.builder.getOrCreate()
    platform = platform_for(args.platform)  # the command line names it: the adapter from here on
    if folders is None:  # prune_extracts too: the platform's folders, once
        folders = platform.extract_folders()
    for name in args.source:
        where, rows = extract_increment(
            spark, known[name], args.extracts_root, args.run_id,
            platform=platform, folders=folders,
        )  # fmt: skip
        print(f"extract {name}: {rows:,} row(s) {f'where {where}' if where else '(full)'}")
        bronze = ".".join([*([args.catalog] if args.catalog else []), "bronze", name])
        gone = prune_extracts(spark, known[name], args.extracts_root, bronze, folders)
        if gone:
            print(f"extract {name}: deleted {len(gone)} ingested extract(s) (raw PII)")
    return 0
