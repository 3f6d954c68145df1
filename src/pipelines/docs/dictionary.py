"""What the data dictionary says about each dataset, derived from the config alone (no Spark)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config.entity import EntityConfig, SourcePriority, rule_name
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import Column, GoldModel, SourceConfig
from pipelines.contracts import Contract, contracts
from pipelines.docs.gold_columns import GoldColumn, gold_columns
from pipelines.layers.tables import METADATA_COMMENTS, READER_COLUMN_COMMENTS
from pipelines.sources import (
    corrupt_columns,
    extra_bronze_columns,
    raw_json_columns,
    read_once,
)
from pipelines.sources.file_options import CORRUPT_COLUMN, RESCUED_COLUMN
from pipelines.sources.types.rest import RECORD_COLUMN

__all__ = ["ColumnDoc", "DatasetDoc", "dictionary", "lineage_edges"]

_REDACTED_JSON = " (keys only, values [REDACTED]: the values are in bronze_pii)"
_HASHED = " (its HMAC: the text is in bronze_pii)"


@dataclass(frozen=True)
class ColumnDoc:
    """One column as the dictionary shows it."""

    name: str
    type: str
    nullable: bool = True
    description: str = ""
    pii: str = ""


@dataclass(frozen=True)
class DatasetDoc:
    """One dataset as the dictionary shows it."""

    name: str
    layer: str
    description: str
    owner: str
    columns: tuple[ColumnDoc, ...]
    inputs: tuple[str, ...] = ()
    domain: str = ""
    consumers: tuple[str, ...] = ()
    version: int = 1
    rules: tuple[str, ...] = ()
    sql: str = ""
    tags: tuple[str, ...] = ()


_METADATA = (
    ColumnDoc("_source_file", "string", description=METADATA_COMMENTS["_source_file"]),
    ColumnDoc("_file_date", "date", description=METADATA_COMMENTS["_file_date"]),
    ColumnDoc("_ingested_at", "timestamp", False, METADATA_COMMENTS["_ingested_at"]),
    ColumnDoc("_run_id", "string", False, METADATA_COMMENTS["_run_id"]),
    ColumnDoc("_content_hash", "string", False, METADATA_COMMENTS["_content_hash"]),
)
"""The ingestion metadata, described as the tables' column comments describe it."""


def dictionary(config: LakehouseConfig) -> tuple[DatasetDoc, ...]:
    """Every dataset of the config, sources first (bronze, PII, silver, quarantine), then
    entities, then gold."""
    docs: list[DatasetDoc] = []
    for source in config.sources:
        docs.extend(_source_docs(source))
    published = contracts(config)
    for entity in config.entities:
        docs.extend(_entity_docs(entity, config, published))
    # PII tags by layer.table.column, for the gold columns that carry them on
    tags = {f"{d.name}.{c.name}": c.pii for d in docs if d.layer == "silver" for c in d.columns}
    for model in config.gold:
        names = [c.name for c in published[f"gold.{model.name}"].columns]
        inferred = gold_columns(model, published, tags)
        docs.append(_gold_doc(model, names, inferred))
        tags |= {f"gold.{model.name}.{n}": c.pii for n, c in inferred.items()}
    return tuple(docs)


def lineage_edges(docs: tuple[DatasetDoc, ...]) -> tuple[tuple[str, str], ...]:
    """(upstream, downstream) pairs between the documented datasets."""
    known = {d.name for d in docs}
    return tuple((i, d.name) for d in docs for i in d.inputs if i in known)


def _pii(column: Column) -> str:
    tag = getattr(column, "pii", None)  # PII tags are optional on a column
    if tag is None:
        return ""
    kind = getattr(tag, "class_", None) or getattr(tag, "kind", None) or "pii"
    mask = getattr(tag, "mask", "")
    return f"{kind} ({mask})" if mask else str(kind)


def _reader_columns(source: SourceConfig) -> tuple[ColumnDoc, ...]:
    """What the source type's reader adds to bronze: unparseable and undeclared values, whole
    records, and columns of its own (Kafka's topic, partition, offset and key)."""
    hashed, redacted = (_HASHED, _REDACTED_JSON) if source.has_pii else ("", "")
    kept = {
        CORRUPT_COLUMN: READER_COLUMN_COMMENTS[CORRUPT_COLUMN] + hashed,
        RESCUED_COLUMN: READER_COLUMN_COMMENTS[RESCUED_COLUMN] + redacted,
        RECORD_COLUMN: READER_COLUMN_COMMENTS[RECORD_COLUMN] + redacted,
    }
    names = [*corrupt_columns(source), *raw_json_columns(source)]
    own = [
        ColumnDoc(c.name, c.type, description=c.description) for c in extra_bronze_columns(source)
    ]
    return (*(ColumnDoc(n, "string", description=kept[n]) for n in names), *own)


