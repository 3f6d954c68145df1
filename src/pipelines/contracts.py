"""Schema contracts of the published datasets (silver and gold) and how two versions differ.

A contract is what consumers rely on: the dataset's columns with their types and nullability.
Silver contracts come from the source's declared columns; gold contracts from the output
columns of the model's SQL (types are the engine's business there, so only names count).
A breaking change (a dataset or column removed, a column retyped, a column made nullable) is
allowed only together with a bump of the dataset's ``version``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pipelines.config.entity import EntityConfig
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import GoldModel, SourceConfig
from pipelines.config.sqlast import query_tables, query_tree
from pipelines.config.suggest import did_you_mean
from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from sqlglot import exp

__all__ = [
    "SILVER_LINEAGE",
    "Change",
    "Contract",
    "ContractColumn",
    "blocking_changes",
    "contracts",
    "diff",
    "sql_schema",
    "unknown_gold_columns",
]

SILVER_LINEAGE = {
    "_source_file": "string", "_file_modified_at": "timestamp", "_file_date": "date",
    "_ingested_at": "timestamp", "_run_id": "string", "_content_hash": "string",
    "_record_hash": "string", "_warnings": "array<string>", "_rescued_data": "string",
    "__START_AT": "timestamp", "__END_AT": "timestamp",
}  # fmt: skip
"""Columns a silver table may have besides its contract (gold SQL may read them): the
ingestion metadata, the warnings, the row hash of a keyless dedupe, rescued data and SCD2's
versions (``pipelines.layers.silver``)."""


@dataclass(frozen=True)
class ContractColumn:
    """One column consumers may rely on; ``type`` None means "whatever the SQL yields"."""

    name: str
    type: str | None = None
    nullable: bool = True


@dataclass(frozen=True)
class Contract:
    """The published shape of one dataset."""

    dataset: str
    version: int
    file: str
    columns: tuple[ContractColumn, ...]


ChangeKind = Literal[
    "dataset_added",
    "dataset_removed",
    "column_added",
    "column_removed",
    "column_retyped",
    "column_nullable",
    "column_not_null",
]
_BREAKING: frozenset[ChangeKind] = frozenset(
    {"dataset_removed", "column_removed", "column_retyped", "column_nullable"}
)


@dataclass(frozen=True)
class Change:
    """A difference between the base and the head contract of one dataset."""

    dataset: str
    kind: ChangeKind
    detail: str

    @property
    def breaking(self) -> bool:
        """Whether consumers can break: something they read is gone or changed."""
        return self.kind in _BREAKING


def contracts(config: LakehouseConfig) -> dict[str, Contract]:
    """The contract of every silver and gold dataset, by logical name."""
    found = {f"silver.{s.name}": _silver(s, config) for s in config.sources}
    for entity in config.entities:
        found |= _entity(entity)
    found |= {f"gold.{g.name}": _gold(g, config) for g in config.gold}
    return found


def _silver(source: SourceConfig, config: LakehouseConfig) -> Contract:
    columns = tuple(ContractColumn(c.name, c.type, c.nullable) for c in source.columns)
    columns += tuple(ContractColumn(name) for name in source.silver.derive)  # typed by the SQL
    file = f"sources/{source.name}.yml"
    return Contract(f"silver.{source.name}", source.version, file, columns)


ENTITY_LINEAGE = (
    ContractColumn("sources", "array<struct<source:string,source_id:string,rule:string>>", False),
    ContractColumn("source_records", "bigint", False),
    ContractColumn("first_seen_at", "timestamp"),
    ContractColumn("last_seen_at", "timestamp"),
)
XREF_COLUMNS = (
    ContractColumn("source", "string", False),
    ContractColumn("source_id", "string", False),
    ContractColumn("match_rule", "string"),
    ContractColumn("updated_at", "timestamp"),
)


def _entity(entity: EntityConfig) -> dict[str, Contract]:
    """``silver.<name>``: key, attributes (strings: standardised, PII masked), lineage;
    ``silver.<name>_xref``: the source record, its key and the rule that matched it."""
    file = f"entities/{entity.name}.yml"
    key = ContractColumn(entity.key, "string", False)
    attributes = tuple(ContractColumn(name, "string") for name in entity.attributes)
    main = Contract(
        f"silver.{entity.name}", entity.version, file, (key, *attributes, *ENTITY_LINEAGE)
    )
    xref = Contract(
        f"silver.{entity.xref}", entity.version, file, (*XREF_COLUMNS[:2], key, *XREF_COLUMNS[2:])
    )
    return {main.dataset: main, xref.dataset: xref}


def _gold(model: GoldModel, config: LakehouseConfig) -> Contract:
    file = f"gold/{model.name}.yml"
    names = _select_names(model.sql, file) if model.sql is not None else ["*"]
    if "*" in names:
        # The SQL selects whatever its inputs hold (or a Python model: no SQL to read), so the
        # declared columns are the contract.
        names = list(model.columns)
    return Contract(f"gold.{model.name}", model.version, file, tuple(map(ContractColumn, names)))


def _select_names(sql: str, file: str) -> list[str]:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    query = query_tree(sql)
    if query is not None:
        return [name.lower() for name in query.named_selects]
    try:  # said in words
        expression = sqlglot.parse_one(sql, dialect="spark")
    except ParseError as exc:
        raise LakehouseError(f"{file}: sql: cannot parse: {str(exc).splitlines()[0]}") from None
    if not isinstance(expression, exp.Query):
        raise LakehouseError(f"{file}: sql: must be a query (SELECT ...)")
    return [name.lower() for name in expression.named_selects]


def sql_schema(published: Mapping[str, Contract]) -> dict[str, object]:
    """``published`` as sqlglot takes a schema: layer -> table -> column -> type ("unknown"
    where the SQL types it), silver's lineage columns included."""
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for name, contract in published.items():
        layer, table = name.split(".", 1)
        schema.setdefault(layer, {})[table] = _sql_columns(contract)
    return dict(schema)


