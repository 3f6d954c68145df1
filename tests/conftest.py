"""Shared fixtures: one local Spark Connect session for the whole test session."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import LocalSettings
from pipelines.local.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "src" / "conf"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def lakehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lakehouse_home")


# The engine as the tests run it. Results are the same; only waits and per-query overhead differ.
# - The pipeline engine retries a failed flow twice, after 5 s then 10 s: 15 s of waiting in
#   every run with a failing dataset. Tests wait 1 s, then 2 s.
# - No generated code: on the tests' tiny tables, generating and compiling Java for each
#   projection (Delta's log replay builds wide ones in every read) costs more than evaluating
#   it. A flight recording of two graph-test files put 18% of the server's CPU in code
#   generation; these two settings made the files 15% faster (112 s -> 95 s, twice each).
#   Spark's own test harness switches between the same modes (``CODEGEN_FACTORY_MODE``).
# - No Delta checksum file (``.crc``) beside each commit: Delta reads tables without it, and
#   computing it is part of every commit of the tests' hundreds. Four graph-test files took
#   116 and 117 s without it against 122 and 130 s with it (alternating; BENCHMARKS.md,
#   session 17). A one-row append: 242 ms against 268 ms (median of 25).
# (Stream-state polling is 100 ms in every local session: pipelines.local.spark.)
TEST_ENGINE = {
    "spark.sql.pipelines.execution.watchdog.minRetryTime": "1s",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.codegen.wholeStage": "false",
    "spark.databricks.delta.writeChecksumFile.enabled": "false",
}
# As spark-submit arguments: the defaults of every session of a server started with them (the
# ``--remote`` clients' sessions too); a `lakehouse` child process reads them from the environment.
TEST_ENGINE_ARGS = "".join(f"--conf {k}={v} " for k, v in TEST_ENGINE.items()) + "pyspark-shell"
# The parallel collector: G1's concurrent threads compete with the queries' on two cores; the
# same two files took 85 s against 95 s with G1 (twice each). A project setting (local.java_options).
TEST_JVM = ("-XX:+UseParallelGC",)


@pytest.fixture(scope="session")
def spark(lakehouse_home: Path) -> Iterator[SparkSession]:
    """The one session of the test run (starting Spark costs ~8 s; do it once)."""
    from pipelines.local.spark import local_session, stop_session

    settings = Settings(lakehouse_home, lakehouse_home / "landing", CONF)
    # The suite's JVMs map the class archive of earlier runs but do not write one: the
    # session's JVM would write it only as the suite ends (pipelines.local.jvm_cache).
    os.environ.setdefault("LAKEHOUSE_JVM_CACHE", "read")
    with pytest.MonkeyPatch.context() as env:  # read when the server starts, not inherited after
        env.setenv("PYSPARK_SUBMIT_ARGS", TEST_ENGINE_ARGS)
        session = local_session(
            settings, LocalSettings(shuffle_partitions=2, driver_memory="2g", java_options=TEST_JVM)
        )
    yield session
    stop_session()


@pytest.fixture(scope="session")
def config() -> LakehouseConfig:
    return load_config(CONF)


@pytest.fixture(scope="session")
def catalog_config() -> LakehouseConfig:
    """The product catalog and its gold models only: keeps graph runs small."""
    return load_config(CONF).select(["product_catalog"])


@pytest.fixture
def conf_copy(tmp_path: Path) -> Path:
    """A writable copy of src/conf, for tests that break it on purpose."""
    target = tmp_path / "conf"
    shutil.copytree(CONF, target)
    return target


@pytest.fixture(scope="session", autouse=True)
def pii_keys() -> Iterator[dict[str, bytes]]:
    """Random keys for the PII sources, in the environment a local run reads them from."""
    keys = {"token_key": secrets.token_bytes(32), "encryption_key": secrets.token_bytes(32)}
    names = {f"LAKEHOUSE_SECRET_PII_{k.upper()}": v for k, v in keys.items()}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: base64.b64encode(v).decode() for name, v in names.items()})
    yield keys
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# Issue 16: no test slower than 30 s without a reason in its docstring. A report, not an
# assertion (no timing assertions in tests): the end of every run lists the slow tests and
# fixtures whose docstring gives no reason ("Slow (...)": why the runs are shared, what
# they cost), next to `--durations`.
SLOW_SECONDS = 30.0
_SLOW_WITHOUT_REASON: list[str] = []


def _has_reason(doc: str | None) -> bool:
    return doc is not None and "Slow (" in doc


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.duration <= SLOW_SECONDS or report.when == "teardown":
        return report
    if report.when == "call":
        docs = [getattr(getattr(item, "function", None), "__doc__", None)]
    else:  # a fixture's first use: the slow one says why
        fixtures = getattr(item, "_fixtureinfo", None)
        defs = fixtures.name2fixturedefs.values() if fixtures is not None else []
        docs = [d[-1].func.__doc__ for d in defs if d]
    if not any(_has_reason(doc) for doc in docs):
        _SLOW_WITHOUT_REASON.append(f"{report.duration:.0f}s {report.when} {item.nodeid}")
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not any(terminalreporter.stats.get(k) for k in ("passed", "failed", "error")):
        return  # nothing ran (--collect-only)
    slow = _SLOW_WITHOUT_REASON
    title = f"slower than {SLOW_SECONDS:.0f} s without a reason in the docstring ('Slow (...)')"
    terminalreporter.write_sep("-", f"{title}: {len(slow) or 'none'}")
    for line in slow:
        terminalreporter.write_line(line)
