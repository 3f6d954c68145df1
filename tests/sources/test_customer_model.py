"""One customer model (scenario D) on the real graph: the customer file feed and the CRM's
PostgreSQL table, standardised, matched, merged into silver.customers; no raw PII value in
any table outside bronze_pii (the leak test, CRM values and silver.customers included)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.demo.crm import CrmCustomer, crm_table_sql
from pipelines.demo.customers import CUSTOMER_HEADER
from pipelines.demo.postgres import LocalPostgres
from pipelines.local.summary import matches
from tests.graph.helpers import pii_leaks, run, tables_outside_pii

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark, pytest.mark.postgres]

DAY_ONE = [
    ("C00001", "Olivia", "Nguyen", "olivia.nguyen1@example.com", "0412 345 678", "1985-02-03",
     "Unit 4, 12 Banksia Street", "Parramatta", "2150", "NSW", "2026-01-05"),
    ("C00002", "Liam", "Smith", "liam.smith2@example.org", "0423 456 789", "1990-07-14",
     "5 Wattle Road", "Fitzroy", "3065", "vic", "2026-01-05"),
    ("C00003", "Charlotte", "Brown", "", "0434 567 890", "1978-11-30", "9 Boronia Place",
     "Toowong", "4066", "QLD", "2026-01-05"),
    ("C00004", "Noah", "Wilson", "noah.wilson4@example.net", "12", "19371233",
     "3 Waratah Avenue", "Glenelg", "5045", "SA", "2026-01-05"),  # no phone, no date
    ("C00007", "Grace", "Kelly", "", "0400 111 222", "1970-01-12", "8 Jacaranda Crescent",
     "Braddon", "2612", "ACT", "2026-01-05"),
]  # fmt: skip
DAY_TWO = [
    ("C00001", " olivia", "Nguyen", "  OLIVIA.NGUYEN1@EXAMPLE.COM ", "+61 412 345 678",
     "03/02/1985", "Unit 4, 12 Banksia Street", "Parramatta", "2150", "NSW", "2026-01-06"),
    ("C00006", "Jack", "Harris", "jack.harris@example.com", "0456 789 012", "2000-01-19",
     "1 Kurrajong Road", "Fremantle", "6160", "WA", "2026-01-06"),
    ("C00005", "Amelia", "Taylor", "amelia.taylor@example.com", "0445 678 901", "1966-04-22",
     "7 Grevillea Place", "Glenelg", "5045", "SA", "2026-01-06", "unexpected extra field"),
]  # fmt: skip
CRM = [
    CrmCustomer(1, "OLIVIA NGUYEN", "olivia.nguyen1@example.com", "(0412) 345678", "1985-02-03", "AU", "2026-01-02 08:00:00"),  # email
    CrmCustomer(2, "Liam Smtih", "liam@work.example.com", "+61 423 456 789", "14/07/1990", "AU", "2026-01-02 09:00:00"),  # phone+dob
    CrmCustomer(3, " charlotte  brown ", None, None, "30/11/1978", "AU", "2026-01-02 10:00:00"),  # name+dob
    CrmCustomer(4, "Priya Raman", "priya.raman@example.org", "+61 467 890 123", "1988-08-08", "AU", "2026-01-02 11:00:00"),
    CrmCustomer(5, "Tomasz Wolski", "Tomasz Wolski", "0478 901 234", "1995-05-05", "AU", "2026-01-02 12:00:00"),  # no address
    CrmCustomer(6, "Jack Harris", "JACK.HARRIS@EXAMPLE.COM", None, None, "AU", "2026-01-02 13:00:00"),  # email
    CrmCustomer(7, "Grace Kelly", "grace.k@example.com", "0400 111 222", "1970-01-12", "AU", "2026-01-02 14:00:00"),
    CrmCustomer(8, "G Kelly", "grace.k@example.com", None, None, "NZ", "2026-01-02 15:00:00"),  # email -> 7
]  # fmt: skip


@pytest.fixture(scope="module")
def crm_entity(postgres: LocalPostgres) -> dict[str, str]:
    """A ``crm_entity`` database holding the rows above; the secrets' values by name."""
    password = secrets.token_urlsafe(16)
    postgres.psql(f"CREATE ROLE crm_entity LOGIN PASSWORD '{password}'; CREATE DATABASE crm_entity;")  # fmt: skip
    postgres.psql(crm_table_sql(CRM) + "GRANT SELECT ON customers TO crm_entity;", "crm_entity")
    return {
        "LAKEHOUSE_SECRET_CRM_JDBC_URL": postgres.jdbc_url("crm_entity"),
        "LAKEHOUSE_SECRET_CRM_USER": "crm_entity",
        "LAKEHOUSE_SECRET_CRM_PASSWORD": password,
    }


