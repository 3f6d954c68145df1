"""The entity config (src/conf/entities): located errors with exact text, selection, the
pipeline layout, the dictionary's lineage. No Spark."""

from __future__ import annotations

from pathlib import Path

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.deploy.layout import plan_pipelines
from pipelines.docs import dictionary, lineage_edges
from tests.unit.test_config_errors import _edit, _messages

ENTITY = "entities/customers.yml"


def _line(conf: Path, text: str) -> int:
    lines = (conf / ENTITY).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_unknown_attributes_sources_and_columns_are_located(conf_copy: Path) -> None:
    _edit(conf_copy, ENTITY, "    - [email]\n", "    - [emial]\n")
    _edit(conf_copy, ENTITY, "  - source: crm_customers", "  - source: crm_customer")
    assert _messages(conf_copy) == [
        f"{ENTITY}:{_line(conf_copy, '- [emial]')}:8: match.rules[0][0]: unknown attribute "
        "'emial' (did you mean 'email'?)",
    ]
    _edit(conf_copy, ENTITY, "    - [emial]\n", "    - [email]\n")
    _edit(conf_copy, ENTITY, "[crm_customers, customer_feed]", "[crm_customer, customer_feed]")
    _edit(conf_copy, ENTITY, "    id: customer_id\n    updated: _file_date", "    id: customer\n    updated: _file_dat")  # fmt: skip
    assert _messages(conf_copy) == [
        f"{ENTITY}:14:5: inputs[0].id: 'customer_feed' has no column 'customer' (did you mean "
        "'customer_id'?)",
        f"{ENTITY}:15:5: inputs[0].updated: 'customer_feed' has no column '_file_dat' (did you "
        "mean '_file_date'?)",
        f"{ENTITY}:24:5: inputs[1].source: unknown source 'crm_customer' (did you mean "
        "'crm_customers'?)",
    ]


def test_an_attribute_fed_by_pii_must_be_masked(conf_copy: Path) -> None:
    text = (conf_copy / ENTITY).read_text()
    start = text.index("    pii: {class: email, mask: token}")
    (conf_copy / ENTITY).write_text(text[:start] + text[text.index("\n", start) + 1 :])
    assert _messages(conf_copy) == [
        f"{ENTITY}:{_line(conf_copy, 'description: E-mail') - 1}:3: attributes.email: is fed by PII column "
        "customer_feed.email: declare pii (how silver.customers masks it), e.g. pii: {class: "
        "email, mask: token}",
    ]


def test_survivorship_and_key_checks(conf_copy: Path) -> None:
    _edit(conf_copy, ENTITY, "[crm_customers, customer_feed]", "[crm_customers, customers_feed]")
    assert _messages(conf_copy) == [
        f"{ENTITY}:{_line(conf_copy, 'customers_feed]')}:48: attributes.email.survive."
        "source_priority[1]: 'customers_feed' is not an input (did you mean 'customer_feed'?)",
    ]
    _edit(conf_copy, ENTITY, "customers_feed]", "customer_feed]")
    _edit(conf_copy, ENTITY, "key: customer_key", "key: email")
    assert _messages(conf_copy) == [
        f"{ENTITY}:{_line(conf_copy, 'key: email')}:1: key: 'email' is also an attribute",
    ]


def test_select_keeps_an_entity_only_with_all_its_inputs(config: LakehouseConfig) -> None:
    feed_only = config.select(["customer_feed"])
    assert (feed_only.entities, [g.name for g in feed_only.gold]) == ((), [])
    both = config.select(["customer_feed", "crm_customers"])
    assert [e.name for e in both.entities] == ["customers"]
    assert [g.name for g in both.gold] == []  # customer_360 also reads orders_cdc
    with_orders = config.select(["customer_feed", "crm_customers", "orders_cdc"])
    assert [g.name for g in with_orders.gold] == ["customer_360"]


def test_the_entity_lives_in_its_domain_pipeline(config: LakehouseConfig) -> None:
    plans = {p.key: p for p in plan_pipelines(config)}
    customer = plans["customer"]
    assert customer.tables("bronze") == (
        "bronze.crm_customers", "bronze.customer_feed",
        "bronze_pii.crm_customers", "bronze_pii.customer_feed",
    )  # fmt: skip
    assert customer.tables("silver")[-2:] == ("silver.customers", "silver.customers_xref")
    assert plans["gold"].gold == ("customer_360",)  # customers and orders: two domains


def test_dictionary_shows_the_entity_with_lineage_from_both_sources(conf_copy: Path) -> None:
    docs = {d.name: d for d in dictionary(load_config(conf_copy))}
    customers = docs["silver.customers"]
    assert customers.inputs == (
        "silver.customers_xref", "silver.customer_feed", "silver.crm_customers",
        "bronze_pii.customer_feed", "bronze_pii.crm_customers",
    )  # fmt: skip
    assert [(c.name, c.pii) for c in customers.columns][:4] == [
        ("customer_key", ""), ("given_name", "name (token)"), ("surname", "name (token)"),
        ("email", "email (token)"),
    ]  # fmt: skip
    assert (
        customers.columns[3].description
        == "E-mail address; the CRM's wins (survives: first of crm_customers, customer_feed)"
    )
    assert customers.rules == (
        "exact: email", "exact: phone+date_of_birth", "exact: given_name+surname+date_of_birth",
        "exact: given_name+surname+phone",
        "fuzzy:given_name+surname >= 0.9 jaro_winkler, block date_of_birth (off)",
    )  # fmt: skip
    edges = set(lineage_edges(tuple(docs.values())))
    assert {("silver.customer_feed", "silver.customers"), ("silver.crm_customers", "silver.customers"),
            ("silver.customers", "gold.customer_360")} <= edges  # fmt: skip


def test_the_demo_crm_repeats_half_of_the_feed(tmp_path: Path) -> None:
    from pipelines.demo import generate_customers
    from pipelines.demo.crm import crm_customers, crm_table_sql
    from pipelines.transforms.standardise import to_e164

    feed = generate_customers(tmp_path / "feed", rows_per_day=10, days=2, with_bad_rows=False)
    rows = crm_customers(feed.people, only_crm=3)
    assert [r.customer_id for r in rows] == list(range(1, 14))  # 10 of 20 people, then 3 more
    phones = {to_e164(p[4], "AU") for p in feed.people}
    known = [r for r in rows[:10] if r.phone is not None]
    assert known
    assert all(to_e164(r.phone, "AU") in phones for r in known if r.phone)  # other formats
    assert all(to_e164(r.phone, "AU") not in phones for r in rows[10:] if r.phone)
    assert crm_table_sql([rows[0], rows[-1]]).splitlines()[1] == (
        "INSERT INTO customers VALUES (1, 'OLIVIA MARTIN', 'olivia.martin11@example.net', "
        "'+61 487 438 238', '1993-03-05', 'AU', '2026-01-01 08:37:00'), (13, 'Gil Martin', "
        "'gil.martin13@example.org', '+61 472 531 013', '1993-06-05', 'AU', '2026-01-01 16:01:00');"
    )
