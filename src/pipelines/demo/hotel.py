"""A hotel landing zone: daily reservation extracts with the quirks of the real INN file.

Each extract (``hotel/reservations/Hotel Reservations_YYYYMMDD.csv``: a space in the name,
CRLF line endings, the real file's 19 columns) holds the bookings made that day and, from the
second day on, a few earlier bookings again with ``booking_status = Canceled`` (a newer version
of the same ``Booking_ID``). Quirks per day, by count: rows dated 2018-02-29 (an impossible
date), zero room prices (comps), bookings with no adult; prices are written as the real file
writes them (``65``, ``106.5``, ``106.68``). The folio lines derived from the stays are written
by ``pipelines.demo.folios``. Deterministic by seed.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.demo.folios import FolioStats, write_folios

__all__ = ["RESERVATION_HEADER", "Booking", "HotelStats", "generate_hotel", "price_text"]

RESERVATION_HEADER = (
    "Booking_ID", "no_of_adults", "no_of_children", "no_of_weekend_nights",
    "no_of_week_nights", "type_of_meal_plan", "required_car_parking_space",
    "room_type_reserved", "lead_time", "arrival_year", "arrival_month", "arrival_date",
    "market_segment_type", "repeated_guest", "no_of_previous_cancellations",
    "no_of_previous_bookings_not_canceled", "avg_price_per_room", "no_of_special_requests",
    "booking_status",
)  # fmt: skip
_MEAL_PLANS = ("Meal Plan 1",) * 6 + ("Not Selected",) * 2 + ("Meal Plan 2", "Meal Plan 3")
_ROOM_TYPES = ("Room_Type 1",) * 6 + ("Room_Type 4",) * 2 + ("Room_Type 2", "Room_Type 6")
_SEGMENTS = ("Online",) * 6 + ("Offline",) * 3 + ("Corporate", "Aviation")
_INVALID_ARRIVAL = (2018, 2, 29)  # what the real file holds in 37 rows


@dataclass(frozen=True)
class Booking:
    """One version of a reservation, as a row of an extract."""

    booking_id: str
    adults: int
    children: int
    check_in: date
    nights: int
    meal_plan: str
    parking: bool
    room_type: str
    lead_time: int
    segment: str
    price: Decimal
    special_requests: int
    status: str = "Not_Canceled"
    invalid_date: bool = False  # written as 2018-02-29 instead of check_in

    @property
    def weekend_nights(self) -> int:
        """Nights starting on a Saturday or a Sunday."""
        days = (self.check_in + timedelta(days=i) for i in range(self.nights))
        return sum(1 for day in days if day.weekday() >= 5)

    @property
    def guests(self) -> int:
        """Adults and children."""
        return self.adults + self.children

    def row(self) -> list[str]:
        """The extract's columns, in the real file's order and formats."""
        year, month, day = (
            _INVALID_ARRIVAL
            if self.invalid_date
            else (self.check_in.year, self.check_in.month, self.check_in.day)
        )
        return [
            self.booking_id, str(self.adults), str(self.children), str(self.weekend_nights),
            str(self.nights - self.weekend_nights), self.meal_plan, str(int(self.parking)),
            self.room_type, str(self.lead_time), str(year), str(month), str(day),
            self.segment, "0", "0", "0", price_text(self.price), str(self.special_requests),
            self.status,
        ]  # fmt: skip


@dataclass(frozen=True)
class HotelStats:
    """What was written, so tests and the demo can check a run against it."""

    reservation_files: tuple[Path, ...]
    reservation_rows: int
    bookings: int
    cancellations: int
    invalid_dates: int
    zero_prices: int
    zero_adults: int
    folios: FolioStats


def price_text(price: Decimal) -> str:
    """``65``, ``106.5`` or ``106.68``: the shortest form, as the real file writes prices."""
    text = f"{price:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _booking(rng: random.Random, booking_id: str, booked_on: date) -> Booking:
    lead = rng.choice((0, 0, 1, 1, 2, 3, 4, 5))
    cents = rng.randrange(6000, 22000)
    if rng.random() < 0.45:
        cents -= cents % 100  # a whole price, written as an int
    return Booking(
        booking_id=booking_id,
        adults=rng.choice((1, 2, 2, 2, 2, 3)),
        children=rng.choice((0, 0, 0, 0, 1, 2)),
        check_in=booked_on + timedelta(days=lead),
        nights=rng.choice((1, 1, 2, 2, 3, 4)),
        meal_plan=rng.choice(_MEAL_PLANS),
        parking=rng.random() < 0.12,
        room_type=rng.choice(_ROOM_TYPES),
        lead_time=lead,
        segment=rng.choice(_SEGMENTS),
        price=Decimal(cents) / 100,
        special_requests=rng.choice((0, 0, 1, 2)),
    )


def _with_quirks(
    rng: random.Random, bookings: list[Booking], invalid: int, zero_price: int, no_adult: int
) -> list[Booking]:
    """Give distinct bookings of the day an impossible date, a zero price or no adult."""
    picked = rng.sample(range(len(bookings)), invalid + zero_price + no_adult)
    out = list(bookings)
    for position, index in enumerate(picked):
        booking = out[index]
        if position < invalid:
            out[index] = replace(booking, invalid_date=True)
        elif position < invalid + zero_price:
            segment = "Complementary" if position % 2 == 0 else "Online"  # both occur for real
            out[index] = replace(booking, price=Decimal(0), segment=segment)
        else:
            out[index] = replace(booking, adults=0, children=max(booking.children, 1))
    return out


def generate_hotel(
    out_dir: Path,
    *,
    bookings_per_day: int = 60,
    days: int = 4,
    start: date = date(2018, 2, 26),
    seed: int = 11,
    invalid_dates_per_day: int = 1,
    zero_prices_per_day: int = 2,
    zero_adults_per_day: int = 1,
    cancellations_per_day: int = 3,
) -> HotelStats:
    """Write ``reservations/`` extracts and ``folios/`` lines under ``out_dir``, one per day.

    A cancellation re-delivers a booking made on an earlier day whose stay has not started yet.
    Folio lines are posted for the nights from ``start`` to the last extract's day.
    """
    rng = random.Random(seed)
    folder = out_dir / "reservations"
    folder.mkdir(parents=True, exist_ok=True)
    latest: dict[str, Booking] = {}
    # The bookings that may still be cancelled, in ``latest``'s order: a booking that arrived
    # or was cancelled never is again, so each day filters these, not every booking so far.
    may_cancel: list[str] = []
    files: list[Path] = []
    rows = cancelled = 0
    for day in range(days):
        today = start + timedelta(days=day)
        new = [
            _booking(rng, f"INN{len(latest) + i + 1:05d}", today) for i in range(bookings_per_day)
        ]
        new = _with_quirks(
            rng, new, invalid_dates_per_day, zero_prices_per_day, zero_adults_per_day
        )
        may_cancel = [
            i
            for i in may_cancel
            if latest[i].status == "Not_Canceled"
            and not latest[i].invalid_date
            and latest[i].check_in > today
        ]
        open_ = [latest[i] for i in may_cancel]
        cancellations = [
            replace(b, status="Canceled")
            for b in rng.sample(open_, min(cancellations_per_day, len(open_)))
        ]
        lines = new + cancellations
        rng.shuffle(lines)
        path = folder / f"Hotel Reservations_{today:%Y%m%d}.csv"
        _write_extract(path, lines)
        files.append(path)
        may_cancel += [b.booking_id for b in lines if b.booking_id not in latest]
        latest.update({b.booking_id: b for b in lines})
        rows, cancelled = rows + len(lines), cancelled + len(cancellations)
    nights = [start + timedelta(days=i) for i in range(days)]
    folios = write_folios(out_dir / "folios", list(latest.values()), nights, rng)
    return HotelStats(
        reservation_files=tuple(files),
        reservation_rows=rows,
        bookings=len(latest),
        cancellations=cancelled,
        invalid_dates=invalid_dates_per_day * days,
        zero_prices=zero_prices_per_day * days,
        zero_adults=zero_adults_per_day * days,
        folios=folios,
    )


def _write_extract(path: Path, bookings: list[Booking]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # CRLF, like the real file
        writer.writerow(RESERVATION_HEADER)
        writer.writerows(b.row() for b in bookings)
