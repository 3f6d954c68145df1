"""Gold models from a SQL file and from a Python function, in one real local run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from tests.graph.helpers import run
from tests.unit.test_gold_models import write_models

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

CATALOG = "brand,category_id,comment,currency,description,image,year_release\n" + "".join(
    f"{brand},1,,EUR,,,{year}\n"
    for brand, year in (("HP", 2010), ("HP", 2015), ("Dell", 2012), ("Acer", None))
).replace("None", "")


def test_sql_file_and_python_gold_models_run(
    spark: SparkSession, conf_copy: Path, tmp_path: Path, lakehouse_home: Path
) -> None:
    write_models(conf_copy, "gold_fns_run")
    config = load_config(conf_copy).select(["product_catalog"])
    landing = tmp_path / "landing"
    (landing / "product_catalog").mkdir(parents=True)
    (landing / "product_catalog" / "product_catalog_20261120.csv").write_text(CATALOG)

    result = run(spark, config, landing, lakehouse_home, full_refresh=True)

    assert result.flows["gold.newest_per_brand"].state == "COMPLETED"
    rows = spark.sql("SELECT * FROM gold.newest_per_brand ORDER BY brand").collect()
    assert [tuple(r) for r in rows] == [("Acer", None), ("Dell", 2012), ("HP", 2015)]
    rows = spark.sql("SELECT * FROM gold.brands_from_file ORDER BY brand").collect()
    assert [tuple(r) for r in rows] == [("Acer", 1), ("Dell", 1), ("HP", 2)]
