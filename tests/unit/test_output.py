"""Query output for programs (json, csv) and people (table)."""

from __future__ import annotations

import json
from datetime import date

from pipelines.output import render_rows

COLUMNS = ("brand", "n", "day", "tags")
ROWS = [("HP", 1200, date(2021, 4, 3), ["a"]), ("Samsung, Inc", None, None, [])]


def test_json_is_an_array_of_row_objects() -> None:
    assert json.loads(render_rows(COLUMNS, ROWS, "json")) == [
        {"brand": "HP", "n": 1200, "day": "2021-04-03", "tags": ["a"]},
        {"brand": "Samsung, Inc", "n": None, "day": None, "tags": []},
    ]


def test_csv_quotes_and_headers() -> None:
    assert render_rows(COLUMNS, ROWS, "csv") == (
        'brand,n,day,tags\nHP,1200,2021-04-03,"[""a""]"\n"Samsung, Inc",,,[]'
    )


def test_table_aligns_and_counts() -> None:
    assert render_rows(COLUMNS, ROWS, "table").splitlines() == [
        "brand             n  day         tags",
        "------------  -----  ----------  -----",
        'HP            1,200  2021-04-03  ["a"]',
        "Samsung, Inc   NULL  NULL        []",
        "(2 rows)",
    ]
