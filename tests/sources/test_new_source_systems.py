"""``lakehouse new-source NAME --from DRAFT.yml`` against real systems on 127.0.0.1 (no Spark):
a PostgreSQL table through its JDBC driver, a MongoDB-compatible server's collection and an
HTTP API, each sampled, the config written next to the draft's own text and validated."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.demo.api import demo_api, rate_records
from pipelines.demo.mongo import LocalMongo
from pipelines.demo.postgres import LocalPostgres
from tests.sources.conftest import quiet_run

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.postgres]

TABLE = """
CREATE TABLE members (
  member_id integer PRIMARY KEY, full_name text NOT NULL, email varchar(200),
  balance numeric(10,2), vip boolean, born date, "CamelCol" integer, notes jsonb,
  updated_at timestamp NOT NULL);
INSERT INTO members VALUES
  (1, 'Ann Lee', 'ann@example.com', 12.50, true, '1980-02-03', 4, '{"a": 1}', '2026-01-05 10:00:00'),
  (2, 'Bo Chan', NULL, NULL, false, NULL, NULL, NULL, '2026-01-06 11:00:00'),
  (3, 'Cy Dunn', 'cy@example.net', 0.10, NULL, '1975-12-31', 1, '[]', '2026-01-07 12:00:00');
"""


def _new_source(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(["new-source", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def _draft(tmp_path: Path, text: str) -> str:
    path = tmp_path / "draft.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def members(postgres: LocalPostgres, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``members`` database with a reader role; its secrets set; the JDBC URL returned."""
    database = f"members_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    postgres.psql(f"CREATE ROLE {database} LOGIN PASSWORD '{password}'; CREATE DATABASE {database};")  # fmt: skip
    postgres.psql(TABLE + f"GRANT SELECT ON members TO {database};", database)
    url = postgres.jdbc_url(database)
    monkeypatch.setenv("LAKEHOUSE_SECRET_MEMBERS_URL", url)
    monkeypatch.setenv("LAKEHOUSE_SECRET_MEMBERS_USER", database)
    monkeypatch.setenv("LAKEHOUSE_SECRET_MEMBERS_PASSWORD", password)
    return url


JDBC_DRAFT = """source:
  type: jdbc
  url: {secret: members/url}
  table: public.members
  user: {secret: members/user}
  password: {secret: members/password}
"""


def test_a_table_is_sampled_through_its_driver_with_its_types_and_key(
    conf_base: Path, tmp_path: Path, members: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_base))
    code, out, err = _new_source(capsys, "members", "--from", _draft(tmp_path, JDBC_DRAFT), "--rows", "2")  # fmt: skip
    assert (code, err) == (0, [])
    where = f"public.members at {members}"
    assert out == [
        f"wrote {conf_base / 'sources' / 'members.yml'}; review the inferred contract, then `lakehouse run`",
        "inferred:",
        f"  read the first 2 records of {where}",
        "  member_id: int (declared int4, not null)",
        "  full_name: string (declared text, not null)",
        "  email: string (declared varchar, nullable)",
        "  balance: decimal(10,2) (declared numeric, nullable)",
        "  vip: boolean (declared bool, nullable)",
        "  born: date (declared date, nullable)",
        "  notes: string (declared jsonb, nullable)",
        "  updated_at: timestamp (declared timestamp, not null)",
        "  email: PII (email): scan-pii: 100% of 1 sampled values look like email",
        "  full_name: PII (name): scan-pii: 100% of 2 sampled values look like name",
        "  born: PII (date_of_birth): named like date of birth: personal data until a review says otherwise",
        f"  silver.dedupe.key: member_id (the key {where} declares)",
        '  CamelCol: left out: only a quoted name reads it; select it under a lower_snake_case name with a `query` (SELECT "CamelCol" AS ...)',
        # more rows than sampled: the key's bounds (its index's min and max) for ranges
        "  source.partitioning: {column: member_id, lower_bound: 1, upper_bound: 3, num_partitions: 4} would read the table in 4 ranges at once",
        "  source.incremental: {column: updated_at} would read only the rows changed since the last run",
    ]
    text = (conf_base / "sources" / "members.yml").read_text()
    assert text.split("\n", 8)[4:8] == ["name: members", 'description: "TODO: what members holds."', "owner: data_engineers", JDBC_DRAFT.split("\n", maxsplit=1)[0]]  # fmt: skip
    written = yaml.safe_load(text)
    assert written["columns"] == [
        {"name": "member_id", "type": "int", "nullable": False},
        {
            "name": "full_name",
            "type": "string",
            "nullable": False,
            "pii": {"class": "name", "mask": "token"},
        },
        {"name": "email", "type": "string", "pii": {"class": "email", "mask": "token"}},
        {"name": "balance", "type": "decimal(10,2)"},
        {"name": "vip", "type": "boolean"},
        {"name": "born", "type": "string", "pii": {"class": "date_of_birth", "mask": "redact"}},
        {"name": "notes", "type": "string"},
        {"name": "updated_at", "type": "timestamp", "nullable": False},
    ]
    assert written["silver"] == {"dedupe": {"key": ["member_id"], "keep": "latest"}}
    assert re.search(r"balance.*# e\.g\. 12\.50$", text, re.M)  # the database's text of it
    assert [s.name for s in load_config(conf_base).sources] == ["members"]

    # A query: its columns as the database types them, no key (a query has none).
    query = JDBC_DRAFT.replace(
        "  table: public.members\n",
        '  query: SELECT member_id, "CamelCol" AS camel, balance * 2 AS doubled FROM members\n',
    )
    code, out, err = _new_source(capsys, "vip", "--from", _draft(tmp_path, query))
    assert (code, err) == (0, [])
    assert out[2:] == [
        f"  read all 3 records of query at {members}",
        "  member_id: int (declared int4, not null)",  # the database knows its origin
        "  camel: int (declared int4, nullable)",
        "  doubled: decimal(38,18) (declared numeric, nullable)",
    ]
    assert "silver" not in yaml.safe_load((conf_base / "sources" / "vip.yml").read_text())


