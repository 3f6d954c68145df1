"""The notebooks in notebooks/ run, cell by cell, against the local lakehouse, and compute what an
independent reading of the landing files says they must."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.errors import LakehouseError
from pipelines.notebook import environment, qualified_name
from tests.conftest import CONF, REPO
from tests.consumption.helpers import (
    Built,
    brand_features,
    run_notebook,
    valid_rows,
    with_image_by_brand,
)
from tests.graph.oracle import expected_from

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

NOTEBOOKS = REPO / "notebooks"
FEATURE_COLUMNS = [
    "brand", "products", "products_with_image", "image_share",
    "first_year", "last_year", "avg_year", "categories", "currencies",
]  # fmt: skip


@pytest.fixture
def local_notebook_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A laptop: no Databricks runtime, no remote, no catalog; the repo's config."""
    for variable in ("DATABRICKS_RUNTIME_VERSION", "LAKEHOUSE_REMOTE", "LAKEHOUSE_CATALOG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LAKEHOUSE_CONF", str(CONF))
    monkeypatch.chdir(NOTEBOOKS)  # Databricks runs a notebook from its own folder


def test_every_notebook_is_in_databricks_source_format() -> None:
    names = sorted(p.name for p in NOTEBOOKS.glob("*.py"))
    assert names == ["brand_features.py", "explore_gold.py"]
    for name in names:
        assert (
            (NOTEBOOKS / name).read_text().startswith("# Databricks notebook source\n# MAGIC %md\n")
        )


@pytest.mark.spark
@pytest.mark.graph
def test_explore_gold_notebook(
    spark: SparkSession, config: LakehouseConfig, built: Built, local_notebook_env: None
) -> None:
    expected = expected_from(built.files)

    namespace = run_notebook(NOTEBOOKS / "explore_gold.py", spark)

    sizes = namespace["table_sizes"]
    catalog_gold = [g.name for g in config.select(["product_catalog"]).gold]
    assert {name: sizes[name] for name in catalog_gold} == {
        "team_a_products_with_image": expected.team_a,
        "team_b_samsung_after_2000_without_image": expected.team_b,
    }
    # Other tests of the session may have built other gold tables in the shared lakehouse.
    assert set(sizes) <= {g.name for g in config.gold}
    by_brand = [(r.brand, r.products) for r in namespace["brands_with_image"].collect()]
    assert sorted(by_brand) == with_image_by_brand(built.files)
    assert list(namespace["null_counts"]) == [
        "brand", "category_id", "comment", "currency", "description", "year_release",
    ]  # fmt: skip
    assert namespace["null_counts"]["brand"] == 0
    images = [r for r in valid_rows(built.files) if r[5].strip()]
    assert namespace["null_counts"]["year_release"] == sum(1 for r in images if not r[6].strip())


@pytest.mark.spark
@pytest.mark.graph
def test_brand_features_notebook(
    spark: SparkSession, built: Built, local_notebook_env: None
) -> None:
    namespace = run_notebook(NOTEBOOKS / "brand_features.py", spark)

    features = namespace["features"]
    assert features.columns == FEATURE_COLUMNS
    assert [r.asDict() for r in features.collect()] == brand_features(built.files)
    assert namespace["features_pdf"].shape == (6, 9)  # the generator's six brands


def test_read_table_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_CATALOG", raising=False)
    assert qualified_name("gold.team_a_products_with_image") == "gold.team_a_products_with_image"
    assert qualified_name("gold.x", catalog="lakehouse_prod") == "lakehouse_prod.gold.x"
    monkeypatch.setenv("LAKEHOUSE_CATALOG", "lakehouse_dev")
    assert qualified_name("silver.product_catalog") == "lakehouse_dev.silver.product_catalog"
    with pytest.raises(LakehouseError) as error:
        qualified_name("platinum.x")
    assert str(error.value) == (
        "read_table expects '<layer>.<table>' with a layer of bronze, bronze_pii, silver, gold, "
        "quarantine or ops, got 'platinum.x'"
    )


def test_environment_is_chosen_from_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_REMOTE", raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    assert environment() == "local"
    monkeypatch.setenv("LAKEHOUSE_REMOTE", "sc://localhost:15002")
    assert environment() == "remote"
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    assert environment() == "databricks"


def test_notebook_helper_imports_only_the_standard_library() -> None:
    """pipelines.notebook imports nothing but the standard library at module level, so it loads
    in a Databricks Connect environment (whose pyspark is not ours)."""
    source = (REPO / "src" / "pipelines" / "notebook.py").read_text()
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert top_level == [
        "from __future__ import annotations",
        "import importlib",
        "import importlib.util",
        "import os",
        "import re",
        "from typing import TYPE_CHECKING, cast",
        "from pipelines.errors import LakehouseError",
    ]
