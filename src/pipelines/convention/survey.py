"""Look at the landing root: which files no source reads, and which of those the landing-zone
convention loads (``<team>/<table>_<YYYYMMDD>.csv|json|parquet``). File names only, no Spark:
``lakehouse validate`` and ``status`` list the result in milliseconds."""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from pipelines.config.convention import (
    ARRIVAL_FILE,
    ARRIVAL_SHAPE,
    Arrival,
    Stray,
    Survey,
    Yielded,
)
from pipelines.config.landing import reads
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import FileSource
from pipelines.config.suggest import did_you_mean

__all__ = ["landing_files", "survey_landing"]


def landing_files(landing: Path) -> list[str]:
    """Every file under ``landing`` (relative, ``/``-separated, sorted). Like Spark, a name
    starting with ``.`` or ``_`` is hidden, and so is what is below it (``_extracts``)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(landing):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        base = Path(folder).relative_to(landing)
        found += [(base / f).as_posix() for f in files if not f.startswith((".", "_"))]
    return sorted(found)


def survey_landing(landing: Path, config: LakehouseConfig) -> Survey:
    """What ``landing`` holds that no source of ``config`` reads: the convention's arrivals
    (one per team and table), the tables whose files a source reads now (they yield), and
    the files the convention cannot load, grouped by folder and reason."""
    teams = sorted(g.name for g in config.access.groups if g.feature_team)
    patterns = {s.name: s.source.path for s in config.sources if isinstance(s.source, FileSource)}
    arrivals: dict[tuple[str, str], Arrival] = {}
    yielded: dict[tuple[str, str], Yielded] = {}
    strays: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for path in landing_files(landing) if landing.is_dir() else []:
        parts = path.split("/")
        covering = next((name for name, glob in patterns.items() if reads(glob, path)), None)
        verdict = _classify(parts, teams, patterns)
        if covering is not None:
            if isinstance(verdict, re.Match):  # a team's table, declared now
                key = (parts[0], verdict["table"])
                yielded[key] = Yielded(*key, covering)
            continue
        if isinstance(verdict, re.Match):
            key = (parts[0], verdict["table"])
            known = arrivals.get(key)
            if known is None or known.format == verdict["format"]:
                files = (*(known.files if known else ()), path)
                arrivals[key] = Arrival(*key, verdict["format"], files)
                continue
            why = f"'{key[1]}' arrives as {known.format} already: one format per table"
            verdict = (f"{parts[0]}/", why)
        strays[verdict] += 1
        examples.setdefault(verdict, path)
    return Survey(
        landing,
        tuple(arrivals.values()),
        tuple(yielded.values()),
        tuple(Stray(w, n, why, examples[(w, why)]) for (w, why), n in strays.items()),
    )


def _classify(
    parts: list[str], teams: list[str], patterns: dict[str, str]
) -> re.Match[str] | tuple[str, str]:
    """The file name's parts when the convention loads the file, else (where, why not)."""
    folder = parts[0]
    if len(parts) == 1:
        return parts[0], f"a file at the landing root: the convention reads {ARRIVAL_SHAPE}"
    if folder not in teams:
        readers = [f"'{n}' reads '{g}'" for n, g in patterns.items() if g.split("/")[0] == folder]
        if readers:
            return f"{folder}/", f"no source reads these files ({', '.join(readers)})"
        hint = did_you_mean(folder, teams)
        return f"{folder}/", f"'{folder}' is no feature team of access.yml and no source reads it{hint}"  # fmt: skip # noqa: E501
    if len(parts) > 2:
        return f"{folder}/{parts[1]}/", f"in a subfolder: the convention reads {ARRIVAL_SHAPE}"
    found = ARRIVAL_FILE.match(parts[1])
    if found is None:
        return f"{folder}/", f"not named {ARRIVAL_SHAPE.removeprefix('<team>/')}"
    try:
        datetime.strptime(found["date"], "%Y%m%d")
    except ValueError:
        return f"{folder}/", f"'{found['date']}' is no date (YYYYMMDD)"
    return found
