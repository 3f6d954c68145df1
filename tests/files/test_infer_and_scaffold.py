"""Contract inference, the drift comparison and ``lakehouse new-source`` (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.sources.drift import ColumnChange, detect_changes
from pipelines.sources.file_inspect import FileShape, count_records
from pipelines.sources.infer import Inferred, infer_column, normalise_name
from tests.files.samples import (
    file_source,
    source,
    write,
    write_json_lines,
    write_parquet,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2018-02-28", "2018-03-01"], Inferred("date", False, None, "2018-02-28")),
        (["28/02/2018", None, ""], Inferred("date", True, "dd/MM/yyyy", "28/02/2018")),
        (["20180228", "20180301"], Inferred("date", False, "yyyyMMdd", "20180228")),
        (["12345678"], Inferred("int", False, None, "12345678")),
        (["2018-02-29"], Inferred("string", False, None, "2018-02-29")),
        (["1", " 2 "], Inferred("int", False, None, "1")),
        (["3000000000"], Inferred("bigint", False, None, "3000000000")),
        (["0", "10.50"], Inferred("double", False, None, "0")),
        (["true", "False"], Inferred("boolean", False, None, "true")),
        (["2018-02-28 10:00:00"], Inferred("timestamp", False, None, "2018-02-28 10:00:00")),
        ([None], Inferred("string", True, None, None)),
    ],
)
def test_infer_column(values: list[str | None], expected: Inferred) -> None:
    assert infer_column(values) == expected


def test_normalise_name() -> None:
    assert [normalise_name(n) for n in ["Booking_ID", "noOfAdults", " avg price ", "2nd"]] == [
        "booking_id", "no_of_adults", "avg_price", "c_2nd",
    ]  # fmt: skip


def test_detect_changes_new_missing_retyped() -> None:
    config = source("s", path="s")
    path = Path("/landing/s/a.csv")
    shape = FileShape(path, ("name", "id", "shoe"), {}, ({"name": "A", "id": "x1", "shoe": "42"}, {"name": "B", "id": "x2", "shoe": None}))  # fmt: skip
    assert detect_changes(config, shape) == [
        ColumnChange(path, "shoe", "added", None, "int"),
        ColumnChange(path, "id", "retyped", "int", "string"),
        ColumnChange(path, "day", "missing", "date", None),
    ]
    assert detect_changes(config, FileShape(path, (), {}, ())) == []  # no header: positional
    one_bad = FileShape(path, ("id", "name", "day"), {}, ({"id": "1", "day": "31/02/2024"}, {"id": "x", "day": "01/02/2024"}))  # fmt: skip
    assert detect_changes(config, one_bad) == []  # single bad values are quarantined, not drift
    typed = FileShape(path, ("id", "name", "day"), {"id": "double", "name": "string", "day": "date"}, ())  # fmt: skip
    assert [c.describe() for c in detect_changes(config, typed)] == [
        "file /landing/s/a.csv: column 'id' changed type int -> double"
    ]


def _scaffold(conf: Path, name: str, sample: Path) -> str:
    assert main(["new-source", name, "--from", str(sample)]) == 0
    return (conf / "sources" / f"{name}.yml").read_text()


def test_new_source_scaffolds_a_valid_config_and_never_overwrites(conf_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    sample = write(tmp_path / "Hotel Bookings_20180301.csv", "Booking_ID;arrival;nights;price;day\r\nINN1;28/02/2018;2;10.5;20180228\r\nINN2;01/03/2018;;0;20180301\r\n", "latin-1")  # fmt: skip
    assert _scaffold(conf_copy, "hotel", sample) == (
        "# Scaffolded by `lakehouse new-source` from Hotel Bookings_20180301.csv (2 sample rows).\n"
        "# Types, nullability and date formats are inferred from the sample: review them, and\n"
        "# describe each column. Check the result with `lakehouse validate`.\n"
        "name: hotel\n"
        'description: "TODO: what hotel holds (scaffolded from Hotel Bookings_20180301.csv)."\n'
        "owner: data_engineers\n"
        "\n"
        "source:\n"
        "  type: files\n"
        '  path: "hotel/*.csv"  # under $LAKEHOUSE_LANDING\n'
        "  format: csv\n"
        '  csv: {delimiter: ";"}\n'
        "  file_date: {regex: '_(\\d{8})', format: yyyyMMdd}  # e.g. 20180301\n"
        "  schema_drift: rescue  # rescue | evolve | fail\n"
        "\n"
        "columns:\n"
        '  - {name: "booking_id", type: "string", nullable: false}  # e.g. INN1\n'
        '  - {name: "arrival", type: "date", nullable: false, format: "dd/MM/yyyy"}  # e.g. 28/02/2018\n'
        '  - {name: "nights", type: "int"}  # e.g. 2\n'
        '  - {name: "price", type: "double", nullable: false}  # e.g. 10.5\n'
        '  - {name: "day", type: "date", nullable: false, format: "yyyyMMdd"}  # e.g. 20180228\n'
    )
    assert main(["validate"]) == 0
    assert main(["new-source", "hotel", "--from", str(sample)]) == 1
    assert capsys.readouterr().err == f"error: {conf_copy}/sources/hotel.yml already exists (not overwritten)\n"  # fmt: skip

    events = write_json_lines(tmp_path / "events.json", [{"id": 1, "at": "2024-01-02 10:00:00"}, {"id": 2, "tags": [1]}])  # fmt: skip
    assert _scaffold(conf_copy, "events", events).split("columns:\n")[1] == (
        '  - {name: "id", type: "int", nullable: false}  # e.g. 1\n'
        '  - {name: "at", type: "timestamp"}  # e.g. 2024-01-02 10:00:00\n'
        '  - {name: "tags", type: "string"}  # e.g. [1]\n'
    )
    table = write_parquet(tmp_path / "t.parquet", {"id": [1, 2], "score": [1.5, None]})
    assert _scaffold(conf_copy, "scores", table).split("columns:\n")[1] == (
        '  - {name: "id", type: "bigint", nullable: false}  # e.g. 1\n'
        '  - {name: "score", type: "double"}  # e.g. 1.5\n'
    )
    book = write_xlsx(tmp_path / "b.xlsx", [["Team", "Amount"], ["core", 10.5]], sheet="Sheet")
    assert _scaffold(conf_copy, "budgets", book).split("  format: xlsx\n")[1] == (
        '  xlsx: {sheet: "Sheet"}\n'
        "  schema_drift: rescue  # rescue | evolve | fail\n"
        "\n"
        "columns:\n"
        '  - {name: "team", type: "string", nullable: false}  # e.g. core\n'
        '  - {name: "amount", type: "double", nullable: false}  # e.g. 10.5\n'
    )
    assert main(["validate"]) == 0


def test_a_date_in_another_format_is_no_type_change() -> None:
    # issue 17: every run reading M/d/yyyy dates raised "retyped (date -> date)"
    base = source("s", path="s")
    path = Path("/landing/s/a.csv")
    us = FileShape(path, ("id", "name", "day"), {}, ({"id": "1", "day": "3/1/2024"}, {"id": "2", "day": "12/31/2024"}))  # fmt: skip
    declared = base.model_copy(update={"columns": (base.columns[0], base.columns[1], type(base.columns[2]).model_validate({"name": "day", "type": "date", "format": "M/d/yyyy"}))})  # fmt: skip
    assert detect_changes(declared, us) == []  # the declared pattern reads them
    assert detect_changes(base, us) == []  # dd/MM/yyyy declared: cast failures, not drift
    words = FileShape(path, ("id", "name", "day"), {}, ({"id": "1", "day": "soon"}, {"id": "2", "day": "later"}))  # fmt: skip
    assert [c.describe() for c in detect_changes(declared, words)] == [
        "file /landing/s/a.csv: column 'day' changed type date -> string"
    ]


def test_detect_changes_a_renamed_column_through_its_alias() -> None:
    base = source("s", path="s")
    aliased = {"name": "name", "type": "string", "aliases": ["full_name", "label"]}
    config = base.model_copy(update={"columns": (base.columns[0], type(base.columns[1]).model_validate(aliased), base.columns[2])})  # fmt: skip
    path = Path("/landing/s/b.json")
    shape = FileShape(path, ("id", "label", "day"), {}, ({"id": "1", "label": "A", "day": "01/02/2024"},))  # fmt: skip
    assert detect_changes(config, shape) == [
        ColumnChange(path, "name", "renamed", "string", "string", new_name="label")
    ]
    assert [c.describe() for c in detect_changes(config, shape)] == [
        "file /landing/s/b.json: column 'name' arrives as its alias 'label'"
    ]
    both = FileShape(path, ("id", "name", "label", "day"), {}, ())
    assert detect_changes(config, both) == []  # the declared name is there: nothing renamed


def test_new_source_withholds_personal_examples_and_escapes_line_breaks(
    conf_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 14: sample values of PII-looking columns stay out of the YAML; a carriage return
    # (or another line break) in a value cannot end the comment and start a key
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    rows = [
        {"id": 1, "contact": "jane@example.com", "surname": "Doe", "note": "a\rowner: x"},
        {"id": 2, "contact": "joe@example.com", "surname": "Roe", "note": "b\u2028c: d"},
    ]
    sample = write_json_lines(tmp_path / "leads.jsonl", rows)
    text = _scaffold(conf_copy, "leads", sample)
    assert text.split("columns:\n", 1)[1] == (
        '  - {name: "id", type: "int", nullable: false}  # e.g. 1\n'
        '  - {name: "contact", type: "string", nullable: false}  # example withheld: the column looks like personal data\n'
        '  - {name: "surname", type: "string", nullable: false}  # example withheld: the column looks like personal data\n'
        '  - {name: "note", type: "string", nullable: false}  # e.g. a\\rowner: x\n'
    )  # fmt: skip


@pytest.mark.parametrize(
    ("suffix", "delimiter", "line"),
    [(".tsv", "\t", '  csv: {delimiter: "\\t"}\n'), (".txt", "|", '  csv: {delimiter: "|"}\n')],
)
def test_new_source_infers_a_tab_or_pipe_delimiter(conf_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, delimiter: str, line: str) -> None:  # fmt: skip
    # issue 17: a .tsv crashed new-source (the tab was stripped as white space); commas
    # inside the values must not outvote the real delimiter
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    rows = [["id", "city", "note"], ["1", "Lyon", "a, b, c"], ["2", "Porto", "d, e"]]
    sample = write(tmp_path / f"listing{suffix}", "".join(delimiter.join(r) + "\n" for r in rows))
    text = _scaffold(conf_copy, "listing", sample)
    assert line in text.split("columns:\n")[0]
    assert text.split("columns:\n")[1] == (
        '  - {name: "id", type: "int", nullable: false}  # e.g. 1\n'
        '  - {name: "city", type: "string", nullable: false}  # e.g. Lyon\n'
        '  - {name: "note", type: "string", nullable: false}  # e.g. a, b, c\n'
    )
    (listing,) = [s for s in load_config(conf_copy).sources if s.name == "listing"]
    assert listing.source.csv_options.delimiter == delimiter  # type: ignore[union-attr]


def test_new_source_reads_the_whole_file_and_says_what_it_inferred(conf_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    # issue 17: multi-line records became extra rows, M/d/yyyy was written MM/dd/yyyy, NULL was
    # a string, and a column filled in the first 1,000 rows was declared non-null
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    rows = ["id,note,stay_date,children"]
    rows += [f'{i},"plain",{1 + i % 12}/{1 + i % 28}/2024,{i % 3}' for i in range(1, 1201)]
    rows[5] = '5,"two\r\nlines",12/31/2024,NULL'
    rows[-1] = "1200,last,1/1/2025,"
    sample = write(tmp_path / "stays.csv", "\r\n".join(rows) + "\r\n")
    capsys.readouterr()
    text = _scaffold(conf_copy, "stays", sample)
    assert "  csv: {multiline: true}\n" in text
    assert text.split("  schema_drift: rescue  # rescue | evolve | fail\n\n")[1] == (
        'null_values: ["NULL"]\n'
        "\n"
        "columns:\n"
        '  - {name: "id", type: "int", nullable: false}  # e.g. 1\n'
        '  - {name: "note", type: "string", nullable: false}  # e.g. plain\n'
        '  - {name: "stay_date", type: "date", nullable: false, format: "M/d/yyyy"}  # e.g. 2/2/2024\n'
        '  - {name: "children", type: "int"}  # e.g. 1\n'
    )  # fmt: skip
    assert capsys.readouterr().out.split("inferred:\n")[1] == (
        "  read all 1,200 records of stays.csv\n"
        "  delimiter: comma (splits the first records into equal numbers of fields)\n"
        "  multiline: 1 record(s) have a quoted value spanning lines\n"
        "  null_values: NULL (1) stand for missing values\n"
        "  id: int (every one of its 1,200 values parses), not null (every one of 1,200 records has one)\n"
        "  note: string, not null (every one of 1,200 records has one)\n"
        "  stay_date: date M/d/yyyy (every one of its 1,200 values parses), not null (every one of 1,200 records has one)\n"
        "  children: int (every one of its 1,198 values parses), nullable (2 of 1,200 missing)\n"
    )  # fmt: skip


def test_csv_records_are_counted_quote_aware(tmp_path: Path) -> None:
    # issue 17: split multi-line records were counted as read and "balanced"
    text = 'id,note\r\n1,"two\r\nlines"\r\n\r\n2,plain\r\n3,"a ""quoted"" word"'
    path = write(tmp_path / "a.csv", text)
    assert count_records(path, file_source("s", path="s")) == 3
    headless = file_source("s", path="s", csv={"header": False, "delimiter": ";"})
    assert count_records(write(tmp_path / "b.csv", "1;x\n2;y\n"), headless) == 2
    assert count_records(write(tmp_path / "c.csv", ""), file_source("s", path="s")) == 0
