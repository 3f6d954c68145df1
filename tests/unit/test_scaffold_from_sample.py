"""The contract a sample of a live source suggests, and the config ``new-source`` writes from a
draft (pure: hand-made samples; the real systems are in tests/sources/test_new_source_systems.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from bson import Decimal128, ObjectId

from pipelines.config.draft import SourceDraft
from pipelines.errors import LakehouseError
from pipelines.sources.infer import Inferred
from pipelines.sources.rest.datasource import record_row
from pipelines.sources.rest.paging import PageRequest, text_value
from pipelines.sources.sample import Declared, Sample, native_type, sampled_columns
from pipelines.sources.scaffold_system import scaffold_from_sample

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, None], ("int", "int (every value is one)")),
        ([1, 2**40], ("bigint", "bigint (every value is one)")),
        ([1, 2.5], ("double", "double (every value is one)")),
        ([True, False], ("boolean", "boolean (every value is one)")),
        ([datetime(2026, 1, 5, 10)], ("timestamp", "timestamp (every value is one)")),
        ([date(2026, 1, 5)], ("date", "date (every value is one)")),
        (["a", "2026-01-05"], (None, "text")),
        ([Decimal("1.50")], (None, "decimals")),
        ([Decimal128("2.25")], (None, "decimals")),  # bson's: its digits decide
        (
            [ObjectId("65a1f0c2b3d4e5f60718293a")],
            ("string", "string: ObjectId values, kept as text"),
        ),
        ([{"tier": "gold"}], ("string", "string: objects, kept as JSON")),
        ([["a"]], ("string", "string: arrays, kept as JSON")),
        ([1, "x", "y"], ("string", "string: the values are of several types: string (2), int (1)")),
        ([None, None], (None, "no value in the sample")),
    ],
)
def test_native_type_by_the_values_own_types(
    values: list[object], expected: tuple[str | None, str]
) -> None:
    assert native_type(values) == expected


def _sample(**overrides: object) -> Sample:
    given: dict[str, object] = {
        "where": "mongodb://db-1:27017/app.profiles",
        "records": [
            {
                "_id": "a1",
                "fullName": "Ann Lee",
                "email": "ann@example.com",
                "stay": "2026-01-05",
                "loyalty": {"tier": "gold"},
            },
            {
                "_id": "a2",
                "fullName": "Bo Chan",
                "email": None,
                "stay": "2026-01-06",
                "loyalty": {"tier": "silver"},
            },
        ],
        "text": text_value,
        "complete": True,
        "keys": ("_id",),
        "nested": True,
    }
    return Sample(**{**given, **overrides})  # type: ignore[arg-type]


def test_columns_are_named_as_identifiers_and_typed_by_values_or_declarations() -> None:
    columns = sampled_columns(_sample(), {"tier": "loyalty.tier"})
    assert [(c.name, c.path, c.inferred, c.why) for c in columns] == [
        (
            "id",
            "_id",
            Inferred("string", False, None, "a1"),
            "string (text), not null (every one of 2 records has one)",
        ),
        (
            "full_name",
            "fullName",
            Inferred("string", False, None, "Ann Lee"),
            "string (text), not null (every one of 2 records has one)",
        ),
        (
            "email",
            None,
            Inferred("string", True, None, "ann@example.com"),
            "string (text), nullable (1 of 2 missing)",
        ),
        (
            "stay",
            None,
            Inferred("date", False, None, "2026-01-05"),
            "date (text: every one of 2 values parses), not null (every one of 2 records has one)",
        ),
        (
            "loyalty",
            None,
            Inferred("string", False, None, '{"tier":"gold"}'),
            "string: objects, kept as JSON, not null (every one of 2 records has one)",
        ),
        (
            "tier",
            "loyalty.tier",
            Inferred("string", False, None, "gold"),
            "string (text), not null (every one of 2 records has one)",
        ),
    ]
    # part of the source: nothing is known to be always there
    partial = sampled_columns(_sample(complete=False))
    assert {c.inferred.nullable for c in partial} == {True}
    assert partial[0].why == "string (text), nullable (only part of the source was read)"
    # a table's metadata decides the type and nullability, whatever the values look like
    table = Sample(
        where="public.t at jdbc:postgresql://h/db",
        records=[{"born": "1980-02-03", "code": "007"}],
        text=lambda value: value,
        complete=True,
        declared={
            "born": Declared("date", True, "date"),
            "code": Declared("string", False, "bpchar"),
        },
    )
    assert [
        (c.name, c.inferred.type, c.inferred.nullable, c.why) for c in sampled_columns(table)
    ] == [
        ("born", "date", True, "date (declared date, nullable)"),
        ("code", "string", False, "string (declared bpchar, not null)"),
    ]


DRAFT = """# the guest app's profiles
source:
  type: mongodb
  uri: {secret: guest_app/mongo_uri}   # never in the file
  database: app
  collection: profiles
  # every profile
