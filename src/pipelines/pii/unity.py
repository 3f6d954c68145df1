"""Unity Catalog objects for PII on Databricks: the mask functions, a decrypt function and the
revealing views, as SQL from config (tested by exact text), and the job task that creates them.

The masks themselves are part of the ``bronze_pii`` table definitions the pipeline registers
(``pipelines.layers.tables``: ``MASK bronze_pii.pii_redact`` in the schema), so a pipeline
update keeps them; they name these functions, which must exist before the pipeline update
defines the tables. The daily job of every pipeline with PII (and the backfill job) therefore
starts with a ``pii_functions`` task (``src/pipelines/databricks/task_pii_functions.py``,
:func:`main`) that creates them as the identity that runs the job and the pipeline. A bundle
task rather than Terraform: the Databricks provider has no resource for SQL functions (1.128.0:
only a ``databricks_functions`` data source), the bodies follow the config (the readers in
``access.yml``, the key scope in ``project.yml``) and deploy with it, and only the task knows
the identity the pipeline runs as in each target (a service principal, or in development mode
the developer), which is ``current_user()`` there.

- ``pii_redact(value)`` / ``pii_partial(value, keep_last)``: the value for the identity that
  runs the pipelines (entity matching reads ``bronze_pii`` and must see clear values, not
  ``[REDACTED]``) and for members of the groups that read ``bronze_pii`` (``pii_readers``);
  for anyone else (an owner, an admin) ``[REDACTED]`` or the partial mask: defence in depth
  on top of the grants.
- ``pii_decrypt(value)``: the clear text of an ``encrypt``-masked value (in bronze, silver or
  gold) for entitled readers, with the key from the secret scope.
- ``bronze_pii.<name>_revealed``: a dynamic view of ``bronze.<name>`` joined to its raw
  values on ``_content_hash``: clear values for entitled readers, bronze's masked ones for
  others. A view needs its tables: the task creates it once they exist (the first update).

``lakehouse pii-sql`` prints the same statements, for review or for an administrator.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.errors import LakehouseError
from pipelines.layers.bronze import pii_key_columns
from pipelines.layers.tables import MASK_PARTIAL, MASK_REDACT
from pipelines.sources import corrupt_columns, raw_json_columns
from pipelines.sqltext import sql_literal
from pipelines.transforms.metadata import INGEST_COLUMNS
from pipelines.transforms.pii import REDACTED

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["PiiStatement", "main", "pii_sql", "pii_statements", "readers"]

_CATALOG = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class PiiStatement:
    """One SQL statement: what it creates, and the tables that must exist first (a view's)."""

    name: str
    sql: str
    needs: tuple[str, ...] = ()


def readers(config: LakehouseConfig) -> tuple[str, ...]:
    """The groups entitled to clear values: those that read ``bronze_pii``."""
    return tuple(g.name for g in config.access.groups if "bronze_pii" in g.read)


def pii_statements(config: LakehouseConfig, catalog: str, runner: str) -> list[PiiStatement]:
    """Every statement for the PII sources of ``config`` in ``catalog``; ``runner`` is the
    identity the pipelines run as there (``current_user()`` of the job task).

    Raises:
        LakehouseError: ``catalog`` is not a plain identifier, or ``runner`` is empty.
    """
    if not _CATALOG.match(catalog):
        raise LakehouseError(f"catalog must be a plain identifier, got {catalog!r}")
    if not runner.strip():
        raise LakehouseError("the identity that runs the pipelines is empty")
    groups = " OR ".join(f"is_account_group_member('{g}')" for g in readers(config)) or "FALSE"
    masked_for = f"current_user() = {sql_literal(runner)} OR {groups}"
    redact, partial = (f"`{catalog}`.{name}" for name in (MASK_REDACT, MASK_PARTIAL))
    statements = [
        PiiStatement(
            redact,
            f"CREATE OR REPLACE FUNCTION {redact}(value STRING)\n"
            "  RETURNS STRING\n"
            f"  RETURN CASE WHEN {masked_for} THEN value WHEN value IS NULL THEN NULL"
            f" ELSE '{REDACTED}' END",
        ),
        PiiStatement(
            partial,
            f"CREATE OR REPLACE FUNCTION {partial}(value STRING, keep_last INT)\n"
            "  RETURNS STRING\n"
            f"  RETURN CASE WHEN {masked_for} THEN value\n"
            "    WHEN length(value) > keep_last"
            " THEN concat(repeat('*', length(value) - keep_last), right(value, keep_last))\n"
            "    ELSE repeat('*', length(value)) END",
        ),
    ]
    sources = [s for s in config.sources if s.has_pii]
    encryption = config.project.pii.encryption_key
    if encryption is not None and any(_masks(s, "encrypt") for s in sources):
        key = f"unbase64(secret('{encryption.scope}', '{encryption.key}'))"
        decrypt = f"`{catalog}`.bronze_pii.pii_decrypt"
        statements.append(
            PiiStatement(
                decrypt,
                f"CREATE OR REPLACE FUNCTION {decrypt}(value STRING)\n"
                "  RETURNS STRING\n"
                f"  RETURN CASE WHEN {groups}\n"
                f"    THEN CAST(try_aes_decrypt(unbase64(value), {key}, 'GCM') AS STRING)\n"
                "    ELSE value END",
            )
        )
    statements += [_revealed_view(source, catalog, groups) for source in sources]
    return statements


def pii_sql(config: LakehouseConfig, catalog: str, runner: str) -> str:
    """The statements of :func:`pii_statements` as one script."""
    groups = readers(config)
    lines = [
        f"-- Generated by `lakehouse pii-sql --catalog {catalog}` from src/conf: do not edit.",
        f"-- Clear PII values only for {runner} (runs the pipelines) and members of: "
        f"{', '.join(groups) or '(no group)'} (the groups that read bronze_pii in access.yml).",
        "-- The daily jobs' pii_functions task runs these; the bronze_pii tables declare their",
        "-- column masks themselves (pipelines.layers.tables).",
    ]
    for statement in pii_statements(config, catalog, runner):
        lines += ["", statement.sql + ";"]
    return "\n".join(lines) + "\n"


def _masks(source: SourceConfig, mask: str) -> list[str]:
    return [c.name for c in source.columns if c.pii and c.pii.mask == mask]


def _revealed_view(source: SourceConfig, catalog: str, entitled: str) -> PiiStatement:
    raw = [c for c in pii_key_columns(source) if c not in INGEST_COLUMNS]
    selected: Sequence[str] = [
        *(c.name for c in source.columns), *corrupt_columns(source), *raw_json_columns(source),
        *INGEST_COLUMNS,
    ]  # fmt: skip
    items = [
        f"CASE WHEN {entitled} THEN p.{c} ELSE b.{c} END AS {c}" if c in raw else f"b.{c}"
        for c in selected
    ]
    bronze, pii = (f"`{catalog}`.{schema}.{source.name}" for schema in ("bronze", "bronze_pii"))
    view = f"`{catalog}`.bronze_pii.{source.name}_revealed"
    lines = [
        f"CREATE OR REPLACE VIEW {view}",
        f"  COMMENT 'bronze.{source.name} with clear PII for entitled readers, masked for others'",
        "AS SELECT",
        *(f"  {item}," for item in items[:-1]),
        f"  {items[-1]}",
        f"FROM {bronze} AS b",
        f"LEFT JOIN (SELECT DISTINCT _content_hash, {', '.join(raw)} FROM {pii}) AS p",
        "  ON b._content_hash = p._content_hash",
    ]
    return PiiStatement(view, "\n".join(lines), (bronze, pii))


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    """The ``pii_functions`` job task: ``--conf C --catalog K``; creates the functions, and
    each revealing view whose tables exist, as the identity that runs the job."""
    from pipelines.config import load_config

    parser = argparse.ArgumentParser(prog="pii_functions")
    parser.add_argument("--src", help="synced src/ folder (put on sys.path by the entry point)")
    parser.add_argument("--conf", required=True, help="the synced src/conf folder")
    parser.add_argument("--catalog", required=True)
    args = parser.parse_args(argv)
    config = load_config(Path(args.conf))
    if spark is None:
        from pyspark.sql import SparkSession as Session

        spark = Session.builder.getOrCreate()
    runner = str(spark.sql("SELECT current_user()").collect()[0][0])
    for statement in pii_statements(config, args.catalog, runner):
        missing = [t for t in statement.needs if not spark.catalog.tableExists(t)]
        if missing:  # a view before the first update: the next run creates it
            print(f"pii_functions: {statement.name}: not yet, {', '.join(missing)} missing")
            continue
        spark.sql(statement.sql)
        print(f"pii_functions: {statement.name}: created (clear values for {runner})")
    return 0
