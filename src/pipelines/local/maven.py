"""JVM parts from Maven, fetched once into a cache outside the repository.

Local runs need jars that pyspark's wheel does not carry: Delta Lake (the table format
Databricks uses), the Spark Kafka connector, the PostgreSQL JDBC driver; the tests and the demo
also run Apache Kafka's own broker. They are fetched by the install step (``lakehouse jars``,
run by ``make install``) with the Ivy that ships inside pyspark, the same resolver as Spark's
``spark.jars.packages``: it needs no Maven install, only Java, and it reads the repositories
Ivy knows by default, so no registry host is written here. A machine without network gets one
line saying why and the local runs fall back to Parquet (``pipelines.local.spark``).

Each set of artifacts lands in its own folder, named by a hash of its coordinates, with a
``MANIFEST`` written last: a folder without it is an interrupted fetch and is fetched again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import LakehouseError

__all__ = [
    "DELTA",
    "JAR_SETS",
    "KAFKA_BROKER",
    "MONGO_SERVER",
    "SPARK_EXTRAS",
    "JarSet",
    "artifact",
    "cache_root",
    "fetch",
    "fetched",
    "java_executable",
    "spark_provided",
]

DELTA = "io.delta:delta-spark_4.2_2.13:4.4.0"
"""Delta Lake for Spark 4.2 (the newest on Maven for it; pip's delta-spark 4.4.1 has no jar)."""


@dataclass(frozen=True)
class JarSet:
    """Artifacts fetched together, with their dependencies, into one folder.

    Attributes:
        name: Names the folder (with a hash of the coordinates) and the set in messages.
        coordinates: ``group:artifact:version`` of each artifact wanted.
        purpose: What it is for, for ``lakehouse jars``.
        without: What does not work while it is missing.
        on_spark: The jars go onto the local Spark's classpath: skip every dependency whose
            artifact pyspark's own jars already provide (Spark's version is the one loaded,
            and a second copy of Hadoop or Parquet only slows the start).
    """

    name: str
    coordinates: tuple[str, ...]
    purpose: str
    without: str
    on_spark: bool

    @property
    def folder(self) -> Path:
        """Where this set's jars live once fetched."""
        digest = hashlib.sha256("\n".join(self.coordinates).encode()).hexdigest()[:10]
        return cache_root() / f"{self.name}-{digest}"


SPARK_EXTRAS = JarSet(
    "spark",
    (
        DELTA,
        "org.apache.spark:spark-sql-kafka-0-10_2.13:4.2.0",
        "org.postgresql:postgresql:42.7.8",
    ),
    "on the local Spark: Delta Lake, the Kafka connector, the PostgreSQL JDBC driver",
    "local runs write Parquet instead of Delta; the Kafka and PostgreSQL sources cannot run",
    on_spark=True,
)
KAFKA_BROKER = JarSet(
    "kafka-broker",
    # slf4j-simple: the broker logs through SLF4J, and without a binding it says nothing, not
    # even why it failed to start (the distribution ships one; the Maven artifact does not).
    ("org.apache.kafka:kafka_2.13:4.1.1", "org.slf4j:slf4j-simple:1.7.36"),
    "Apache Kafka's broker (KRaft) for the demo's and the tests' local stream",
    "the demo and the tests cannot start a local Kafka broker",
    on_spark=False,
)
MONGO_SERVER = JarSet(
    "mongo-server",
    # mongo-java-server: the MongoDB wire protocol over an in-memory store, in a JVM of its own
    # driven by py4j (pipelines.demo.mongo); slf4j-simple so that it can say why it fails.
    ("de.bwaldvogel:mongo-java-server-memory-backend:1.47.0", "org.slf4j:slf4j-simple:2.0.17"),
    "a MongoDB-compatible server (mongo-java-server) for the demo's and the tests' document store",
    "the demo and the tests cannot start a local MongoDB-compatible server",
    on_spark=False,
)
JAR_SETS = (SPARK_EXTRAS, KAFKA_BROKER, MONGO_SERVER)

_MANIFEST = "MANIFEST"
_VERSION = re.compile(r"-\d[^-]*(?:-[A-Za-z0-9]+)?\.jar$")


def cache_root() -> Path:
    """``$LAKEHOUSE_CACHE``, else ``$XDG_CACHE_HOME/lakehouse``, else ``~/.cache/lakehouse``."""
    explicit = os.environ.get("LAKEHOUSE_CACHE")
    if explicit:
        return Path(explicit).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser().resolve() / "lakehouse"


def fetched(jar_set: JarSet) -> list[Path]:
    """The set's jars when a complete fetch is in the cache, else an empty list."""
    manifest = jar_set.folder / _MANIFEST
    if not manifest.is_file():
        return []
    jars = [jar_set.folder / line for line in manifest.read_text().split() if line]
    return jars if all(j.is_file() for j in jars) else []


def fetch(jar_set: JarSet, *, timeout: float = 900.0) -> list[Path]:
    """The set's jars, fetched first when the cache lacks them.

    Raises:
        LakehouseError: Java or pyspark's Ivy is missing, or the resolution failed (no
            network, an unknown artifact): the message carries Ivy's own reason.
    """
    jars = fetched(jar_set)
    if jars:
        return jars
    ivy = _ivy_jar()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=f".{jar_set.name}-") as tmp:
        staging = Path(tmp)
        (staging / "ivy.xml").write_text(_ivy_module(jar_set.coordinates))
        command = [
            java_executable(), "-jar", str(ivy), "-ivy", str(staging / "ivy.xml"),
            "-confs", "default", "-cache", str(root / "ivy"), "-retrieve",
            str(staging / "jars" / "[organisation]__[artifact]-[revision](-[classifier]).[ext]"),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise LakehouseError(
                f"fetching {jar_set.name} jars took over {timeout:.0f} s (is the network slow?)"
            ) from None
        if done.returncode != 0:
            raise LakehouseError(f"cannot fetch {jar_set.name} jars: {_reason(done.stdout)}")
        kept = _without_provided(sorted((staging / "jars").glob("*.jar")), jar_set)
        target = jar_set.folder
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for jar in kept:
            jar.rename(target / jar.name)
        # Written last: a folder without it is an interrupted fetch.
        (target / _MANIFEST).write_text("".join(f"{j.name}\n" for j in kept))
    return fetched(jar_set)


def artifact(jar: Path) -> str:
    """A jar's artifact name, without version: ``postgresql`` both for a fetched
    ``org.postgresql__postgresql-42.7.8.jar`` (``fetch`` names them
    ``<organisation>__<artifact>-<version>``) and for a plain ``postgresql-42.7.8.jar``."""
    return _VERSION.sub("", jar.name.split("__", 1)[-1])


def spark_provided() -> set[str]:
    """Artifact names (no version) of the jars in pyspark's wheel."""
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    return {artifact(j) for j in jars.glob("*.jar")}


def _without_provided(jars: list[Path], jar_set: JarSet) -> list[Path]:
    if not jar_set.on_spark:
        return jars
    provided = spark_provided()
    return [j for j in jars if artifact(j) not in provided]


def _ivy_module(coordinates: tuple[str, ...]) -> str:
    lines = []
    for coordinate in coordinates:
        group, artifact, version = coordinate.split(":")
        lines.append(
            f'    <dependency org="{group}" name="{artifact}" rev="{version}" '
            'conf="default->default"/>'
        )
    body = "\n".join(lines)
    return (
        '<ivy-module version="2.0">\n  <info organisation="lakehouse" module="local-jars"/>\n'
        f"  <dependencies>\n{body}\n  </dependencies>\n</ivy-module>\n"
    )


def _ivy_jar() -> Path:
    import pyspark

    found = sorted((Path(pyspark.__file__).parent / "jars").glob("ivy-*.jar"))
    if not found:
        raise LakehouseError("pyspark's jars hold no Ivy: reinstall pyspark")
    return found[-1]


def java_executable() -> str:
    """``$JAVA_HOME/bin/java``, else ``java`` on PATH.

    Raises:
        LakehouseError: Neither exists.
    """
    home = os.environ.get("JAVA_HOME")
    java = Path(home) / "bin" / "java" if home else None
    if java is not None and java.is_file():
        return str(java)
    found = shutil.which("java")
    if found is None:
        raise LakehouseError("no java on PATH (Java 17 is a prerequisite)")
    return found


def _reason(output: str) -> str:
    """Ivy's lines that say why (unresolved modules, connection errors), at most three."""
    pattern = re.compile(
        r"not found|unresolved|unknown host|resolve failed|connect|timed out", re.IGNORECASE
    )
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    keep = [line for line in lines if pattern.search(line) and "::::" not in line]
    if keep:
        return "; ".join(list(dict.fromkeys(keep))[:3])
    return lines[-1] if lines else "Ivy failed without saying why"
