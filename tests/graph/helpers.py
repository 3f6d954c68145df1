"""Running the real graph in tests: a fresh landing per scenario, one shared session."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.local.runner import RunResult, run_pipeline

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def run(
    spark: SparkSession,
    config: LakehouseConfig,
    landing: Path,
    home: Path,
    *,
    full_refresh: bool = False,
    echo: Callable[[str], None] = lambda _line: None,
) -> RunResult:
    """Run the whole graph over ``landing`` with checkpoints under ``home``."""
    return run_pipeline(
        config,
        spark,
        landing_root=landing.as_uri(),
        storage_root=(home / "pipeline_storage").as_uri(),
        full_refresh=full_refresh,
        echo=echo,
    )


def scalar(spark: SparkSession, query: str) -> object:
    """The single value a query returns."""
    return spark.sql(query).collect()[0][0]


OUTSIDE_PII = ("bronze", "silver", "quarantine", "gold", "ops")
_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")


def tables_outside_pii(spark: SparkSession) -> list[str]:
    """Every stored table of every schema but ``bronze_pii`` (other tests' tables included)."""
    return [
        f"{schema}.{row.tableName}"
        for schema in OUTSIDE_PII
        for row in spark.sql(f"SHOW TABLES IN {schema}").collect()
        if not row.isTemporary  # other tests' session views are listed in every schema
    ]


def _cells(value: object) -> list[str]:
    """Every string inside a JSON value (struct fields and arrays included), and inside a
    string that is itself a JSON object or array (``_rescued_data``, REST's ``_record``)."""
    if isinstance(value, str):
        if value.startswith(("{", "[")):
            try:
                return [value, *_cells(json.loads(value))]
            except ValueError:
                pass
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _cells(v)]
    if isinstance(value, list):
        return [s for v in value for s in _cells(v)]
    return []


def _found(cells: set[str], text: str, raw: frozenset[str]) -> list[str]:
    forms = raw | {v.strip() for v in raw} | {v.strip().lower() for v in raw}
    exact = sorted(forms & cells)
    embedded = sorted(v for v in forms if len(v) >= 8 and _BASE64.search(v) and v in text)
    return exact + embedded


def pii_leaks(spark: SparkSession, table: str, raw: frozenset[str]) -> list[str]:
    """The raw values (as given, trimmed, or lower-cased) found in ``table``: equal to a cell,
    or inside a longer value (values of 8+ characters with a character outside base64, so a
    run of digits inside a base64 image cannot count)."""
    lines = [r[0] for r in spark.sql(f"SELECT to_json(struct(*)) FROM {table}").collect()]
    cells = {c.strip() for line in lines for c in _cells(json.loads(line))}
    return _found(cells, "\n".join(lines), raw)


def text_leaks(text: str, raw: frozenset[str]) -> list[str]:
    """The raw values found in a text (a report, a page, alert payloads): as a whole word
    for any value, inside a longer string for values as ``pii_leaks`` says."""
    words = set(re.findall(r"[\w.@+'-]+", text))
    return _found(words, text, raw)
