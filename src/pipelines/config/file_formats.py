"""Typed reader options of file sources, one model per format (unknown keys are errors).

They map to the Spark reader locally and to Auto Loader (``cloudFiles``) on Databricks
(``pipelines.sources.file_options``); the free-form ``options`` of a file source stays as an
escape hatch for anything not modelled here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from pipelines.config.base import Model

__all__ = ["ENCODINGS", "CsvOptions", "Encoding", "JsonOptions", "XlsxOptions", "XmlOptions"]

Encoding = Literal[
    "utf-8", "latin-1", "iso-8859-1", "us-ascii", "utf-16", "utf-16le", "utf-16be", "utf-32"
]
ENCODINGS: dict[str, str] = {"latin-1": "iso-8859-1"}
"""Aliases -> the charset name Spark's readers accept."""


_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\r": "\r", "\\\\": "\\"}
"""The escaped spellings of a delimiter Spark's ``sep`` also accepts (``'\\t'`` in YAML)."""


class CsvOptions(Model):
    """Delimited text. Line endings LF, CRLF and bare CR are all recognised."""

    header: bool = Field(True, description="first record names the columns (matched by name)")
    # Not stripped like other text: a tab (or a space) is a delimiter, not white space.
    delimiter: Annotated[str, StringConstraints(strip_whitespace=False)] = Field(
        ",", min_length=1, description="field separator, e.g. ';', '|' or a tab (\"\\t\")"
    )
    quote: str = Field('"', min_length=1, max_length=1)
    escape: str = Field('"', min_length=1, max_length=1, description="'\"' doubles quotes")
    encoding: Encoding = "utf-8"
    multiline: bool = Field(False, description="quoted values may span lines")

    @field_validator("delimiter", mode="before")
    @classmethod
    def _unescaped(cls, value: object) -> object:
        """``'\\t'`` (backslash, t: YAML's single quotes keep it) is the tab it spells, as
        for Spark's ``sep``; the local readers split on the character itself."""
        return _ESCAPES.get(value, value) if isinstance(value, str) else value


class JsonOptions(Model):
    """JSON lines (one object per line, the default) or whole-file JSON documents."""

    multiline: bool = Field(
        False, description="a file holds one object or an array of objects, not one per line"
    )


class XmlOptions(Model):
    """XML read with Spark's built-in reader: one row per ``row_tag`` element."""

    row_tag: str = Field(pattern=r"^[A-Za-z_][\w.\-:]*$", description="element of one row")
    encoding: Encoding = "utf-8"


class XlsxOptions(Model):
    """Excel workbooks (read with openpyxl through a Python data source)."""

    sheet: str | None = Field(None, description="sheet name; default: the first sheet")
    header_row: int = Field(1, ge=1, description="1-based row holding the column names")
