"""The landing-zone convention, as data: what an undeclared arrival is and where it lives.

A feature team drops ``<team>/<table>_<YYYYMMDD>.csv`` (or ``.json``, ``.parquet``) into the
landing root and, with no YAML yet, gets a bronze table of its own: ``landing_<team>.<table>``.
``pipelines.convention`` looks at the landing (``survey_landing``) and synthesises a
:class:`ConventionSource` per arrival; the graph builds its bronze table only (no silver, no
quarantine: those need a contract), and the run proposes that contract.

Where the table lives, and why there. An undeclared file may carry personal data nobody has
declared, so its raw rows must be held back from everyone but the team that delivered them:

- not ``bronze``: ``data_engineers`` read it schema-wide, and gold SQL and the endpoint read it;
- not ``bronze_pii``: only ``pii_readers`` may read it (``access.yml`` and Terraform enforce
  that), yet the delivering team must read its rows to write the contract;
- a schema per team, ``landing_<team>``: ``lakehouse grants`` gives that team (and nobody
  else) ``SELECT`` on it from ``access.yml`` alone, before any table exists (Unity Catalog
  applies a schema grant to the tables created later); no group can read it through
  ``access.yml`` (not a schema a group may name), config SQL may not read it, and two teams
  delivering the same table name do not collide.

When a source's YAML covers an arrival's files, the convention table yields: the declared
source reads the same files into ``bronze.<name>`` (masked), ``bronze_pii``, silver and
quarantine, and once its bronze table holds them the convention table is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipelines.config.base import landing_schema
from pipelines.config.model import SourceConfig

__all__ = [
    "ARRIVAL_FILE",
    "ARRIVAL_SHAPE",
    "DATE_GLOB",
    "Arrival",
    "ConventionSource",
    "Stray",
    "Survey",
    "Yielded",
]

DATE_GLOB = "[0-9]" * 8
"""Eight digits in a glob: ``orders_*.csv`` would also read ``orders_archive_<date>.csv``,
which is another table."""
ARRIVAL_FILE = re.compile(r"^(?P<table>[a-z][a-z0-9_]*)_(?P<date>\d{8})\.(?P<format>csv|json|parquet)$")  # fmt: skip # noqa: E501
ARRIVAL_SHAPE = "<team>/<table>_<YYYYMMDD>.csv, .json or .parquet"


class ConventionSource(SourceConfig):
    """An arrival no config declares yet, read by the convention: its bronze table only, in
    its team's landing schema. ``owner`` is the team (the landing folder's name); the columns
    are the first file's, evolving with later files (``schema_drift: evolve``)."""

    convention: Literal[True] = True

    @property
    def bronze_table(self) -> str:
        """``landing_<team>.<table>``: held back for the team until a contract exists."""
        return f"{landing_schema(self.owner)}.{self.name}"


@dataclass(frozen=True)
class _TeamTable:
    team: str
    table: str

    @property
    def dataset(self) -> str:
        """Its convention table: ``landing_<team>.<table>``."""
        return f"{landing_schema(self.team)}.{self.table}"


@dataclass(frozen=True)
class Arrival(_TeamTable):
    """Files of one team and table that no source reads: the convention loads them."""

    format: str
    files: tuple[str, ...]
    """Relative to the landing root, oldest delivery first."""

    @property
    def path(self) -> str:
        """The glob of its files (a source's ``path``)."""
        return f"{self.team}/{self.table}_{DATE_GLOB}.{self.format}"

    @property
    def shown(self) -> str:
        """The glob as people read it."""
        return f"{self.team}/{self.table}_YYYYMMDD.{self.format}"


@dataclass(frozen=True)
class Yielded(_TeamTable):
    """A team's table whose files a declared source reads now: the convention lets go (the
    next run drops its convention table)."""

    source: str


@dataclass(frozen=True)
class Stray:
    """Landing files no source reads and the convention cannot load, and why."""

    where: str
    files: int
    reason: str
    example: str


@dataclass(frozen=True)
class Survey:
    """What a look at the landing root found that no config declares."""

    landing: Path
    arrivals: tuple[Arrival, ...] = ()
    yielded: tuple[Yielded, ...] = ()
    strays: tuple[Stray, ...] = ()
