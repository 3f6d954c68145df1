"""The ``mongodb`` source type without a server: what the loader refuses (exact messages,
with file, line and key path), how a document becomes a bronze row, and what its pipeline
installs on Databricks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from bson import Decimal128, ObjectId

from pipelines.config import load_config
from pipelines.config.model import MongoSource
from pipelines.deploy.bundle import bundle_files
from pipelines.errors import ConfigErrors, LakehouseError
from pipelines.sources.mongodb import mongo_request, where
from pipelines.sources.mongodb.datasource import document_row, field_text

PROFILES = "sources/guest_profiles.yml"
SOURCE = """name: guest_profiles
description: Guest profiles, from the guest app's MongoDB.
owner: data_engineers
domain: hotel
source:
  type: mongodb
{source}
columns:
  - {{name: guest_id, type: int, nullable: false}}
  - {{name: email, pii: {{class: email, mask: token}}}}
"""
VALID = """  uri: {secret: guests/mongo_uri}
  database: guest_app
  collection: profiles"""


def _problems(conf: Path, source: str) -> list[str]:
    (conf / PROFILES).write_text(SOURCE.format(source=source))
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


def test_a_password_in_the_uri_a_wrong_scheme_and_a_typo_are_refused(conf_copy: Path) -> None:
    source = """  uri: mongodb://app:s3cret@db.example.org:27017/
  database: guest_app
  colection: profiles"""
    assert _problems(conf_copy, source) == [
        f"{PROFILES}:5:1: source.collection: missing required key 'collection'",
        f"{PROFILES}:7:3: source.uri: holds a credential (user:password@ in the URL): a config "
        "never holds a credential: use {secret: <scope>/<key>} holding the whole connection "
        "string",
        f"{PROFILES}:9:3: source.colection: unknown key 'colection' (did you mean 'collection'?)",
    ]
    assert _problems(conf_copy, VALID.replace("{secret: guests/mongo_uri}", "http://db:27017")) == [
        f"{PROFILES}:7:3: source.uri: must start with mongodb:// or mongodb+srv://"
    ]


def test_names_and_the_incremental_field_are_checked(conf_copy: Path) -> None:
    source = """  uri: {secret: guests/mongo_uri}
  database: guest.app
  collection: system.users
  incremental: {field: stay.updated_at}"""
    assert _problems(conf_copy, source) == [
        f"{PROFILES}:8:3: source.database: 'guest.app' is not a MongoDB database name (holds '.')",
        f"{PROFILES}:9:3: source.collection: 'system.users' is not a collection to read "
        "($ or system.)",
        f"{PROFILES}:10:17: source.incremental.field: must name a top-level field, not "
        "'stay.updated_at'",
    ]


def test_partitions_split_a_snapshot_and_a_streams_batches(conf_copy: Path) -> None:
    (conf_copy / PROFILES).write_text(SOURCE.format(source=VALID + "\n  mode: stream\n  partitions: 4"))  # fmt: skip
    assert load_config(conf_copy).source("guest_profiles").source.partitions == 4  # type: ignore[union-attr]


def test_a_valid_source_loads_and_its_pipeline_installs_pymongo(conf_copy: Path) -> None:
    (conf_copy / PROFILES).write_text(SOURCE.format(source=VALID + "\n  filter: {active: true}"))
    config = load_config(conf_copy)
    source = config.source("guest_profiles").source
    assert isinstance(source, MongoSource)
    assert (source.mode, source.incremental.field, source.batch_size) == ("snapshot", "_id", 1000)
    assert mongo_request(config.source("guest_profiles")) == {
        "database": "guest_app", "collection": "profiles", "filter": '{"active": true}',
        "field": "_id", "field_type": None, "fields": {}, "partitions": 1, "batch_size": 1000,
        "timeout_seconds": 30.0,
    }  # fmt: skip
    # A stream ranges over the declared type of its field, also when the column that reads it
    # has another name (fields): an int column is a BSON number.
    mapped = (
        VALID + "\n  fields: {guest_id: guestId}\n  mode: stream\n  incremental: {field: guestId}"
    )
    (conf_copy / PROFILES).write_text(SOURCE.format(source=mapped))
    request = mongo_request(load_config(conf_copy).source("guest_profiles"))
    assert (request["field"], request["field_type"]) == ("guestId", "number")
    (conf_copy / PROFILES).write_text(SOURCE.format(source=VALID + "\n  filter: {active: true}"))
    files = {f.path: yaml.safe_load(f.text) for f in bundle_files(config).files}

    def dependencies(key: str) -> list[str]:
        pipeline = files[f"bundles/pipeline_{key}.yml"]["resources"]["pipelines"][key]
        return list(pipeline["environment"]["dependencies"])

    hotel, catalog = dependencies("hotel"), dependencies("catalog")
    assert hotel == [*catalog, "pymongo>=4.9"]
    assert "pymongo>=4.9" not in catalog


def test_where_names_the_hosts_and_collection_never_the_user() -> None:
    source = MongoSource.model_validate(
        {"type": "mongodb", "uri": {"secret": "a/b"}, "database": "d", "collection": "c"}
    )
    uri = "mongodb://app:s3cret@h1:27017,h2:27018/admin?replicaSet=rs0&authSource=admin"
    assert where(uri, source) == "mongodb://h1:27017,h2:27018/d.c"
    assert where("mongodb+srv://u:p@cluster0.example.net/?retryWrites=true", source) == (
        "mongodb+srv://cluster0.example.net/d.c"
    )


def test_a_document_becomes_text_fields_and_its_record() -> None:
    oid = ObjectId("65a1f0c2b3d4e5f60718293a")
    document = {
        "_id": oid, "guest_id": 7, "name": "Zoë", "vip": True, "rate": 1.5, "spent": Decimal128("12.50"),
        "seen": datetime(2026, 12, 1, 8, 30, 0, 250000), "tags": ["a", "b"], "home": {"city": "Porto"},
        "gone": None,
    }  # fmt: skip
    columns = ["_id", "guest_id", "name", "vip", "rate", "spent", "seen", "tags", "home", "gone", "absent"]  # fmt: skip
    row = document_row(columns, document, "mongodb://h/d.c")
    assert row[:-1] == (
        "65a1f0c2b3d4e5f60718293a", "7", "Zoë", "true", "1.5", "12.50", "2026-12-01T08:30:00.250000",
        '["a","b"]', '{"city":"Porto"}', None, None,
        '{"_id":{"$oid":"65a1f0c2b3d4e5f60718293a"},"guest_id":7,"name":"Zoë","vip":true,'
        '"rate":1.5,"spent":{"$numberDecimal":"12.50"},"seen":{"$date":"2026-12-01T08:30:00.250Z"},'
        '"tags":["a","b"],"home":{"city":"Porto"},"gone":null}',
        "mongodb://h/d.c",
    )  # fmt: skip
    assert isinstance(row[-1], datetime)
    assert field_text(Decimal128(Decimal("-0.001"))) == "-0.001"


def test_the_record_is_json_utils_relaxed_text_whatever_the_types() -> None:
    from bson import Binary, Int64, json_util

    document = {
        "_id": ObjectId("65a1f0c2b3d4e5f60718293a"), "spent": Decimal128("1.50"),
        "raw": Binary(b"\x00\x01"), "long": Int64(2**60), "big": 2**62, "rate": 1.5,
        "none": None, "stays": [{"at": datetime(2026, 1, 1, 0, 0, 0, 250000)}], "name": "Zoë",
    }  # fmt: skip
    relaxed = {"json_options": json_util.RELAXED_JSON_OPTIONS, "ensure_ascii": False}
    expected = json_util.dumps(document, separators=(",", ":"), **relaxed)
    assert field_text(document) == expected
    assert expected.startswith(
        '{"_id":{"$oid":"65a1f0c2b3d4e5f60718293a"},"spent":{"$numberDecimal"'
    )
    # NaN and infinity are no JSON: json_util's own form
    assert field_text({"rate": float("nan"), "top": float("inf")}) == (
        '{"rate":{"$numberDouble":"NaN"},"top":{"$numberDouble":"Infinity"}}'
    )


def test_fields_read_nested_values_into_declared_columns(conf_copy: Path) -> None:
    document = {"address": {"city": "Porto"}, "stays": [{"hotel": "Lisbon"}], "tier": "top"}
    fields = {"city": "address.city", "first": "stays.0.hotel", "gone": "stays.3.hotel"}
    fields["deep"] = "address.city.name"  # through a string: no such field
    row = document_row(["city", "first", "gone", "deep", "tier"], document, "w", fields)
    assert row[:5] == ("Porto", "Lisbon", None, None, "top")
    source = VALID + "\n  fields: {city: address.city, zip: address..zip, tier: $tier}"
    assert _problems(conf_copy, source) == [
        f"{PROFILES}:10:32: source.fields.zip: 'address..zip' is not a dotted path (address.city)"
    ]
    assert _problems(conf_copy, VALID + "\n  fields: {city: address.city}") == [
        f"{PROFILES}:10:3: source.fields: city not declared in columns (declared: guest_id, email)"
    ]


def test_a_missing_server_jar_and_an_unorderable_value_are_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.demo.mongo import start_mongo
    from pipelines.local.maven import MONGO_SERVER
    from pipelines.sources.mongodb.datasource import order_type

    monkeypatch.setenv("LAKEHOUSE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(LakehouseError) as caught:
        start_mongo()
    assert str(caught.value) == (
        f"the MongoDB-compatible server's jars are not in {MONGO_SERVER.folder}: run "
        "`lakehouse jars` (it fetches them once)"
    )
    assert MONGO_SERVER.folder.parent == tmp_path / "cache"
    with pytest.raises(LakehouseError, match=r"^cannot order a stream by '\{\"a\":1\}' \(dict\)$"):
        order_type({"field_type": None}, {"a": 1})
