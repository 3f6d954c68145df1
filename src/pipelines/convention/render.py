"""What ``lakehouse validate`` and ``lakehouse status`` say about the landing: the arrivals no
source declares yet (the convention's tables, their proposals) and the files nothing loads."""

from __future__ import annotations

from pathlib import Path

from pipelines.config.convention import Survey
from pipelines.config.loader import LakehouseConfig
from pipelines.convention.propose import proposal_path
from pipelines.convention.survey import survey_landing

__all__ = ["arrival_lines", "landing_report"]


def landing_report(config: LakehouseConfig, landing: Path, proposals: Path) -> list[str]:
    """:func:`arrival_lines` of what ``landing`` holds now."""
    return arrival_lines(config, survey_landing(landing, config), proposals)


def arrival_lines(config: LakehouseConfig, survey: Survey, proposals: Path) -> list[str]:
    """The lines (none when every landed file is declared); ``proposals``: the folder where
    runs propose the arrivals' sources."""
    lines: list[str] = []
    if survey.arrivals:
        lines.append(
            f"landing {survey.landing}: {len(survey.arrivals)} arrival(s) no source declares "
            "yet, loaded by the convention:"
        )
    for arrival in survey.arrivals:
        path = proposal_path(proposals, config, survey, arrival)
        proposed = f"proposed source: {path}" if path.is_file() else "no proposal yet (a run writes it)"  # fmt: skip # noqa: E501
        lines.append(
            f"  {arrival.shown}: {len(arrival.files)} file(s) -> {arrival.dataset} "
            f"(held back for {arrival.team}); {proposed}"
        )
    if survey.strays:
        files = sum(s.files for s in survey.strays)
        lines.append(
            f"landing {survey.landing}: {files} file(s) no source reads and the convention "
            "does not load:"
        )
    for stray in survey.strays:
        lines.append(f"  {stray.where}: {stray.files} file(s) (e.g. {stray.example}): {stray.reason}")  # fmt: skip # noqa: E501
    return lines
