"""The runner's pre-run steps: what must happen outside the graph's query functions.

Inside a pipeline query function Spark Connect refuses anything that runs a command (such as
registering a Python data source or running a query), so what readers need is set up here,
before the graph is registered:

- ``prepare_file_sources``: the drift check of file sources, and the xlsx data source.
- ``prepare_sources``: the REST data source; which sources a local run leaves out
  (``local.py``); that every other source's secrets resolve; the JDBC increments
  (``jdbc_extract.py``). A source that fails here is reported as failed and left out; the
  rest of the graph still runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import FileSource, JdbcSource, RestSource, SourceConfig
from pipelines.config.secrets import secret_refs
from pipelines.errors import LakehouseError
from pipelines.secrets import resolve
from pipelines.sources.drift import apply_schema_drift
from pipelines.sources.local import local_skip_reason
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["Prepared", "prepare_file_sources", "prepare_sources", "reset_sources"]


def prepare_file_sources(
    spark: SparkSession,
    config: LakehouseConfig,
    *,
    run_id: str,
    landing_root: str,
    table_format: str | None = "delta",
) -> LakehouseConfig:
    """Check drift (see ``pipelines.sources.drift``) and register the xlsx data source.

    Returns the config the run uses. Raises ``SchemaDriftError`` like the drift check.
    """
    drifted = apply_schema_drift(
        spark, config, run_id=run_id, landing_root=landing_root, table_format=table_format
    )
    if any(isinstance(s.source, FileSource) and s.source.format == "xlsx" for s in config.sources):
        from pipelines.sources.xlsx import XlsxDataSource

        spark.dataSource.register(XlsxDataSource)
    return drifted


@dataclass(frozen=True)
class Prepared:
    """Sources left out of this run: skipped (by design) or failed (with the error)."""

    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def prepare_sources(
    spark: SparkSession,
    sources: Sequence[SourceConfig],
    context: RunContext,
    echo: Callable[[str], None] = print,
) -> Prepared:
    """Register data sources, check secrets, extract increments; never raises for one source."""
    prepared = Prepared()
    if any(isinstance(s.source, RestSource) for s in sources):
        from pipelines.sources.rest import register_rest

        register_rest(spark)
    for source in sources:
        reason = local_skip_reason(source) if context.platform == "local" else None
        if reason is not None:
            prepared.skipped[source.name] = reason
            continue
        try:
            for ref in secret_refs(source.source):
                resolve(ref, context.platform)
            if isinstance(source.source, JdbcSource) and source.source.incremental:
                _extract(spark, source, context, echo)
        except Exception as exc:  # one source's trouble never stops the others
            text = str(exc) if isinstance(exc, LakehouseError) else _short(exc)
            prepared.failed[source.name] = text
    return prepared


def _extract(
    spark: SparkSession, source: SourceConfig, context: RunContext, echo: Callable[[str], None]
) -> None:
    from pipelines.sources.jdbc_extract import extract_increment

    where, rows = extract_increment(spark, source, context.landing_root, context.run_id)
    echo(f"  extract {source.name}: {rows:,} row(s) {f'where {where}' if where else '(full)'}")


def reset_sources(sources: Sequence[SourceConfig], context: RunContext) -> None:
    """Forget source state kept outside the tables (JDBC extracts), for a full refresh."""
    from pipelines.sources.jdbc_extract import reset_extracts

    for source in sources:
        if isinstance(source.source, JdbcSource) and source.source.incremental:
            reset_extracts(source, context.landing_root)


def _short(exc: Exception) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:500]
