"""Where the local engine keeps a streaming table's checkpoint, and what a stream's says.

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

A Kafka stream's checkpoint says where each partition's next message is: the offset log
(``offsets/<batch>``: ``v1``, the batch's metadata, then one JSON object per source,
``{"topic": {"partition": next offset}}``) of the last committed batch. The check for new
messages before a run asks the broker from there (``committed_offsets``), where it used to
read every offset bronze holds: a query whose cost grew with the topic's history.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["checkpoint_dir", "committed_files", "committed_offsets"]


def checkpoint_dir(storage_root: str, table: str) -> Path | None:
    """The checkpoint folder of ``table`` (``schema.name``); None unless the storage root is a
    folder of this machine (``file:`` URI)."""
    storage = urlparse(storage_root)
    if storage.scheme != "file":
        return None
    schema, name = table.split(".")
    return Path(unquote(storage.path)) / "_checkpoints" / "spark_catalog" / schema / name


def _one_run(storage_root: str, table: str) -> tuple[Path, int] | None:
    """The checkpoint of ``table``'s one flow and its last committed batch; None when there is
    not exactly one (no checkpoint, more than one flow, a flow the engine reset) or no batch
    is committed."""
    base = checkpoint_dir(storage_root, table)
    if base is None or not base.is_dir():
        return None
    runs = [run for flow in base.iterdir() if flow.is_dir() for run in flow.iterdir() if run.is_dir()]  # fmt: skip # noqa: E501
    if len(runs) != 1:
        return None
    commits = runs[0] / "commits"
    committed = [int(p.name) for p in commits.glob("*") if p.name.isdigit()] if commits.is_dir() else []  # fmt: skip # noqa: E501
    return (runs[0], max(committed)) if committed else None


def committed_files(storage_root: str, table: str) -> set[Path] | None:
    """The files the committed batches of ``table``'s file stream read; None when the
    checkpoint cannot say for certain (none, not a file stream's, more than one flow or
    reset, a log it cannot parse): then ask the table."""
    found = _one_run(storage_root, table)
    if found is None:
        return None
    run, last = found
    log = run / "sources" / "0"
    if not log.is_dir():
        return None
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


def committed_offsets(storage_root: str, table: str) -> dict[str, dict[str, int]] | None:
    """Per topic and partition, the offset of the next message ``table``'s Kafka stream would
    read (its last committed batch's end: every message before it is in the table); None when
    the checkpoint cannot say for certain (none, not one Kafka source's, more than one flow or
    reset, a log it cannot parse): then ask the table."""
    found = _one_run(storage_root, table)
    if found is None:
        return None
    run, last = found
    try:
        lines = (run / "offsets" / str(last)).read_text(encoding="utf-8").splitlines()
        if len(lines) != 3 or lines[0] != "v1":  # the version, the metadata, one source
            return None
        offsets = json.loads(lines[2])
        return {
            str(topic): {str(p): int(o) for p, o in partitions.items()}
            for topic, partitions in offsets.items()
        }
    except (OSError, ValueError, AttributeError, TypeError):
        return None
