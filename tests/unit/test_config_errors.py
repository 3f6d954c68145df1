"""Bad config fails before Spark starts, with file, line, key path and a suggestion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.tables import INGEST_COLUMNS
from pipelines.errors import ConfigErrors

SOURCE = "sources/product_catalog.yml"


def _edit(conf: Path, relative: str, old: str, new: str) -> None:
    path = conf / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


def _messages(conf: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


def _new_source(
    conf: Path, name: str, body: str, *, options: str = "", owner: str = "data_engineers"
) -> str:
    """``sources/<name>.yml``: name, description and owner on lines 1-3, a files source on
    line 4 (``options``: more of its keys), then ``body``; its path relative to ``conf``."""
    relative = f"sources/{name}.yml"
    (conf / relative).write_text(
        f"name: {name}\ndescription: x\nowner: {owner}\n"
        f"source: {{type: files, path: {name}/*.csv, format: csv{options}}}\n{body}"
    )
    return relative


UNKNOWN_INTEGR = (
    "unknown type 'integr'; expected one of string, boolean, tinyint, smallint, int, bigint, "
    "float, double, date, timestamp, binary, decimal(p,s)"
)


def test_the_shipped_config_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "src" / "conf")
    assert config.datasets == (
        "bronze.booking_events",
        "silver.booking_events",
        "quarantine.booking_events",
        "bronze.crm_customers",
        "bronze_pii.crm_customers",
        "silver.crm_customers",
        "quarantine.crm_customers",
        "bronze.customer_feed",
        "bronze_pii.customer_feed",
        "silver.customer_feed",
        "quarantine.customer_feed",
        "bronze.guest_profiles",
        "bronze_pii.guest_profiles",
        "silver.guest_profiles",
        "quarantine.guest_profiles",
        "bronze.hotel_folios",
        "silver.hotel_folios",
        "quarantine.hotel_folios",
        "bronze.hotel_reservations",
        "silver.hotel_reservations",
        "quarantine.hotel_reservations",
        "bronze.orders_cdc",
        "silver.orders_cdc",
        "quarantine.orders_cdc",
        "bronze.product_catalog",
        "silver.product_catalog",
        "quarantine.product_catalog",
        "bronze.room_rates",
        "bronze_pii.room_rates",
        "silver.room_rates",
        "quarantine.room_rates",
        "silver.customers",
        "silver.customers_xref",
        "gold.customer_360",
        "gold.hotel_bookings_by_segment",
        "gold.hotel_bookings_by_status",
        "gold.hotel_daily_report",
        "gold.team_a_products_with_image",
        "gold.team_b_samsung_after_2000_without_image",
    )


def test_misspelled_key_names_line_path_and_suggestion(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "{name: year_release, type: int", "{name: year_release, tpye: int")
    assert _messages(conf_copy) == [
        f"{SOURCE}:25:26: columns[6].tpye: unknown key 'tpye' (did you mean 'type'?)"
    ]


def test_wrong_enum_value_lists_choices(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "  format: csv", "  format: cvs")
    assert _messages(conf_copy) == [
        f"{SOURCE}:11:3: source.format: expected one of 'csv', 'json', 'parquet', 'xml', 'xlsx', "
        "got 'cvs' (did you mean 'csv'?)"
    ]


def test_a_java_option_must_start_with_a_dash_and_hold_no_space(conf_copy: Path) -> None:
    _edit(conf_copy, "project.yml", "  driver_memory: 4g\n", "  driver_memory: 4g\n  java_options: [-XX:+UseParallelGC, Xmx2g, -Da b]\n")  # fmt: skip
    why = "is not a JVM option: each starts with '-' and holds no space, one per list item (e.g. [-XX:+UseParallelGC, -Dhttps.proxyHost=proxy])"  # fmt: skip
    assert _messages(conf_copy) == [
        f"project.yml:9:38: local.java_options[1]: 'Xmx2g' {why}",
        f"project.yml:9:45: local.java_options[2]: '-Da b' {why}",
    ]


def test_unknown_source_type_suggests_the_closest(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "  type: files", "  type: filez")
    assert _messages(conf_copy) == [
        f"{SOURCE}:9:3: source.type: unknown type 'filez'; expected one of files, jdbc, rest, mongodb, kafka, eventhubs (did you mean 'files'?)"
    ]


def test_missing_required_key_points_at_its_mapping(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "  path: product_catalog/*.csv", "  # no path")
    assert _messages(conf_copy) == [f"{SOURCE}:8:1: source.path: missing required key 'path'"]


def test_unknown_group_and_table_across_files(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "owner: team_catalog", "owner: team_catalgo")
    _edit(
        conf_copy,
        "gold/team_a_products_with_image.yml",
        "FROM silver.product_catalog",
        "FROM silver.product_catalogue",
    )
    assert _messages(conf_copy) == [
        "gold/team_a_products_with_image.yml:7:1: sql: references unknown table "
        "'silver.product_catalogue' (did you mean 'silver.product_catalog'?)",
        f"{SOURCE}:4:1: owner: unknown group 'team_catalgo' (see access.yml) "
        "(did you mean 'team_catalog'?)",
    ]  # fmt: skip


def test_bad_type_and_regex_and_duplicate_key(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "{name: category_id, type: int", "{name: category_id, type: integer")
    _edit(conf_copy, SOURCE, r"regex: '_(\d{8})\.csv$'", r"regex: '_\d{8}\.csv$'")
    _edit(conf_copy, SOURCE, "domain: catalog", "domain: catalog\ndomain: other")
    messages = _messages(conf_copy)
    assert messages == [f"{SOURCE}:6:1: domain: duplicate key 'domain'"]
    _edit(conf_copy, SOURCE, "domain: catalog\ndomain: other", "domain: catalog")
    assert _messages(conf_copy) == [
        f"{SOURCE}:15:5: source.file_date.regex: needs exactly one capture group, found 0",
        f"{SOURCE}:20:25: columns[1].type: unknown type 'integer'; expected one of string, "
        "boolean, tinyint, smallint, int, bigint, float, double, date, timestamp, binary, "
        "decimal(p,s)",
    ]


def test_invalid_yaml_is_located(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "tags: [marketplace]", "tags: [marketplace")
    (message,) = _messages(conf_copy)
    assert message == f"{SOURCE}:8:7: invalid YAML: did not find expected ',' or ']'"


def test_name_must_match_file_and_dedupe_key_must_exist(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "name: product_catalog", "name: catalog")
    _edit(conf_copy, SOURCE, "dedupe: {}", "dedupe: {key: [sku]}")
    assert _messages(conf_copy) == [
        f"{SOURCE}:29:12: silver.dedupe.key: names unknown columns: sku (declared: brand, "
        "category_id, comment, currency, description, image, year_release)"
    ]
    _edit(conf_copy, SOURCE, "dedupe: {key: [sku]}", "dedupe: {key: [brand]}")
    assert _messages(conf_copy) == [
        f"{SOURCE}:2:1: name: must match the file name 'product_catalog' (rename one of them)"
    ]


def test_stray_file_is_reported(conf_copy: Path) -> None:
    (conf_copy / "acess.yml").write_text("groups: []\n")
    assert _messages(conf_copy) == ["acess.yml: unexpected file or folder in the config (did you mean 'access.yml'?)"]  # fmt: skip


def test_hundred_sources_validate(conf_copy: Path) -> None:
    template = (conf_copy / SOURCE).read_text()
    shipped = len(list((conf_copy / "sources").glob("*.yml")))
    for index in range(100):
        name = f"product_catalog_{index:03d}"
        text = template.replace("name: product_catalog", f"name: {name}")
        text = text.replace("path: product_catalog/", f"path: {name}/")  # its own files
        (conf_copy / "sources" / f"{name}.yml").write_text(text)
    assert len(load_config(conf_copy).sources) == shipped + 100


def test_cli_validate_exits_2_without_traceback(conf_copy: Path) -> None:
    _edit(conf_copy, SOURCE, "  format: csv", "  format: cvs")
    env = {**os.environ, "LAKEHOUSE_CONF": str(conf_copy)}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "validate"],
        capture_output=True, text=True, env=env, cwd=conf_copy.parent, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "1 config problem(s):\n"
        f"conf/{SOURCE}:11:3: source.format: expected one of 'csv', 'json', 'parquet', 'xml', 'xlsx', "
        "got 'cvs' (did you mean 'csv'?)\n"
    )
    assert "Traceback" not in done.stderr
    # and the validator never imported Spark
    probe = "import sys, pipelines.cli as c; c.main(['validate']); print('pyspark' in sys.modules)"
    ok = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert ok.stdout.splitlines()[-1] == "False"


def test_column_aliases_are_checked(conf_copy: Path) -> None:
    folios = "sources/hotel_folios.yml"
    _edit(conf_copy, folios, "aliases: [charge_amount]", "aliases: [charge_amount, booking_id]")
    assert _messages(conf_copy) == [
        f"{folios}:30:5: columns[6].aliases: 'booking_id' is already a column or an alias"
    ]
    _edit(conf_copy, folios, "aliases: [charge_amount, booking_id]", "aliases: [charge amount]")
    assert _messages(conf_copy) == [
        f"{folios}:30:15: columns[6].aliases[0]: expected a lower_snake_case name, got 'charge amount'"
    ]
    _edit(conf_copy, folios, "aliases: [charge amount]", "aliases: [charge_amount]")
    _edit(conf_copy, "sources/room_rates.yml", "  - {name: ", "  - {aliases: [x], name: ")
    assert _messages(conf_copy) == [
        "sources/room_rates.yml:20:6: columns[0].aliases: only file sources read columns by name "
        "(source.type is rest)"
    ]


def test_a_list_whose_every_item_fails_reports_the_items_only(conf_copy: Path) -> None:
    """pydantic also says such a list holds no item "after validation": the items' own
    errors say what is wrong."""
    path = _new_source(conf_copy, "one_column", "columns:\n  - {name: id, type: integr}\n")
    assert _messages(conf_copy) == [f"{path}:6:16: columns[0].type: {UNKNOWN_INTEGR}"]


def _mart(conf: Path, name: str, sql: str) -> str:
    relative = f"gold/{name}.yml"
    (conf / relative).write_text(
        f"name: {name}\ndescription: A mart.\nowner: data_engineers\nsql: |\n  {sql}\n"
    )
    return relative


def test_gold_sql_naming_a_column_its_tables_lack_is_reported(conf_copy: Path) -> None:
    """Checked against the published contracts before any run: Spark would say it only once
    the run had refreshed the sources."""
    typo = _mart(conf_copy, "by_brand", "SELECT brandd, count(*) AS n FROM silver.product_catalog GROUP BY brandd")  # fmt: skip
    joined = _mart(conf_copy, "joined", "SELECT c.brand, x.match_rul FROM silver.product_catalog c JOIN silver.customers_xref x ON c.brand = x.source_id")  # fmt: skip
    alias = _mart(conf_copy, "alias", "SELECT p.brand FROM silver.product_catalog c")
    assert _messages(conf_copy) == [
        f"{alias}:4:1: sql: unknown table or alias 'p' (in p.brand)",
        f"{typo}:4:1: sql: unknown column 'brandd' (did you mean 'brand'?)",
        f"{joined}:4:1: sql: unknown column 'match_rul' (did you mean 'match_rule'?)",
    ]


def test_gold_sql_naming_a_field_its_struct_lacks_is_reported(conf_copy: Path) -> None:
    """A struct's fields are the contract's too (an entity's ``sources``): a typo in one is
    reported with the struct it was read from; each model's first problem."""
    element = _mart(conf_copy, "first_source", "SELECT customer_key, sources[0].sourc AS first FROM silver.customers")  # fmt: skip
    called = _mart(conf_copy, "first_id", "SELECT element_at(c.sources, 1).source_i AS id FROM silver.customers c")  # fmt: skip
    assert _messages(conf_copy) == [
        f"{called}:4:1: sql: unknown field 'source_i' of ELEMENT_AT(c.sources, 1) (did you mean 'source_id'?)",
        f"{element}:4:1: sql: unknown field 'sourc' of customers.sources[0] (did you mean 'source'?)",
    ]


def test_gold_sql_the_check_cannot_follow_is_left_to_spark(conf_copy: Path) -> None:
    """Lineage columns, struct fields, lambdas, generators, aliases and CTEs resolve; a table
    without a known contract (a gold model selecting ``*`` with no declared columns) is not
    checked at all."""
    queries = {
        "lineage": f"SELECT brand, {', '.join(INGEST_COLUMNS)}, _warnings FROM silver.product_catalog",
        "struct_field": "SELECT customer_key, sources[0].source AS first FROM silver.customers",
        "lambda": "SELECT transform(sources, s -> s.source_id) AS ids FROM silver.customers",
        "exploded": "SELECT customer_key, s.rule FROM silver.customers LATERAL VIEW explode(sources) e AS s",
        "aliases": "SELECT brand AS b, count(*) AS n FROM silver.product_catalog GROUP BY brand HAVING n > 1 ORDER BY b",
        "cte": "WITH t AS (SELECT brand AS label FROM silver.product_catalog) SELECT label FROM t",
        "everything": "SELECT * FROM silver.product_catalog",
        "on_everything": "SELECT anything_at_all FROM gold.everything",
        "described": "SELECT *, 1 AS k FROM silver.product_catalog",
        "on_described": "SELECT brand, k FROM gold.described",
    }  # fmt: skip
    for name, sql in queries.items():
        _mart(conf_copy, name, sql)
    described = conf_copy / "gold" / "described.yml"  # its contract: k alone, declared
    described.write_text(described.read_text() + "columns:\n  k: A constant.\n")
    config = load_config(conf_copy)
    assert {g.name for g in config.gold} >= set(queries)


def test_a_file_that_does_not_validate_still_has_its_owner_checked(conf_copy: Path) -> None:
    body = "columns:\n  - {name: id, type: integr}\n"
    path = _new_source(conf_copy, "typos", body, owner="data_engineerz")
    assert _messages(conf_copy) == [
        f"{path}:3:1: owner: unknown group 'data_engineerz' (see access.yml) "
        "(did you mean 'data_engineers'?)",
        f"{path}:6:16: columns[0].type: {UNKNOWN_INTEGR}",
    ]


def test_a_value_of_the_wrong_shape_names_the_yaml_shape_expected(conf_copy: Path) -> None:
    """Not pydantic's Python types ("a valid tuple", "instance of SilverSettings")."""
    body = "columns:\n  - id\n  - {name: x}\nquality: unique(id)\nsilver: []\n"
    path = _new_source(conf_copy, "shapes", body, options=", options: [a]")
    assert _messages(conf_copy) == [
        f"{path}:4:56: source.options: expected a mapping (key: value), got a list ['a']",
        f"{path}:6:5: columns[0]: expected a mapping (key: value), got a text 'id'",
        f"{path}:8:1: quality: expected a list, got a text 'unique(id)'",
        f"{path}:9:1: silver: expected a mapping (key: value), got a list []",
    ]
