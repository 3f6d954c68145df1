"""Load-time checks of entity configs against the sources they read (no Spark).

Each input is a declared source; its ``id`` and every column an ``updated`` or attribute
expression names exist in the source's silver table; an attribute fed by a PII column declares
``pii`` (or the raw value would be published unmasked); the owner is a group.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from pydantic import BaseModel

from pipelines.config.entity import EntityConfig
from pipelines.config.model import SourceConfig
from pipelines.config.rule_check import METADATA_COLUMNS
from pipelines.config.sqlast import check_expression, expression_names
from pipelines.config.sqlcheck import SqlSyntaxError, referenced_columns
from pipelines.config.suggest import did_you_mean
from pipelines.config.yamlpos import KeyPath

__all__ = ["check_entities", "silver_columns"]

Report = Callable[[BaseModel, KeyPath, str], None]


def silver_columns(source: SourceConfig) -> list[str]:
    """Columns of ``silver.<source>`` an entity may read: declared, derived, lineage."""
    return [c.name for c in source.columns] + list(source.silver.derive) + list(METADATA_COLUMNS)


def check_entities(
    report: Report,
    entities: Sequence[EntityConfig],
    sources: Sequence[SourceConfig],
    failed: Collection[str],
) -> None:
    """Report every unknown source or column and every unmasked PII attribute."""
    by_name = {s.name: s for s in sources}
    for entity in entities:
        unmasked: set[str] = set()  # attributes reported already (one message each)
        for index, entry in enumerate(entity.inputs):
            source = by_name.get(entry.source)
            if source is None:
                if entry.source not in failed:
                    hint = did_you_mean(entry.source, by_name)
                    report(
                        entity,
                        ("inputs", index, "source"),
                        f"unknown source '{entry.source}'{hint}",
                    )
                continue
            _check_input(report, entity, index, source, unmasked)


def _check_input(
    report: Report, entity: EntityConfig, index: int, source: SourceConfig, unmasked: set[str]
) -> None:
    entry = entity.inputs[index]
    known = silver_columns(source)
    where: KeyPath = ("inputs", index)
    if entry.id not in known:
        report(
            entity,
            (*where, "id"),
            f"'{source.name}' has no column '{entry.id}'{did_you_mean(entry.id, known)}",
        )
    pii = {c.name: c.pii for c in source.columns if c.pii}
    if entry.id in pii:
        # the id is published as silver.<entity>_xref.source_id, unmasked
        report(
            entity,
            (*where, "id"),
            f"'{source.name}.{entry.id}' is a PII column: an id is published unmasked in "
            f"silver.{entity.xref}.source_id; use a non-personal key",
        )
    _columns(report, entity, (*where, "updated"), entry.updated, source.name, known)
    for name, expression in entry.attributes.items():
        key_path = (*where, "attributes", name)
        used = _columns(report, entity, key_path, expression, source.name, known)
        personal = [c for c in used if c in pii]
        if personal and entity.attributes[name].pii is None and name not in unmasked:
            unmasked.add(name)
            report(
                entity,
                ("attributes", name),
                f"is fed by PII column {source.name}.{personal[0]}: declare pii (how "
                f"silver.{entity.name} masks it), e.g. pii: {{class: "
                f"{pii[personal[0]].pii_class}, mask: token}}",
            )


def _columns(
    report: Report,
    entity: EntityConfig,
    key_path: KeyPath,
    sql: str,
    source: str,
    known: Sequence[str],
) -> list[str]:
    try:
        columns = [name for name, _position in referenced_columns(sql)]
    except SqlSyntaxError as exc:
        report(entity, key_path, f"invalid SQL: {exc}")
        return []
    parse_problems = check_expression(sql)
    for message in parse_problems:
        report(entity, key_path, message)
    if parse_problems:
        return []
    parsed, variables = expression_names(sql)
    # the grammar knows `first` and `last` are columns where the word list saw keywords
    columns += [name for name in parsed if name not in columns]
    for name in variables:
        if name.lower() in {k.lower() for k in known}:
            # the word list skips a lambda variable's name everywhere in the expression, so a
            # real use of the column (PII) beside the lambda would go unseen: refuse the clash
            report(
                entity,
                key_path,
                f"lambda variable '{name}' shadows column '{source}.{name}': rename it",
            )
    for name in columns:
        if name not in known:
            report(
                entity, key_path, f"'{source}' has no column '{name}'{did_you_mean(name, known)}"
            )
    return columns
