"""Records sampled from a live source (a table, a collection, an API), and the contract they
suggest: what ``lakehouse new-source NAME --from DRAFT.yml`` infers for a source that is not
files.

A source type that can be sampled returns a :class:`Sample` (``SourceType.sample``): the
records as the system gives them (Python values: a document's ``datetime`` and ``ObjectId``,
JSON's numbers, a row's text), the columns' types where the system declares them (a table's
metadata), its primary key, and how bronze writes each value as text. :func:`sampled_columns`
turns that into one :class:`SampledColumn` per future column. Pure Python, no Spark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pipelines.sources.infer import Inferred, infer_column, normalise_name
from pipelines.sources.rest.paging import dig

__all__ = ["Declared", "Sample", "SampledColumn", "native_type", "sampled_columns"]


@dataclass(frozen=True)
class Declared:
    """What the system itself says of a column (a table's metadata)."""

    type: str
    nullable: bool
    native: str
    """The system's own name of the type (``numeric(10,2)``, ``jsonb``), for the notes."""


@dataclass(frozen=True)
class Sample:
    """Records read from a source, and what the system declares about them.

    Attributes:
        where: What was read, safe to print (no credential): ``public.customers at
            jdbc:postgresql://127.0.0.1:5432/crm``.
        records: The records, each a mapping of its fields (nested for documents).
        text: How bronze writes a field's value as text (the type's reader's own function).
        complete: Whether every record was read (fewer than asked for): then a column with a
            value in every record is not null.
        declared: Column -> what the system declares (JDBC metadata); the rest is inferred
            from the values.
        keys: The primary key the system declares (a table's, a collection's ``_id``).
        nested: Whether records nest (documents, JSON): a name that is no identifier can then
            be declared under another name and read by path (``fields``).
        normalised: Whether the reader normalises keys itself (a Kafka message's JSON, as a
            JSON file's: ``bookingId`` is the column ``booking_id``).
        fields: The block's own ``fields`` (column -> dotted path), read as columns too.
        notes: What the sampler has to say (printed with what was inferred).
    """

    where: str
    records: Sequence[Mapping[str, Any]]
    text: Callable[[Any], str | None]
    complete: bool
    declared: Mapping[str, Declared] = field(default_factory=dict)
    keys: tuple[str, ...] = ()
    nested: bool = False
    normalised: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SampledColumn:
    """One column the sample suggests.

    Attributes:
        name: The column's name (an identifier).
        path: The field it is read from when that is not ``name`` (``firstName``,
            ``loyalty.tier``), else None.
        inferred: Type, nullability, format and an example.
        texts: Its values as bronze's text (for the PII detectors).
        why: What the type and nullability were decided from.
    """

    name: str
    path: str | None
    inferred: Inferred
    texts: tuple[str | None, ...]
    why: str


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: a bool is one
    (int, "int"),
    (float, "double"),
    (Decimal, "decimal"),
    (datetime, "timestamp"),  # before date: a datetime is one
    (date, "date"),
    (str, "string"),
    (dict, "object"),
    (list, "array"),
)


def _kind(value: Any) -> str:
    for python, kind in _KINDS:
        if isinstance(value, python):
            if kind == "int" and isinstance(value, int) and not -(2**31) <= value < 2**31:
                return "bigint"
            return kind
    name = type(value).__name__
    # bson's Decimal128 (by name: bson is no import of this module): its digits decide.
    return "decimal" if name == "Decimal128" else name  # ObjectId, bytes: kept as text


def native_type(values: Sequence[Any]) -> tuple[str | None, str]:
    """The column type the non-null values' own Python types give, and why; None when they
    are text (their content decides) or of kinds that do not agree.

    ``int`` and ``bigint`` together are ``bigint``; ints and floats are ``double``; objects,
    arrays and types without a column type (an ``ObjectId``) are ``string`` (bronze writes
    them as JSON or text).
    """
    kinds = Counter(_kind(v) for v in values if v is not None)
    if not kinds:
        return None, "no value in the sample"
    found = set(kinds)
    widened = {frozenset({"int", "bigint"}): "bigint", frozenset({"int", "double"}): "double"}
    widened[frozenset({"int", "bigint", "double"})] = "double"
    if len(found) == 1:
        (kind,) = found
    elif frozenset(found) in widened:
        kind = widened[frozenset(found)]
    else:
        mixed = ", ".join(f"{k} ({n:,})" for k, n in kinds.most_common())
        return "string", f"string: the values are of several types: {mixed}"
    if kind == "string":
        return None, "text"
    if kind in {"object", "array"}:
        return "string", f"string: {'objects' if kind == 'object' else 'arrays'}, kept as JSON"
    if kind == "decimal":
        return None, "decimals"  # their digits give the type (double, or int when whole)
    if kind in {"boolean", "int", "bigint", "double", "date", "timestamp"}:
        return kind, f"{kind} (every value is one)"
    return "string", f"string: {kind} values, kept as text"


def _names(sample: Sample, fields: Mapping[str, str]) -> list[tuple[str, str, str | None]]:
    """(column, the record's key or dotted path, the path the column must be mapped to or
    None) in the order the records first show them, then ``fields``."""
    seen: dict[str, None] = {}
    for record in sample.records:
        seen.update(dict.fromkeys(record))
    paths = set(fields.values())
    found: list[tuple[str, str, str | None]] = []
    for key in seen:
        if key in paths:
            continue  # declared under another name already
        name = normalise_name(key) if sample.nested or sample.normalised else key.lower()
        # a reader that normalises keys itself reads bookingId as booking_id: no mapping
        found.append((name, key, None if name == key or sample.normalised else key))
    found += [(name, path, path) for name, path in fields.items()]
    return found


def sampled_columns(sample: Sample, fields: Mapping[str, str] | None = None) -> list[SampledColumn]:
    """One column per field of the records (and per ``fields`` entry: column -> dotted path),
    in the order first seen: the type the system declares, else the values' own types, else
    what their text parses as (``infer_column``); not null when the system says so, or when
    every record of a complete sample has a value."""
    columns = []
    for name, key, path in _names(sample, fields or {}):
        values = [dig(r, key) if "." in key else r.get(key) for r in sample.records]
        texts = tuple(sample.text(v) for v in values)
        guess = infer_column(texts)
        declared = sample.declared.get(key)
        if declared is not None:
            nullable = declared.nullable
            inferred = Inferred(declared.type, nullable, None, guess.example)
            said = "not null" if not nullable else "nullable"
            why = f"{declared.type} (declared {declared.native}, {said})"
        else:
            kind, reason = native_type(values)
            present = sum(t is not None and t.strip() != "" for t in texts)
            nullable = not sample.complete or present < len(texts) or not texts
            if kind is not None:
                guess = Inferred(kind, nullable, None, guess.example)
                why = reason
            else:
                guess = Inferred(guess.type, nullable, guess.format, guess.example)
                shown = f"{guess.type} {guess.format}" if guess.format else guess.type
                why = f"{shown} ({reason}: every one of {present:,} values parses)"
                if guess.type == "string":
                    why = f"string ({reason})"
            inferred = guess
            why += ", " + _nullability(nullable, present, len(texts), sample.complete)
        columns.append(SampledColumn(name, path, inferred, texts, why))
    return columns


def _nullability(nullable: bool, present: int, total: int, complete: bool) -> str:
    if not complete:
        return "nullable (only part of the source was read)"
    if nullable:
        return f"nullable ({total - present:,} of {total:,} missing)"
    return f"not null (every one of {total:,} records has one)"
