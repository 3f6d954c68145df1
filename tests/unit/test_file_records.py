"""Each delivered file's records are counted once, then known by file, size and time (no Spark)."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.ops.file_records import FileCounts


def test_a_file_is_counted_once_and_again_only_when_rewritten(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("h\n1\n2\n")
    b.write_text("h\n1\n")
    calls: list[str] = []

    def count(path: Path) -> int:
        calls.append(path.name)
        return len(path.read_text().splitlines()) - 1

    files = FileCounts(None)
    assert [files.records("s", a, count), files.records("s", b, count)] == [2, 1]
    assert [files.records("s", a, count), files.records("t", a, count)] == [2, 2]
    assert calls == ["a.csv", "b.csv", "a.csv"]  # known for source s; t is another dataset
    # Rewritten in place: another size (and time) is another file, counted again.
    a.write_text("h\n1\n2\n3\n")
    os.utime(a, ns=(1_000_000_000, 1_000_000_000))
    assert files.records("s", a, count) == 3
    assert calls == ["a.csv", "b.csv", "a.csv", "a.csv"]
    assert [(r["dataset"], Path(r["file"]).name, r["size"], r["records"]) for r in files.counted] == [
        ("s", "a.csv", 6, 2), ("s", "b.csv", 4, 1), ("t", "a.csv", 6, 2), ("s", "a.csv", 8, 3),
    ]  # fmt: skip
    assert files.counted[-1]["modified_ns"] == 1_000_000_000
