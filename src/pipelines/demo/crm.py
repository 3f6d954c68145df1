"""The CRM database's customers: many of the file feed's people again, written the CRM's way.

Scenario D's duplicated customers: about half of the feed's people are in the CRM too, with
febrl-style differences (one full name, upper or lower case, doubled spaces, a typo in the
surname, the phone in another format, the date of birth as dd/MM/yyyy, another or no e-mail),
plus people only the CRM knows and a few e-mails that are no address. Everything is invented
(``example.*`` domains, no real people).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta

from pipelines.demo.customers import CUSTOMER_HEADER

__all__ = ["CRM_COLUMNS", "CrmCustomer", "crm_customers", "crm_table_sql"]

CRM_COLUMNS = (
    "customer_id", "full_name", "email", "phone", "date_of_birth", "country", "updated_at",
)  # fmt: skip
_FIRST = ("Ana", "Ben", "Chloé", "Dev", "Eva", "Femi", "Gil", "Hana", "Ivo", "June")
_LAST = ("Lima", "Okafor", "Martin", "Patel", "Novak", "Ade", "Sousa", "Sato", "Horvat")
_START = datetime(2026, 1, 1, 8, 0, 0)


@dataclass(frozen=True)
class CrmCustomer:
    """One row of the CRM's ``customers`` table (None: SQL NULL)."""

    customer_id: int
    full_name: str
    email: str | None
    phone: str | None
    date_of_birth: str | None
    country: str | None
    updated_at: str


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _name(given: str, surname: str, rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.15:
        return f"{given} {surname}".upper()
    if pick < 0.3:
        return f" {given.lower()}  {surname.lower()} "
    if pick < 0.4:
        return f"{given} {_typo(surname, rng)}"
    return f"{given} {surname}"


def _phone(phone: str, rng: random.Random) -> str | None:
    digits = phone.replace(" ", "")[1:]  # 4xxxxxxxx
    forms = (
        f"+61 {digits[:3]} {digits[3:6]} {digits[6:]}",
        f"0{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        f"(0{digits[:3]}) {digits[3:]}",
        None,
    )
    return rng.choice(forms)


def _email(person: dict[str, str], rng: random.Random) -> str | None:
    pick = rng.random()
    if pick < 0.6:
        return person["email"]
    if pick < 0.75:
        return person["email"].upper()
    if pick < 0.9:
        return f"{person['given_name']}.{person['surname']}@work.example.com".lower()
    return None


def _known(number: int, person: dict[str, str], rng: random.Random) -> CrmCustomer:
    born = person["date_of_birth"]
    return CrmCustomer(
        number,
        _name(person["given_name"], person["surname"], rng),
        _email(person, rng),
        _phone(person["phone"], rng),
        rng.choice((born, f"{born[8:]}/{born[5:7]}/{born[:4]}")),
        "AU",
        f"{_START + timedelta(minutes=37 * number):%Y-%m-%d %H:%M:%S}",
    )


def _crm_only(number: int, rng: random.Random) -> CrmCustomer:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first.lower()}.{last.lower()}{number}@example.org"
    if number % 15 == 0:
        email = f"{first} {last}"  # typed into the wrong field: no address
    born = f"{rng.randrange(1945, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    phone = f"+61 4{rng.randrange(10, 99)} {rng.randrange(100, 999)} {number:03d}"
    stamp = _START + timedelta(minutes=37 * number)
    return CrmCustomer(number, f"{first} {last}", email, phone, born, "AU", f"{stamp:%Y-%m-%d %H:%M:%S}")  # fmt: skip # noqa: E501


def crm_customers(
    people: Sequence[Sequence[str]], *, share: float = 0.5, only_crm: int = 20, seed: int = 7
) -> list[CrmCustomer]:
    """CRM rows for ``share`` of the feed's ``people`` (rows in ``CUSTOMER_HEADER`` order, as
    first sent) and ``only_crm`` people the feed does not know, ids from 1."""
    rng = random.Random(seed)
    known = [dict(zip(CUSTOMER_HEADER, p, strict=True)) for p in people]
    chosen = rng.sample(known, round(len(known) * share))
    rows = [_known(i, person, rng) for i, person in enumerate(chosen, start=1)]
    rows += [_crm_only(len(rows) + i, rng) for i in range(1, only_crm + 1)]
    return rows


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def crm_table_sql(rows: Sequence[CrmCustomer]) -> str:
    """DDL and rows of the CRM's ``customers`` table."""
    values = ", ".join("(" + ", ".join(_literal(v) for v in astuple(r)) + ")" for r in rows)
    return (
        "CREATE TABLE customers (customer_id integer PRIMARY KEY, full_name text NOT NULL, "
        "email text, phone text, date_of_birth text, country text, "
        "updated_at timestamp NOT NULL);\n"
        f"INSERT INTO customers VALUES {values};\n"
    )
