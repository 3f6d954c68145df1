"""A class-data archive for the local Spark server's JVM: seconds off every start.

Starting Spark, its Spark Connect server and the Hive metastore loads and verifies some 20,000
classes, every time. The JVM can keep them, parsed and verified, in a class-data sharing (CDS)
archive and map it at the next start: on this project's 2-core machine that took 4-5 s off
every local start (session, catalog and first queries).

The first JVM started with a given Spark install and Java writes the archive when it exits (that
run starts about 2 s slower, and its exit takes a few seconds more); later ones map it. An archive
is only valid for the class path (pyspark's jars and the extra jars of
``pipelines.local.maven``) and the Java it was made with, so its name carries a key of both;
the JVM ignores an archive that does not match rather than failing. One process at a time
writes (a lock file with its pid); it writes to a file of its own and renames it into place
once its JVM has exited cleanly, so no one ever maps half an archive.

``$LAKEHOUSE_JVM_CACHE`` names the folder (default ``~/.cache/lakehouse/jvm``, or under
``$XDG_CACHE_HOME``); ``off`` turns the archive off, ``read`` maps an archive that exists but
never writes one (the test suite: its one long JVM would write it only as the suite ends).
An archive is about 250 MB; a folder keeps the newest three.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClassCache", "class_cache"]

_KEEP = 3
# Unknown -XX options are ignored (a JVM without CDS still starts); CDS's own warnings (classes
# it cannot archive, a mismatched archive it skips) are not the user's business.
_QUIET = ("-XX:+IgnoreUnrecognizedVMOptions", "-Xlog:cds*=off")  # cds*: every cds tag set


@dataclass(frozen=True)
class ClassCache:
    """The JVM options of one start, and what to do once that JVM has exited."""

    options: tuple[str, ...] = ()
    writing: Path | None = None
    """The archive this JVM writes at exit (renamed to ``archive`` by ``finish``)."""
    archive: Path | None = None
    lock: Path | None = None

    def finish(self, jvm: subprocess.Popen[bytes] | None, timeout: float = 120.0) -> None:
        """Let the JVM that writes the archive exit, then put the archive in place."""
        if self.writing is None or self.lock is None or self.archive is None:
            return
        try:
            if jvm is not None:
                if jvm.stdin is not None:
                    jvm.stdin.close()  # the gateway exits when its stdin closes
                jvm.wait(timeout)
            if jvm is not None and jvm.returncode == 0 and self.writing.is_file():
                os.replace(self.writing, self.archive)
                _prune(self.archive.parent)
        except (OSError, subprocess.TimeoutExpired):
            pass  # no archive this time; the next start writes one
        finally:
            self.writing.unlink(missing_ok=True)
            self.lock.unlink(missing_ok=True)


def class_cache(
    spark_home: Path, java: str | None = None, extra: Sequence[Path] = ()
) -> ClassCache:
    """The archive options for a JVM running the jars of ``spark_home`` (and the ``extra``
    jars on its class path: Delta, the Kafka connector, the JDBC driver) with ``java``."""
    folder = _folder()
    java = java or _java()
    if folder is None or java is None:
        return ClassCache()
    key = _key(spark_home, Path(java), extra)
    archive = folder / f"spark-{key}.jsa"
    if archive.is_file():
        return ClassCache((*_QUIET, f"-XX:SharedArchiveFile={archive}"))
    if os.environ.get("LAKEHOUSE_JVM_CACHE", "").lower() == "read":
        return ClassCache()
    lock = folder / f"spark-{key}.lock"
    if not _take(lock):
        return ClassCache()  # another process is writing it
    writing = folder / f"spark-{key}.{os.getpid()}.writing"
    return ClassCache((*_QUIET, f"-XX:ArchiveClassesAtExit={writing}"), writing, archive, lock)


def _folder() -> Path | None:
    setting = os.environ.get("LAKEHOUSE_JVM_CACHE", "")
    if setting.lower() == "off":
        return None
    if setting and setting.lower() != "read":
        folder = Path(setting)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "lakehouse" / "jvm"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _java() -> str | None:
    """The ``java`` that ``spark-class`` runs: ``$JAVA_HOME/bin/java``, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    return str(Path(home) / "bin" / "java") if home else shutil.which("java")


def _key(spark_home: Path, java: Path, extra: Sequence[Path] = ()) -> str:
    real = java.resolve()
    stamp = real.stat().st_mtime_ns if real.exists() else 0
    text = f"{spark_home.resolve()}|{real}|{stamp}|" + os.pathsep.join(map(str, extra))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _take(lock: Path) -> bool:
    """Hold ``lock`` (holding pid inside); a lock whose process is gone is taken over."""
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if _alive(lock):
                return False
            lock.unlink(missing_ok=True)
            continue
        except OSError:
            return False
        with os.fdopen(fd, "w") as out:
            out.write(str(os.getpid()))
        return True
    return False


def _alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text().strip() or "0")
    except (OSError, ValueError):
        return False
    return pid > 0 and _pid_alive(pid)


def _prune(folder: Path) -> None:
    """Keep the newest archives (other installs' or Javas'); drop what a killed writer left."""
    archives = sorted(folder.glob("spark-*.jsa"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in archives[_KEEP:]:
        old.unlink(missing_ok=True)
    for left in folder.glob("spark-*.writing"):
        pid = left.suffixes[-2].lstrip(".") if len(left.suffixes) >= 2 else ""
        if not pid.isdigit() or not _pid_alive(int(pid)):
            left.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
