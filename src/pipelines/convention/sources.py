"""Undeclared arrivals as sources: one :class:`ConventionSource` per team and table, its
columns read from the first file (no Spark)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from pipelines.config.convention import Arrival, ConventionSource, Stray, Survey
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import FileSource
from pipelines.convention.survey import survey_landing
from pipelines.errors import LakehouseError
from pipelines.sources.file_inspect import inspect_file
from pipelines.sources.scaffold import source_block

__all__ = ["convention_source", "with_arrivals"]


def convention_source(arrival: Arrival, landing: Path) -> ConventionSource:
    """The source the convention reads ``arrival`` with: bronze only, owned by its team,
    the columns of its first file as raw strings; later files' new columns evolve into it
    (and are recorded in ``ops.schema_changes``), their delivery date is the partition.

    Raises:
        LakehouseError: The first file has no columns (or cannot be read).
    """
    first = landing / arrival.files[0]
    block = source_block(arrival.path, first, arrival.format)
    block |= {
        "schema_drift": "evolve",  # nothing hidden in _rescued_data: every column shows
        "file_date": {"regex": rf"_(\d{{8}})\.{arrival.format}$", "format": "yyyyMMdd"},
    }
    shape = inspect_file(first, FileSource.model_validate(block))
    if not shape.columns:
        raise LakehouseError(f"{arrival.files[0]}: no columns found")
    description = (
        f"Undeclared arrival of {arrival.team} ({arrival.shown}), loaded by the landing-zone "
        f"convention: bronze only, held back for {arrival.team} until sources/{arrival.table}"
        ".yml declares its contract."
    )
    return ConventionSource.model_validate(
        {
            "name": arrival.table,
            "description": description,
            "owner": arrival.team,
            "source": block,
            "columns": [{"name": column} for column in shape.columns],
        }
    )


def with_arrivals(config: LakehouseConfig, landing: Path) -> LakehouseConfig:
    """``config`` with what the convention found under ``landing``: a source per arrival
    (an arrival that cannot be read is listed with the strays, saying why)."""
    survey = survey_landing(landing, config)
    sources: dict[Arrival, ConventionSource] = {}
    unread: list[Stray] = []
    for arrival in survey.arrivals:
        try:
            sources[arrival] = convention_source(arrival, landing)
        except (LakehouseError, ValidationError, OSError, ValueError) as exc:
            why = _first_line(exc)
            unread.append(Stray(f"{arrival.team}/", len(arrival.files), why, arrival.files[0]))
    survey = Survey(landing, tuple(sources), survey.yielded, (*survey.strays, *unread))
    return replace(config, arrivals=tuple(sources.values()), survey=survey)


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"cannot be read by the convention: {where}: {error['msg']}"
    text = str(exc).strip()
    return f"cannot be read by the convention: {text.splitlines()[0] if text else type(exc).__name__}"  # fmt: skip # noqa: E501
