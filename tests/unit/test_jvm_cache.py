"""The JVM class-data archive: who writes it, who maps it, and that no one maps half of one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.local.jvm_cache import class_cache

SPARK = Path("/opt/spark-for-test")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "jvm"
    monkeypatch.setenv("LAKEHOUSE_JVM_CACHE", str(folder))
    return folder


def _java(tmp_path: Path) -> str:
    java = tmp_path / "java"
    java.write_text("")
    return str(java)


def _exits_on_eof(code: int = 0) -> subprocess.Popen[bytes]:
    """A real child that, like the gateway JVM, exits when its stdin closes."""
    script = f"import sys; sys.stdin.read(); sys.exit({code})"
    return subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)


def test_the_first_start_writes_the_archive_then_later_starts_map_it(
    cache: Path, tmp_path: Path
) -> None:
    java = _java(tmp_path)
    first = class_cache(SPARK, java)
    assert first.writing is not None
    assert first.archive is not None
    assert first.lock is not None
    assert first.options[-1] == f"-XX:ArchiveClassesAtExit={first.writing}"
    assert first.lock.read_text() == str(os.getpid())
    # a second process meanwhile: the lock is held by a live process, so it starts plainly
    assert class_cache(SPARK, java).options == ()
    first.writing.write_bytes(b"archive")  # what the JVM writes as it exits
    first.finish(_exits_on_eof())
    assert first.archive.read_bytes() == b"archive"
    assert sorted(p.name for p in cache.iterdir()) == [first.archive.name]
    later = class_cache(SPARK, java)
    assert later.writing is None
    assert later.options[-1] == f"-XX:SharedArchiveFile={first.archive}"
    assert "-XX:+IgnoreUnrecognizedVMOptions" in later.options


def test_a_jvm_that_did_not_exit_cleanly_leaves_no_archive(cache: Path, tmp_path: Path) -> None:
    start = class_cache(SPARK, _java(tmp_path))
    assert start.writing is not None
    assert start.archive is not None
    start.writing.write_bytes(b"half an arch")
    start.finish(_exits_on_eof(code=1))
    assert list(cache.iterdir()) == []  # no archive, no partial file, no lock
    assert class_cache(SPARK, _java(tmp_path)).writing is not None  # the next start tries again


def test_a_lock_left_by_a_dead_process_is_taken_over(cache: Path, tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    java = _java(tmp_path)
    probe = class_cache(SPARK, java)
    assert probe.lock is not None
    assert probe.writing is not None
    probe.lock.write_text(gone)
    taken = class_cache(SPARK, java)
    assert taken.writing is not None
    assert taken.lock is not None
    assert taken.lock.read_text() == str(os.getpid())


def test_another_spark_install_or_java_gets_its_own_archive(cache: Path, tmp_path: Path) -> None:
    java = _java(tmp_path)
    one = class_cache(SPARK, java)
    other = class_cache(Path("/opt/another-spark"), java)
    assert one.archive is not None
    assert other.archive is not None
    assert one.archive != other.archive


def test_off_turns_it_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAKEHOUSE_JVM_CACHE", "off")
    assert class_cache(SPARK, _java(tmp_path)).options == ()


def test_a_real_jvm_writes_an_archive_that_the_next_one_maps(cache: Path) -> None:
    java = shutil.which("java")
    assert java is not None  # Java 17 is a prerequisite
    writer = class_cache(SPARK, java)
    assert writer.archive is not None
    jvm = subprocess.Popen([java, *writer.options, "-version"], stdin=subprocess.PIPE)
    writer.finish(jvm)
    assert writer.archive.is_file()
    mapper = class_cache(SPARK, java)
    # -Xshare:on: fail, rather than start without it, if the archive cannot be mapped
    started = subprocess.run(
        [java, "-Xshare:on", *mapper.options, "-version"], check=False, capture_output=True,
        text=True,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert "sharing" in started.stderr.splitlines()[-1]


def test_read_maps_an_archive_that_exists_and_never_writes_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("LAKEHOUSE_JVM_CACHE", "read")
    java = _java(tmp_path)
    assert class_cache(SPARK, java).options == ()
    monkeypatch.delenv("LAKEHOUSE_JVM_CACHE")
    writer = class_cache(SPARK, java)
    assert writer.writing is not None
    writer.writing.write_bytes(b"archive")
    writer.finish(_exits_on_eof())
    monkeypatch.setenv("LAKEHOUSE_JVM_CACHE", "read")
    assert class_cache(SPARK, java).options[-1] == f"-XX:SharedArchiveFile={writer.archive}"
