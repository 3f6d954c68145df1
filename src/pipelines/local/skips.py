"""Which sources a local run leaves out, and why (one message per source).

- Event Hubs: always (Databricks only; its Kafka endpoint is read by the Kafka reader, which
  runs locally).
- Kafka: while Spark's Kafka connector is not on the local Spark (``lakehouse jars``).
- JDBC, REST and Kafka sources with ``local_run: if_configured`` (the shipped examples): while
  the JDBC driver's jar is not on the local Spark (PostgreSQL's comes from Maven with
  ``lakehouse jars``, which ``make install`` runs; a machine that could not fetch it still runs
  the rest of the graph), or while a secret they name is not set. ``lakehouse demo`` starts a
  local PostgreSQL, API server and Kafka broker and sets their secrets.

Everything else runs; a missing secret then fails that source's datasets, named. Each source
type's object (``pipelines.sources.types``) says which of these checks applies to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipelines.config.model import SourceConfig
from pipelines.config.secrets import secret_refs
from pipelines.local.maven import SPARK_EXTRAS, artifact
from pipelines.local.spark import local_jars
from pipelines.platform import platform_for
from pipelines.secrets import SecretNotFound, env_name, resolve, secrets_file

__all__ = [
    "JDBC_DRIVER_ARTIFACTS",
    "jdbc_driver_jar",
    "jdbc_driver_missing",
    "kafka_connector_missing",
    "local_skip_reason",
    "missing_secrets",
    "unconfigured_reason",
]

JDBC_DRIVER_ARTIFACTS: Mapping[str, str] = {"org.postgresql.Driver": "postgresql"}
"""The Maven artifact holding each driver a local run checks for: ``lakehouse jars`` fetches
it (``pipelines.local.maven.SPARK_EXTRAS``) onto the local Spark's ``spark.jars``. Other drivers
are not checked: their jar goes in ``$LAKEHOUSE_JARS``."""


def jdbc_driver_jar(driver: str) -> Path | None:
    """The jar on the local Spark's classpath (``pipelines.local.spark.local_jars``) holding
    ``driver``, or None (also for a driver not in ``JDBC_DRIVER_ARTIFACTS``)."""
    wanted = JDBC_DRIVER_ARTIFACTS.get(driver)
    return next((jar for jar in local_jars() if artifact(jar) == wanted), None)


def missing_secrets(source: SourceConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """The ``scope/key`` names of the secrets of ``source`` that are not set locally."""
    missing = []
    local = platform_for("local")  # what this machine's run would read
    for ref in secret_refs(source.source):
        try:
            resolve(ref, local, environ)
        except SecretNotFound:
            missing.append(ref.secret)
    return missing


def jdbc_driver_missing(driver: str) -> str | None:
    """Why the local Spark cannot load ``driver``, or None (also for a driver not checked)."""
    if driver not in JDBC_DRIVER_ARTIFACTS or jdbc_driver_jar(driver) is not None:
        return None
    return (
        f"the JDBC driver {driver} is not on the local Spark: run `lakehouse jars` "
        "(`make install` does), which fetches it from Maven"
    )


def kafka_connector_missing() -> str | None:
    """Why the local Spark cannot read Kafka, or None."""
    if any(artifact(jar) == "spark-sql-kafka-0-10_2.13" for jar in local_jars()):
        return None
    return (
        f"kafka sources need Spark's Kafka connector, not in {SPARK_EXTRAS.folder}: run "
        "`lakehouse jars` (it fetches it once)"
    )


def unconfigured_reason(
    source: SourceConfig, how: str, environ: Mapping[str, str] | None = None
) -> str | None:
    """For a source with ``local_run: if_configured``: which of its secrets are not set
    locally (``how``: what starts a local server for it), or None."""
    if getattr(source.source, "local_run", "required") != "if_configured":
        return None
    missing = missing_secrets(source, environ)
    if not missing:
        return None
    refs = {ref.secret: ref for ref in secret_refs(source.source)}
    names = ", ".join(env_name(refs[m]) for m in missing)
    return (
        f"not configured locally (local_run: if_configured): set {names} or add "
        f"{', '.join(missing)} to {secrets_file(environ)}; {how}"
    )


def local_skip_reason(source: SourceConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """Why a local run leaves ``source`` out, or None when it runs (its type decides)."""
    from pipelines.sources.types import source_type

    return source_type(source).local_skip_reason(source, environ)
