from __future__ import annotations

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.errors import LakehouseError


def test_select_keeps_the_sources_and_the_gold_that_reads_only_them(
    config: LakehouseConfig,
) -> None:
    selected = config.select(["product_catalog"])
    assert selected.datasets == (
        "bronze.product_catalog",
        "silver.product_catalog",
        "quarantine.product_catalog",
        "gold.team_a_products_with_image",
        "gold.team_b_samsung_after_2000_without_image",
    )
    assert config.select([c.name for c in config.sources]) == config


def test_select_names_unknown_sources(config: LakehouseConfig) -> None:
    known = ", ".join(s.name for s in config.sources)
    with pytest.raises(LakehouseError, match=f"^unknown source\\(s\\) nope; known: {known}$"):
        config.select(["nope", "product_catalog"])


def test_a_misspelled_source_gets_a_suggestion(config: LakehouseConfig) -> None:
    with pytest.raises(LakehouseError) as caught:
        config.select(["product_catalg", "hotel_folio"])
    known = ", ".join(s.name for s in config.sources)
    assert str(caught.value) == (
        "unknown source(s) hotel_folio (did you mean 'hotel_folios'?), product_catalg "
        f"(did you mean 'product_catalog'?); known: {known}"
    )