def test_a_database_that_refuses_says_why_and_writes_nothing(
    conf_base: Path, tmp_path: Path, members: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_base))
    user = members.rsplit("/", 1)[1]
    monkeypatch.setenv("LAKEHOUSE_SECRET_MEMBERS_PASSWORD", "not-the-password")
    code, out, err = _new_source(capsys, "members", "--from", _draft(tmp_path, JDBC_DRAFT))
    assert (code, out) == (1, [])
    assert err == [f'error: public.members at {members}: FATAL: password authentication failed for user "{user}"']  # fmt: skip
    missing = JDBC_DRAFT.replace("public.members", "public.nothing")
    monkeypatch.delenv("LAKEHOUSE_SECRET_MEMBERS_PASSWORD")
    code, out, err = _new_source(capsys, "members", "--from", _draft(tmp_path, missing))
    assert (code, out) == (1, [])
    assert err[0].startswith("error: secret 'members/password' is not set: looked in $LAKEHOUSE_SECRET_MEMBERS_PASSWORD, ")  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_SECRET_MEMBERS_PASSWORD", "not-the-password")
    driver = JDBC_DRAFT + "  driver: com.example.NoSuchDriver\n"
    code, _, err = _new_source(capsys, "members", "--from", _draft(tmp_path, driver))
    assert (code, err) == (1, ["error: JDBC driver com.example.NoSuchDriver is not among the jars: put its jar in $LAKEHOUSE_JARS"])  # fmt: skip
    assert not (conf_base / "sources" / "members.yml").exists()


def test_a_collection_is_sampled_and_camel_case_fields_are_mapped_beside_the_drafts(
    conf_base: Path, tmp_path: Path, mongo: LocalMongo, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_base))
    monkeypatch.setenv("LAKEHOUSE_SECRET_APP_MONGO", mongo.uri)
    mongo.insert(
        "scaffolding",
        "profiles",
        [
            {
                "guestId": 1,
                "fullName": "Ann Lee",
                "loyalty": {"tier": "gold"},
                "savedAt": datetime(2026, 1, 5, 10),
                "score": 1.5,
            },
            {
                "guestId": 2,
                "fullName": "Bo Chan",
                "loyalty": {"tier": "silver"},
                "savedAt": datetime(2026, 1, 6),
                "score": 2,
            },
        ],
    )
    draft = (
        "# the app's guests\nsource:\n  type: mongodb\n  uri: {secret: app/mongo}\n"
        "  database: scaffolding\n  collection: profiles\n  fields: {tier: loyalty.tier}\n"
        "owner: team_hotel\n"
    )
    code, out, err = _new_source(capsys, "guests", "--from", _draft(tmp_path, draft))
    assert (code, err) == (0, [])
    where = f"{mongo.uri.rstrip('/')}/scaffolding.profiles"
    assert out[2:] == [
        f"  read all 2 records of {where}",
        "  id: string: ObjectId values, kept as text, not null (every one of 2 records has one)",
        "  guest_id: int (every value is one), not null (every one of 2 records has one)",
        "  full_name: string (text), not null (every one of 2 records has one)",
        "  loyalty: string: objects, kept as JSON, not null (every one of 2 records has one)",
        "  saved_at: timestamp (every value is one), not null (every one of 2 records has one)",
        "  score: double (every value is one), not null (every one of 2 records has one)",  # 1.5, 2
        "  tier: string (text), not null (every one of 2 records has one)",
        "  full_name: PII (name): scan-pii: 100% of 2 sampled values look like name",
        f"  silver.dedupe.key: id (the key {where} declares)",
    ]
    text = (conf_base / "sources" / "guests.yml").read_text()
    # the draft's own fields keep their line; the camelCase ones join them
    assert '  fields: {tier: "loyalty.tier", id: "_id", guest_id: "guestId", full_name: "fullName", saved_at: "savedAt"}\nowner: team_hotel\n' in text  # fmt: skip
    written = yaml.safe_load(text)
    assert [c["name"] for c in written["columns"]] == ["id", "guest_id", "full_name", "loyalty", "saved_at", "score", "tier"]  # fmt: skip
    assert written["owner"] == "team_hotel"
    assert written["silver"] == {"dedupe": {"key": ["id"], "keep": "latest"}}
    assert [s.name for s in load_config(conf_base).sources] == ["guests"]

    # Without fields of its own, the draft gets them: every camelCase field is declared.
    no_fields = draft.replace("  fields: {tier: loyalty.tier}\n", "")
    (conf_base / "sources" / "guests.yml").unlink()
    code, out, err = _new_source(capsys, "guests", "--from", _draft(tmp_path, no_fields))
    assert (code, err) == (0, [])
    text = (conf_base / "sources" / "guests.yml").read_text()
    assert '  fields: {id: "_id", guest_id: "guestId", full_name: "fullName", saved_at: "savedAt"}  # columns named apart from the record\'s keys\nowner: team_hotel\n' in text  # fmt: skip
    written = yaml.safe_load(text)
    assert [(c["name"], c["type"]) for c in written["columns"]] == [
        ("id", "string"), ("guest_id", "int"), ("full_name", "string"), ("loyalty", "string"),
        ("saved_at", "timestamp"), ("score", "double"),
    ]  # fmt: skip
    assert written["silver"] == {"dedupe": {"key": ["id"], "keep": "latest"}}
    assert f"  silver.dedupe.key: id (the key {where} declares)" in out
    assert [s.name for s in load_config(conf_base).sources] == ["guests"]


