"""What each platform declares for a table (issue 15): column masks in the ``bronze_pii``
definitions, comments from descriptions, properties, clustering and row filters from config;
by exact value, without Spark (a recording ``dp`` stands in for the engine's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.errors import ConfigErrors
from pipelines.graph import RunContext, build_graph
from pipelines.platform import DatabricksPlatform, LocalPlatform
from pipelines.spec import DatasetSpec
from tests.unit.recording_dp import RecordingDp

CRM_PII = (
    "`_content_hash` STRING COMMENT 'sha256 of the row\\'s declared values', "
    "`full_name` STRING COMMENT 'PII name, token' MASK `stage`.bronze_pii.pii_redact, "
    "`email` STRING COMMENT 'PII email, token' MASK `stage`.bronze_pii.pii_redact, "
    "`phone` STRING COMMENT 'PII phone, partial' MASK `stage`.bronze_pii.pii_partial "
    "USING COLUMNS (4), "
    "`date_of_birth` STRING COMMENT 'PII date_of_birth, redact' "
    "MASK `stage`.bronze_pii.pii_redact, "
    "`_source_file` STRING COMMENT 'file (or query) the row came from', "
    "`_file_modified_at` TIMESTAMP COMMENT 'when the file was written (or the row extracted)', "
    "`_file_date` DATE COMMENT 'delivery date parsed from the file name', "
    "`_ingested_at` TIMESTAMP COMMENT 'when the row was ingested', "
    "`_run_id` STRING COMMENT 'the run that ingested it'"
)


def _specs(config: LakehouseConfig, platform: str = "databricks") -> dict[str, DatasetSpec]:
    context = RunContext("r1", "abfss://landing@x.dfs.core.windows.net/", platform=platform)  # type: ignore[arg-type]
    return {s.name: s for s in build_graph(config, context)}


def test_bronze_pii_declares_its_column_masks_on_databricks(config: LakehouseConfig) -> None:
    # Issue 15, defect 6: the masks were set by ALTER after the fact (undone by the next
    # update, ALTER STREAMING TABLE on materialized views): the definition declares them now
    spec = _specs(config)["bronze_pii.crm_customers"]
    assert DatabricksPlatform().table_arguments(spec.table, "stage") == {"schema": CRM_PII}
    rates = _specs(config)["bronze_pii.room_rates"]  # a materialized view: the same way
    schema = DatabricksPlatform().table_arguments(rates.table, "stage")["schema"]
    assert "`_record` STRING COMMENT 'the whole record as delivered, as JSON' MASK `stage`.bronze_pii.pii_redact" in schema  # fmt: skip


def test_locally_the_schema_carries_comments_and_no_masks(config: LakehouseConfig) -> None:
    # open-source Spark has no MASK clause: local masking stays the layers' own
    spec = _specs(config, "local")["bronze_pii.crm_customers"]
    local = LocalPlatform().table_arguments(spec.table, "")
    assert local == {"schema": CRM_PII.replace(" MASK `stage`.bronze_pii.pii_redact", "")
                     .replace(" MASK `stage`.bronze_pii.pii_partial USING COLUMNS (4)", "")}  # fmt: skip


def test_silver_declares_typed_columns_with_their_descriptions(config: LakehouseConfig) -> None:
    spec = _specs(config)["silver.product_catalog"]
    arguments = DatabricksPlatform().table_arguments(spec.table, "stage")
    assert arguments["schema"].split(", `")[:3] == [
        "`brand` STRING COMMENT 'Manufacturer brand'",
        "category_id` INT COMMENT 'Marketplace category'",
        "comment` STRING COMMENT 'Free-text seller comment'",
    ]
    assert "`year_release` INT COMMENT 'Release year'" in arguments["schema"]
    assert "`_warnings` ARRAY<STRING> COMMENT 'the warn rules the row broke'" in arguments["schema"]
    # dedupe: {} (no key): the record's identity, what an increment matches new rows on
    assert (
        "`_record_hash` STRING COMMENT 'sha256 of the typed values: the record''s identity "
        "(silver.dedupe: {})'" in arguments["schema"].replace("\\'", "''")
    )
    # tables.silver of product_catalog.yml
    assert {k: v for k, v in arguments.items() if k != "schema"} == {
        "table_properties": {"quality": "silver"},
        "cluster_by": ["brand"],
        "cluster_by_auto": True,
    }
    # locally: the schema and the properties; clustering is refused by Delta 4.4.1 under
    # open-source SDP 4.2 (LocalPlatform.table_arguments says why)
    local = LocalPlatform().table_arguments(spec.table, "")
    assert sorted(local) == ["schema", "table_properties"]
    # and deletion vectors: the local increments replace rows in place (Databricks: its own)
    assert local["table_properties"] == {"delta.enableDeletionVectors": "true", "quality": "silver"}


def test_no_schema_where_the_sql_types_the_columns(config: LakehouseConfig) -> None:
    specs = _specs(config)
    # derived columns (hotel_reservations), AUTO CDC (orders_cdc on Databricks), quarantine, gold
    for name in (
        "silver.hotel_reservations", "silver.orders_cdc", "quarantine.product_catalog",
        "gold.hotel_daily_report", "silver.customers",
    ):  # fmt: skip
        assert specs[name].table.columns is None, name
        assert "schema" not in DatabricksPlatform().table_arguments(specs[name].table, "stage")


TABLES = """
tables:
  bronze:
    properties: {delta.enableChangeDataFeed: true, retention_days: 30}
  silver:
    cluster_by: [country]
    row_filter: {function: silver.by_country, columns: [country]}
