"""Booking status changes as Kafka messages (source ``booking_events``), with the usual trouble.

The reservation system publishes the whole booking each time its status changes, keyed by
``booking_id``, ordered per booking by ``event_seq``. Besides plain changes the topic holds
what a real one sends sooner or later: a change that arrives before the one it follows (out of
order), a change sent twice, three values that are no JSON object (free text, a truncated
object, an array), an unknown status and a non-numeric ``nights`` (quarantined by the rules),
and a key the contract does not declare (kept in bronze's ``_rescued_data``).

Silver then holds 6 bookings; quarantine 5 messages (3 ``unparseable_row``); 8 messages are
older versions or the duplicate. The demo produces them; the tests assert those counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipelines.demo.kafka import Message

__all__ = ["BOOKING_EVENTS", "BOOKING_EVENTS_TOPIC", "BOOKING_EVENTS_TROUBLE", "booking_event"]

BOOKING_EVENTS_TOPIC = "hotel.booking-events.v1"
_BOOKINGS = {
    "B1001": ("Paris Marais", "double", "2026-05-01", 3, "420.00"),
    "B1002": ("Lisbon Alfama", "single", "2026-05-03", 2, "180.00"),
    "B1003": ("Berlin Mitte", "suite", "2026-05-10", 4, "960.00"),
    "B1004": ("Paris Marais", "double", "2026-06-01", 1, "140.00"),
    "B1005": ("Lisbon Alfama", "double", "2026-06-12", 5, "650.00"),
    "B1006": ("Berlin Mitte", "single", "2026-07-01", 2, "210.00"),
}


def booking_event(
    booking_id: str, seq: int, status: str, minute: int, **changes: object
) -> Message:
    """The message of one status change: the whole booking as JSON, keyed by its id."""
    hotel, room_type, check_in, nights, amount = _BOOKINGS.get(
        booking_id, ("Paris Marais", "single", "2026-08-01", 1, "99.00")
    )
    value = {
        "booking_id": booking_id, "event_seq": seq, "status": status,
        "changed_at": f"2026-04-20T09:{minute:02d}:00Z", "hotel": hotel, "room_type": room_type,
        "check_in": check_in, "nights": nights, "amount": amount, "currency": "EUR",
    }  # fmt: skip
    return booking_id, json.dumps(value | changes)


BOOKING_EVENTS: Sequence[Message] = (
    booking_event("B1001", 1, "booked", 0),
    booking_event("B1002", 1, "booked", 1),
    booking_event("B1001", 2, "confirmed", 2),
    booking_event("B1003", 1, "booked", 3),
    booking_event("B1002", 3, "cancelled", 6),  # arrives before seq 2
    booking_event("B1002", 2, "confirmed", 4),  # out of order: older than the current one
    booking_event("B1004", 1, "booked", 7),
    booking_event("B1003", 2, "confirmed", 8),
    booking_event("B1003", 2, "confirmed", 8),  # sent twice
    booking_event("B1001", 3, "checked_in", 9),
    booking_event("B1005", 1, "booked", 10),
    ("B1006", "booking B1006 confirmed by phone"),  # not JSON
    ("B1006", '{"booking_id": "B1006", "event_seq": 2, "status": "conf'),  # truncated
    ("B1006", '[{"booking_id": "B1006", "event_seq": 2}]'),  # JSON, but not an object
    booking_event("B1004", 2, "lost", 12),  # status not accepted
    booking_event("B1005", 2, "confirmed", 13, nights="five"),  # nights is no number
    booking_event("B1006", 1, "booked", 14, channel="mobile"),  # undeclared key: rescued
    booking_event("B1004", 3, "cancelled", 15),
    booking_event("B1001", 4, "checked_out", 16),
)
BOOKING_EVENTS_TROUBLE = "3 malformed, 2 with bad values, 1 sent twice, 1 out of order"
"""What ``BOOKING_EVENTS`` holds besides plain changes (the demo says it)."""
