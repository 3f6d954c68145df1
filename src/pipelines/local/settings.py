"""Where a local run keeps its state, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "project_root"]


@dataclass(frozen=True)
class Settings:
    """Paths of a local lakehouse.

    Attributes:
        home: ``$LAKEHOUSE_HOME`` (default ``.lakehouse``): metastore, warehouse, checkpoints.
        landing: ``$LAKEHOUSE_LANDING`` (default ``<home>/landing``): where source files land.
        conf: ``$LAKEHOUSE_CONF`` (default ``src/conf``): the config tree.
    """

    home: Path
    landing: Path
    conf: Path

    @classmethod
    def from_env(cls, cwd: Path | None = None) -> Settings:
        """Resolve the three roots from the environment (a relative path: from ``cwd``); the
        defaults are under the project root, found upward from ``cwd`` (``project_root``)."""
        base = (cwd or Path.cwd()).resolve()
        root = project_root(base)
        home = _path("LAKEHOUSE_HOME", root / ".lakehouse", base)
        landing = _path("LAKEHOUSE_LANDING", home / "landing", base)
        conf = _path("LAKEHOUSE_CONF", root / "src" / "conf", base)
        return cls(home=home, landing=landing, conf=conf)

    @property
    def warehouse(self) -> Path:
        """Folder of the managed tables."""
        return self.home / "warehouse"

    @property
    def metastore(self) -> Path:
        """Embedded Derby metastore (one process at a time)."""
        return self.home / "metastore_db"

    @property
    def storage(self) -> Path:
        """Pipeline storage root: streaming checkpoints."""
        return self.home / "pipeline_storage"

    @property
    def logs(self) -> Path:
        """Spark's log files."""
        return self.home / "logs"


def project_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``src/conf/project.yml``, as the
    Databricks CLI finds ``databricks.yml``: commands work from any folder of the project.
    ``start`` itself when no folder does (the config loader then says what is missing)."""
    for folder in (start, *start.parents):
        if (folder / "src" / "conf" / "project.yml").is_file():
            return folder
    return start


def _path(variable: str, default: Path, base: Path) -> Path:
    value = os.environ.get(variable)
    return (base / value).resolve() if value else default
