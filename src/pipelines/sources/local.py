"""Which sources a local run leaves out, and why (one message per source).

- Event Hubs: always (Databricks only; its Kafka endpoint is read by the Kafka reader, which
  runs locally).
- Kafka: while Spark's Kafka connector is not fetched (``lakehouse jars``).
- JDBC, REST and Kafka sources with ``local_run: if_configured`` (the shipped examples): while a
  secret they name is not set, or a JDBC driver jar is missing, so a laptop with only Python
  and Java still runs the rest of the graph. ``lakehouse demo`` starts a local PostgreSQL, API
  server and Kafka broker and sets their secrets.

Everything else runs; a missing secret then fails that source's datasets, named.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipelines.config.model import (
    EventHubsSource,
    JdbcSource,
    KafkaSource,
    RestSource,
    SourceConfig,
)
from pipelines.config.secrets import secret_refs
from pipelines.maven import SPARK_EXTRAS
from pipelines.secrets import SecretNotFound, env_name, resolve, secrets_file
from pipelines.sources.streams import EVENTHUBS_LOCAL_SKIP
from pipelines.spark import local_jars

__all__ = ["JDBC_DRIVER_JARS", "local_skip_reason", "missing_secrets"]

JDBC_DRIVER_JARS: Mapping[str, Path] = {
    "org.postgresql.Driver": Path("/usr/share/java/postgresql.jar"),
}
"""Drivers the local server puts on its classpath when the Debian package is installed."""
_HOW = {
    "jdbc": "`lakehouse demo` starts a local PostgreSQL for it when the Debian packages are "
    "installed (apt-get install -y postgresql libpostgresql-jdbc-java)",
    "rest": "`lakehouse demo` starts a local API server for it",
    "kafka": "`lakehouse demo` starts a local Kafka broker for it",
}


def missing_secrets(source: SourceConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """The ``scope/key`` names of the secrets of ``source`` that are not set locally."""
    missing = []
    for ref in secret_refs(source.source):
        try:
            resolve(ref, "local", environ)
        except SecretNotFound:
            missing.append(ref.secret)
    return missing


def _has_kafka_connector() -> bool:
    return any("spark-sql-kafka" in jar.name for jar in local_jars())


def local_skip_reason(source: SourceConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """Why a local run leaves ``source`` out, or None when it runs."""
    spec = source.source
    if isinstance(spec, EventHubsSource):
        return EVENTHUBS_LOCAL_SKIP
    if isinstance(spec, KafkaSource) and not _has_kafka_connector():
        return (
            f"kafka sources need Spark's Kafka connector, not in {SPARK_EXTRAS.folder}: run "
            "`lakehouse jars` (it fetches it once)"
        )
    if not isinstance(spec, JdbcSource | RestSource | KafkaSource):
        return None
    if spec.local_run != "if_configured":
        return None
    if isinstance(spec, JdbcSource):
        jar = JDBC_DRIVER_JARS.get(spec.driver)
        if jar is not None and not jar.is_file():
            return f"JDBC driver {jar} is not installed; {_HOW['jdbc']}"
    missing = missing_secrets(source, environ)
    if not missing:
        return None
    refs = {ref.secret: ref for ref in secret_refs(spec)}
    names = ", ".join(env_name(refs[m]) for m in missing)
    return (
        f"not configured locally (local_run: if_configured): set {names} or add "
        f"{', '.join(missing)} to {secrets_file(environ)}; {_HOW[spec.type]}"
    )
