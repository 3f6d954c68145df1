"""How a ``lakehouse run`` process's JVM compiles (``pipelines.local.jit``), and the stamp of
the last completed run it is decided by (``pipelines.local.unfinished``). No Spark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.config.model import LocalSettings
from pipelines.local.jit import SMALL, START_UP, JitChoice, choose_jit
from pipelines.local.settings import Settings
from pipelines.local.spark import spark_confs
from pipelines.local.unfinished import Markers


def _landed(landing: Path, name: str, size: int, mtime: float) -> None:
    path = landing / "source" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: the size is what counts
    os.utime(path, (mtime, mtime))


def test_a_small_increment_starts_quickly_and_anything_else_compiles_for_long_work(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    _landed(landing, "history.csv", 5 * SMALL, mtime=1_000.0)  # before the last run began
    _landed(landing, "day.csv", 3 * 2**20, mtime=2_000.0)

    def choose(**overrides: object) -> JitChoice:
        arguments: dict[str, object] = {"landing": landing, "last_start": 1_500.0, "full_refresh": False, "kept": False}  # fmt: skip
        return choose_jit("auto", **(arguments | overrides))  # type: ignore[arg-type]

    assert choose() == JitChoice(START_UP, "jit: start-up (3.0 MiB landed since the last run)")
    assert choose(full_refresh=True) == JitChoice((), "jit: peak (a full refresh)")
    assert choose(kept=True) == JitChoice((), "jit: peak (a kept server)")
    assert choose(last_start=None) == JitChoice((), "jit: peak (a first run)")
    # the history counts once it landed after the last run began (a backlog)
    assert choose(last_start=500.0) == JitChoice((), "jit: peak (323.0 MiB landed since the last run)")  # fmt: skip
    _landed(landing, "late.csv", SMALL - 3 * 2**20, mtime=2_000.0)  # exactly SMALL new: peak
    assert choose() == JitChoice((), "jit: peak (64.0 MiB landed since the last run)")
    # the setting wins over everything
    start_up = choose_jit("start-up", landing=landing, last_start=None, full_refresh=True, kept=True)  # fmt: skip
    assert start_up == JitChoice(START_UP, "local.jit: start-up")
    peak = choose_jit("peak", landing=landing, last_start=1_500.0, full_refresh=False, kept=False)
    assert peak == JitChoice((), "local.jit: peak")


def test_the_stamp_is_dated_when_the_last_completed_run_began(tmp_path: Path) -> None:
    storage = (tmp_path / "storage").as_uri()
    assert Markers(storage).last_completed() is None
    markers = Markers(storage)
    markers.begin("r1")
    began = (tmp_path / "storage" / "_unfinished" / "r1").stat().st_mtime
    assert Markers(storage).last_completed() is None  # begun, not completed
    markers.completed()
    assert Markers(storage).last_completed() == began
    killed = Markers(storage)
    killed.begin("r2")  # never completed: the stamp stays the last completed run's
    assert Markers(storage).last_completed() == began
    assert Markers("sc://remote/storage").last_completed() is None


def test_the_choice_reaches_the_jvm_before_the_projects_own_options(tmp_path: Path) -> None:
    settings = Settings(tmp_path, tmp_path / "landing", tmp_path / "conf")
    local = LocalSettings(java_options=("-Dproject=1",))
    options = spark_confs(settings, local, 15002, START_UP)["spark.driver.extraJavaOptions"]
    assert options.split()[2:] == [
        "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=240m", "-Dproject=1",
        "-Duser.timezone=UTC",
    ]  # fmt: skip


def test_a_short_commands_own_server_starts_for_a_quick_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lakehouse sql``, ``status``, ``report`` and ``scan-pii`` start their own server (none
    is up for the home here) with C1 alone under ``auto``; ``optimize`` and a notebook's do
    not; the setting fixes it for all."""
    from pipelines.local import sessions, spark

    started: list[tuple[str, ...]] = []

    class Starting:
        def session(self) -> str:
            return "session"

    def start(_settings: Settings, _local: LocalSettings, options: tuple[str, ...]) -> Starting:
        started.append(tuple(options))
        return Starting()

    monkeypatch.setattr(spark, "start_local_session", start)
    settings = Settings(tmp_path, tmp_path / "landing", tmp_path / "conf")
    for local, short in [
        (LocalSettings(), True), (LocalSettings(), False),
        (LocalSettings(jit="peak"), True), (LocalSettings(jit="start-up"), False),
    ]:  # fmt: skip
        assert sessions.home_session(settings, local, "sql", short=short) == "session"  # type: ignore[comparison-overlap]
    assert started == [START_UP, (), (), START_UP]
