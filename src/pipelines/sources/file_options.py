"""A file source's config as reader options: Spark's readers locally, Auto Loader on Databricks.

Typed blocks (``csv:``, ``json:``, ``xml:``) become the readers' own option names; the free-form
``options`` of the source are applied last, so they can override anything here.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.config.file_formats import ENCODINGS
from pipelines.config.sources import FileSource

__all__ = [
    "CORRUPT_COLUMN",
    "CORRUPT_FORMATS",
    "RESCUED_COLUMN",
    "autoloader_options",
    "spark_options",
]

CORRUPT_COLUMN = "_corrupt_record"
RESCUED_COLUMN = "_rescued_data"

CORRUPT_FORMATS = ("csv", "json", "xml")
"""Formats whose parser can fail on one record (and keep it whole)."""
# ``evolve`` is ``rescue`` on Databricks, not ``addNewColumns``: the new column would become a
# column of the stream (after the restart Auto Loader forces), which bronze's select of the
# contract's columns then drops, neither kept nor rescued. Locally the drift check before the
# run adds it to the contract (``pipelines.sources.drift``); on Databricks it has no such step
# yet, so the values land in ``_rescued_data``, masked like it in a PII source.
_DRIFT_MODES = {"rescue": "rescue", "evolve": "rescue", "fail": "failOnNewColumns"}


def _text(value: str | int | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _format_options(source: FileSource) -> dict[str, str]:
    if source.format == "csv":
        csv = source.csv_options
        return {
            "header": _text(csv.header),
            "sep": csv.delimiter,
            "quote": csv.quote,
            "escape": csv.escape,
            "encoding": ENCODINGS.get(csv.encoding, csv.encoding),
            "multiLine": _text(csv.multiline),
        }
    if source.format == "json":
        return {"multiLine": _text(source.json_options.multiline)}
    if source.format == "xml" and source.xml is not None:
        charset = ENCODINGS.get(source.xml.encoding, source.xml.encoding)
        return {"rowTag": source.xml.row_tag, "charset": charset}
    return {}


def spark_options(source: FileSource) -> dict[str, str]:
    """Options of the local Spark stream (csv, xml; json and xlsx have readers of their own)."""
    options = _format_options(source)
    if source.format in {"csv", "xml"}:
        options |= {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_COLUMN}
    if source.format == "json":
        options = {"wholetext": _text(source.json_options.multiline)}
    if source.max_files_per_trigger:
        options["maxFilesPerTrigger"] = str(source.max_files_per_trigger)
    return options | {k: _text(v) for k, v in source.options.items()}


def autoloader_options(source: FileSource, columns: Sequence[str]) -> dict[str, str]:
    """Auto Loader (``cloudFiles``) options of the same source on Databricks.

    Every column is read as a string (``inferColumnTypes`` off, the declared columns as schema
    hints); columns outside the contract go to ``_rescued_data``; the drift policy maps to
    ``cloudFiles.schemaEvolutionMode`` (rescue -> rescue, evolve -> rescue: see
    ``_DRIFT_MODES``, fail -> failOnNewColumns).

    Text formats keep a record the parser cannot split in ``_corrupt_record``: PERMISSIVE
    mode, ``columnNameOfCorruptRecord``, and the column itself among the schema hints: Spark
    fills the corrupt-record column only when it is a (string) field of the schema (Spark's
    CSV and JSON data source options); without it the record is dropped, silently.
    """
    corrupt = [CORRUPT_COLUMN] if source.format in CORRUPT_FORMATS else []
    options = {
        "cloudFiles.format": source.format,
        "cloudFiles.inferColumnTypes": "false",
        "cloudFiles.schemaEvolutionMode": _DRIFT_MODES[source.schema_drift],
        "cloudFiles.schemaHints": ", ".join(f"`{name}` STRING" for name in [*columns, *corrupt]),
        "rescuedDataColumn": RESCUED_COLUMN,
        **_format_options(source),
    }
    if corrupt:
        options |= {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_COLUMN}
    if source.max_files_per_trigger:
        options["cloudFiles.maxFilesPerTrigger"] = str(source.max_files_per_trigger)
    return options | {k: _text(v) for k, v in source.options.items()}
