"""Config of file sources: typed options, exact errors, the Auto Loader mapping (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import FileSource
from pipelines.errors import ConfigErrors
from pipelines.sources.file_options import autoloader_options, spark_options
from pipelines.sources.files import read_names
from tests.files.conf import SOURCES, file_conf
from tests.files.samples import file_source


def _messages(conf: Path, name: str, old: str, new: str) -> list[str]:
    path = conf / "sources" / f"{name}.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


def test_every_test_source_is_valid(tmp_path: Path) -> None:
    config = load_config(file_conf(tmp_path))
    assert [s.name for s in config.sources] == sorted(SOURCES)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("orders", "delimiter: ';'", "delimeter: ';'",
         "sources/orders.yml:7:9: source.csv.delimeter: unknown key 'delimeter' (did you mean 'delimiter'?)"),
        ("orders", "encoding: latin-1", "encoding: latin1",
         "sources/orders.yml:7:25: source.csv.encoding: expected one of 'utf-8', 'latin-1', 'iso-8859-1', "
         "'us-ascii', 'utf-16', 'utf-16le', 'utf-16be', 'utf-32', got 'latin1' (did you mean 'latin-1'?)"),
        ("events", "format: json}", "format: json, csv: {header: false}}",
         "sources/events.yml:4:51: source.csv: options for format 'csv', but source.format is 'json'"),
        ("events", "format: json}", "format: xml}",
         "sources/events.yml:4:1: source.xml: format 'xml' needs xml.row_tag (the element of one row)"),
        ("people", "schema_drift: evolve", "schema_drift: evolved",
         "sources/people.yml:4:37: source.schema_drift: expected one of 'rescue', 'evolve', 'fail', got 'evolved' (did you mean 'evolve'?)"),
        ("orders", "{name: id, type: int, nullable: false}", "{name: id, type: int, format: dd/MM/yyyy}",
         "sources/orders.yml:10:27: columns[0].format: only date and timestamp columns take a format (type is int)"),
    ],
)  # fmt: skip
def test_config_errors_are_exact(tmp_path: Path, name: str, old: str, new: str, message: str) -> None:  # fmt: skip
    assert _messages(file_conf(tmp_path), name, old, new) == [message]


def test_local_and_autoloader_options() -> None:
    csv = file_source("s", path="s/*.csv", csv={"delimiter": ";", "encoding": "latin-1", "multiline": True}, options={"nullValue": "NA"}, max_files_per_trigger=5)  # fmt: skip
    assert spark_options(csv) == {
        "header": "true", "sep": ";", "quote": '"', "escape": '"', "encoding": "iso-8859-1",
        "multiLine": "true", "mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt_record",
        "maxFilesPerTrigger": "5", "nullValue": "NA",
    }  # fmt: skip
    assert autoloader_options(csv, ["id", "name"]) == {
        "cloudFiles.format": "csv", "cloudFiles.inferColumnTypes": "false",
        "cloudFiles.schemaEvolutionMode": "rescue",
        "cloudFiles.schemaHints": "`id` STRING, `name` STRING, `_corrupt_record` STRING",
        "rescuedDataColumn": "_rescued_data",
        "header": "true", "sep": ";", "quote": '"', "escape": '"', "encoding": "iso-8859-1",
        "multiLine": "true", "mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt_record",
        "cloudFiles.maxFilesPerTrigger": "5", "nullValue": "NA",
    }  # fmt: skip
    # evolve rescues on Databricks: bronze selects the contract's columns, so a column Auto
    # Loader added (addNewColumns) would be dropped there, neither kept nor rescued
    xml = file_source("s", path="x", format="xml", xml={"row_tag": "item"}, schema_drift="evolve")  # fmt: skip
    assert autoloader_options(xml, ["id"]) == {
        "cloudFiles.format": "xml", "cloudFiles.inferColumnTypes": "false",
        "cloudFiles.schemaEvolutionMode": "rescue",
        "cloudFiles.schemaHints": "`id` STRING, `_corrupt_record` STRING",
        "rescuedDataColumn": "_rescued_data", "rowTag": "item", "charset": "utf-8",
        "mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt_record",
    }  # fmt: skip
    lines = file_source("s", path="j", format="json", schema_drift="fail")
    assert spark_options(lines) == {"wholetext": "false"}
    assert autoloader_options(lines, ["id"]) == {
        "cloudFiles.format": "json", "cloudFiles.inferColumnTypes": "false",
        "cloudFiles.schemaEvolutionMode": "failOnNewColumns",
        "cloudFiles.schemaHints": "`id` STRING, `_corrupt_record` STRING",
        "rescuedDataColumn": "_rescued_data", "multiLine": "false",
        "mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt_record",
    }  # fmt: skip
    # Parquet has no corrupt records: no hint, no mode
    parquet = file_source("s", path="p", format="parquet")
    assert autoloader_options(parquet, ["id"]) == {
        "cloudFiles.format": "parquet", "cloudFiles.inferColumnTypes": "false",
        "cloudFiles.schemaEvolutionMode": "rescue", "cloudFiles.schemaHints": "`id` STRING",
        "rescuedDataColumn": "_rescued_data",
    }  # fmt: skip


def test_aliases_are_read_like_columns_on_databricks_too(config: LakehouseConfig) -> None:
    folios = config.source("hotel_folios")
    names = read_names(folios)
    assert names[-2:] == ["currency", "charge_amount"]  # declared columns, then the aliases
    assert isinstance(folios.source, FileSource)
    hints = autoloader_options(folios.source, names)["cloudFiles.schemaHints"]
    assert hints.endswith(
        "`amount` STRING, `currency` STRING, `charge_amount` STRING, `_corrupt_record` STRING"
    )


@pytest.mark.parametrize(
    ("spelled", "expected"),
    [('"\\t"', "\t"), ("'\\t'", "\t"), ("'|'", "|"), ("';'", ";"), ("' '", " ")],
)
def test_any_single_character_delimiter_is_kept_as_that_character(tmp_path: Path, spelled: str, expected: str) -> None:  # fmt: skip
    conf = file_conf(tmp_path, "orders")
    path = conf / "sources" / "orders.yml"
    path.write_text(path.read_text().replace("delimiter: ';'", f"delimiter: {spelled}"))
    (source,) = load_config(conf).sources
    assert source.source.csv_options.delimiter == expected  # type: ignore[union-attr]


def test_null_values_of_the_source_are_each_columns_default(tmp_path: Path) -> None:
    conf = file_conf(tmp_path, "orders")
    path = conf / "sources" / "orders.yml"
    text = path.read_text().replace("columns:\n", "null_values: ['NULL', NA]\ncolumns:\n")
    path.write_text(text.replace("{name: customer, type: string}", "{name: customer, null_values: [n/a]}"))  # fmt: skip
    (source,) = load_config(conf).sources
    assert [c.null_values for c in source.columns] == [("NULL", "NA"), ("n/a",), ("NULL", "NA")]


def test_an_unknown_key_does_not_hide_the_files_other_problems(tmp_path: Path) -> None:
    # issue 17: validate reported 3 problems, then 2 more once those were fixed
    conf = file_conf(tmp_path, "orders")
    path = conf / "sources" / "orders.yml"
    path.write_text(path.read_text().replace("dedupe: {key: [id]}", "dedupe: {key: [idx]}"))
    assert _messages(conf, "orders", "delimiter: ';'", "delimeter: ';'") == [
        "sources/orders.yml:7:9: source.csv.delimeter: unknown key 'delimeter' (did you mean 'delimiter'?)",
        "sources/orders.yml:15:12: silver.dedupe.key: names unknown columns: idx (declared: id, customer, day)",
    ]  # fmt: skip
