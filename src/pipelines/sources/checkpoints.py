"""Where the local engine keeps a streaming table's checkpoint, and what a file stream's says.

Open-source Spark Declarative Pipelines checkpoint each streaming flow under
``<storage>/_checkpoints/spark_catalog/<schema>/<table>/<flow>/<n>/`` (``n``: 0 until the
engine itself resets the flow). A file stream's source log there (``sources/0/<batch>``, and
``<batch>.compact`` every tenth batch holding the ones before) lists every file each batch
read (``v1`` then one JSON object per line: ``path``, ``timestamp``, ``batchId``); a batch
counts once ``commits/<batch>`` exists, that is once its rows are in the table.

The drift check asks which files each bronze table has ingested before the run
(``pipelines.sources.file_inspect.ingested_files_of``). Reading those logs from Python costs
milliseconds; asking the tables costs a Spark job and, in a fresh JVM, the first read of every
bronze table's Delta log (11 s of a 35 s run with nothing new on the demo landing). Local runs
only: on Databricks, Auto Loader keeps its own state.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["checkpoint_dir", "committed_files"]


def checkpoint_dir(storage_root: str, table: str) -> Path | None:
    """The checkpoint folder of ``table`` (``schema.name``); None unless the storage root is a
    folder of this machine (``file:`` URI)."""
    storage = urlparse(storage_root)
    if storage.scheme != "file":
        return None
    schema, name = table.split(".")
    return Path(unquote(storage.path)) / "_checkpoints" / "spark_catalog" / schema / name


def committed_files(storage_root: str, table: str) -> set[Path] | None:
    """The files the committed batches of ``table``'s file stream read; None when the
    checkpoint cannot say for certain (none, not a file stream's, more than one flow or
    reset, a log it cannot parse): then ask the table."""
    base = checkpoint_dir(storage_root, table)
    if base is None or not base.is_dir():
        return None
    runs = [run for flow in base.iterdir() if flow.is_dir() for run in flow.iterdir() if run.is_dir()]  # fmt: skip # noqa: E501
    if len(runs) != 1:
        return None
    run = runs[0]
    log, commits = run / "sources" / "0", run / "commits"
    committed = [int(p.name) for p in commits.glob("*") if p.name.isdigit()] if commits.is_dir() else []  # fmt: skip # noqa: E501
    if not log.is_dir() or not committed:
        return None
    last = max(committed)
    files: set[Path] = set()
    try:
        for batch in log.iterdir():
            if not batch.name.removesuffix(".compact").isdigit():
                continue  # .crc and temporary files
            lines = batch.read_text(encoding="utf-8").splitlines()
            if not lines or lines[0] != "v1":
                return None
            for line in lines[1:]:
                entry = json.loads(line)
                if int(entry["batchId"]) <= last:
                    files.add(Path(unquote(urlparse(entry["path"]).path)))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files
