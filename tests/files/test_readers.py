"""Every file shape through the real reader (a Spark file stream, drained once)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.sources.files import read_files
from pipelines.spec import RunContext
from tests.files.samples import (
    source,
    write,
    write_json_lines,
    write_parquet,
    write_xlsx,
)
from tests.files.streams import drain

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

COLUMNS = ["id", "name", "day", "_rescued_data"]


def _read(spark: SparkSession, tmp: Path, landing: Path, columns: list[str], **files: object) -> list[tuple[object, ...]]:  # fmt: skip
    from pipelines.sources.xlsx import XlsxDataSource

    spark.dataSource.register(XlsxDataSource)
    context = RunContext(run_id="readers", landing_root=landing.as_uri())
    frame = read_files(spark, source("sample", **files), context)
    return drain(frame, tmp / "checkpoint", columns)


def test_csv_line_endings_gzip_spaces_and_headers_by_name(spark: SparkSession, tmp_path: Path) -> None:  # fmt: skip
    folder = tmp_path / "landing zone" / "in box"
    write(folder / "lf.csv", "id,name,day\n1,Ann,01/02/2024\n")
    write(folder / "crlf.csv", "id,name,day\r\n2,Bob,02/02/2024\r\n")
    write(folder / "cr.csv", "id,name,day\r3,Cy,03/02/2024\r")
    write(folder / "no newline.csv", "id,name,day\n4,Di,04/02/2024")
    write(folder / "zipped.csv.gz", "id,name,day\n5,Ed,05/02/2024\n")
    # reordered, one column missing, one new: matched by header name, the new one rescued
    write(folder / "drift.csv", "name,id,shoe\nFay,6,42\n")
    write(
        folder / "short.csv", 'id,name,day\n7,"Gus"\n8,Hal,08/02/2024,extra\n9,Ike,09/02/2024,x,y\n'
    )

    rows = _read(spark, tmp_path, tmp_path / "landing zone", [*COLUMNS, "_corrupt_record", "_source_file LIKE '%in%20box%'"], path="in box/*")  # fmt: skip

    assert rows == [
        ("1", "Ann", "01/02/2024", None, None, True),
        ("2", "Bob", "02/02/2024", None, None, True),
        ("3", "Cy", "03/02/2024", None, None, True),
        ("4", "Di", "04/02/2024", None, None, True),
        ("5", "Ed", "05/02/2024", None, None, True),
        ("6", "Fay", None, '{"shoe":"42"}', None, True),
        ("7", "Gus", None, None, '7,"Gus"', True),
        ("8", "Hal", "08/02/2024", None, "8,Hal,08/02/2024,extra", True),
        ("9", "Ike", "09/02/2024", None, "9,Ike,09/02/2024,x,y", True),
    ]


def test_csv_typed_options_latin1_semicolon_multiline(spark: SparkSession, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    text = "id;name;day\r\n1;'Zoë\r\nline two';01/01/2024\r\n2;'it''s';\r\n"
    write(landing / "sample" / "a.csv", text, encoding="latin-1")
    csv = {"delimiter": ";", "quote": "'", "escape": "'", "encoding": "latin-1", "multiline": True}
    rows = _read(spark, tmp_path, landing, COLUMNS, path="sample/*.csv", csv=csv)
    assert rows == [("1", "Zoë\nline two", "01/01/2024", None), ("2", "it's", None, None)]


def test_csv_tab_separated_with_the_tab_spelled_as_in_yaml(spark: SparkSession, tmp_path: Path) -> None:  # fmt: skip
    landing = tmp_path / "landing"
    write(landing / "sample" / "a.tsv", 'id\tname\tday\n1\tAnn, B\t01/02/2024\n2\t"Bob"\t\n')
    csv = {"delimiter": "\\t"}  # delimiter: '\t' in YAML: a backslash and a t
    rows = _read(spark, tmp_path, landing, [*COLUMNS, "_corrupt_record"], path="sample/*.tsv", csv=csv)  # fmt: skip
    assert rows == [("1", "Ann, B", "01/02/2024", None, None), ("2", "Bob", None, None, None)]


def test_csv_without_header_is_positional(spark: SparkSession, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "sample" / "a.csv", "1,Ann,01/02/2024\n2,Bob,\n")
    rows = _read(spark, tmp_path, landing, COLUMNS, path="sample/*.csv", csv={"header": False})
    assert rows == [("1", "Ann", "01/02/2024", None), ("2", "Bob", None, None)]


def test_json_lines_and_documents(spark: SparkSession, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_json_lines(landing / "lines" / "a.json", [{"id": 1, "name": "Ann"}, {"id": 2, "tags": ["x"], "day": "02/02/2024"}])  # fmt: skip
    write(landing / "lines" / "b.json.gz", '{"id": 3, "name": null}\r\n\r\n{"id": 4,')
    rows = _read(
        spark, tmp_path, landing, [*COLUMNS, "_corrupt_record"], path="lines", format="json"
    )
    assert rows == [
        ("1", "Ann", None, None, None),
        ("2", None, "02/02/2024", '{"tags":"[\\"x\\"]"}', None),
        ("3", None, None, None, None),
        (None, None, None, None, '{"id": 4,'),
    ]
    write(landing / "docs" / "a.json", '[{"id": 5, "name": "Eve"},\n {"id": 6}]')
    write(landing / "docs" / "b.json", '{"id": 7,\n "name": "Gil"}')
    rows = _read(spark, tmp_path / "docs", landing, COLUMNS, path="docs/*.json", format="json", json={"multiline": True})  # fmt: skip
    assert rows == [("5", "Eve", None, None), ("6", None, None, None), ("7", "Gil", None, None)]


def test_xml_parquet_and_xlsx(spark: SparkSession, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "x" / "a.xml", "<rows><row><id>1</id><name>Ann</name><extra>e</extra></row>\r\n<row><id>2</id></row></rows>")  # fmt: skip
    rows = _read(spark, tmp_path / "xml", landing, COLUMNS, path="x/*.xml", format="xml", xml={"row_tag": "row"})  # fmt: skip
    assert rows == [("1", "Ann", None, '{"extra":"e"}'), ("2", None, None, None)]

    write_parquet(landing / "p" / "a.parquet", {"id": [1, 2], "name": ["Ann", None], "score": [1.5, 2.0]})  # fmt: skip
    rows = _read(spark, tmp_path / "parquet", landing, COLUMNS, path="p", format="parquet")
    assert rows == [("1", "Ann", None, '{"score":"1.5"}'), ("2", None, None, '{"score":"2.0"}')]

    from datetime import datetime

    write_xlsx(landing / "books" / "a.xlsx", [["name", "id", "note"], ["Ann", 1, "hi"], [None, None, None], ["Bob", 2, datetime(2024, 2, 1)]], skip=2)  # fmt: skip
    xlsx = {"sheet": "Data", "header_row": 3}
    rows = _read(spark, tmp_path / "xlsx", landing, [*COLUMNS, "_source_file LIKE 'file:/%a.xlsx'"], path="books/*.xlsx", format="xlsx", xlsx=xlsx)  # fmt: skip
    assert rows == [
        ("1", "Ann", None, '{"note": "hi"}', True),
        ("2", "Bob", None, '{"note": "2024-02-01"}', True),
    ]


def test_a_glob_over_many_files_is_listed_in_the_driver(spark: SparkSession, tmp_path: Path) -> None:  # fmt: skip
    """Spark lists a glob matching more than 32 files with a job of one task per file (parallel
    partition discovery), as the stream is defined and in every batch: about 1 s per listing
    at 365 files on this machine (BENCHMARKS.md, session 33). The local server lists in the
    driver, whatever the count."""
    threshold = spark.conf.get("spark.sql.sources.parallelPartitionDiscovery.threshold")
    assert threshold == "2147483647"
    landing = tmp_path / "landing"
    for day in range(1, 41):
        write(landing / "daily" / f"d{day:02}.csv", f"id,name,day\n{day},n{day},{day:02}/01/2024\n")

    rows = _read(spark, tmp_path, landing, ["CAST(id AS INT) AS n"], path="daily/*.csv")

    assert sorted(n for (n,) in rows) == list(range(1, 41))  # type: ignore[type-var]
