"""Engine errors of datasets that read clear PII: withheld from ``ops`` rows and alerts.

A Spark error may quote the value it failed on (``[CAST_INVALID_INPUT] The value
'jane.doe@example.com' of the type "STRING" ...``; dozens of error classes do, each in its
own words), so a pattern list would always miss one. Instead, the flows that see clear values
are known from the graph: the bronze flow of a source with PII (it reads the raw files and
splits them), its ``bronze_pii`` table, and every dataset reading a ``bronze_pii`` table
(the customer matching). Their errors keep the error class and say where the whole message
is; everything else (reading masked values only) keeps its message. ``ops`` tables and alert
payloads are read by people who may not read PII (``pipelines.deploy.grants``).

Where the whole message stays: locally the engine log under the lakehouse home (on the
machine that holds the landing files anyway); on Databricks the pipeline's event log, which
only the pipeline's owners read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pipelines.config.loader import LakehouseConfig
from pipelines.spec import DatasetSpec

__all__ = ["clear_pii_datasets", "withhold", "withhold_errors"]

PII_SCHEMA = "bronze_pii"
_ERROR_CLASS = re.compile(r"\[[A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)*\]")


def clear_pii_datasets(config: LakehouseConfig, specs: Sequence[DatasetSpec]) -> frozenset[str]:
    """The datasets whose flows see clear PII values (see the module's docstring)."""
    raw = {f"bronze.{s.name}" for s in config.sources if s.has_pii}
    pii = {s.name for s in specs if s.name.startswith(f"{PII_SCHEMA}.")}
    readers = {s.name for s in specs if any(i.startswith(f"{PII_SCHEMA}.") for i in s.inputs)}
    return frozenset(raw | pii | readers)


def withhold(error: str) -> str:
    """``[CAST_INVALID_INPUT] The value 'x' ...`` -> the error class and where to look."""
    found = _ERROR_CLASS.search(error)
    kind = f"{found.group(0)} " if found else ""
    return (
        f"{kind}(message withheld: this dataset reads clear PII, which an engine message may "
        "quote; the whole message is in the engine log)"
    )


def withhold_errors(
    run: Mapping[str, Any], flows: Sequence[Mapping[str, Any]], clear: frozenset[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``run`` (an ``ops.pipeline_runs`` row) and ``flows`` (``ops.flow_metrics`` rows) with
    the errors of ``clear``'s flows withheld, in the flow rows and in the run's summary."""
    summary = run.get("error_summary")
    scrubbed = []
    for flow in flows:
        error = flow.get("error")
        if error and flow.get("dataset") in clear:
            hidden = withhold(error)
            summary = _withheld_in(summary, error, hidden)
            flow = {**flow, "error": hidden}  # noqa: PLW2901 - a new row, not the caller's
        scrubbed.append(dict(flow))
    return {**run, "error_summary": summary}, scrubbed


def _withheld_in(summary: str | None, error: str, hidden: str) -> str | None:
    """``summary`` with ``error`` replaced by ``hidden``; where the summary was cut inside the
    error (both are truncated to a length), everything from the error's start on."""
    if not summary:
        return summary
    if error in summary:
        return summary.replace(error, hidden)
    start = summary.find(error[:80])
    return summary if start < 0 else summary[:start] + hidden