def test_an_api_is_sampled_page_after_page(
    conf_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    records = rate_records(25, updated_by=True)
    for record in records:
        record["roomType"] = record.pop("room_type")
    token = secrets.token_urlsafe(12)
    draft = (
        "source:\n  type: rest\n  url: {secret: rates/url}\n  auth: {value: {secret: rates/token}}\n"
        "  records_path: items\n  pagination: {style: cursor, param: cursor, cursor_path: next_cursor}\n"
    )
    with demo_api(records, token=token) as api:
        monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_base))
        monkeypatch.setenv("LAKEHOUSE_SECRET_RATES_URL", f"{api.base_url}/rates/cursor")
        monkeypatch.setenv("LAKEHOUSE_SECRET_RATES_TOKEN", token)
        code, out, err = _new_source(capsys, "rates", "--from", _draft(tmp_path, draft), "--rows", "12")  # fmt: skip
        assert (code, err) == (0, [])
        # pages of 4: three hold the 12 records, a fourth tells that there are more
        assert api.hits["/rates/cursor"] == 4
    assert out[2:4] == [
        f"  read the first 12 records of GET {api.base_url}/rates/cursor",
        "  rate_id: int (every value is one), nullable (only part of the source was read)",
    ]
    assert "  updated_by: PII (email): scan-pii: 100% of 12 sampled values look like email" in out
    text = (conf_base / "sources" / "rates.yml").read_text()
    assert '  fields: {room_type: "roomType"}  # columns named apart from the record\'s keys\n' in text  # fmt: skip
    written = yaml.safe_load(text)
    assert [(c["name"], c["type"], c.get("pii")) for c in written["columns"]] == [
        ("rate_id", "int", None),
        ("hotel", "string", None),
        ("price", "double", None),
        ("currency", "string", None),
        ("valid_from", "date", None),
        ("breakfast", "boolean", None),
        ("tags", "string", None),
        ("promo_code", "string", None),
        ("updated_by", "string", {"class": "email", "mask": "token"}),
        ("room_type", "string", None),
    ]
    assert [s.name for s in load_config(conf_base).sources] == ["rates"]


def test_files_are_scaffolded_from_a_sample_file_not_a_draft(
    conf_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_base))
    block = 'source:\n  type: files\n  path: "x/*.csv"\n  format: csv\n'
    code, out, err = _new_source(capsys, "t", "--from", _draft(tmp_path, block))
    assert (code, out, err) == (1, [], [
        "error: a files source cannot be sampled: write its columns by hand (give new-source "
        "a sample file instead: --from FILE.csv)"
    ])  # fmt: skip


