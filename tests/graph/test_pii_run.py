"""The PII split on the real graph: no raw PII value outside bronze_pii, raw values re-join
to bronze by the key, tokens join variants of a value, and no key means no run."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.demo import generate_customers
from pipelines.demo.customers import PII_COLUMNS
from pipelines.errors import PipelineRunError
from pipelines.pii.scan import scan_table
from tests.graph.helpers import pii_leaks, run, scalar, tables_outside_pii

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]


def _customers_only(config: LakehouseConfig) -> LakehouseConfig:
    source = config.source("customer_feed")
    return type(config)(config.root, config.project, config.access, (source,), ())


def test_pii_stays_in_bronze_pii(
    spark: SparkSession,
    config: LakehouseConfig,
    tmp_path: Path,
    lakehouse_home: Path,
    pii_keys: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slow (two runs, about 35 s): the second run (a new day of the feed) is checked on what
    the first wrote to ``bronze_pii`` and bronze."""
    customers = _customers_only(config)
    landing = tmp_path / "landing"
    stats = generate_customers(landing / "customer_feed", rows_per_day=30, days=2)

    run(spark, customers, landing, lakehouse_home, full_refresh=True)

    # Zero raw PII values in every table outside bronze_pii (other tests' tables included).
    tables = tables_outside_pii(spark)
    assert {"bronze.customer_feed", "silver.customer_feed", "quarantine.customer_feed"} <= set(
        tables
    )
    assert {t: pii_leaks(spark, t, stats.pii_values) for t in tables} == {t: [] for t in tables}

    # bronze_pii holds every raw value, and every bronze row joins back to its raw values.
    raw_cells: set[str] = set()
    for column in PII_COLUMNS:
        rows = spark.sql(f"SELECT {column} FROM bronze_pii.customer_feed").collect()
        raw_cells |= {r[0] for r in rows if r[0] is not None}
    # the undeclared middle_name of day 2: raw in bronze_pii's rescued data, keys only in bronze
    rescued = "SELECT get_json_object(_rescued_data, '$.middle_name') FROM bronze_pii.customer_feed"
    raw_cells |= {r[0] for r in spark.sql(rescued).collect() if r[0] is not None}
    lines = "SELECT _corrupt_record FROM bronze_pii.customer_feed WHERE _corrupt_record IS NOT NULL"
    raw_lines = [r[0] for r in spark.sql(lines).collect()]  # unparseable lines, kept whole
    assert {v for v in stats.pii_values - raw_cells if not any(v in x for x in raw_lines)} == set()
    assert spark.sql(
        "SELECT DISTINCT _rescued_data FROM silver.customer_feed WHERE _file_date = '2021-04-04'"
    ).collect() == [('{"middle_name":"[REDACTED]"}',)]
    joined = """SELECT count(*) FROM bronze.customer_feed b
                JOIN (SELECT DISTINCT _content_hash, email FROM bronze_pii.customer_feed) p
                USING (_content_hash)"""
    assert scalar(spark, joined) == scalar(spark, "SELECT count(*) FROM bronze.customer_feed")
    assert scalar(spark, "SELECT count(*) FROM bronze.customer_feed") == stats.rows
    unparseable = "SELECT count(*) FROM bronze_pii.customer_feed WHERE _corrupt_record LIKE '%unexpected extra field%'"
    assert scalar(spark, unparseable) == 2  # one a day, kept raw only here

    # Tokens are the keyed HMAC of the normalised value: the messy re-sends join their originals.
    pairs = spark.sql(
        """SELECT p.email, b.email FROM bronze.customer_feed b JOIN bronze_pii.customer_feed p
           USING (_content_hash) WHERE p.email LIKE ' %' ORDER BY 1 LIMIT 1"""
    ).collect()
    raw_email, token = pairs[0]
    expected = hmac.new(pii_keys["token_key"], raw_email.strip().lower().encode(), hashlib.sha256)
    assert token == expected.hexdigest()
    variants = f"SELECT count(DISTINCT p.email) FROM bronze.customer_feed b JOIN bronze_pii.customer_feed p USING (_content_hash) WHERE b.email = '{token}'"
    assert scalar(spark, variants) == 2  # the clean original and the messy re-send

    # Quarantine shows why, never what: an unparseable line's token, masked values.
    reasons = spark.sql(
        "SELECT _reasons[0], count(*) FROM quarantine.customer_feed GROUP BY 1 ORDER BY 1"
    ).collect()
    assert [tuple(r) for r in reasons] == [
        ("cast:signup_date", 2), ("not_null:customer_id", 2), ("unparseable_row", 2),
    ]  # fmt: skip

    # scan-pii finds the PII columns of the raw table when nothing declares them.
    _, found = scan_table(
        spark, "bronze_pii.customer_feed", sample=1000, min_share=0.3, today=date(2021, 4, 5)
    )
    assert {s.column: s.pii_class for s in found} == {
        "email": "email", "phone": "phone", "date_of_birth": "date_of_birth",
        "given_name": "name", "surname": "name",  # person names, by column name (issue 17)
    }  # fmt: skip
    assert (found[0].column, found[0].share) in {("email", 1.0), ("phone", 1.0)}
    assert all(s.example not in stats.pii_values for s in found)

    # Without the keys, the source fails before reading anything, naming the secret (alone:
    # the other sources of a run still run, see test_one_sources_missing_key_fails_that_source_alone).
    monkeypatch.delenv("LAKEHOUSE_SECRET_PII_TOKEN_KEY")
    monkeypatch.setenv("LAKEHOUSE_SECRETS_FILE", str(landing / "no-secrets.yml"))
    with pytest.raises(PipelineRunError) as caught:
        run(spark, customers, landing, lakehouse_home)
    assert caught.value.failed == {
        "bronze.customer_feed": "PII key 'pii/token_key' not found; looked in $LAKEHOUSE_SECRET_PII_TOKEN_KEY, "
        "$LAKEHOUSE_SECRET_PII_TOKEN_KEY_FILE, "
        f"key pii.token_key of {landing}/no-secrets.yml (no such file). Provide it there "
        "(base64), or run "
        "`lakehouse demo` to create demo keys; there is no default key."
    }
