"""Unity Catalog tags of a pipeline's tables from config: who owns each table (``owner``,
``domain``, ``layer``) and which columns hold personal data (``pii_class``, ``pii_mask``).

Tags cannot be declared with the table: a Lakeflow definition takes comments, constraints and
masks on its columns, no tags (the column properties of ``CREATE MATERIALIZED VIEW``/
``STREAMING TABLE`` in a pipeline). The supported way is ``ALTER MATERIALIZED VIEW`` /
``ALTER STREAMING TABLE ... [ALTER COLUMN c] SET TAGS`` once the table exists, by its owner
(the identity that runs the pipeline: ``APPLY TAG`` comes with ownership). So each daily job
ends with a ``tag_tables`` task (:func:`main`, ``src/pipelines/databricks/task_tag_tables.py``)
after its last refresh. Tags are not part of the definition, so an update does not undo them;
``SET TAGS`` replaces a tag's value, so the task is idempotent.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.errors import LakehouseError
from pipelines.sqltext import sql_literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["main", "tag_statements"]

_KIND = {
    "streaming_table": "STREAMING TABLE",
    "auto_cdc": "STREAMING TABLE",
    "materialized_view": "MATERIALIZED VIEW",
}


def _tags(pairs: Sequence[tuple[str, str]]) -> str:
    return f"SET TAGS ({', '.join(f'{sql_literal(k)} = {sql_literal(v)}' for k, v in pairs)})"


def _owners(config: LakehouseConfig) -> dict[str, tuple[str, str | None]]:
    """Logical name -> (owner, domain) of every dataset."""
    found: dict[str, tuple[str, str | None]] = {}
    for source in config.sources:
        for layer in ("bronze", "bronze_pii", "silver", "quarantine"):
            found[f"{layer}.{source.name}"] = (source.owner, source.domain)
    for entity in config.entities:
        for name in (entity.name, entity.xref):
            found[f"silver.{name}"] = (entity.owner, entity.domain)
    for model in config.gold:
        found[f"gold.{model.name}"] = (model.owner, None)
    return found


def _pii_columns(config: LakehouseConfig) -> dict[str, list[tuple[str, str, str]]]:
    """Logical name -> (column, PII class, mask) of the columns holding personal data."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for source in config.sources:
        columns: list[tuple[str, str, str]] = [
            (c.name, c.pii.pii_class, c.pii.mask) for c in source.columns if c.pii
        ]
        for layer in ("bronze", "bronze_pii", "silver"):
            if columns:
                found[f"{layer}.{source.name}"] = columns
    for entity in config.entities:
        attributes: list[tuple[str, str, str]] = [
            (n, a.pii.pii_class, a.pii.mask) for n, a in entity.attributes.items() if a.pii
        ]
        if attributes:
            found[f"silver.{entity.name}"] = attributes
    return found


def tag_statements(config: LakehouseConfig, catalog: str, names: Sequence[str]) -> list[str]:
    """The ``SET TAGS`` statements of the tables ``names`` (logical) in ``catalog``."""
    from pipelines.graph import RunContext, build_graph

    kinds = {s.name: s.kind for s in build_graph(config, RunContext("tags", "", "databricks"))}
    owners, pii = _owners(config), _pii_columns(config)
    statements = []
    for name in names:
        layer = name.split(".")[0]
        owner, domain = owners[name]
        table = f"ALTER {_KIND[kinds[name]]} `{catalog}`.{name}"
        pairs = [("owner", owner), ("layer", layer), *([("domain", domain)] if domain else [])]
        statements.append(f"{table} {_tags(pairs)}")
        statements += [
            f"{table} ALTER COLUMN `{column}` {_tags([('pii_class', kind), ('pii_mask', mask)])}"
            for column, kind, mask in pii.get(name, [])
        ]
    return statements


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    """The ``tag_tables`` job task: ``--conf C --catalog K --pipeline P``."""
    from pipelines.config import load_config
    from pipelines.deploy.layout import plan_pipelines

    parser = argparse.ArgumentParser(prog="tag_tables")
    parser.add_argument("--src", help="synced src/ folder (put on sys.path by the entry point)")
    parser.add_argument("--conf", required=True, help="the synced src/conf folder")
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--pipeline", required=True, help="the pipeline whose tables to tag")
    args = parser.parse_args(argv)
    config = load_config(Path(args.conf))
    plans = {plan.key: plan for plan in plan_pipelines(config)}
    if args.pipeline not in plans:
        raise LakehouseError(f"--pipeline: no pipeline {args.pipeline!r} in {args.conf}")
    if spark is None:
        from pyspark.sql import SparkSession as Session

        spark = Session.builder.getOrCreate()
    statements = tag_statements(config, args.catalog, plans[args.pipeline].datasets)
    for statement in statements:
        spark.sql(statement)
    print(f"tag_tables: {len(statements)} statement(s) for pipeline {args.pipeline}")
    return 0
