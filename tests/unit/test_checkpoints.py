"""What a file stream's checkpoint says it ingested (``pipelines.sources.checkpoints``): the files
of committed batches only, compacted logs included, and None whenever it cannot be certain.
(``tests/graph/test_pipeline_run.py`` compares it with the bronze table on a real checkpoint.)"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.sources.checkpoints import checkpoint_dir, committed_files

TABLE = "bronze.orders"


def _log(run: Path, batch: str, paths: list[tuple[str, int]], header: str = "v1") -> None:
    entries = [json.dumps({"path": f"file://{p}", "timestamp": 1, "batchId": b}) for p, b in paths]
    (run / "sources" / "0").mkdir(parents=True, exist_ok=True)
    (run / "sources" / "0" / batch).write_text("\n".join([header, *entries]), encoding="utf-8")


def _commit(run: Path, *batches: int) -> None:
    (run / "commits").mkdir(parents=True, exist_ok=True)
    for batch in batches:
        (run / "commits" / str(batch)).write_text("v1\n{}")


def _run(storage: Path) -> Path:
    return storage / "_checkpoints" / "spark_catalog" / "bronze" / "orders" / "orders" / "0"


def test_the_files_of_committed_batches_compacted_or_not(tmp_path: Path) -> None:
    run = _run(tmp_path)
    _log(run, "9.compact", [(f"/l/o/d{i}.csv", i) for i in range(10)])
    _log(run, "10", [("/l/o/d10.csv", 10)])
    _log(run, "11", [("/l/o/d11.csv", 11), ("/l/o/d%20x.csv", 11)])
    (run / "sources" / "0" / ".11.crc").write_text("binary")
    _commit(run, 9, 10)  # batch 11 was planned, never committed: its files are not in the table
    found = committed_files(tmp_path.as_uri(), TABLE)
    assert found == {Path(f"/l/o/d{i}.csv") for i in range(11)}
    _commit(run, 11)
    assert committed_files(tmp_path.as_uri(), TABLE) == {
        *(Path(f"/l/o/d{i}.csv") for i in range(12)), Path("/l/o/d x.csv"),
    }  # fmt: skip


def test_none_when_the_checkpoint_cannot_say(tmp_path: Path) -> None:
    storage = tmp_path.as_uri()
    assert committed_files(storage, TABLE) is None  # no checkpoint
    run = _run(tmp_path)
    _log(run, "0", [("/l/o/a.csv", 0)])
    assert committed_files(storage, TABLE) is None  # no batch committed yet
    _commit(run, 0)
    assert committed_files(storage, TABLE) == {Path("/l/o/a.csv")}
    assert committed_files("s3://bucket/storage", TABLE) is None  # not this machine's
    second = run.parent / "1"  # the engine reset the flow: which files the table holds is open
    second.mkdir()
    assert committed_files(storage, TABLE) is None
    second.rmdir()
    _log(run, "1", [("/l/o/b.csv", 1)], header="v2")  # a log version we do not know
    assert committed_files(storage, TABLE) is None
    (run / "sources" / "0" / "1").write_text("v1\n{not json")
    assert committed_files(storage, TABLE) is None


def test_checkpoint_dir_is_the_one_the_runner_drops() -> None:
    assert checkpoint_dir("file:///tmp/s%20t", "silver.orders") == Path(
        "/tmp/s t/_checkpoints/spark_catalog/silver/orders"
    )
    assert checkpoint_dir("abfss://c@a.dfs.core.windows.net/s", "silver.orders") is None
