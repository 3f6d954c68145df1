"""Infer a column's type, nullability and datetime pattern from sample text values.

Used by ``lakehouse new-source`` (to scaffold a contract) and by the drift check (a value the
declared type cannot hold is a retyped column). Pure Python, no Spark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Inferred", "infer_column", "normalise_name", "value_fits"]

# (Spark pattern, Python pattern); ISO dates need no pattern (a plain cast reads them)
DATE_FORMATS = (
    ("yyyy-MM-dd", "%Y-%m-%d"),
    ("dd/MM/yyyy", "%d/%m/%Y"),
    ("yyyyMMdd", "%Y%m%d"),
    ("dd.MM.yyyy", "%d.%m.%Y"),
    ("MM/dd/yyyy", "%m/%d/%Y"),
)
TIMESTAMP_FORMATS = (
    ("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"),
    ("yyyy-MM-dd'T'HH:mm:ss", "%Y-%m-%dT%H:%M:%S"),
    ("dd/MM/yyyy HH:mm", "%d/%m/%Y %H:%M"),
)
_ISO = {"yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"}
_INT = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INT32 = 2**31


@dataclass(frozen=True)
class Inferred:
    """What the sample says about one column."""

    type: str
    nullable: bool
    format: str | None = None
    example: str | None = None


def normalise_name(name: str) -> str:
    """A header as a config identifier: ``Booking_ID`` -> ``booking_id``, ``noOfAdults`` ->
    ``no_of_adults``, ``avg price`` -> ``avg_price``; a leading digit gets ``c_``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    snake = re.sub(r"[^0-9A-Za-z]+", "_", spaced).strip("_").lower()
    return snake if snake[:1].isalpha() else f"c_{snake}"


def _parses(value: str, python_pattern: str) -> bool:
    try:
        datetime.strptime(value, python_pattern)
    except ValueError:
        return False
    return True


_SPARK_FIELDS = {
    "yyyy": "%Y", "yy": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "M": "%m", "dd": "%d",
    "d": "%d", "HH": "%H", "H": "%H", "hh": "%I", "h": "%I", "mm": "%M", "m": "%M",
    "ss": "%S", "s": "%S", "a": "%p", "SSSSSS": "%f", "SSS": "%f", "SS": "%f", "S": "%f",
}  # fmt: skip
_SPARK_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")


def _python_pattern(spark_pattern: str) -> str | None:
    """The ``strptime`` pattern of a Spark datetime pattern (``M/d/yyyy`` -> ``%m/%d/%Y``;
    ``strptime`` reads one or two digits either way); None for a field it has no match for."""
    parts = []
    for token in _SPARK_TOKEN.finditer(spark_pattern):
        text = token.group(0)
        if text.startswith("'"):
            parts.append(text[1:-1].replace("%", "%%") or "'")
        elif token.group(1):
            if text not in _SPARK_FIELDS:
                return None
            parts.append(_SPARK_FIELDS[text])
        else:
            parts.append(text.replace("%", "%%"))
    return "".join(parts)


def value_fits(value: str, kind: str, pattern: str | Sequence[str] | None = None) -> bool:
    """Whether a (trimmed, non-empty) text value can be read as ``kind`` (dates and
    timestamps: with one of the patterns given, else ISO)."""
    if kind in {"string", "binary"}:
        return True
    if kind == "boolean":
        return value.lower() in {"true", "false"}
    if kind in {"tinyint", "smallint", "int", "bigint"}:
        limit = {"tinyint": 2**7, "smallint": 2**15, "int": _INT32, "bigint": 2**63}[kind]
        return _INT.match(value) is not None and -limit <= int(value) < limit
    if kind in {"float", "double"} or kind.startswith("decimal"):
        return _DECIMAL.match(value) is not None
    if kind in {"date", "timestamp"}:
        formats = DATE_FORMATS if kind == "date" else TIMESTAMP_FORMATS
        patterns = [pattern] if isinstance(pattern, str) else list(pattern or ())
        python = [_python_pattern(p) for p in patterns]
        if None in python:  # a pattern this check cannot read: not a type change
            return True
        candidates = [p for p in python if p] or [p for s, p in formats if s in _ISO]
        return any(_parses(value, p) for p in candidates)
    return True


def _datetime(values: Sequence[str], formats: Iterable[tuple[str, str]]) -> str | None:
    for spark, python in formats:
        if all(_parses(v, python) for v in values):
            return spark
    return None


def infer_column(values: Iterable[str | None]) -> Inferred:
    """The narrowest type every non-empty value fits, the pattern of dates, nullability."""
    texts = [v.strip() if v is not None else "" for v in values]
    present = [t for t in texts if t]
    nullable = len(present) < len(texts) or not texts
    example = present[0] if present else None
    if not present:
        return Inferred("string", True, None, None)
    if all(v.lower() in {"true", "false"} for v in present):
        return Inferred("boolean", nullable, None, example)
    if all(len(v) == 8 and v.isdigit() for v in present):
        pattern = _datetime(present, [("yyyyMMdd", "%Y%m%d")])
        if pattern and all(1900 <= int(v[:4]) <= 2100 for v in present):
            return Inferred("date", nullable, pattern, example)
    for kind in ("int", "bigint", "double"):
        if all(value_fits(v, kind) for v in present):
            return Inferred(kind, nullable, None, example)
    for kind, formats in (("date", DATE_FORMATS), ("timestamp", TIMESTAMP_FORMATS)):
        pattern = _datetime(present, formats)
        if pattern:
            pattern = None if pattern in _ISO else _tolerant(pattern, present)
            return Inferred(kind, nullable, pattern, example)
    return Inferred("string", nullable, None, example)


def _tolerant(pattern: str, values: Sequence[str]) -> str:
    """``MM/dd/yyyy`` as ``M/d/yyyy`` when a value has a one-digit month, day or hour
    (``3/1/2024``): Spark's ``MM`` needs two digits, ``M`` reads one or two; strptime
    (which chose the pattern) reads both either way."""
    if all(len(v) == len(pattern.replace("'", "")) for v in values):
        return pattern
    for padded, short in (("MM", "M"), ("dd", "d"), ("HH", "H")):
        pattern = pattern.replace(padded, short)
    return pattern
