"""An independent reading of generated catalog files, to check the pipeline against."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

WIDTH = 7  # brand, category_id, comment, currency, description, image, year_release


@dataclass(frozen=True)
class Expected:
    rows: int
    silver: int
    quarantined: int
    team_a: int
    team_b: int


def _is_int(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _problem(row: list[str]) -> bool:
    if len(row) != WIDTH:
        return True
    brand, category, *_, year = row
    if not brand.strip() or (category.strip() and not _is_int(category)):
        return True
    return bool(year.strip()) and (not _is_int(year) or not 1900 <= int(year) <= 2100)


def expected_from(files: list[Path]) -> Expected:
    """Counts a correct pipeline must produce for these files (all with distinct dates)."""
    rows: list[list[str]] = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(list(csv.reader(handle))[1:])
    bad = [r for r in rows if _problem(r)]
    good = {tuple(r) for r in rows if not _problem(r)}
    team_a = [r for r in good if r[5].strip()]
    team_b = [r for r in good if r[0] == "Samsung" and r[6].strip() and int(r[6]) > 2000 and not r[5].strip()]  # fmt: skip
    return Expected(len(rows), len(good), len(bad), len(team_a), len(team_b))
