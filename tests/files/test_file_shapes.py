"""The landing files' columns, read once per version of a file (``pipelines.sources.file_shapes``).

No Spark: the record is what the local reader's definition reads instead of every file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipelines.errors import LakehouseError
from pipelines.sources.file_shapes import FileShapes, Shape
from tests.files.samples import file_source, write, write_parquet

CSV = file_source("sample", path="in/*.csv")


def _same_stat(path: Path, text: str) -> None:
    """Rewrite ``path`` with ``text`` (of the same length), keeping its modification time."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_file_is_read_once_per_version_and_the_record_follows_the_landing(tmp_path: Path) -> None:
    a = write(tmp_path / "in" / "a.csv", "id,name,day\n1,Ann,01/02/2024\n")
    b = write(tmp_path / "in" / "b.csv", "name,id\nBob,2\n")
    shapes = FileShapes.under((tmp_path / "storage").as_uri(), "sample")

    assert shapes.of(CSV, [a, b], sample=0) == {
        a: Shape(("id", "name", "day"), {}),
        b: Shape(("name", "id"), {}),
    }
    assert shapes.record == tmp_path / "storage" / "_file_shapes" / "sample.json"

    # the same size and time: the kept header, although the file says otherwise now
    _same_stat(a, "xx,yyyy,zzz\n1,Ann,01/02/2024\n")
    assert shapes.of(CSV, [a, b], sample=0)[a] == Shape(("id", "name", "day"), {})
    # a new object reads the same record (the next run's process)
    again = FileShapes.under((tmp_path / "storage").as_uri(), "sample")
    assert again.of(CSV, [a], sample=0)[a] == Shape(("id", "name", "day"), {})

    # delivered again (another size): read again
    write(a, "day,id\n01/02/2024,1\n")
    assert again.of(CSV, [a, b], sample=0)[a] == Shape(("day", "id"), {})

    # another setting of the source: every file read again
    _same_stat(b, "nome,id\nBob,2\n")
    other = file_source("sample", path="in/*.csv", csv={"delimiter": ";"})
    assert again.of(other, [b], sample=0) == {b: Shape(("nome_id",), {})}
    # and a file no longer matched leaves the record
    assert '"a.csv"' not in shapes.record.read_text(encoding="utf-8")
    assert str(b) in shapes.record.read_text(encoding="utf-8")


def test_without_a_local_storage_every_file_is_read_each_time(tmp_path: Path) -> None:
    a = write(tmp_path / "in" / "a.csv", "id,name\n1,Ann\n")
    shapes = FileShapes.under("dbfs:/pipelines/storage", "sample")
    assert shapes.record is None

    assert shapes.of(CSV, [a], sample=0) == {a: Shape(("id", "name"), {})}
    _same_stat(a, "ab,cdef\n1,Ann\n")
    assert shapes.of(CSV, [a], sample=0) == {a: Shape(("ab", "cdef"), {})}
    assert not (tmp_path / "_file_shapes").exists()


def test_an_unreadable_record_is_read_again_and_replaced(tmp_path: Path) -> None:
    a = write(tmp_path / "in" / "a.csv", "id,name\n1,Ann\n")
    shapes = FileShapes.under(tmp_path.as_uri(), "sample")
    assert shapes.record is not None
    write(shapes.record, '{"settings": "x", "files": ')  # a run killed mid-write, by hand

    assert shapes.of(CSV, [a], sample=0) == {a: Shape(("id", "name"), {})}
    _same_stat(a, "ab,cdef\n1,Ann\n")
    assert shapes.of(CSV, [a], sample=0) == {a: Shape(("id", "name"), {})}
    assert sorted(p.name for p in shapes.record.parent.iterdir()) == ["sample.json"]

    # an entry this module did not write (edited by hand): that file is read again
    kept = json.loads(shapes.record.read_text(encoding="utf-8"))
    kept["files"][str(a)] = kept["files"][str(a)][:3]
    shapes.record.write_text(json.dumps(kept), encoding="utf-8")
    assert shapes.of(CSV, [a], sample=0) == {a: Shape(("ab", "cdef"), {})}


def test_a_file_gone_since_it_was_listed_fails_as_a_read_would(tmp_path: Path) -> None:
    gone = tmp_path / "in" / "gone.csv"
    shapes = FileShapes.under(tmp_path.as_uri(), "sample")

    with pytest.raises(LakehouseError) as caught:
        shapes.of(CSV, [gone], sample=0)

    assert str(caught.value) == (
        f"{gone}: cannot read as csv: [Errno 2] No such file or directory: '{gone}'"
    )


def test_parquet_columns_and_types_come_from_the_footer(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "p" / "a.parquet", {"id": [1, 2], "name": ["Ann", None]})
    source = file_source("sample", path="p/*.parquet", format="parquet")

    found = FileShapes.under(tmp_path.as_uri(), "sample").of(source, [path], sample=0)

    assert found == {path: Shape(("id", "name"), {"id": "bigint", "name": "string"})}
