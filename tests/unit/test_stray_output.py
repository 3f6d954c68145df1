"""What the engine's JVM prints outside log4j goes to the home's logs, not into a command's
output (``pipelines.local.spark.stray_output_to_log``): ``lakehouse demo`` printed a Java stack
trace (``STREAM_LIFECYCLE_EVENT_SEND_AFTER_SHUTDOWN``) between its flows and its summary."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.local.spark import STRAY_LOG

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def test_the_engines_stray_output_goes_to_its_log(spark: SparkSession, lakehouse_home: Path) -> None:  # fmt: skip
    from pyspark import SparkContext

    context = SparkContext._active_spark_context  # the session's server, started here
    assert context is not None
    assert context._jvm is not None
    marker = f"stray line {uuid.uuid4().hex}"
    context._jvm.java.lang.System.err.println(marker)
    log = lakehouse_home / "logs" / STRAY_LOG
    assert marker in log.read_text(encoding="utf-8").splitlines()