def _feed(folder: Path) -> None:
    folder.mkdir(parents=True)
    for day, rows in (("20260105", DAY_ONE), ("20260106", DAY_TWO)):
        with (folder / f"customer_feed_{day}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(CUSTOMER_HEADER)
            writer.writerows(rows)


def _raw_values() -> frozenset[str]:
    pii = [CUSTOMER_HEADER.index(c) for c in ("given_name", "surname", "email", "phone", "date_of_birth", "street_address")]  # fmt: skip
    values = {row[i] for row in DAY_ONE + DAY_TWO for i in pii}
    values |= {v for c in CRM for v in (c.full_name, c.email, c.phone, c.date_of_birth) if v}
    # Exact cells of under 4 characters ("12") are too common in other tests' tables to count.
    return frozenset(v for v in values if len(v.strip()) >= 4)


def _key(member: str) -> str:
    return hashlib.sha256(member.encode()).hexdigest()[:32]


def test_one_customer_model_from_the_feed_and_the_crm(
    spark: SparkSession,
    config: LakehouseConfig,
    crm_entity: dict[str, str],
    pii_keys: dict[str, bytes],
    lakehouse_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slow (one run, about 40 s): two PII sources (the feed's files, the CRM table through
    PostgreSQL), the matching entity and its mart, the whole customer model at once."""
    for name, value in crm_entity.items():
        monkeypatch.setenv(name, value)
    domain = config.select(["customer_feed", "crm_customers"])
    assert [e.name for e in domain.entities] == ["customers"]
    landing = tmp_path / "landing"
    _feed(landing / "customer_feed")

    result = run(spark, domain, landing, lakehouse_home, full_refresh=True)

    def token(text: str) -> str:
        return hmac.new(pii_keys["token_key"], text.encode(), hashlib.sha256).hexdigest()

    olivia, liam, charlotte = _key("crm_customers:1"), _key("crm_customers:2"), _key("crm_customers:3")  # fmt: skip
    priya, tomasz, jack, grace = (_key(f"crm_customers:{i}") for i in (4, 5, 6, 7))
    noah = _key("customer_feed:C00004")
    rows = spark.sql(
        """SELECT customer_key, given_name, surname, email, phone, date_of_birth, postcode, state,
                  country, transform(sources, s -> concat_ws('/', s.source, s.source_id, s.rule)),
                  source_records, first_seen_at <= last_seen_at
           FROM silver.customers ORDER BY customer_key"""
    ).collect()
    redacted = "[REDACTED]"
    expected = [
        (olivia, token("olivia"), token("nguyen"), token("olivia.nguyen1@example.com"),
         "********5678", redacted, "2150", "NSW", "AU",
         ["crm_customers/1/email", "customer_feed/C00001/email"], 2),
        (liam, token("liam"), token("smith"), token("liam@work.example.com"), "********6789",
         redacted, "3065", "VIC", "AU",
         ["crm_customers/2/phone+date_of_birth", "customer_feed/C00002/phone+date_of_birth"], 2),
        (charlotte, token("charlotte"), token("brown"), None, "********7890", redacted, "4066",
         "QLD", "AU",
         ["crm_customers/3/given_name+surname+date_of_birth",
          "customer_feed/C00003/given_name+surname+date_of_birth"], 2),
        (priya, token("priya"), token("raman"), token("priya.raman@example.org"), "********0123",
         redacted, None, None, "AU", ["crm_customers/4"], 1),
        (tomasz, token("tomasz"), token("wolski"), None, "********1234", redacted, None, None,
         "AU", ["crm_customers/5"], 1),  # "Tomasz Wolski" is no e-mail: NULL, with a warning
        (jack, token("jack"), token("harris"), token("jack.harris@example.com"), "********9012",
         redacted, "6160", "WA", "AU", ["crm_customers/6/email", "customer_feed/C00006/email"], 2),
        (grace, token("grace"), token("kelly"), token("grace.k@example.com"), "********1222",
         redacted, "2612", "ACT", "NZ",
         ["crm_customers/7/email", "crm_customers/8/email",
          "customer_feed/C00007/phone+date_of_birth"], 3),  # transitive: 8 -> 7 -> C00007
        (noah, token("noah"), token("wilson"), token("noah.wilson4@example.net"), None, None,
         "5045", "SA", None, ["customer_feed/C00004"], 1),  # phone 12 and 19371233: NULL
    ]  # fmt: skip
    by_key = sorted(expected, key=lambda row: row[0])
    assert [tuple(r)[:11] for r in rows] == by_key
    # most_complete: "Grace" beats "G"; most recent country: record 8 (NZ) is the newest
    assert all(r[11] for r in rows)  # first seen <= last seen

    xref = spark.sql(
        "SELECT source, source_id, customer_key, match_rule FROM silver.customers_xref"
        " ORDER BY source, source_id"
    ).collect()
    assert len(xref) == 14
    assert [tuple(r) for r in xref][:3] == [
        ("crm_customers", "1", olivia, "email"), ("crm_customers", "2", liam, "phone+date_of_birth"),
        ("crm_customers", "3", charlotte, "given_name+surname+date_of_birth"),
    ]  # fmt: skip
    # tokens still join the source tables: the feed's two spellings of Olivia's e-mail
    joined = spark.sql(
        """SELECT count(*) FROM silver.customer_feed f JOIN silver.customers c USING (email)
           WHERE f.customer_id = 'C00001'"""
    ).collect()[0][0]
    assert joined == 1
    # values that do not standardise are NULL in silver and counted as warnings
    warnings = spark.sql(
        """SELECT 'crm', string(customer_id), _warnings FROM silver.crm_customers WHERE size(_warnings) > 0
           UNION ALL SELECT 'feed', customer_id, _warnings FROM silver.customer_feed
           WHERE size(_warnings) > 0 ORDER BY 1, 2"""
    ).collect()
    assert [tuple(r) for r in warnings] == [
        ("crm", "5", ["rule:standardise_email"]),
        ("feed", "C00004", ["rule:standardise_phone", "rule:standardise_date_of_birth"]),
    ]
    assert matches(domain, result.row_counts) == [
        "customers: 14 source records (customer_feed, crm_customers) -> 8 customers "
        "(matched: silver.customers_xref)"
    ]

    # The leak test: no raw PII value of either source in any table outside bronze_pii.
    raw = _raw_values()
    tables = tables_outside_pii(spark)
    assert {"silver.customers", "silver.customers_xref", "bronze.crm_customers"} <= set(tables)
    assert {t: pii_leaks(spark, t, raw) for t in tables} == {t: [] for t in tables}
    in_pii = spark.sql("SELECT full_name FROM bronze_pii.crm_customers ORDER BY 1").collect()
    assert in_pii[0][0] == " charlotte  brown "  # the raw values are there, and only there