"""


def test_config_settings_reach_lakeflow_and_what_open_source_spark_supports(
    conf_copy: Path,
) -> None:
    path = conf_copy / "sources" / "crm_customers.yml"
    path.write_text(path.read_text(encoding="utf-8") + TABLES, encoding="utf-8")
    specs = _specs(load_config(conf_copy))
    bronze, silver = specs["bronze.crm_customers"].table, specs["silver.crm_customers"].table
    lakeflow = DatabricksPlatform().table_arguments(bronze, "stage")
    assert lakeflow["table_properties"] == {
        "delta.enableChangeDataFeed": "true", "retention_days": "30",
        "delta.dataSkippingStatsColumns": "_source_file,_file_date,_ingested_at,_run_id",
    }  # fmt: skip
    lakeflow = DatabricksPlatform().table_arguments(silver, "stage")
    assert lakeflow["cluster_by"] == ["country"]
    assert lakeflow["row_filter"] == "ROW FILTER `stage`.silver.by_country ON (`country`)"
    local = LocalPlatform().table_arguments(silver, "")
    assert sorted(local) == ["schema", "table_properties"]  # no clustering, no row filter
    assert local["table_properties"] == {"delta.enableDeletionVectors": "true"}
    # only where rows are replaced: not bronze (appended to), nor ops (not the graph's)
    assert (
        "delta.enableDeletionVectors"
        not in LocalPlatform().table_arguments(bronze, "")["table_properties"]
    )


def test_bronze_keeps_statistics_of_its_lineage_columns_unless_the_config_says(
    conf_copy: Path,
) -> None:
    # Not of the raw values, which nothing filters on (pipelines.layers.tables says why).
    specs = _specs(load_config(conf_copy))
    stats = "delta.dataSkippingStatsColumns"
    assert dict(specs["bronze.product_catalog"].table.properties) == {
        stats: "_source_file,_ingested_at,_run_id",  # partitioned by _file_date: no statistics
    }
    assert dict(specs["bronze.booking_events"].table.properties)[stats] == (
        "_source_file,_file_date,_ingested_at,_run_id,_kafka_topic,_kafka_partition,"
        "_kafka_offset,_kafka_key"
    )  # the reader's own columns too
    assert stats not in dict(specs["silver.product_catalog"].table.properties)
    path = conf_copy / "sources" / "crm_customers.yml"
    original = path.read_text(encoding="utf-8")
    for tables, expected in (
        (
            "tables: {bronze: {cluster_by: [country]}}",
            "_source_file,_file_date,_ingested_at,_run_id,country",
        ),
        ("tables: {bronze: {cluster_by_auto: true}}", None),
        ("tables: {bronze: {properties: {delta.dataSkippingNumIndexedCols: 5}}}", None),
    ):
        path.write_text(f"{original}\n{tables}\n", encoding="utf-8")
        bronze = _specs(load_config(conf_copy))["bronze.crm_customers"].table
        assert dict(bronze.properties).get(stats) == expected, tables


def test_register_hands_the_definition_to_the_decorator(
    config: LakehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.register as register_module

    recorder = RecordingDp()
    monkeypatch.setattr(register_module, "dp", recorder)
    spec = _specs(config)["bronze_pii.crm_customers"]
    register_module.register(
        [spec],
        spark=None,  # type: ignore[arg-type]
        table_format=None,
        platform=DatabricksPlatform(),
        catalog="stage",
    )
    assert recorder.calls == [
        (
            "table",
            {
                "name": "bronze_pii.crm_customers",
                "comment": "Raw PII values of bronze.crm_customers; join on _content_hash.",
                "partition_cols": None,
                "schema": CRM_PII,
            },
        )
    ]


def _problems(conf: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        (
            "tables:\n  silver:\n    cluster_by: [brnad]\n",
            "sources/product_catalog.yml:{2}:5: tables.silver.cluster_by: 'brnad' is not a "
            "column of the table (did you mean 'brand'?)",
        ),
        (
            "tables:\n  bronze:\n    cluster_by: [brand]\n",
            "sources/product_catalog.yml:{2}:5: tables.bronze.cluster_by: bronze.product_catalog "
            "is partitioned by _file_date (source.file_date), and a Delta table is partitioned "
            "or clustered, not both",
        ),
        (
            "tables:\n  quarantine:\n    row_filter: {function: by_brand, columns: [brand]}\n",
            "sources/product_catalog.yml:{2}:18: tables.quarantine.row_filter.function: "
            "'by_brand': name it <schema>.<function> of the target's catalog, e.g. "
            "silver.by_region",
        ),
        (
            "tables:\n  silver:\n    clustering: [brand]\n",
            "sources/product_catalog.yml:{2}:5: tables.silver.clustering: unknown key "
            "'clustering' (did you mean 'cluster_by'?)",
        ),
    ],
    ids=["unknown_column", "partitioned_bronze", "function_not_schema_qualified", "typo"],
)
def test_table_settings_errors_name_file_line_and_key(
    conf_copy: Path, tables: str, expected: str
) -> None:
    path = conf_copy / "sources" / "product_catalog.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\ntables:") + 1  # the last block of the file
    path.write_text(text[:start] + tables, encoding="utf-8")
    first = text.count("\n", 0, start) + 1  # the line of tables:; {2}: two lines further
    assert _problems(conf_copy) == [expected.replace("{2}", str(first + 2))]
