"""Gold models as SQL files or Python functions: loading, errors, and every consumer (no Spark)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.contracts import contracts
from pipelines.deploy.bundle import bundle_files
from pipelines.deploy.grants import grants_declaration
from pipelines.deploy.layout import plan_pipelines
from pipelines.docs.dictionary import dictionary, lineage_edges
from pipelines.errors import ConfigErrors
from pipelines.graph import RunContext, build_graph

BRANDS_SQL = """SELECT brand, count(*) AS products
FROM silver.product_catalog
GROUP BY brand
"""
BRANDS_FROM_FILE = """name: brands_from_file
description: Products per brand, from a SQL file.
owner: team_catalog
consumers: [team_a]
sql_file: brands_from_file.sql
"""
FUNCTION = """
from pyspark.sql import functions as F


def newest_per_brand(tables):
    catalog = tables["silver.product_catalog"]
    return catalog.groupBy("brand").agg(F.max("year_release").alias("newest_release"))
"""
NEWEST = """name: newest_per_brand
description: The newest release year per brand, from a Python function.
owner: team_catalog
consumers: [team_b]
python: {module}:newest_per_brand
inputs: [silver.product_catalog]
columns: {{brand: Manufacturer brand, newest_release: Newest year_release}}
"""


def write_models(conf: Path, module: str) -> None:
    """A SQL-file model and a Python model (module ``module`` beside the conf folder)."""
    (conf / "gold" / "brands_from_file.sql").write_text(BRANDS_SQL)
    (conf / "gold" / "brands_from_file.yml").write_text(BRANDS_FROM_FILE)
    package = conf.parent / module
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "marts.py").write_text(FUNCTION)
    (conf / "gold" / "newest_per_brand.yml").write_text(NEWEST.format(module=f"{module}.marts"))


def _messages(conf: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


@pytest.fixture
def models(conf_copy: Path) -> LakehouseConfig:
    write_models(conf_copy, "gold_fns_consumers")
    return load_config(conf_copy)


def test_a_sql_file_is_read_into_sql_and_a_function_declares_its_inputs(
    models: LakehouseConfig,
) -> None:
    by_name = {m.name: m for m in models.gold}
    assert by_name["brands_from_file"].sql == BRANDS_SQL
    assert by_name["brands_from_file"].references == ("silver.product_catalog",)
    assert by_name["newest_per_brand"].references == ("silver.product_catalog",)
    selected = models.select(["product_catalog"])
    assert {"brands_from_file", "newest_per_brand"} <= {m.name for m in selected.gold}
    specs = {s.name: s for s in build_graph(selected, RunContext("r", "file:///landing"))}
    assert specs["gold.newest_per_brand"].inputs == ("silver.product_catalog",)
    assert specs["gold.brands_from_file"].inputs == ("silver.product_catalog",)


def test_lineage_grants_docs_bundles_and_contracts_see_both(models: LakehouseConfig) -> None:
    catalog = next(p for p in plan_pipelines(models) if p.key == "catalog")
    assert {"brands_from_file", "newest_per_brand"} <= set(catalog.gold)
    assert any("brands_from_file" in f.text for f in bundle_files(models).files)
    granted = json.dumps(grants_declaration(models))
    assert '"gold.newest_per_brand"' in granted
    assert '"gold.brands_from_file"' in granted
    found = contracts(models)
    assert [c.name for c in found["gold.brands_from_file"].columns] == ["brand", "products"]
    assert [c.name for c in found["gold.newest_per_brand"].columns] == ["brand", "newest_release"]
    docs = {d.name: d for d in dictionary(models)}
    assert docs["gold.newest_per_brand"].sql == "python: gold_fns_consumers.marts:newest_per_brand"
    assert docs["gold.brands_from_file"].sql == BRANDS_SQL.strip()
    edges = lineage_edges(tuple(docs.values()))
    assert ("silver.product_catalog", "gold.newest_per_brand") in edges


def test_missing_files_modules_and_functions_are_config_errors(conf_copy: Path) -> None:
    write_models(conf_copy, "gold_fns_errors")
    (conf_copy / "gold" / "brands_from_file.sql").unlink()
    newest = conf_copy / "gold" / "newest_per_brand.yml"
    newest.write_text(newest.read_text().replace(":newest_per_brand", ":newest_per_brnd"))
    assert _messages(conf_copy) == [
        "gold/brands_from_file.yml:5:1: sql_file: file not found: gold/brands_from_file.sql",
        "gold/newest_per_brand.yml:5:1: python: module 'gold_fns_errors.marts' has no function "
        "'newest_per_brnd' (did you mean 'newest_per_brand'?)",
    ]
    newest.write_text(newest.read_text().replace("gold_fns_errors.marts", "gold_fns_errors.mart"))
    (conf_copy / "gold" / "brands_from_file.sql").write_text(
        "SELECT * FROM silver.product_catalgo\n"
    )
    assert _messages(conf_copy) == [
        "gold/brands_from_file.yml:5:1: sql_file: references unknown table "
        "'silver.product_catalgo' (brands_from_file.sql line 1) (did you mean "
        "'silver.product_catalog'?)",
        "gold/newest_per_brand.yml:5:1: python: cannot import module 'gold_fns_errors.mart': "
        "No module named 'gold_fns_errors.mart'",
    ]


def test_a_gold_model_has_exactly_one_query_and_python_declares_inputs(conf_copy: Path) -> None:
    write_models(conf_copy, "gold_fns_forms")
    newest = conf_copy / "gold" / "newest_per_brand.yml"
    text = newest.read_text()
    newest.write_text(text + "sql: SELECT 1\n")
    assert _messages(conf_copy) == [
        "gold/newest_per_brand.yml:1:1: give exactly one of sql, sql_file, python (got sql, python)"
    ]
    newest.write_text(text.replace("inputs: [silver.product_catalog]\n", ""))
    assert _messages(conf_copy) == [
        "gold/newest_per_brand.yml:1:1: inputs: a python model declares the tables it reads"
    ]
    newest.write_text(text.replace("[silver.product_catalog]", "[silver.product_catalogue]"))
    assert _messages(conf_copy) == [
        "gold/newest_per_brand.yml:6:10: inputs[0]: references unknown table "
        "'silver.product_catalogue' (did you mean 'silver.product_catalog'?)"
    ]
