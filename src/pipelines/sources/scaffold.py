"""Scaffold a source config from a sample file: the contract inferred, with comments.

``lakehouse new-source NAME --from FILE`` writes the result; a feature team then reviews the
inferred types, nullability and date formats and writes the descriptions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipelines.config.sources import FileSource
from pipelines.errors import LakehouseError
from pipelines.pii.detect import is_card_number, is_email, is_iban, is_phone
from pipelines.sources.file_inspect import inspect_file
from pipelines.sources.infer import Inferred, infer_column

__all__ = ["WITHHELD", "detect_format", "looks_personal", "scaffold_source"]

_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "json",
    ".ndjson": "json", ".parquet": "parquet", ".xlsx": "xlsx",
}  # fmt: skip
_DATE_IN_NAME = re.compile(r"_(\d{8})(?=[._])")


def detect_format(sample: Path) -> str:
    """The file format by extension (a trailing ``.gz`` is looked through)."""
    suffixes = [s.lower() for s in sample.suffixes if s.lower() != ".gz"]
    fmt = _FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        known = ", ".join(sorted(_FORMATS))
        raise LakehouseError(f"{sample}: cannot tell the format from the name (known: {known})")
    return fmt


def _head(sample: Path) -> bytes:
    import gzip

    opener = gzip.open if sample.suffix == ".gz" else open
    with opener(sample, "rb") as handle:
        return bytes(handle.read(65536))


def _csv_block(sample: Path) -> dict[str, Any]:
    head = _head(sample)
    try:
        text, encoding = head.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = head.decode("latin-1"), "latin-1"
    first = text.splitlines()[0] if text else ""
    delimiter = max([",", ";", "\t", "|"], key=first.count)
    block: dict[str, Any] = {}
    if delimiter != ",":
        block["delimiter"] = delimiter
    if encoding != "utf-8":
        block["encoding"] = encoding
    return block


def _source_block(name: str, sample: Path, fmt: str) -> dict[str, Any]:
    suffix = "".join(sample.suffixes[-2:] if sample.suffix == ".gz" else sample.suffixes[-1:])
    block: dict[str, Any] = {"type": "files", "path": f"{name}/*{suffix}", "format": fmt}
    if fmt == "csv" and (csv := _csv_block(sample)):
        block["csv"] = csv
    if fmt == "json" and _head(sample).lstrip()[:1] == b"[":
        block["json"] = {"multiline": True}
    if fmt == "xlsx" and (sheet := _data_sheet(sample)) is not None:
        block["xlsx"] = {"sheet": sheet}
    return block


def _data_sheet(sample: Path) -> str | None:
    """The first sheet with anything in its first row, when that is not the first sheet."""
    from openpyxl import load_workbook

    book = load_workbook(sample, read_only=True)
    try:
        for index, sheet in enumerate(book.worksheets):
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            if any(v is not None for v in first):
                return None if index == 0 else str(sheet.title)
        return None
    finally:
        book.close()


def _flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in mapping.items()) + "}"


_PII_NAME = re.compile(
    r"e?mail|phone|mobile|fax|name|addr|street|post|zip|birth|dob|ssn|national|passport"
    r"|iban|account|card|tax|ip_?addr|gender|salary|password|token|secret",
    re.I,
)
"""Column names that suggest personal data (or a credential): their sample values stay out."""
WITHHELD = "  # example withheld: the column looks like personal data"


def looks_personal(name: str, values: list[str]) -> bool:
    """Whether a column's name or any of its sample values looks like PII."""
    if _PII_NAME.search(name):
        return True
    checks = (is_email, is_phone, is_card_number, is_iban)
    return any(check(v.strip()) for v in values for check in checks)


def _comment(text: str) -> str:
    """``text`` safe inside a YAML comment: one line, JSON-escaped (a CR, LF, NEL or line
    separator in a sample value would otherwise end the comment and start a key)."""
    return json.dumps(text)[1:-1]


def _column_line(name: str, inferred: Inferred, personal: bool) -> str:
    entry: dict[str, Any] = {"name": name, "type": inferred.type}
    if not inferred.nullable:
        entry["nullable"] = False
    if inferred.format:
        entry["format"] = inferred.format
    example = _comment(inferred.example or "")
    example = example if len(example) <= 40 else example[:37] + "..."
    comment = f"  # e.g. {example}" if example else "  # always empty in the sample"
    return f"  - {_flow(entry)}{WITHHELD if personal and example else comment}"


def scaffold_source(name: str, sample: Path, owner: str, rows: int = 1000) -> str:
    """The YAML text of a source config for files like ``sample``."""
    fmt = detect_format(sample)
    block = _source_block(name, sample, fmt)
    shape = inspect_file(sample, FileSource.model_validate(block), sample=rows)
    if not shape.columns:
        raise LakehouseError(f"{sample}: no columns found")
    lines = [
        f"# Scaffolded by `lakehouse new-source` from {_comment(sample.name)} ({len(shape.records):,} sample rows).",  # noqa: E501
        "# Types, nullability and date formats are inferred from the sample: review them, and",
        "# describe each column. Check the result with `lakehouse validate`.",
        f"name: {name}",
        f"description: {json.dumps(f'TODO: what {name} holds (scaffolded from {sample.name}).')}",
        f"owner: {owner}",
        "",
        "source:",
        "  type: files",
        f"  path: {json.dumps(block['path'])}  # under $LAKEHOUSE_LANDING",
        f"  format: {fmt}",
    ]
    for key in ("csv", "json", "xlsx"):
        if key in block:
            lines.append(f"  {key}: {_flow(block[key])}")
    if (match := _DATE_IN_NAME.search(sample.name)) is not None:
        lines.append("  file_date: {regex: '_(\\d{8})', format: yyyyMMdd}  # e.g. " + match[1])
    lines += ["  schema_drift: rescue  # rescue | evolve | fail", "", "columns:"]
    for column in shape.columns:
        inferred = shape.types.get(column)
        guess = infer_column(r.get(column) for r in shape.records)
        if inferred is not None:  # typed files: keep their type
            guess = Inferred(inferred, guess.nullable, None, guess.example)
        values = [str(v) for r in shape.records if (v := r.get(column)) is not None]
        # typed values (dates, numbers) are checked by name only: a date matches the phone shape
        checked = values if guess.type == "string" else []
        lines.append(_column_line(column, guess, looks_personal(column, checked)))
    return "\n".join(lines) + "\n"
