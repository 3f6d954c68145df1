"""Folio (charge) lines derived from reservations, as daily JSON-lines files with drift.

No public folio data exists. The lines follow the charge lookups of the public "hotel revenue"
tutorial data (``shared/data/hotel_revenue_multitable``): room nights x rate, meals per guest
from ``meal_cost.csv`` and the discount per market segment from ``market_segment.csv``. The
few lookup values are re-typed below as constants (the files are not read or copied).

One file per night audit, ``folios_YYYYMMDD.jsonl``: a ``room`` line per occupied room-night
at the booking's price (already net, 0 for comps), a ``meal`` line (meal cost x guests, less
the segment's discount) when a meal plan is booked and a ``parking`` line (flat rate, less the
discount) when a parking space is. A few lines of a night arrive one file late (late data).
Schema drift by file position (see ``DRIFT``): a new column, a renamed column, a retyped one.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.demo.hotel import Booking

__all__ = [
    "DRIFT",
    "FOLIO_FIELDS",
    "MEAL_COST",
    "SEGMENT_DISCOUNT",
    "FolioStats",
    "folio_lines",
    "write_folios",
]

# meal_cost.csv (cost per guest and night): BB 12.99, HB 17.99, FB 21.99; the INN file's
# plans 1/2/3 are bed & breakfast, half and full board. "Not Selected" books no meal.
MEAL_COST = {
    "Meal Plan 1": Decimal("12.99"),
    "Meal Plan 2": Decimal("17.99"),
    "Meal Plan 3": Decimal("21.99"),
}
# market_segment.csv: Online TA 0.3, Offline TA/TO 0.3, Corporate 0.15, Aviation 0.2,
# Complementary 1 (free), mapped onto the INN file's segment names.
SEGMENT_DISCOUNT = {
    "Online": Decimal("0.3"),
    "Offline": Decimal("0.3"),
    "Corporate": Decimal("0.15"),
    "Aviation": Decimal("0.2"),
    "Complementary": Decimal("1"),
}
PARKING_PER_NIGHT = Decimal("15.00")  # not in the lookups: a flat rate of our own
FOLIO_FIELDS = (
    "folio_line_id", "booking_id", "charge_date", "charge_type", "quantity", "unit_price",
    "amount", "currency",
)  # fmt: skip
DRIFT = {1: "new_column", 2: "renamed_column", 3: "type_change"}
"""File position -> drift: ``tax_amount`` appears; ``amount`` is renamed ``charge_amount``;
``amount`` is written as a JSON string instead of a number."""
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class FolioStats:
    """What was written."""

    files: tuple[Path, ...]
    lines: int
    late_lines: int
    drift: tuple[tuple[date, str], ...]


def _line(
    booking: Booking, night: date, kind: str, quantity: int, unit: Decimal
) -> dict[str, object]:
    unit = unit.quantize(_CENT, ROUND_HALF_UP)
    return {
        "folio_line_id": f"{booking.booking_id}-{night:%Y%m%d}-{kind}",
        "booking_id": booking.booking_id,
        "charge_date": night.isoformat(),
        "charge_type": kind,
        "quantity": quantity,
        "unit_price": unit,
        "amount": unit * quantity,
        "currency": "EUR",
    }


def folio_lines(booking: Booking, night: date) -> list[dict[str, object]]:
    """The charges of one booking for one night it occupies a room."""
    keep = 1 - SEGMENT_DISCOUNT[booking.segment]
    lines = [_line(booking, night, "room", 1, booking.price)]
    if booking.meal_plan in MEAL_COST:
        meal = MEAL_COST[booking.meal_plan] * keep
        lines.append(_line(booking, night, "meal", booking.guests, meal))
    if booking.parking:
        lines.append(_line(booking, night, "parking", 1, PARKING_PER_NIGHT * keep))
    return lines


def write_folios(
    folder: Path,
    bookings: list[Booking],
    nights: list[date],
    rng: random.Random,
    *,
    late_per_day: int = 2,
) -> FolioStats:
    """Write one ``folios_YYYYMMDD.jsonl`` per night from the latest version of each booking.

    ``late_per_day`` meal or parking lines of a night are delivered in the next night's file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    # Each booking's nights looked up, not each night's bookings scanned: a year of nights
    # over a million bookings is what a benchmark asks for (the same lines, in the same order).
    at = {night: index for index, night in enumerate(nights)}
    per_night: list[list[dict[str, object]]] = [[] for _ in nights]
    for booking in bookings:
        if booking.status != "Not_Canceled" or booking.invalid_date:
            continue
        for offset in range(booking.nights):
            index = at.get(booking.check_in + timedelta(days=offset))
            if index is not None:
                per_night[index].extend(folio_lines(booking, nights[index]))
    late = 0
    for index in range(1, len(per_night)):
        posted = nights[index - 1].isoformat()
        extras = [
            line
            for line in per_night[index - 1]
            if line["charge_type"] != "room" and line["charge_date"] == posted
        ]
        for line in rng.sample(extras, min(late_per_day, len(extras))):
            per_night[index - 1].remove(line)
            per_night[index].append(line)
            late += 1
    files = []
    for index, (night, lines) in enumerate(zip(nights, per_night, strict=True)):
        path = folder / f"folios_{night:%Y%m%d}.jsonl"
        drift = DRIFT.get(index)
        path.write_text("".join(json.dumps(_drifted(line, drift)) + "\n" for line in lines))
        files.append(path)
    drifts = tuple((nights[i], kind) for i, kind in DRIFT.items() if i < len(nights))
    return FolioStats(tuple(files), sum(len(lines) for lines in per_night), late, drifts)


def _drifted(line: dict[str, object], drift: str | None) -> dict[str, object]:
    """The JSON record of a line, with the file's drift applied."""
    record = {k: float(v) if isinstance(v, Decimal) else v for k, v in line.items()}
    amount = line["amount"]
    assert isinstance(amount, Decimal)
    if drift == "new_column":
        record["tax_amount"] = float((amount * Decimal("0.1")).quantize(_CENT, ROUND_HALF_UP))
    elif drift == "renamed_column":
        record["charge_amount"] = record.pop("amount")
    elif drift == "type_change":
        record["amount"] = f"{amount:.2f}"
    return record
