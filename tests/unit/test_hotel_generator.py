"""The hotel generator: exact quirk counts by seed, the real file's shape, folio drift."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from pipelines.demo import generate_hotel
from pipelines.demo.folios import SEGMENT_DISCOUNT
from pipelines.demo.hotel import RESERVATION_HEADER, price_text


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_reservation_extracts_have_the_real_quirks(tmp_path: Path) -> None:
    stats = generate_hotel(tmp_path, bookings_per_day=50, days=3, seed=5)
    names = [p.name for p in stats.reservation_files]
    assert names == [f"Hotel Reservations_2018022{d}.csv" for d in (6, 7, 8)]
    raw = stats.reservation_files[0].read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == 51  # CRLF, header + 50 rows
    rows = [r for path in stats.reservation_files for r in _rows(path)]
    assert tuple(_rows(stats.reservation_files[0])[0]) == RESERVATION_HEADER
    assert (stats.reservation_rows, stats.bookings, stats.cancellations) == (156, 150, 6)
    assert len(rows) == 156
    feb_29 = [r for r in rows if (r["arrival_month"], r["arrival_date"]) == ("2", "29")]
    assert len(feb_29) == stats.invalid_dates == 3
    # counted per booking: a cancellation re-delivers the same booking
    zero_price = {r["Booking_ID"] for r in rows if r["avg_price_per_room"] == "0"}
    assert len(zero_price) == stats.zero_prices == 6
    assert (
        len({r["Booking_ID"] for r in rows if r["no_of_adults"] == "0"}) == stats.zero_adults == 3
    )
    prices = [r["avg_price_per_room"] for r in rows if r["avg_price_per_room"] != "0"]
    assert (sum("." not in p for p in prices), sum("." in p for p in prices)) == (63, 86)
    cancelled = [r for r in rows if r["booking_status"] == "Canceled"]
    assert len(cancelled) == 6
    first_seen = {r["Booking_ID"]: r for r in reversed(rows)}
    assert all(first_seen[r["Booking_ID"]]["booking_status"] == "Not_Canceled" for r in cancelled)


def test_price_text_writes_the_shortest_form() -> None:
    assert [price_text(Decimal(v)) for v in ("65.00", "106.50", "106.68", "0")] == [
        "65", "106.5", "106.68", "0",
    ]  # fmt: skip


def test_folios_derive_from_stays_and_drift_by_day(tmp_path: Path) -> None:
    stats = generate_hotel(tmp_path, bookings_per_day=50, days=4, seed=5)
    folios = stats.folios
    assert [p.name for p in folios.files] == [f"folios_2018{d}.jsonl" for d in ("0226", "0227", "0228", "0301")]  # fmt: skip
    records = [
        [json.loads(line, parse_float=Decimal) for line in p.read_text().splitlines()]
        for p in folios.files
    ]
    assert sum(len(r) for r in records) == folios.lines == 327
    assert folios.late_lines == 6
    assert [kind for _, kind in folios.drift] == ["new_column", "renamed_column", "type_change"]
    assert all("tax_amount" in r and "amount" in r for r in records[1])
    assert all("charge_amount" in r and "amount" not in r for r in records[2])
    assert all(isinstance(r["amount"], str) for r in records[3])
    assert all(isinstance(r["amount"], Decimal) and "tax_amount" not in r for r in records[0])
    late = [r for day, rs in zip(("2018-02-27", "2018-02-28", "2018-03-01"), records[1:], strict=True) for r in rs if r["charge_date"] < day]  # fmt: skip
    assert len(late) == 6
    assert {r["charge_type"] for r in late} <= {"meal", "parking"}
    # every line references a booking whose latest version is a valid, not cancelled stay
    rows = {r["Booking_ID"]: r for p in stats.reservation_files for r in _rows(p)}
    referenced = {r["booking_id"] for rs in records for r in rs}
    assert all(rows[b]["booking_status"] == "Not_Canceled" for b in referenced)
    assert all(rows[b]["arrival_date"] != "29" for b in referenced)
    # a comp (discount 1) pays nothing for meals; the room line carries the booking's price
    comps = {b for b in referenced if rows[b]["market_segment_type"] == "Complementary"}
    comp_lines = [r for rs in records for r in rs if r["booking_id"] in comps]
    assert SEGMENT_DISCOUNT["Complementary"] == 1
    assert (len(comps), len(comp_lines)) == (2, 6)
    assert {Decimal(str(r.get("amount", r.get("charge_amount")))) for r in comp_lines} == {0}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    one = generate_hotel(tmp_path / "a", bookings_per_day=20, days=2, seed=3)
    two = generate_hotel(tmp_path / "b", bookings_per_day=20, days=2, seed=3)
    other = generate_hotel(tmp_path / "c", bookings_per_day=20, days=2, seed=4)
    files = [*one.reservation_files, *one.folios.files]
    same = [*two.reservation_files, *two.folios.files]
    different = [*other.reservation_files, *other.folios.files]
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in same]
    assert [f.read_bytes() for f in files] != [f.read_bytes() for f in different]
