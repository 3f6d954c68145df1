"""Scaffold a source config from a sample file: the contract inferred, with comments.

``lakehouse new-source NAME --from FILE`` writes the result; a feature team then reviews the
inferred types, nullability and date formats and writes the descriptions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipelines.config.sources import FileSource
from pipelines.errors import LakehouseError
from pipelines.pii.detect import is_card_number, is_email, is_iban, is_phone
from pipelines.sources.file_inspect import FileShape, Record, inspect_file
from pipelines.sources.infer import Inferred, infer_column

__all__ = [
    "DELIMITERS",
    "PROPOSED_MASKS",
    "WITHHELD",
    "column_line",
    "default_path",
    "detect_format",
    "looks_personal",
    "scaffold_source",
    "sniff_delimiter",
    "source_block",
    "yaml_comment",
    "yaml_flow",
]

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
    delimiter = sniff_delimiter(text)
    block: dict[str, Any] = {}
    if delimiter != ",":
        block["delimiter"] = delimiter
    if encoding != "utf-8":
        block["encoding"] = encoding
    return block


DELIMITERS = (",", ";", "\t", "|")
"""The delimiters ``new-source`` tells apart, preferred in this order on a tie."""


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records (quote-aware, up to 50) into the same
    number of fields, the most fields winning: a comma inside a quoted value of a tab-separated
    file, or a header alone, cannot outvote the real one. Default ``,``."""
    import csv
    import io

    lines = text.splitlines(keepends=True)[:-1] or text.splitlines(keepends=True)  # whole lines

    def score(delimiter: str) -> tuple[int, int]:
        records = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))[:50]
        widths = [len(r) for r in records if r]
        if not widths or widths[0] < 2:
            return (0, 0)
        return (sum(w == widths[0] for w in widths), widths[0])

    best = max(DELIMITERS, key=lambda d: (score(d), -DELIMITERS.index(d)))
    return best if score(best) > (0, 0) else ","


def default_path(name: str, sample: Path) -> str:
    """``<name>/*<suffix>``: the landing folder of a source of files like ``sample``."""
    suffix = "".join(sample.suffixes[-2:] if sample.suffix == ".gz" else sample.suffixes[-1:])
    return f"{name}/*{suffix}"


def source_block(path: str, sample: Path, fmt: str) -> dict[str, Any]:
    """The ``source:`` block (as data) of files like ``sample`` at ``path``: the CSV
    delimiter and encoding, whole-file JSON, the xlsx sheet that holds data."""
    block: dict[str, Any] = {"type": "files", "path": path, "format": fmt}
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


def yaml_flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {yaml_flow(v) if isinstance(v, dict) else json.dumps(v)}" for k, v in mapping.items()) + "}"  # fmt: skip # noqa: E501


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


def yaml_comment(text: str) -> str:
    """``text`` safe inside a YAML comment: one line, JSON-escaped (a CR, LF, NEL or line
    separator in a sample value would otherwise end the comment and start a key)."""
    return json.dumps(text)[1:-1]


PROPOSED_MASKS = {"email": "token", "name": "token", "phone": "partial"}
"""The mask a proposed contract declares for a column flagged as PII: identifiers people join
on keep joining (``token``), support can still tell phones apart (``partial``), every other
class is ``redact`` (nothing to learn from it). A proposal: the team reviews it."""


def column_line(
    name: str, inferred: Inferred, personal: bool, flagged: tuple[str, str] | None = None
) -> str:
    entry: dict[str, Any] = {"name": name, "type": inferred.type}
    if flagged is not None:  # masked text: a PII column is a string (Column says why)
        entry["type"] = "string"
    if not inferred.nullable:
        entry["nullable"] = False
    if inferred.format and flagged is None:
        entry["format"] = inferred.format
    if flagged is not None:
        kind, why = flagged
        entry["pii"] = {"class": kind, "mask": PROPOSED_MASKS.get(kind, "redact")}
        return f"  - {yaml_flow(entry)}  # {yaml_comment(why)}"
    example = yaml_comment(inferred.example or "")
    example = example if len(example) <= 40 else example[:37] + "..."
    comment = f"  # e.g. {example}" if example else "  # always empty in the sample"
    return f"  - {yaml_flow(entry)}{WITHHELD if personal and example else comment}"


SAMPLE_ROWS = 200_000
"""Records ``new-source`` reads: whole files up to this size (nullability needs them all)."""
NULL_TOKENS = ("NULL", "null", "NA", "N/A", "n/a", "#N/A", "None", "NaN", "nan", "Undefined")
"""Texts that exports write for a missing value: typed as missing, listed in null_values."""
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _spanning(records: tuple[Record, ...]) -> int:
    """Records with a quoted value that holds a line break (Spark needs ``multiline``)."""
    return sum(any(v and ("\n" in v or "\r" in v) for v in r.values()) for r in records)


def _null_tokens(records: tuple[Record, ...]) -> Counter[str]:
    return Counter(t for r in records for v in r.values() if v and (t := v.strip()) in NULL_TOKENS)


