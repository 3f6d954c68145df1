"""Detectors that suggest undeclared PII columns from sampled values (pure Python, no Spark).

Each detector says whether one value looks like one class of personal data; ``suggest``
scores columns by the share of their non-blank sampled values a detector matches. Examples
are always shown masked (``mask_example``): the scan never prints a raw value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "DETECTORS",
    "Suggestion",
    "class_by_name",
    "detectors_for",
    "is_birth_date",
    "is_card_number",
    "is_email",
    "is_iban",
    "is_local_phone",
    "is_person_name",
    "is_phone",
    "luhn_valid",
    "mask_example",
    "proposed_pii",
    "suggest",
]

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9()][0-9 ()./-]{6,}[0-9]$")
_CARD = re.compile(r"^[0-9][0-9 -]{11,21}[0-9]$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")
_OLDEST, _YOUNGEST = 110, 14


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of payment card numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def is_email(value: str) -> bool:
    """``name@domain.tld``."""
    return _EMAIL.match(value.strip()) is not None


def is_card_number(value: str) -> bool:
    """13 to 19 digits (spaces or dashes allowed) passing the Luhn check, not one repeated."""
    text = value.strip()
    digits = re.sub(r"[ -]", "", text)
    if not _CARD.match(text) or not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    return luhn_valid(digits)


def is_iban(value: str) -> bool:
    """An IBAN: country, check digits, account; the ISO 13616 mod-97 check equals 1."""
    text = re.sub(r"\s", "", value).upper()
    if not _IBAN.match(text):
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def is_phone(value: str) -> bool:
    """8 to 15 digits written like a phone number: a leading ``+`` or ``0``, or separators.

    A bare run of digits not starting with 0 (an id, an amount) does not count.
    """
    text = value.strip()
    if not _PHONE.match(text):
        return False
    digits = re.sub(r"[^0-9]", "", text)
    if not 8 <= len(digits) <= 15:
        return False
    return text[0] in "+(0" or re.search(r"[ ()./-]", text) is not None


def is_birth_date(value: str, today: date) -> bool:
    """A date in a common format for someone aged 14 to 110 on ``today``."""
    text = value.strip()
    for pattern in _DATE_FORMATS:
        try:
            born = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        age = (today - born).days / 365.25
        return _YOUNGEST <= age <= _OLDEST
    return False


_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['\u2019.-][^\W\d_]+)*\.?$")  # O'Brien, O\u2019Brien
_NAME_PARTS = r"full|first|last|given|middle|maiden|family|legal|display|nick|sur"
_PEOPLE = (
    r"contact|owner|person|manager|agent|customer|client|guest|member|passenger|patient"
    r"|employee|physician|doctor|driver|holder|signatory|recipient|beneficiary"
)
_PERSON_COLUMN = re.compile(
    rf"^names?$|(^|_)({_NAME_PARTS})_?names?($|_)|(^|_)(?<!user_)({_PEOPLE})s?(_?names?)?$", re.I
)
"""Column names that say a column holds people (the values alone cannot tell a name from a
city or a product): ``name``, a name's part anywhere (``first_name``, ``surname_2``), a word
for people at the end (``customer``, ``account_holder``, ``guest_name``). A word for people
followed by another is about something else: ``customer_id`` is a key, ``customer_segment``
a category, ``product_name`` a product, ``user_agent`` a browser."""
_NO_NAME = frozenset(
    {"unknown", "none", "null", "nil", "n.a.", "na", "anonymous", "not known", "not given",
     "not provided", "withheld", "redacted", "test", "tbd", "tba", "various", "nobody"}
)  # fmt: skip
_PHONE_COLUMN = re.compile(r"(^|_)(fax|phone|tel|telephone|mobile|cell)s?($|_)", re.I)
_LOCAL_PHONE = re.compile(r"^[0-9]{3}[ .-][0-9]{4}$")


def is_person_name(value: str) -> bool:
    """One to four words of letters (``Jane``, ``O'Brien``, ``Smith, Jane``, ``J. Doe``,
    ``ana lima``): the shape of a name, for columns whose name says they hold people. Capitals
    are not needed (exports lower-case names), so the words that mean "no name" are not one."""
    words = [w for w in re.split(r"[ ,]+", value.strip()) if w]
    return (
        1 <= len(words) <= 4
        and all(_NAME_WORD.match(w) for w in words)
        and " ".join(words).lower() not in _NO_NAME
    )


def is_local_phone(value: str) -> bool:
    """A phone number, or a 7-digit local one (``555-0123``) in a column named like a phone
    or fax: without the name, 7 digits are as likely an id."""
    return is_phone(value) or _LOCAL_PHONE.match(value.strip()) is not None


DETECTORS: tuple[tuple[str, Callable[[str, date], bool]], ...] = (
    ("payment", lambda v, _: is_card_number(v)),
    ("bank_account", lambda v, _: is_iban(v)),
    ("email", lambda v, _: is_email(v)),
    ("date_of_birth", is_birth_date),
    ("phone", lambda v, _: is_phone(v)),
)
"""(class, detector) in priority order: a value counts for the first class that matches."""


def detectors_for(column: str) -> tuple[tuple[str, Callable[[str, date], bool]], ...]:
    """``DETECTORS``, with what the column's name adds: 7-digit local numbers in a phone or
    fax column, person names (last: a value that is anything else is that) in a column of
    people."""
    found = DETECTORS
    if _PHONE_COLUMN.search(column):
        found = tuple(
            (c, (lambda v, _: is_local_phone(v)) if c == "phone" else d) for c, d in found
        )
    if _PERSON_COLUMN.search(column):
        found = (*found, ("name", lambda v, _: is_person_name(v)))
    return found


_ADDRESS = r"(^|_)(address(_?\d)?|street(_?number)?|post_?code|zip(_?code)?)($|_)"
# Identity documents and the national numbers of a few countries by their usual column names
# (driving licences, identity cards, the UK's NINO, Brazil's CPF, the Netherlands' BSN,
# Poland's PESEL, Spain's DNI, India's Aadhaar, Sweden's personnummer, Italy's codice fiscale).
_NATIONAL_ID = (
    r"(^|_)(ssn|soc_?sec(_?id)?|national_?id|national_?insurance|nino|passport|tax_?id"
    r"|drivers?_?licen[cs]e|driving_?licen[cs]e|id_?card|identity_?card|identity_?number"
    r"|cpf|bsn|pesel|dni|aadhaa?r|personnummer|codice_?fiscale)($|_)"
)
_NAMED_CLASSES = (
    ("email", re.compile(r"(^|_)e?_?mail(_?address)?s?$", re.I)),
    ("ip_address", re.compile(r"(^|_)ip(_?addr(ess)?)?($|_)", re.I)),
    ("phone", _PHONE_COLUMN),
    ("date_of_birth", re.compile(r"(^|_)(dob|birth_?date|date_of_birth|born)($|_)", re.I)),
    ("national_id", re.compile(_NATIONAL_ID, re.I)),
    ("bank_account", re.compile(r"(^|_)(iban|bank_?account|account_?number)($|_)", re.I)),
    ("payment", re.compile(r"(^|_)(card|card_?number|pan)($|_)", re.I)),
    ("address", re.compile(_ADDRESS, re.I)),
    ("name", _PERSON_COLUMN),
)
"""Column names that say which personal data a column holds, first match wins."""


def class_by_name(column: str) -> str | None:
    """The PII class a column's name says it holds (``given_name``: name, ``postcode``:
    address), or None. What values cannot tell: lower-case names, house numbers."""
    return next((kind for kind, pattern in _NAMED_CLASSES if pattern.search(column)), None)


def mask_example(value: str) -> str:
    """Letters and digits as ``*`` except the last two; separators stay (shape, not value)."""
    text = value.strip()
    keep = 2 if len(text) > 6 else 0
    head, tail = text[: len(text) - keep], text[len(text) - keep :]
    return re.sub(r"[A-Za-z0-9]", "*", head) + tail


@dataclass(frozen=True)
class Suggestion:
    """A column that looks like PII: its class, the share of values matched, a masked example."""

    column: str
    pii_class: str
    share: float
    sampled: int
    example: str


def suggest(
    columns: Mapping[str, Iterable[str | None]],
    *,
    today: date,
    min_share: float = 0.3,
    skip: Iterable[str] = (),
) -> list[Suggestion]:
    """The columns whose non-blank values mostly match one detector, best share first."""
    skipped = set(skip)
    found = []
    for name, raw_values in columns.items():
        if name in skipped or name.startswith("_"):
            continue
        values = [v for v in raw_values if v is not None and v.strip()]
        if not values:
            continue
        counts: dict[str, list[str]] = {}
        detectors = detectors_for(name)
        for value in values:
            for pii_class, detector in detectors:
                if detector(value, today):
                    counts.setdefault(pii_class, []).append(value)
                    break
        if not counts:
            continue
        best = max(counts, key=lambda c: len(counts[c]))
        share = len(counts[best]) / len(values)
        if share >= min_share:
            example = mask_example(counts[best][0])
            found.append(Suggestion(name, best, share, len(values), example))
    return sorted(found, key=lambda s: (-s.share, s.column))


def proposed_pii(columns: Iterable[str], found: Iterable[Suggestion]) -> dict[str, tuple[str, str]]:
    """Column -> (PII class, why) of what a proposed contract declares PII: what the
    detectors found in the values, and what the columns' names say (lower-case names, house
    numbers: values the detectors cannot tell). Too much is a review's work; too little puts
    raw PII in bronze."""
    flagged: dict[str, tuple[str, str]] = {}
    for s in found:
        looks = f"{s.share:.0%} of {s.sampled:,} sampled values look like {_words(s.pii_class)}"
        flagged[s.column] = (s.pii_class, f"scan-pii: {looks}")
    for column in columns:
        if column not in flagged and (kind := class_by_name(column)) is not None:
            why = f"named like {_words(kind)}: personal data until a review says otherwise"
            flagged[column] = (kind, why)
    return flagged


def _words(pii_class: str) -> str:
    return pii_class.replace("_", " ")
