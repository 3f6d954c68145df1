"""An independent reading of hotel landing files in plain Python, to check the pipeline against.

It re-implements the report's definitions (not its SQL): a booking counts on each night from
its arrival to the night before departure unless cancelled; the latest delivery of a booking
wins; a folio line's amount may arrive as ``charge_amount`` (the column's alias).
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CAPACITY = 320  # the report model's declared rooms_available


@dataclass(frozen=True)
class Day:
    rooms_occupied: int = 0
    room_revenue: Decimal = Decimal("0.00")
    meal_revenue: Decimal = Decimal("0.00")
    parking_revenue: Decimal = Decimal("0.00")

    def row(self) -> tuple[object, ...]:
        """(rooms_available, rooms_occupied, occupancy_rate, room_revenue, meal, parking,
        other, total, adr, revpar) as the report holds them."""
        other = self.meal_revenue + self.parking_revenue
        adr = _round(self.room_revenue / self.rooms_occupied, 2) if self.rooms_occupied else None
        return (
            CAPACITY, self.rooms_occupied, _round(Decimal(self.rooms_occupied) / CAPACITY, 4),
            self.room_revenue, self.meal_revenue, self.parking_revenue, other,
            self.room_revenue + other, adr, _round(self.room_revenue / CAPACITY, 2),
        )  # fmt: skip


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def _file_date(path: Path) -> str:
    found = re.search(r"_(\d{8})\.\w+$", path.name)
    return found.group(1) if found else ""


def _arrival(row: dict[str, str]) -> date | None:
    try:
        return date(int(row["arrival_year"]), int(row["arrival_month"]), int(row["arrival_date"]))
    except ValueError:
        return None


def reservation_rows(files: list[Path]) -> list[dict[str, str]]:
    """Every row of the extracts, oldest delivery first."""
    rows: list[dict[str, str]] = []
    for path in sorted(files, key=_file_date):
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def latest_valid_bookings(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Booking_ID -> its latest row among those with a real arrival date."""
    return {r["Booking_ID"]: r for r in rows if _arrival(r) is not None}


def daily(bookings: dict[str, dict[str, str]], folio_files: list[Path]) -> dict[date, Day]:
    """Report figures per night, from reservations and folio lines."""
    rooms: dict[date, int] = defaultdict(int)
    revenue: dict[date, Decimal] = defaultdict(Decimal)
    for row in bookings.values():
        arrival = _arrival(row)
        if row["booking_status"] == "Canceled" or arrival is None:
            continue
        nights = int(row["no_of_weekend_nights"]) + int(row["no_of_week_nights"])
        for offset in range(nights):
            night = arrival + timedelta(days=offset)
            rooms[night] += 1
            revenue[night] += Decimal(row["avg_price_per_room"])
    extras: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for line in folio_records(folio_files).values():
        amount = line.get("amount", line.get("charge_amount"))
        if amount is not None and line["charge_type"] != "room":
            key = (date.fromisoformat(str(line["charge_date"])), str(line["charge_type"]))
            extras[key] += Decimal(str(amount))
    nights_seen = set(rooms) | {night for night, _ in extras}
    if not nights_seen:
        return {}
    first, last = min(nights_seen), max(nights_seen)
    out = {}
    for offset in range((last - first).days + 1):
        night = first + timedelta(days=offset)
        out[night] = Day(
            rooms[night],
            revenue[night] + Decimal("0.00"),
            extras[(night, "meal")] + Decimal("0.00"),
            extras[(night, "parking")] + Decimal("0.00"),
        )
    return out


def folio_records(files: list[Path]) -> dict[str, dict[str, object]]:
    """folio_line_id -> its latest record (JSON numbers as Decimal)."""
    records: dict[str, dict[str, object]] = {}
    for path in sorted(files, key=_file_date):
        for text in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(text, parse_float=Decimal)
            records[str(record["folio_line_id"])] = record
    return records
