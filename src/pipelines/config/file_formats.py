"""Typed reader options of file sources, one model per format (unknown keys are errors).

They map to the Spark reader locally and to Auto Loader (``cloudFiles``) on Databricks
(``pipelines.sources.file_options``); the free-form ``options`` of a file source stays as an
escape hatch for anything not modelled here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipelines.config.base import Model

__all__ = ["ENCODINGS", "CsvOptions", "Encoding", "JsonOptions", "XlsxOptions", "XmlOptions"]

Encoding = Literal[
    "utf-8", "latin-1", "iso-8859-1", "us-ascii", "utf-16", "utf-16le", "utf-16be", "utf-32"
]
ENCODINGS: dict[str, str] = {"latin-1": "iso-8859-1"}
"""Aliases -> the charset name Spark's readers accept."""


class CsvOptions(Model):
    """Delimited text. Line endings LF, CRLF and bare CR are all recognised."""

    header: bool = Field(True, description="first record names the columns (matched by name)")
    delimiter: str = Field(",", min_length=1, description="field separator, e.g. ';' or '\\t'")
    quote: str = Field('"', min_length=1, max_length=1)
    escape: str = Field('"', min_length=1, max_length=1, description="'\"' doubles quotes")
    encoding: Encoding = "utf-8"
    multiline: bool = Field(False, description="quoted values may span lines")


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