def _why(column: str, guess: Inferred, present: int, total: int, whole: bool) -> str:
    kind = f"{guess.type} {guess.format}" if guess.format else guess.type
    parses = f" (every one of its {present:,} values parses)" if guess.type != "string" else ""
    if not whole:
        return f"{column}: {kind}{parses}, nullable (only part of the file was read)"
    if guess.nullable:
        return f"{column}: {kind}{parses}, nullable ({total - present:,} of {total:,} missing)"
    return f"{column}: {kind}{parses}, not null (every one of {total:,} records has one)"


def _shape(paths: Sequence[Path], spec: FileSource, rows: int) -> FileShape:
    """The files as one: every column in the order first seen, the records of each (up to
    ``rows`` in all)."""
    shapes: list[FileShape] = []
    for path in paths:
        left = rows - sum(len(s.records) for s in shapes)
        if left > 0:
            shapes.append(inspect_file(path, spec, sample=left))
    columns = tuple(dict.fromkeys(c for s in shapes for c in s.columns))
    types = {c: t for s in reversed(shapes) for c, t in s.types.items()}
    return FileShape(paths[0], columns, types, tuple(r for s in shapes for r in s.records))


def scaffold_source(
    name: str,
    sample: Path,
    owner: str,
    rows: int = SAMPLE_ROWS,
    notes: list[str] | None = None,
    *,
    path: str | None = None,
    more: Sequence[Path] = (),
    pii: Mapping[str, tuple[str, str]] | None = None,
    origin: str = "Scaffolded by `lakehouse new-source`",
) -> str:
    """The YAML text of a source config for files like ``sample``; ``notes`` gets one line
    per thing inferred and why (``lakehouse new-source`` prints them).

    ``path``: the files' glob (default ``<name>/*<suffix>``); ``more``: other files of the
    source, read as well (their columns and values count too); ``pii``: column -> (PII
    class, why), declared PII with a proposed mask (``PROPOSED_MASKS``); ``origin``: who wrote
    it, for the header.

    The whole file is read (up to ``rows`` records): a column is non-null only when every
    record has a value, a date pattern is one that parses every value (``M/d/yyyy`` when a
    month or day has one digit), missing-value tokens (``NULL``, ``NA``) are no values, and
    quoted values spanning lines make the CSV ``multiline``.
    """
    said = notes if notes is not None else []
    fmt = detect_format(sample)
    block = source_block(path or default_path(name, sample), sample, fmt)
    flagged = dict(pii or {})
    shape = _shape([sample, *more], FileSource.model_validate(block), rows + 1)
    if not shape.columns:
        raise LakehouseError(f"{sample}: no columns found")
    whole = len(shape.records) <= rows
    records = shape.records[:rows]
    read = ", ".join(p.name for p in (sample, *more))
    said.append(f"read {'all' if whole else 'the first'} {len(records):,} records of {read}")
    if fmt == "csv":
        delimiter = block.get("csv", {}).get("delimiter", ",")
        said.append(f"delimiter: {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} (splits the first records into equal numbers of fields)")  # fmt: skip # noqa: E501
        if spanning := _spanning(records):
            block["csv"] = {**block.get("csv", {}), "multiline": True}
            said.append(f"multiline: {spanning:,} record(s) have a quoted value spanning lines")
    tokens = _null_tokens(records)
    if tokens:
        counted = ", ".join(f"{t} ({n:,})" for t, n in tokens.most_common())
        said.append(f"null_values: {counted} stand for missing values")
    lines = [
        f"# {origin} from {yaml_comment(sample.name)} ({len(records):,} sample rows).",
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
            lines.append(f"  {key}: {yaml_flow(block[key])}")
    if (match := _DATE_IN_NAME.search(sample.name)) is not None:
        lines.append("  file_date: {regex: '_(\\d{8})', format: yyyyMMdd}  # e.g. " + match[1])
    lines += ["  schema_drift: rescue  # rescue | evolve | fail", ""]
    if tokens:
        lines += [f"null_values: {json.dumps(sorted(tokens))}", ""]
    lines.append("columns:")
    for column in shape.columns:
        cells = [r.get(column) for r in records]
        cells = [None if v is not None and v.strip() in tokens else v for v in cells]
        inferred = shape.types.get(column)
        guess = infer_column(cells)
        if inferred is not None:  # typed files: keep their type
            guess = Inferred(inferred, guess.nullable, None, guess.example)
        if not whole:
            guess = Inferred(guess.type, True, guess.format, guess.example)
        values = [str(v) for v in cells if v is not None]
        said.append(_why(column, guess, len([v for v in values if v.strip()]), len(cells), whole))
        # typed values (dates, numbers) are checked by name only: a date matches the phone shape
        checked = values if guess.type == "string" else []
        personal = looks_personal(column, checked)
        lines.append(column_line(column, guess, personal, flagged.get(column)))
    return "\n".join(lines) + "\n"