def _source_docs(source: SourceConfig) -> list[DatasetDoc]:
    name, bronze = source.name, f"bronze.{source.name}"
    pii = [c for c in source.columns if _pii(c)]
    raw = tuple(ColumnDoc(c.name, "string", True, c.description, _pii(c)) for c in source.columns)
    typed = tuple(
        ColumnDoc(c.name, c.type, c.nullable, c.description, _pii(c)) for c in source.columns
    )
    derived = tuple(ColumnDoc(n, "", True, f"= {e}") for n, e in source.silver.derive.items())
    reasons = ColumnDoc("_reasons", "array<string>", False, "every check the row failed")
    once = read_once(source)  # bronze masks what bronze_pii read
    layers = [
        (
            "bronze",
            f"Raw rows as delivered. {source.description}",
            raw + _reader_columns(source) + _METADATA,
            (f"bronze_pii.{name}",) if once else (),
        ),
        ("silver", source.description, typed + derived, (bronze,)),
        ("quarantine", "Rows that failed checks, with the reasons.", (reasons,), (bronze,)),
    ]
    if pii:
        # Read from the source beside bronze (not from bronze, which holds masked values); a
        # source read once is read by bronze_pii alone, which keeps every column for bronze.
        clear = "Clear PII values, readable by entitled groups only; join on _content_hash."
        whole = tuple(
            ColumnDoc(n, "string", description="raw, as delivered")
            for n in [*corrupt_columns(source), *raw_json_columns(source)]
        )
        kept = tuple(c for c in raw if c.pii or once)
        layers.insert(1, ("bronze_pii", clear, kept + whole, ()))
    return [
        DatasetDoc(
            f"{layer}.{name}", layer, description, source.owner, columns, inputs,
            domain=source.domain or "", tags=source.tags, version=source.version,
            rules=tuple(_rule_text(r) for r in source.rules if r.layer == layer),
        )
        for layer, description, columns, inputs in layers
    ]  # fmt: skip


def _survives(entity: EntityConfig, name: str) -> str:
    strategy = entity.attributes[name].survive
    if isinstance(strategy, SourcePriority):
        return f"first of {', '.join(strategy.source_priority)}"
    return strategy.replace("_", " ")


def _entity_docs(
    entity: EntityConfig, config: LakehouseConfig, published: dict[str, Contract]
) -> list[DatasetDoc]:
    by_name = {s.name: s for s in config.sources}
    inputs = tuple(f"silver.{s}" for s in entity.sources)
    inputs += tuple(
        f"bronze_pii.{s}" for s in entity.sources if s in by_name and by_name[s].has_pii
    )
    notes = {entity.key: "stable key: SHA-256 of the smallest member's source:id"}
    for name, attribute in entity.attributes.items():
        notes[name] = f"{attribute.description} (survives: {_survives(entity, name)})".strip()
    rules = [f"exact: {rule_name(r)}" for r in entity.match.rules]
    fuzzy = entity.match.fuzzy
    if fuzzy is not None:
        state = "" if fuzzy.enabled else " (off)"
        block = rule_name(fuzzy.block)
        rules.append(f"{fuzzy.name} >= {fuzzy.threshold} {fuzzy.similarity}, block {block}{state}")
    docs = []
    for table, description, reads in (
        (entity.xref, f"Source record -> {entity.key}, and the rule that matched it.", inputs),
        (entity.name, entity.description, (f"silver.{entity.xref}", *inputs)),
    ):
        contract = published[f"silver.{table}"]
        columns = tuple(
            ColumnDoc(
                c.name, c.type or "", c.nullable, notes.get(c.name, ""), _entity_pii(entity, c.name)
            )
            for c in contract.columns
        )
        docs.append(
            DatasetDoc(
                f"silver.{table}", "silver", description, entity.owner, columns, reads,
                domain=entity.domain or "", version=entity.version, rules=tuple(rules),
            )
        )  # fmt: skip
    return docs


def _entity_pii(entity: EntityConfig, name: str) -> str:
    attribute = entity.attributes.get(name)
    pii = attribute.pii if attribute else None
    return f"{pii.pii_class} ({pii.mask})" if pii else ""


def _rule_text(rule: object) -> str:
    name = getattr(rule, "name", "rule")
    expr = getattr(rule, "expr", "") or ""
    action = getattr(rule, "action", "")
    return f"{name}: {expr} ({action})" if expr else f"{name} ({action})"


def _gold_doc(model: GoldModel, names: list[str], inferred: dict[str, GoldColumn]) -> DatasetDoc:
    """The model's columns with the type and PII tag its SQL gives them (``gold_columns``)."""
    known = {n: inferred.get(n, GoldColumn()) for n in names}
    columns = tuple(
        ColumnDoc(n, c.type, True, model.columns.get(n, ""), c.pii) for n, c in known.items()
    )
    query = model.sql.strip() if model.sql else f"python: {model.python}"
    return DatasetDoc(
        f"gold.{model.name}", "gold", model.description, model.owner, columns, model.references,
        consumers=model.consumers, version=model.version, sql=query,
    )  # fmt: skip
