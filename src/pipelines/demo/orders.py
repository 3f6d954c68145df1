"""Order change events (CDC) as JSON lines: inserts, updates, deletes and the usual trouble.

Two daily files from an order service. Besides plain inserts and updates they hold what a
real change feed sends sooner or later: an event that arrives before the one it follows
(out of order), an event sent twice (same key and sequence), a delete that arrives after a
later update (lower sequence than the current row), a delete carrying only its key, a
correction of a column whose history is not tracked, and rows the quality rules reject
(unknown brand, unknown status, zero quantity with a negative amount, no sequence) or warn
about (a lower-case currency). Inserts and updates name the customer (an id of the customer
file feed, ``C00001``...); a delete carries only its key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["OrdersStats", "generate_orders_cdc"]

_COLUMNS = ("order_id", "brand", "status", "quantity", "amount", "currency", "sequence_num", "op")
_CUSTOMER_OF = {1: "C00001", 2: "C00002", 3: "C00003", 4: "C00001", 5: "C00004", 6: "C00005",
                7: "C00002", 8: "C00006", 9: "C00003"}  # fmt: skip
"""The customer of each order (``customer_feed`` ids the demo's feed generates)."""
_DAY_ONE = (
    (1, "HP", "placed", 1, "499.00", "EUR", 1, "INSERT"),
    (2, "Dell", "placed", 2, "1200.00", "EUR", 2, "INSERT"),
    (3, "Acer", "placed", 1, "349.90", "EUR", 3, "INSERT"),
    (1, "HP", "paid", 1, "499.00", "EUR", 4, "UPDATE"),
    (4, "Lenovo", "placed", 3, "897.00", "EUR", 5, "INSERT"),
    (2, "Dell", "paid", 2, "1200.00", "EUR", 6, "UPDATE"),
    (5, "Apple", "placed", 1, "999.00", "EUR", 7, "INSERT"),  # brand not in the catalog
    (6, "Samsung", "lost", 1, "650.00", "EUR", 8, "INSERT"),  # status not accepted
    (7, "Toshiba", "placed", 0, "-5.00", "EUR", 9, "INSERT"),  # quantity and amount
)
_DAY_TWO = (
    (1, "HP", "shipped", 1, "499.00", "EUR", 10, "UPDATE"),
    (3, None, None, None, None, None, 11, "DELETE"),  # a delete carries only its key
    (2, "Dell", "shipped", 2, "1200.00", "EUR", 12, "UPDATE"),
    (4, "Lenovo", "shipped", 3, "897.00", "EUR", 14, "UPDATE"),  # arrives before seq 13
    (4, "Lenovo", "paid", 3, "897.00", "EUR", 13, "UPDATE"),  # out of order
    (2, "Dell", "shipped", 2, "1200.00", "EUR", 12, "UPDATE"),  # sent twice
    (1, None, None, None, None, None, 7, "DELETE"),  # older than the current row (seq 10)
    (4, "Lenovo", "shipped", 3, "897.00", "USD", 15, "UPDATE"),  # untracked correction
    (8, "Samsung", "placed", 1, "650.00", "eur", 16, "INSERT"),  # currency: warn only
    (9, "HP", "placed", 1, "120.00", "EUR", None, "INSERT"),  # no sequence
)


@dataclass(frozen=True)
class OrdersStats:
    """What was written."""

    files: tuple[Path, ...]
    events: int

    def __str__(self) -> str:
        folder = self.files[0].parent if self.files else "-"
        return f"{self.events} order change events in {len(self.files)} files under {folder}"


def generate_orders_cdc(out_dir: Path, *, now: datetime | None = None) -> OrdersStats:
    """Write ``orders_cdc_1.json`` and ``orders_cdc_2.json`` into ``out_dir``.

    ``updated_at`` of the events lies in the last hours before ``now`` (default: the current
    time), so a freshness check of the feed passes.
    """
    now = now or datetime.now(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for day, events in enumerate((_DAY_ONE, _DAY_TWO), start=1):
        path = out_dir / f"orders_cdc_{day}.json"
        lines = []
        for index, event in enumerate(events):
            row = dict(zip(_COLUMNS, event, strict=True))
            if row["op"] != "DELETE":
                row["customer_id"] = _CUSTOMER_OF[int(str(row["order_id"]))]
            stamp = now - timedelta(hours=4 - day, minutes=len(events) - index)
            row["updated_at"] = stamp.strftime("%Y-%m-%dT%H:%M:%S")
            lines.append(json.dumps(row))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    return OrdersStats(tuple(files), len(_DAY_ONE) + len(_DAY_TWO))