def test_a_bad_draft_fails_as_config_does(
    conf_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_base))
    monkeypatch.chdir(tmp_path)
    draft = "source:\n  type: mongodb\n  uri: {secret: a/b}\n  database: app\n  colection: x\ncolumns: []\n"  # fmt: skip
    code, out, err = _new_source(capsys, "t", "--from", _draft(tmp_path, draft))
    assert (code, out) == (2, [])
    assert err == [
        "3 config problem(s):",
        "draft.yml:1:1: source.collection: missing required key 'collection'",
        "draft.yml:5:3: source.colection: unknown key 'colection' (did you mean 'collection'?)",
        "draft.yml:6:1: columns: unknown key 'columns'; allowed keys: name, description, owner, domain, tags, source",
    ]
    code, _, err = _new_source(capsys, "t", "--from", _draft(tmp_path, "source:\n  type: mongodb\n"), "--rows", "0")  # fmt: skip
    assert (code, err) == (1, ["error: --rows must be at least 1, got 0"])


@pytest.mark.graph
@pytest.mark.spark
def test_scaffolded_configs_run_as_written(
    conf_base: Path, tmp_path: Path, members: str, mongo: LocalMongo, spark: SparkSession,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Slow (one graph run: 11 s in the full suite, about 40 s when it is the first test to
    start the session's Spark). The three configs ``new-source`` writes, unedited, in one real
    run of the graph: their types parse every value, their fields and keys read what they
    name, PII is masked."""
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_base))
    monkeypatch.setenv("LAKEHOUSE_SECRET_APP_MONGO", mongo.uri)
    mongo.insert("scaffolded", "guests", [
        {"guestId": 1, "fullName": "Ann Lee", "loyalty": {"tier": "gold"}, "savedAt": datetime(2026, 1, 5, 10), "score": 1.5},
        {"guestId": 2, "fullName": "Bo Chan", "savedAt": datetime(2026, 1, 6), "score": 2},
    ])  # fmt: skip
    mongo_draft = "source:\n  type: mongodb\n  uri: {secret: app/mongo}\n  database: scaffolded\n  collection: guests\n"  # fmt: skip
    token = secrets.token_urlsafe(12)
    records = rate_records(9, updated_by=True)
    for record in records:
        record["roomType"] = record.pop("room_type")
    rest_draft = (
        "source:\n  type: rest\n  url: {secret: rates/url}\n  auth: {value: {secret: rates/token}}\n"
        "  records_path: items\n  pagination: {style: cursor, param: cursor, cursor_path: next_cursor}\n"
    )
    with demo_api(records, token=token) as api:
        monkeypatch.setenv("LAKEHOUSE_SECRET_RATES_URL", f"{api.base_url}/rates/cursor")
        monkeypatch.setenv("LAKEHOUSE_SECRET_RATES_TOKEN", token)
        for name, draft in [
            ("scaffolded_members", JDBC_DRAFT), ("scaffolded_guests", mongo_draft),
            ("scaffolded_rates", rest_draft),
        ]:  # fmt: skip
            code, _, err = _new_source(capsys, name, "--from", _draft(tmp_path, draft))
            assert (code, err) == (0, [])
        quiet_run(load_config(conf_base), spark, tmp_path / "home", full=True)

    def rows(query: str) -> list[tuple[object, ...]]:
        return [tuple(r) for r in spark.sql(query).collect()]

    counts = "SELECT '{0}', (SELECT count(*) FROM silver.{0}), (SELECT count(*) FROM quarantine.{0})"  # fmt: skip
    names = ("scaffolded_members", "scaffolded_guests", "scaffolded_rates")
    assert [rows(counts.format(n))[0] for n in names] == [(n, c, 0) for n, c in zip(names, (3, 2, 9), strict=True)]  # fmt: skip
    assert rows("SELECT member_id, balance, vip, updated_at, length(full_name) FROM silver.scaffolded_members ORDER BY 1") == [
        (1, Decimal("12.50"), True, datetime(2026, 1, 5, 10), 64),  # the name a token
        (2, None, False, datetime(2026, 1, 6, 11), 64),
        (3, Decimal("0.10"), None, datetime(2026, 1, 7, 12), 64),
    ]  # fmt: skip
    guests = rows("SELECT guest_id, length(id), saved_at, score, loyalty FROM silver.scaffolded_guests ORDER BY 1")  # fmt: skip
    assert guests == [
        (1, 24, datetime(2026, 1, 5, 10), 1.5, '{"tier":"gold"}'),  # _id: an ObjectId's hex
        (2, 24, datetime(2026, 1, 6), 2.0, None),
    ]
    assert rows("SELECT rate_id, room_type, valid_from FROM silver.scaffolded_rates WHERE rate_id <= 2 ORDER BY 1") == [
        (1, "double", date(2026, 2, 1)), (2, "suite", date(2026, 3, 1)),
    ]  # fmt: skip
    assert rows("SELECT count(*) FROM silver.scaffolded_rates WHERE updated_by LIKE '%@%'") == [
        (0,)
    ]  # masked
