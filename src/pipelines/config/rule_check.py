"""Load-time checks of quality rules, derived columns and CDC conditions: columns exist, SQL is
well formed, foreign keys point at a declared column of another source. No Spark."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from pydantic import BaseModel

from pipelines.config.model import SourceConfig
from pipelines.config.quality import RuleConfig
from pipelines.config.sqlast import check_expression
from pipelines.config.sqlcheck import SqlSyntaxError, referenced_columns
from pipelines.config.suggest import did_you_mean
from pipelines.config.tables import INGEST_COLUMNS
from pipelines.config.yamlpos import KeyPath

__all__ = ["METADATA_COLUMNS", "check_rules"]

Report = Callable[[BaseModel, KeyPath, str], None]

METADATA_COLUMNS = (*INGEST_COLUMNS, "_corrupt_record")
"""Columns every bronze row carries besides the declared ones (``INGEST_COLUMNS``, defined
with the config so config checks never import Spark, and the corrupt record)."""


def check_rules(report: Report, sources: Sequence[SourceConfig], failed: Collection[str]) -> None:
    """Report every unknown column, malformed expression and dangling foreign key."""
    by_name = {s.name: s for s in sources}
    for source in sources:
        names = [c.name for c in source.columns]
        for name, expression in source.silver.derive.items():  # each sees the ones before it
            where_derive: KeyPath = ("silver", "derive", name)
            _check_sql(report, source, where_derive, expression, [*names, *METADATA_COLUMNS])
            names.append(name)
        known = [*names, *METADATA_COLUMNS]
        for index, rule in enumerate(source.quality):
            where: KeyPath = ("quality", index)
            if rule.expr is not None:
                _check_sql(report, source, (*where, "expr"), rule.expr, known)
                continue
            for key_path, column in _shortcut_columns(rule, where):
                if column not in known:
                    hint = did_you_mean(column, known)
                    report(source, key_path, f"unknown column '{column}'{hint}")
            if rule.foreign_key is not None:
                _check_reference(report, source, rule, (*where, "foreign_key"), by_name, failed)
        cdc = source.silver.cdc
        if cdc is not None and cdc.delete_when:
            _check_sql(report, source, ("silver", "cdc", "delete_when"), cdc.delete_when, known)


def _check_sql(
    report: Report, source: SourceConfig, key_path: KeyPath, sql: str, known: Sequence[str]
) -> None:
    try:
        columns = referenced_columns(sql)
    except SqlSyntaxError as exc:
        report(source, key_path, f"invalid SQL: {exc}")
        return
    parse_problems = check_expression(sql)  # the grammar, and what config SQL may not do
    for message in parse_problems:
        report(source, key_path, message)
    if parse_problems:
        return
    lowered = {k.lower() for k in known}
    for name, _position in columns:
        if name.lower() not in lowered:
            report(source, key_path, f"unknown column '{name}'{did_you_mean(name, known)}")


def _shortcut_columns(rule: RuleConfig, where: KeyPath) -> list[tuple[KeyPath, str]]:
    kind = rule.kind
    listed = rule.not_null or rule.unique
    if listed is not None:
        return [((*where, kind, position), column) for position, column in enumerate(listed)]
    shortcut = getattr(rule, kind)
    return [((*where, kind, "column"), shortcut.column)]


def _check_reference(
    report: Report,
    source: SourceConfig,
    rule: RuleConfig,
    where: KeyPath,
    by_name: dict[str, SourceConfig],
    failed: Collection[str],
) -> None:
    assert rule.foreign_key is not None
    table, key = rule.foreign_key.table, rule.foreign_key.key
    target_name = table.split(".", 1)[1]
    key_path = (*where, "references")
    if target_name == source.name:
        report(source, key_path, "a dataset cannot reference itself")
        return
    target = by_name.get(target_name)
    if target is None:
        if target_name not in failed:
            hint = did_you_mean(table, [f"silver.{n}" for n in by_name])
            report(source, key_path, f"unknown dataset '{table}'{hint}")
        return
    stored = [c.name for c in target.columns] + list(target.silver.derive)
    if target.silver.cdc is not None:
        stored = target.silver.cdc.stored_columns(stored)
    if key not in stored:
        report(source, key_path, f"'{table}' has no column '{key}'{did_you_mean(key, stored)}")