domain: hotel
"""


def _draft(text: str = DRAFT) -> SourceDraft:
    return SourceDraft.model_validate(yaml.safe_load(text))


def test_the_config_keeps_the_draft_and_adds_columns_fields_pii_and_the_key() -> None:
    notes: list[str] = []
    text = scaffold_from_sample(
        "guests", DRAFT, _draft(), _sample(), "team_hotel", origin="guests.yml", today=TODAY,
        notes=notes,
    )  # fmt: skip
    assert text == (
        "# Scaffolded by `lakehouse new-source` from guests.yml: 2 records\n"
        "# sampled from mongodb://db-1:27017/app.profiles.\n"
        "# Types, nullability and PII are inferred from the sample: review them, and describe\n"
        "# each column. Check the result with `lakehouse validate`.\n"
        "name: guests\n"
        'description: "TODO: what guests holds."\n'
        "owner: team_hotel\n"
        "# the guest app's profiles\n"
        "source:\n"
        "  type: mongodb\n"
        "  uri: {secret: guest_app/mongo_uri}   # never in the file\n"
        "  database: app\n"
        "  collection: profiles\n"
        '  fields: {id: "_id", full_name: "fullName"}  # columns named apart from the record\'s keys\n'
        "  # every profile\n"
        "domain: hotel\n"
        "\n"
        "columns:\n"
        '  - {name: "id", type: "string", nullable: false}  # e.g. a1\n'
        '  - {name: "full_name", type: "string", nullable: false, pii: {class: "name", mask: "token"}}  # scan-pii: 100% of 2 sampled values look like name\n'
        '  - {name: "email", type: "string", pii: {class: "email", mask: "token"}}  # scan-pii: 100% of 1 sampled values look like email\n'
        '  - {name: "stay", type: "date", nullable: false}  # e.g. 2026-01-05\n'
        '  - {name: "loyalty", type: "string", nullable: false}  # e.g. {\\"tier\\":\\"gold\\"}\n'
        "\n"
        "silver:\n"
        "  dedupe: {key: [id], keep: latest}  # the source's own key\n"
    )
    assert notes[:2] == [
        "read all 2 records of mongodb://db-1:27017/app.profiles",
        "id: string (text), not null (every one of 2 records has one)",
    ]
    assert notes[-3:] == [
        "email: PII (email): scan-pii: 100% of 1 sampled values look like email",
        "full_name: PII (name): scan-pii: 100% of 2 sampled values look like name",
        "silver.dedupe.key: id (the key mongodb://db-1:27017/app.profiles declares)",
    ]


def test_a_name_that_is_taken_stays_in_the_record_and_new_fields_join_the_drafts() -> None:
    records = [{"guestId": 1, "guest_id": "x", "createdAt": "2026-01-05"}]
    notes: list[str] = []
    # the draft maps a field of its own (with a comment): the new one joins it, on its line
    draft = DRAFT.replace(
        "  # every profile\n", "  fields: {city: address.city}  # the app nests it\n"
    )
    text = scaffold_from_sample(
        "guests", draft, _draft(draft),
        _sample(records=records, keys=(), fields={"city": "address.city"}), "team_hotel",
        origin="guests.yml", today=TODAY, notes=notes,
    )  # fmt: skip
    assert [n for n in notes if "left in the record" in n] == [
        "guestId: left in the record (its name as a column, guest_id, is taken)",
    ]
    assert [line for line in text.splitlines() if "fields:" in line] == [
        '  fields: {city: "address.city", created_at: "createdAt"}  # the app nests it'
    ]
    written = yaml.safe_load(text)
    assert written["source"]["fields"] == {"city": "address.city", "created_at": "createdAt"}
    assert [c["name"] for c in written["columns"]] == ["guest_id", "created_at", "city"]
    assert "silver" not in written


def test_new_fields_join_a_drafts_fields_block_after_its_last_entry() -> None:
    records = [{"createdAt": "2026-01-05", "address": {"city": "Oslo", "zip": "0150"}}]
    block = "  fields:\n    city: address.city   # nested\n    # the post code too\n    zip: address.zip\n"
    # a key named fields deeper in the block is not the source's (here: a filter's field)
    draft = DRAFT.replace("  # every profile\n", "  filter:\n    fields: {$exists: true}\n" + block)
    text = scaffold_from_sample(
        "guests", draft, _draft(draft),
        _sample(records=records, keys=(), fields={"city": "address.city", "zip": "address.zip"}),
        "team_hotel", origin="guests.yml", today=TODAY,
    )  # fmt: skip
    assert block + '    created_at: "createdAt"\ndomain: hotel\n' in text
    assert yaml.safe_load(text)["source"]["fields"] == {"city": "address.city", "zip": "address.zip", "created_at": "createdAt"}  # fmt: skip
    # a flow mapping over several lines is not edited: said, not guessed
    spread = DRAFT.replace("  # every profile\n", "  fields: {city: address.city,\n    zip: address.zip}\n")  # fmt: skip
    with pytest.raises(LakehouseError) as refused:
        scaffold_from_sample(
            "guests", spread, _draft(spread),
            _sample(records=records, keys=(), fields={"city": "address.city", "zip": "address.zip"}),
            "team_hotel", origin="guests.yml", today=TODAY,
        )  # fmt: skip
    assert str(refused.value) == (
        "the draft's source.fields must be a one-line {column: path} or a block of column: "
        'path lines, to add {created_at: "createdAt"} to it'
    )


def test_a_typed_column_is_not_proposed_as_pii_by_its_shape_or_a_persons_name() -> None:
    records = [{"customer": 7, "valid_from": "2026-01-01", "phone": "+61 2 9999 0000"}]
    text = scaffold_from_sample(
        "t", DRAFT, _draft(), _sample(records=records, keys=()), "o", origin="d.yml", today=TODAY
    )
    declared = {c["name"]: c.get("pii") for c in yaml.safe_load(text)["columns"]}
    # a date has a phone number's shape; customer is "named like a name" but holds ints
    assert declared == {"customer": None, "valid_from": None, "phone": {"class": "phone", "mask": "partial"}}  # fmt: skip


def test_a_draft_of_another_source_or_an_empty_sample_is_refused() -> None:
    named = "name: hotels\n" + DRAFT
    with pytest.raises(LakehouseError) as wrong:
        scaffold_from_sample("guests", named, _draft(named), _sample(), "o", origin="d.yml", today=TODAY)  # fmt: skip
    assert str(wrong.value) == "d.yml is the draft of 'hotels', not 'guests'"
    with pytest.raises(LakehouseError) as empty:
        scaffold_from_sample("guests", DRAFT, _draft(), _sample(records=[]), "o", origin="d.yml", today=TODAY)  # fmt: skip
    assert str(empty.value) == "mongodb://db-1:27017/app.profiles: no record to infer columns from"
    flow = "source: {type: mongodb, uri: 'mongodb://h/', database: a, collection: b}\n"
    with pytest.raises(LakehouseError) as inline:
        scaffold_from_sample("guests", flow, _draft(flow), _sample(), "o", origin="d.yml", today=TODAY)  # fmt: skip
    assert str(inline.value) == "the draft's source: block must be written in block style"


def test_a_rest_record_field_is_read_by_its_path() -> None:
    page = PageRequest("https://api.example.com/v1/rates", {}, 2)
    record = {"id": 3, "meta": {"createdAt": "2026-01-01"}, "tags": ["a", "b"]}
    row = record_row(["id", "created_at", "second_tag", "gone"], page, record,
                     {"created_at": "meta.createdAt", "second_tag": "tags.1", "gone": "x.y"})  # fmt: skip
    assert row[:5] == ("3", "2026-01-01", "b", None, '{"id":3,"meta":{"createdAt":"2026-01-01"},"tags":["a","b"]}')  # fmt: skip
    assert row[5] == "rest:GET https://api.example.com/v1/rates page 2"


def test_draft_files_go_through_the_config_loader(tmp_path: Path) -> None:
    from pipelines.config.loader import load_document
    from pipelines.errors import ConfigErrors

    path = tmp_path / "draft.yml"
    path.write_text("source:\n  type: mongodb\n  uri: {secret: a/b}\n  database: app\n  colection: x\n")  # fmt: skip
    with pytest.raises(ConfigErrors) as errors:
        load_document(path, SourceDraft)
    assert [(p.line, p.key_path, p.message) for p in errors.value.problems] == [
        (1, "source.collection", "missing required key 'collection'"),
        (5, "source.colection", "unknown key 'colection' (did you mean 'collection'?)"),
    ]


def test_rest_fields_are_checked_as_mongodbs_are(conf_copy: Path) -> None:
    from pipelines.config import load_config
    from pipelines.errors import ConfigErrors

    rates = conf_copy / "sources" / "room_rates.yml"
    text = rates.read_text()
    anchor = "  records_path: items"
    rates.write_text(text.replace(anchor, anchor + "\n  fields: {room: meta..room, hotel: meta.hotel}"))  # fmt: skip
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf_copy)
    assert [(p.key_path, p.message) for p in caught.value.problems] == [
        ("source.fields.room", "'meta..room' is not a dotted path (address.city)")
    ]
    rates.write_text(text.replace(anchor, anchor + "\n  fields: {hotel: meta.hotel, room: meta.room}"))  # fmt: skip
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf_copy)
    assert [p.message for p in caught.value.problems] == [
        "room not declared in columns (declared: rate_id, hotel, room_type, price, currency, "
        "valid_from, breakfast, updated_by)"
    ]


def test_a_jdbc_url_is_shown_without_its_user_or_parameters() -> None:
    from pipelines.local.jdbc_sample import column_type, safe_url

    assert safe_url("jdbc:postgresql://reader:s3cret@db-1:5432/crm?sslmode=require&password=x") == "jdbc:postgresql://db-1:5432/crm"  # fmt: skip
    assert safe_url("jdbc:sqlserver://db-2:1433;databaseName=crm;password=x") == "jdbc:sqlserver://db-2:1433"  # fmt: skip
    # java.sql.Types: NUMERIC with and without a precision, VARCHAR, OTHER (jsonb), BIT
    assert [
        column_type(*t) for t in [(2, 10, 2), (2, 0, 0), (12, 200, 0), (1111, 0, 0), (-7, 1, 0)]
    ] == [
        "decimal(10,2)",
        "decimal(38,18)",
        "string",
        "string",
        "boolean",
    ]
