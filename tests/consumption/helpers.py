"""Consumption tests: an independent reading of the landing files, the notebook runner and the
``lakehouse serve`` process."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.graph.oracle import _problem

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))
NOTEBOOK_HEADER = "# Databricks notebook source\n"
CELL_SEPARATOR = "\n# COMMAND ----------\n"


@dataclass(frozen=True)
class Built:
    """The lakehouse the package's one pipeline run built."""

    home: Path
    landing: Path
    storage: Path

    @property
    def files(self) -> list[Path]:
        """The catalog files in the landing now (the remote test adds one)."""
        return sorted((self.landing / "product_catalog").glob("*.csv"))


def valid_rows(files: list[Path]) -> set[tuple[str, ...]]:
    """The distinct rows a correct silver holds (the graph tests' oracle decides validity)."""
    rows: list[list[str]] = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(list(csv.reader(handle))[1:])
    return {tuple(r) for r in rows if not _problem(r)}


def with_image_by_brand(files: list[Path]) -> list[tuple[str, int]]:
    """``SELECT brand, count(*) FROM gold.team_a_products_with_image GROUP BY 1 ORDER BY 1``."""
    counts = Counter(r[0] for r in valid_rows(files) if r[5].strip())
    return sorted(counts.items())


def _round(value: float, places: str) -> float:
    # Spark rounds a double HALF_UP from its shortest decimal representation.
    return float(Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def brand_features(files: list[Path]) -> list[dict[str, Any]]:
    """What notebooks/brand_features.py must compute, one dict per brand, ordered by brand."""
    rows = valid_rows(files)
    features = []
    for brand in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == brand]
        years = [int(r[6]) for r in mine if r[6].strip()]
        images = sum(1 for r in mine if r[5].strip())
        features.append(
            {
                "brand": brand,
                "products": len(mine),
                "products_with_image": images,
                "image_share": _round(images / len(mine), "0.0001"),
                "first_year": min(years),
                "last_year": max(years),
                "avg_year": _round(sum(years) / len(years), "0.1"),
                "categories": len({int(r[1]) for r in mine if r[1].strip()}),
                "currencies": len({r[3].strip() for r in mine if r[3].strip()}),
            }
        )
    return features


def run_notebook(path: Path, spark: SparkSession) -> dict[str, Any]:
    """Execute a Databricks source-format notebook cell by cell, as the runtime would.

    ``%md`` cells are skipped; a ``%sql`` cell runs through ``spark.sql`` and its result is
    bound to ``_sqldf`` (as on Databricks); Python cells run in one namespace, returned.
    """
    source = path.read_text(encoding="utf-8")
    assert source.startswith(NOTEBOOK_HEADER), f"{path.name}: not a Databricks source notebook"
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for index, cell in enumerate(source[len(NOTEBOOK_HEADER) :].split(CELL_SEPARATOR)):
        lines = cell.strip().splitlines()
        if lines and lines[0].startswith("# MAGIC %md"):
            continue
        if lines and lines[0].startswith("# MAGIC %sql"):
            query = "\n".join(line.removeprefix("# MAGIC").strip() for line in lines[1:])
            namespace["_sqldf"] = spark.sql(query)
            continue
        assert not any(line.startswith("# MAGIC") for line in lines), f"cell {index}: magic"
        exec(compile(cell, f"{path.name}[cell {index}]", "exec"), namespace)
    return namespace


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """The test process's environment minus its Spark session's token and Python settings.

    ``SPARK_CONNECT_MODE_ENABLED`` stays, as any Spark Connect client passes it on to the
    ``lakehouse`` it starts: the child's own server must start all the same."""
    mine = ("SPARK_CONNECT_AUTHENTICATE_TOKEN", "PYSPARK_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(mine)}
    env["SPARK_CONNECT_MODE_ENABLED"] = "1"  # as this process's session set it
    env.update(extra)
    return env


@contextmanager
def serving(
    home: Path, conf: Path, port: int, timeout: float = 240.0
) -> Iterator[tuple[Path, int]]:
    """``lakehouse serve`` in a process of its own until the block ends; yields its output file
    and its process (which leads a process group of its own: its JVM's too)."""
    output = home / f"serve-{port}.out"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [LAKEHOUSE, "serve", "--port", str(port), "--driver-memory", "1g"],
            env=child_env(LAKEHOUSE_HOME=str(home), LAKEHOUSE_CONF=str(conf)),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the test run must not reach its JVM first
        )
    try:
        deadline = time.monotonic() + timeout
        while "ready;" not in output.read_text():
            if process.poll() is not None:
                raise AssertionError(
                    f"lakehouse serve exited {process.returncode}:\n{output.read_text()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"lakehouse serve not ready in {timeout}s:\n{output.read_text()}"
                )
            time.sleep(0.5)
        yield output, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
