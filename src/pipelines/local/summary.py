"""The short report printed after a run: rows per table, quarantine, reconciliation."""

from __future__ import annotations

from collections.abc import Callable

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.local.runner import RunResult
from pipelines.output import render_table

__all__ = ["matches", "print_summary", "reconciliation"]


def reconciliation(
    config: LakehouseConfig,
    counts: dict[str, int],
    skipped: dict[str, str] | None = None,
    up_to_date: tuple[str, ...] = (),
) -> list[str]:
    """One line per source: bronze rows = silver + quarantined + deduplicated or replaced."""
    lines = []
    for source in config.sources:
        if f"bronze.{source.name}" in (skipped or {}):
            lines.append(f"{source.name}: skipped locally (see above)")
            continue
        if f"bronze.{source.name}" in up_to_date:
            lines.append(f"{source.name}: nothing new, its tables are as the last run left them")
            continue
        bronze = counts.get(f"bronze.{source.name}", 0)
        silver = counts.get(f"silver.{source.name}", 0)
        quarantined = counts.get(f"quarantine.{source.name}", 0)
        merged = bronze - silver - quarantined
        lines.append(
            f"{source.name}: {bronze:,} bronze rows -> {silver:,} silver + {quarantined:,} "
            f"quarantined + {merged:,} {_merged(source)}"
        )
    return lines


def _merged(source: SourceConfig) -> str:
    """What the rows neither in silver nor quarantined are: without a dedupe key, say that
    identical rows were collapsed (nothing else tells a user their rows had no key)."""
    dedupe = source.silver.dedupe
    if source.silver.cdc is not None or dedupe is None or dedupe.key:
        return "duplicate or replaced"
    if source.silver.replace_by_file_date:
        return "duplicate or replaced (no dedupe key: identical rows collapsed)"
    return "identical rows collapsed (no dedupe key)"


def matches(config: LakehouseConfig, counts: dict[str, int]) -> list[str]:
    """One line per entity built: source records in, entities out."""
    lines = []
    for entity in config.entities:
        xref, built = f"silver.{entity.xref}", f"silver.{entity.name}"
        if xref in counts and built in counts:
            lines.append(
                f"{entity.name}: {counts[xref]:,} source records ({', '.join(entity.sources)}) "
                f"-> {counts[built]:,} {entity.name} (matched: {xref})"
            )
    return lines


def print_summary(
    config: LakehouseConfig, result: RunResult, echo: Callable[[str], None] = print
) -> None:
    """Print the counts table, the reconciliation and the duration."""
    rows: list[tuple[str, int | str]] = list(result.row_counts.items())
    rows += [(name, "up to date") for name in result.up_to_date]
    echo("")
    echo(render_table(("dataset", "rows"), rows, width=60))
    for line in reconciliation(config, result.row_counts, result.skipped, result.up_to_date):
        echo(line)
    for line in matches(config, result.row_counts):
        echo(line)
    echo(f"run {result.run_id} completed in {result.seconds:.1f}s")