def _sql_columns(contract: Contract) -> dict[str, str]:
    columns = {c.name: c.type or "unknown" for c in contract.columns}  # derived: the SQL's
    if contract.dataset.startswith("silver."):
        columns = {**SILVER_LINEAGE, **columns}
    return columns


_UNRESOLVED = re.compile(
    r"Column '(?P<column>[^']+)' could not be resolved(?: for table: '(?P<table>[^']+)')?"
    r"|Unknown column: (?P<qualified>\S+)"
)
"""sqlglot's words for a column no table has, one of a table that lacks it, an unknown alias."""


def unknown_gold_columns(config: LakehouseConfig) -> list[tuple[GoldModel, str]]:
    """Each gold SQL model that names a column none of the tables it reads has, with the
    problem (``unknown column 'x' (did you mean 'y'?)``): without this the run fails, in
    Spark, after the sources' tables were refreshed.

    A model is checked only when every table it reads has a complete contract: silver's, and a
    gold SQL model's that names its every column (one selecting ``*`` publishes the columns it
    declares, which may describe only some; a Python model's are its declared ones too). Only
    that one finding is reported: a query sqlglot cannot follow passes, and Spark has the last
    word.
    """
    named = {
        f"gold.{g.name}" for g in config.gold
        if g.sql is not None and "*" not in _select_names(g.sql, f"gold/{g.name}.yml")
    }  # fmt: skip
    published = {
        name: c for name, c in contracts(config).items()
        if c.columns and (not name.startswith("gold.") or name in named)
    }  # fmt: skip
    found = []
    for model in config.gold:
        if model.sql is None:
            continue
        read = sorted(t.lower() for t in query_tables(model.sql))
        if read and all(t in published for t in read):
            tables = tuple((t, tuple(_sql_columns(published[t]).items())) for t in read)
            problem = _unknown_column(model.sql, tables)
            if problem is not None:
                found.append((model, problem))
    return found


