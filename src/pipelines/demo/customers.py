"""A customer feed with personal data, for the PII split (scenario C) and its tests.

Daily CSV extracts ``customer_feed_YYYYMMDD.csv``. Each day brings new customers and re-sends some
earlier ones with the same person written differently, febrl-style: upper-case e-mail with
spaces around it, another phone format, a leading space before a name, a date of birth in
another format or impossible (``19371233``). Three rows a day are bad: a line with an extra
field (unparseable, and full of PII), a missing customer id, a signup date that is no date.
From the second day the export drifts: a ``middle_name`` column the contract does not declare
(personal data nobody declared: the reader rescues it into ``_rescued_data``).

Everything is invented (``example.*`` domains, no real people).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

__all__ = [
    "CUSTOMER_HEADER",
    "DRIFTED_COLUMN",
    "PII_COLUMNS",
    "CustomerStats",
    "generate_customers",
]

CUSTOMER_HEADER = (
    "customer_id", "given_name", "surname", "email", "phone", "date_of_birth",
    "street_address", "suburb", "postcode", "state", "signup_date",
)  # fmt: skip
PII_COLUMNS = ("given_name", "surname", "email", "phone", "date_of_birth", "street_address")
DRIFTED_COLUMN = "middle_name"
"""Undeclared (and personal) column of every delivery from the second day on."""
_DRIFT_FROM = 1
_MIDDLE = ("Rose", "Maree", "Louise", "Anne", "Jean", "Kate", "Joseph", "Patrick", "Lee")
_GIVEN = (
    "Olivia", "Liam", "Charlotte", "Noah", "Amelia", "Jack", "Isla", "William", "Mia",
    "Oliver", "Ava", "Thomas", "Grace", "James", "Chloe", "Lucas", "Zoe", "Henry", "Ruby",
    "Ethan",
)  # fmt: skip
_SURNAMES = (
    "Nguyen", "Smith", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
    "Anderson", "Thompson", "Walker", "Harris", "Clarke", "Ryan", "Robinson", "Kelly",
    "Murphy", "Campbell", "Stewart",
)  # fmt: skip
_STREETS = ("Banksia", "Wattle", "Jacaranda", "Kurrajong", "Boronia", "Waratah", "Grevillea")
_KINDS = ("Street", "Road", "Avenue", "Crescent", "Place")
_PLACES = (
    ("Parramatta", "2150", "NSW"), ("Fitzroy", "3065", "VIC"), ("Toowong", "4066", "QLD"),
    ("Glenelg", "5045", "SA"), ("Fremantle", "6160", "WA"), ("Braddon", "2612", "ACT"),
)  # fmt: skip
_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass(frozen=True)
class CustomerStats:
    """What was written: files, row counts, every raw PII value (for leak checks: the
    undeclared ``middle_name`` too), and each customer as first sent (``CUSTOMER_HEADER``
    order; the CRM demo table reuses them)."""

    files: tuple[Path, ...]
    rows: int
    bad_rows: int
    pii_values: frozenset[str]
    people: tuple[tuple[str, ...], ...] = ()


def _phone(rng: random.Random) -> str:
    digits = f"4{rng.randrange(10**7, 10**8)}"
    return f"0{digits[:3]} {digits[3:6]} {digits[6:]}"


def _reformat_phone(phone: str, rng: random.Random) -> str:
    digits = phone.replace(" ", "")[1:]
    return rng.choice((f"+61 {digits[:3]} {digits[3:6]} {digits[6:]}", f"0{digits}"))


def _person(rng: random.Random, number: int, day: date) -> list[str]:
    given, surname = rng.choice(_GIVEN), rng.choice(_SURNAMES)
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 62))
    street = f"{rng.randrange(1, 200)} {rng.choice(_STREETS)} {rng.choice(_KINDS)}"
    if rng.random() < 0.2:
        street = f"Unit {rng.randrange(1, 30)}, {street}"  # a quoted comma in the CSV
    suburb, postcode, state = rng.choice(_PLACES)
    email = f"{given}.{surname}{number}@{rng.choice(_DOMAINS)}".lower()
    return [
        f"C{number:05d}", given, surname, email, _phone(rng), born.isoformat(), street,
        suburb, postcode, state, day.isoformat(),
    ]  # fmt: skip


def _messy(row: list[str], rng: random.Random, day: date) -> list[str]:
    """The same customer sent again, written differently (febrl-style noise)."""
    again = [*row]
    again[3] = f"  {row[3].upper()} "
    again[4] = _reformat_phone(row[4], rng)
    again[1] = f" {row[1]}"
    born = row[5]
    again[5] = rng.choice((born.replace("-", ""), f"{born[8:]}/{born[5:7]}/{born[:4]}", "19371233"))
    again[10] = day.isoformat()
    return again


def _bad_rows(rng: random.Random, number: int, day: date) -> list[list[str]]:
    extra = [*_person(rng, number, day), "unexpected extra field"]
    no_id, bad_date = _person(rng, number + 1, day), _person(rng, number + 2, day)
    no_id[0], bad_date[10] = "", "not-a-date"
    return [extra, no_id, bad_date]


def generate_customers(
    out_dir: Path,
    *,
    rows_per_day: int = 40,
    days: int = 3,
    start: date = date(2021, 4, 3),
    seed: int = 11,
    with_bad_rows: bool = True,
) -> CustomerStats:
    """Write ``customer_feed_YYYYMMDD.csv`` files, one per day, into ``out_dir``.

    About 10% of a day's rows re-send earlier customers in another format.
    """
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    sent: list[list[str]] = []
    lines_written = bad = 0
    number = 1
    for offset in range(days):
        day = start + timedelta(days=offset)
        rows = [_person(rng, number + i, day) for i in range(rows_per_day)]
        number += rows_per_day
        repeats = [
            _messy(r, rng, day) for r in rng.sample(sent, min(len(sent), rows_per_day // 10))
        ]
        extra = _bad_rows(rng, number, day) if with_bad_rows else []
        number += len(extra)
        lines = rows + repeats + extra
        rng.shuffle(lines)
        header: tuple[str, ...] = CUSTOMER_HEADER
        if offset >= _DRIFT_FROM:  # no random draw: the other values stay as they were
            header = (*header, DRIFTED_COLUMN)
            lines = [_with_middle_name(line) for line in lines]
        path = out_dir / f"customer_feed_{day:%Y%m%d}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(lines)
        files.append(path)
        sent += rows
        lines_written, bad = lines_written + len(lines), bad + len(extra)
    people = tuple(tuple(row) for row in sent)
    return CustomerStats(tuple(files), lines_written, bad, _pii_values(files), people)


def _with_middle_name(line: list[str]) -> list[str]:
    """The line with a middle name after its declared fields (an extra field stays extra)."""
    width = len(CUSTOMER_HEADER)
    number = sum(ord(c) for c in "".join(line[:width]))  # deterministic, no random draw
    return [*line[:width], _MIDDLE[number % len(_MIDDLE)], *line[width:]]


def _pii_values(files: list[Path]) -> frozenset[str]:
    values: set[str] = set()
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            header, *lines = list(csv.reader(handle))
        indexes = [header.index(c) for c in (*PII_COLUMNS, DRIFTED_COLUMN) if c in header]
        for line in lines:
            values.update(line[i] for i in indexes if i < len(line) and line[i].strip())
    return frozenset(values)
