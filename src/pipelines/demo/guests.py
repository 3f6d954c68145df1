"""Guest profiles in the guest app's MongoDB (source ``guest_profiles``), with the usual trouble.

The guest app keeps one document per guest and writes it again, whole, when the guest changes
it: nested loyalty and preference blocks, contact details (personal data), an ``updated_at``
set by the app. Besides plain profiles the collection holds what a real one does: two guests
saved twice (an older and a newer version each), one profile without ``guest_id`` (an
anonymous draft), one whose ``updated_at`` is text the app's old version wrote (no date), a
deactivated guest (not read: the source's filter) and an undeclared field (kept in
``_record``).

Silver (AUTO CDC by ``updated_at``) then holds 8 guests; quarantine 2 documents; 2 are older
versions. The demo inserts them; the tests assert those counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = ["GUESTS_COLLECTION", "GUEST_PROFILES", "GUEST_PROFILES_TROUBLE", "guest_profile"]

GUESTS_COLLECTION = ("guest_app", "profiles")
"""The database and collection ``src/conf/sources/guest_profiles.yml`` reads."""
_GUESTS = {
    1: ("Ana Lima", "PT", "gold"),
    2: ("Ben Okafor", "NG", "silver"),
    3: ("Chloé Martin", "FR", "silver"),
    4: ("Dev Patel", "IN", "platinum"),
    5: ("Eva Novak", "CZ", "gold"),
    6: ("Femi Ade", "NG", "silver"),
    7: ("Grace Ho", "SG", "gold"),
    8: ("Hugo Weber", "DE", "silver"),
}


def guest_profile(guest: int, version: int, minute: int, **changes: Any) -> dict[str, Any]:
    """One saved profile: ``_id`` names the guest and the version, as the app's history does."""
    name, country, tier = _GUESTS.get(guest, ("Guest", "FR", "silver"))
    document: dict[str, Any] = {
        "_id": f"g{guest:03d}-v{version}",
        "guest_id": guest,
        "full_name": name,
        "email": f"{name.split()[0].lower()}.{guest}@example.org",
        "phone": f"+3512100{guest:05d}",
        "country": country,
        "loyalty": {"tier": tier, "points": 1000 * guest + 10 * version},
        "preferences": ["late_checkout", "high_floor"][: 1 + guest % 2],
        "active": True,
        "updated_at": datetime(2026, 4, 20, 9, minute),
    }
    return document | changes


def _without(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != key}


GUEST_PROFILES: Sequence[Mapping[str, Any]] = (
    *(guest_profile(g, 1, g) for g in range(1, 9)),
    guest_profile(3, 2, 20, email="chloe.martin@example.fr"),  # saved again: the newer wins
    _without(guest_profile(9, 1, 21), "guest_id"),  # an anonymous draft: no guest_id
    guest_profile(10, 1, 22, updated_at="yesterday"),  # the old app's text: no timestamp
    guest_profile(11, 1, 23, active=False),  # deactivated: the filter leaves it out
    guest_profile(8, 2, 24, newsletter=True),  # an undeclared field: kept in _record
)
GUEST_PROFILES_TROUBLE = "2 saved twice, 1 without guest_id, 1 with a text date, 1 inactive"
"""What ``GUEST_PROFILES`` holds besides plain profiles (the demo says it)."""
