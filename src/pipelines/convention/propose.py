"""After a run: each arrival it loaded is scanned for PII, and its contract is proposed.

The proposal is what ``lakehouse new-source`` writes, from the arrival's newest file, with
the files' glob as its path and the columns the scan flagged declared PII (with a mask to
review). It goes under ``$LAKEHOUSE_HOME/proposals/<team>/``, never into ``src/conf``: a
contract is a decision the team makes in a pull request, and until it is merged the table
stays held back (``pipelines.config.convention``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.convention import Arrival, ConventionSource, Survey
from pipelines.config.loader import LakehouseConfig
from pipelines.events import FlowState
from pipelines.pii.detect import Suggestion, proposed_pii
from pipelines.pii.scan import scan_table
from pipelines.sources.scaffold import scaffold_source

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SCAN_ROWS", "proposal_path", "propose_arrivals", "proposed_name"]

SCAN_ROWS = 1000
"""Rows of an arrival's table the PII scan samples (as ``lakehouse scan-pii``)."""


def proposed_name(config: LakehouseConfig, survey: Survey, arrival: Arrival) -> str:
    """The name the proposal gives the source: the table's, or ``<team>_<table>`` when
    that is taken (by a declared source, entity or gold model, or another team's arrival)."""
    taken = {s.name for s in config.sources} | {g.name for g in config.gold}
    taken |= {n for e in config.entities for n in (e.name, e.xref)}
    shared = Counter(a.table for a in survey.arrivals)[arrival.table] > 1
    clash = arrival.table in taken or shared
    return f"{arrival.team}_{arrival.table}" if clash else arrival.table


def proposal_path(folder: Path, config: LakehouseConfig, survey: Survey, arrival: Arrival) -> Path:
    """Where the proposed source of ``arrival`` is written."""
    return folder / arrival.team / f"{proposed_name(config, survey, arrival)}.yml"


def propose_arrivals(
    spark: SparkSession,
    config: LakehouseConfig,
    flows: Mapping[str, FlowState],
    folder: Path,
    *,
    today: date,
) -> list[str]:
    """Scan and propose each arrival this run loaded (its table completed); the lines to
    print. Never raises: an arrival that cannot be scanned or proposed says why."""
    lines: list[str] = []
    survey = config.survey
    files = {(a.team, a.table): a for a in survey.arrivals} if survey else {}
    for arrival in config.arrivals:
        flow = flows.get(arrival.bronze_table)
        found = files.get((arrival.owner, arrival.name))
        if flow is None or flow.state != "COMPLETED" or found is None or survey is None:
            continue
        try:
            sampled, suggested = scan_table(
                spark, arrival.bronze_table, sample=SCAN_ROWS, min_share=0.3, today=today
            )
            flagged = _flagged(arrival, suggested)
            target = proposal_path(folder, config, survey, found)
            newest, *older = reversed([survey.landing / f for f in found.files])
            text = scaffold_source(
                proposed_name(config, survey, found), newest, arrival.owner,
                path=found.path, more=older, pii=flagged,
                origin=f"Proposed by the landing-zone convention for {found.shown}",
            )  # fmt: skip
            origin, rest = text.split("\n", 1)
            advice = (
                f"# Review it, then commit it as src/conf/sources/{target.name}: the held-back "
                f"table\n# {arrival.bronze_table} then yields to the declared source (bronze, "
                "silver, quarantine)."
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"{origin}\n{advice}\n{rest}", encoding="utf-8")
        except Exception as exc:  # a proposal never fails the run
            lines.append(f"   ! {arrival.bronze_table}: not proposed: {_first_line(exc)}")
            continue
        lines.append(
            f"   > {arrival.bronze_table}: held back for {arrival.owner} "
            f"({found.shown}, {len(found.files)} file(s)); {_pii(flagged, sampled)}"
        )
        lines.append(
            f"     proposed source: {target} (review it, then commit it as "
            f"src/conf/sources/{target.name})"
        )
    return lines


def _flagged(arrival: ConventionSource, found: list[Suggestion]) -> dict[str, tuple[str, str]]:
    """Column -> (PII class, why) the proposal declares (``proposed_pii``)."""
    return proposed_pii((c.name for c in arrival.columns), found)


def _pii(flagged: Mapping[str, tuple[str, str]], sampled: int) -> str:
    scanned = f"scanned {sampled:,} row(s)"
    if not flagged:
        return f"{scanned}: no column looks like PII"
    found = ", ".join(f"{column} ({kind})" for column, (kind, _) in flagged.items())
    return f"{scanned}: PII declared in the proposal: {found}"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]
