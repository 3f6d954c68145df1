"""PII detectors and the scan's suggestions (pure Python)."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.pii.detect import (
    Suggestion,
    is_birth_date,
    is_card_number,
    is_email,
    is_iban,
    is_phone,
    luhn_valid,
    mask_example,
    suggest,
)

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4111 1111 1111 1111", True), ("4111-1111-1111-1112", False), ("79927398713", False),
     ("5555555555554444", True), ("0000000000000000", False), ("4111 1111 1111 111a", False)],
)  # fmt: skip
def test_card_numbers_need_13_to_19_digits_and_luhn(value: str, expected: bool) -> None:
    assert is_card_number(value) is expected


def test_luhn() -> None:
    assert (luhn_valid("79927398713"), luhn_valid("79927398710")) == (True, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("GB82 WEST 1234 5698 7654 32", True), ("DE89370400440532013000", True),
     ("GB82 WEST 1234 5698 7654 33", False), ("GB82", False)],
)  # fmt: skip
def test_iban_mod_97(value: str, expected: bool) -> None:
    assert is_iban(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" Jane.Doe@Example.COM ", True), ("o'neil+x@mail.example.org", True), ("jane@", False),
     ("a@b", False), ("two@@example.com", False)],
)  # fmt: skip
def test_email(value: str, expected: bool) -> None:
    assert is_email(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0412 345 678", True), ("+61 2 9876 5432", True), ("(02) 9876-5432", True),
     ("0298765432", True), ("12345678", False), ("2021-04-03", True), ("042", False)],
)  # fmt: skip
def test_phone(value: str, expected: bool) -> None:
    # "2021-04-03" looks like a phone to this detector; dates win because they come first.
    assert is_phone(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1987-05-14", True), ("19870514", True), ("14/05/1987", True), ("19371233", False),
     ("2020-01-01", False), ("1900-01-01", False), ("1987-5-14x", False)],
)  # fmt: skip
def test_birth_dates_are_plausible_ages(value: str, expected: bool) -> None:
    assert is_birth_date(value, TODAY) is expected


def test_mask_example_keeps_shape_not_value() -> None:
    assert mask_example("jane.doe@example.com") == "****.***@*******.*om"
    assert mask_example("0412 345 678") == "**** *** *78"
    assert mask_example("C0001") == "*****"


def test_suggest_scores_undeclared_columns() -> None:
    columns: dict[str, list[str | None]] = {
        "contact": ["a.b@example.com", "c@example.org", None, " ", "not an email"],
        "card": ["4111 1111 1111 1111", "5555555555554444"],
        "born": ["1987-05-14", "19371233", "1990-01-02", "1975-12-31"],
        "mobile": ["0412 345 678", "+61 412 345 679"],
        "declared": ["x@example.com"],
        "_source_file": ["a@example.com"],
        "amount": ["12.50", "3"],
        "iban": ["DE89370400440532013000"],
    }
    found = suggest(columns, today=TODAY, skip=["declared"])
    assert found == [
        Suggestion("card", "payment", 1.0, 2, "**** **** **** **11"),
        Suggestion("iban", "bank_account", 1.0, 1, "********************00"),
        Suggestion("mobile", "phone", 1.0, 2, "**** *** *78"),
        Suggestion("born", "date_of_birth", 0.75, 4, "****-**-14"),
        Suggestion("contact", "email", 2 / 3, 3, "*.*@*******.*om"),
    ]
    assert suggest(columns, today=TODAY, min_share=0.8, skip=["declared"])[-1].column == "mobile"


def test_suggest_finds_person_names_and_local_fax_numbers_by_column_name() -> None:
    # issue 17: an undeclared column of person names and a column of 7-digit fax numbers
    columns = {
        "contact_name": ["Jane Doe", "Smith, John", "O'Brien", "Mary-Ann de la Cruz", "n/a 2"],
        "fax": ["555-0123", "555 0124", "(02) 9876 5432"],
        "city": ["New York", "Paris"],  # the shape of a name, not a column of people
        "ref": ["555-0123", "555-0124"],  # 7 digits outside a phone column: an id
    }
    assert suggest(columns, today=TODAY) == [
        Suggestion("fax", "phone", 1.0, 3, "***-**23"),
        Suggestion("contact_name", "name", 0.8, 5, "**** *oe"),
    ]


def test_the_class_a_column_name_says() -> None:
    """What a proposed contract declares PII by name: febrl's columns (lower-case names and
    house numbers defeat the value detectors), and names that say nothing personal."""
    from pipelines.pii.detect import class_by_name

    names = [
        "rec_id", "given_name", "surname", "street_number", "address_1", "suburb", "postcode",
        "state", "date_of_birth", "soc_sec_id", "customer_email", "mail_count", "ip_address",
        "mobile", "iban", "card_number", "brand", "year_release",
    ]  # fmt: skip
    assert {n: class_by_name(n) for n in names} == {
        "rec_id": None, "given_name": "name", "surname": "name", "street_number": "address",
        "address_1": "address", "suburb": None, "postcode": "address", "state": None,
        "date_of_birth": "date_of_birth", "soc_sec_id": "national_id",
        "customer_email": "email", "mail_count": None, "ip_address": "ip_address",
        "mobile": "phone", "iban": "bank_account", "card_number": "payment", "brand": None,
        "year_release": None,
    }  # fmt: skip


def test_identity_documents_and_national_numbers_are_national_ids_by_name() -> None:
    from pipelines.pii.detect import class_by_name

    ids = [
        "driver_license", "drivers_licence_number", "DriversLicense".lower(), "driving_licence",
        "passport_no", "national_insurance_number", "nino", "id_card_number", "identity_number",
        "cpf", "customer_bsn", "pesel", "dni", "aadhaar_no", "personnummer", "codice_fiscale",
        "tax_id",
    ]  # fmt: skip
    assert {n: class_by_name(n) for n in ids} == dict.fromkeys(ids, "national_id")
    others = ["license_key", "licensed", "id_type", "cpfl", "dnis", "ninos", "valid_id"]
    assert {n: class_by_name(n) for n in others} == dict.fromkeys(others)


def test_a_word_for_people_names_a_person_only_at_the_end() -> None:
    """``customer_id`` is a key and ``customer_segment`` a category (the landing convention
    proposed a numeric ``customer_id`` as a name); the person words at the end still count."""
    from pipelines.pii.detect import class_by_name

    names = [
        "name", "names", "customer", "customers", "customer_name", "guest_name", "account_holder",
        "contact_person", "firstname", "last_name_2", "customer_first_name", "display_name",
        "customer_id", "customer_segment", "guest_id", "owner_team", "employee_count",
        "product_name", "file_name", "user_agent", "name_space", "customer_since",
    ]  # fmt: skip
    named = {n for n in names if class_by_name(n) == "name"}
    assert named == {
        "name", "names", "customer", "customers", "customer_name", "guest_name", "account_holder",
        "contact_person", "firstname", "last_name_2", "customer_first_name", "display_name",
    }  # fmt: skip
    assert {n: class_by_name(n) for n in names if n not in named} == dict.fromkeys(
        ["customer_id", "customer_segment", "guest_id", "owner_team", "employee_count",
         "product_name", "file_name", "user_agent", "name_space", "customer_since"]
    )  # fmt: skip


def test_lower_case_names_are_names_and_no_name_is_none() -> None:
    """febrl's given names are lower case; a placeholder is no one's name."""
    from pipelines.pii.detect import is_person_name

    values = ["ana lima", "o'brien", "Jane", "UNKNOWN", "n.a.", "Not Given", "c123", "ana  lima 2", "a b c d e", ""]  # fmt: skip
    assert [v for v in values if is_person_name(v)] == ["ana lima", "o'brien", "Jane"]
    columns = {"surname": ["lima", "okafor", "unknown", "martin"], "customer_segment": ["Retail", "Sme"]}  # fmt: skip
    assert suggest(columns, today=TODAY) == [Suggestion("surname", "name", 0.75, 4, "****")]