@functools.lru_cache(maxsize=512)
def _unknown_column(sql: str, tables: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> str | None:  # fmt: skip # noqa: E501
    """``unknown_gold_columns``' finding for ``sql`` over ``tables`` (each ``layer.name`` with
    its columns and types), or None. Cached: a config is loaded by every command and test."""
    from sqlglot.errors import OptimizeError
    from sqlglot.optimizer.qualify import qualify

    tree = query_tree(sql)
    if tree is None:
        return None
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for name, columns in tables:
        layer, table = name.split(".", 1)
        schema.setdefault(layer, {})[table] = dict(columns)
    try:
        qualify(tree, schema=dict(schema), dialect="spark", validate_qualify_columns=True)
    except OptimizeError as exc:
        unresolved = _UNRESOLVED.search(str(exc))
        if unresolved is None:
            return None
        if unresolved["table"]:
            table = unresolved["table"]
            return f"unknown table or alias '{table}' (in {table}.{unresolved['column']})"
        column = unresolved["column"] or unresolved["qualified"]
        known = {c for _, columns in tables for c, _ in columns}
        return f"unknown column '{column}'{did_you_mean(column, known)}"
    except Exception:  # sqlglot could not follow it: Spark will say
        return None
    return _unknown_field(tree, schema)


def _unknown_field(tree: exp.Expr, schema: dict[str, dict[str, dict[str, str]]]) -> str | None:
    """The first field of a struct that ``tree`` (qualified) reads and the struct lacks, as
    ``_unknown_column`` says it; None: none (or the struct's type is not known here: a lambda's
    variable, a generator's column)."""
    from sqlglot import exp
    from sqlglot.optimizer.annotate_types import annotate_types

    try:
        typed = annotate_types(tree, schema=dict(schema), dialect="spark")
    except Exception:  # sqlglot could not type it: Spark will say
        return None
    for dot in typed.find_all(exp.Dot):
        struct, field = dot.this.type, dot.expression.name
        if struct is None or not struct.is_type(exp.DataType.Type.STRUCT) or not field:
            continue
        fields = [f.name for f in struct.expressions]
        if field.lower() not in {f.lower() for f in fields}:
            shown = dot.this.sql(dialect="spark").replace("`", "")
            return f"unknown field '{field}' of {shown}{did_you_mean(field, fields)}"
    return None


def diff(base: dict[str, Contract], head: dict[str, Contract]) -> list[Change]:
    """Every contract change from ``base`` to ``head``, datasets in name order."""
    changes: list[Change] = []
    for name in sorted(base.keys() | head.keys()):
        if name not in head:
            changes.append(Change(name, "dataset_removed", "dataset removed"))
        elif name not in base:
            changes.append(Change(name, "dataset_added", "dataset added"))
        else:
            changes.extend(_column_changes(base[name], head[name]))
    return changes


def _column_changes(base: Contract, head: Contract) -> list[Change]:
    old = {c.name: c for c in base.columns}
    new = {c.name: c for c in head.columns}
    changes = [
        Change(base.dataset, "column_removed", f"column '{n}' removed") for n in old if n not in new
    ]
    for name, column in new.items():
        before = old.get(name)
        if before is None:
            changes.append(Change(head.dataset, "column_added", f"column '{name}' added"))
        elif before.type and column.type and before.type != column.type:
            detail = f"column '{name}' retyped {before.type} -> {column.type}"
            changes.append(Change(head.dataset, "column_retyped", detail))
        elif before.nullable != column.nullable:
            kind: ChangeKind = "column_nullable" if column.nullable else "column_not_null"
            state = "nullable" if column.nullable else "not null"
            changes.append(Change(head.dataset, kind, f"column '{name}' is now {state}"))
    return changes


def blocking_changes(
    changes: list[Change], base: dict[str, Contract], head: dict[str, Contract]
) -> list[Change]:
    """Breaking changes of datasets whose version was not bumped (removals always block)."""
    blocking = []
    for change in changes:
        if not change.breaking:
            continue
        after = head.get(change.dataset)
        if after is None or after.version <= base[change.dataset].version:
            blocking.append(change)
    return blocking
