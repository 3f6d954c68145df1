"""The landing-zone convention: ``<team>/<table>_<YYYYMMDD>.csv`` dropped into the landing
root becomes a bronze table held back for that team, with a proposed contract to review
(``pipelines.config.convention`` says where the table lives and why)."""

from pipelines.convention.sources import convention_source, with_arrivals
from pipelines.convention.survey import landing_files, survey_landing

__all__ = ["PROPOSALS", "convention_source", "landing_files", "survey_landing", "with_arrivals"]

PROPOSALS = "proposals"
"""The folder under ``$LAKEHOUSE_HOME`` where runs propose the arrivals' contracts."""
