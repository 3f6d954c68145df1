"""Schema drift policy ``evolve`` in a source with PII: new columns are masked (no Spark)."""

from __future__ import annotations

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import Column
from pipelines.config.pii import PiiSpec
from pipelines.sources.drift import _evolve


def test_a_column_evolved_into_a_pii_source_is_redacted_until_declared(
    config: LakehouseConfig,
) -> None:
    feed = _evolve(config.source("customer_feed"), {"middle_name": "r1"})
    catalog = _evolve(config.source("product_catalog"), {"colour": "r1"})
    added = "added by schema drift (first seen by run r1)"
    redact = PiiSpec.model_validate({"class": "other", "mask": "redact"})
    assert feed.columns[-1] == Column(name="middle_name", description=added, pii=redact)
    assert catalog.columns[-1] == Column(name="colour", description=added)  # no PII declared
