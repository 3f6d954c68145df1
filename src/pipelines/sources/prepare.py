"""The pre-run steps: what must happen outside the graph's query functions, the same code on
both platforms (``lakehouse run`` and the Lakeflow entry point call :func:`prepare_sources`).

Inside a pipeline query function Spark Connect (and Lakeflow) refuses anything that runs a
command (such as registering a Python data source or running a query), so what readers need is
set up here, before the graph is registered:

- ``prepare_file_sources``: the drift check of file sources (local runs: it reads and writes
  tables, which a Lakeflow pipeline's definition may not).
- ``prepare_sources``: each source type's preparation (Python data sources: REST, xlsx);
  which sources a local run leaves out (``local.py``); that every other source's secrets
  resolve; each source's pre-run work where the platform does it in the run (JDBC
  increments, ``jdbc_extract.py``; on Databricks a job task). A source that fails here is
  reported as failed and left out; the rest of the graph still runs.
- ``finish_sources``: after the graph, each source's tidying of what its pre-run work kept for
  the run alone (a snapshot's copy, ``snapshot_copy.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.config.secrets import secret_refs
from pipelines.errors import LakehouseError
from pipelines.secrets import resolve
from pipelines.sources.drift import apply_schema_drift
from pipelines.sources.types import source_type
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["Prepared", "finish_sources", "prepare_file_sources", "prepare_sources", "reset_sources"]


def prepare_file_sources(
    spark: SparkSession,
    config: LakehouseConfig,
    *,
    run_id: str,
    landing_root: str,
    table_format: str | None = "delta",
    nothing_new: set[str] | None = None,
    storage_root: str | None = None,
) -> LakehouseConfig:
    """Check drift (see ``pipelines.sources.drift``); returns the config the run uses and adds
    the file sources with no new file to ``nothing_new``.

    Raises:
        SchemaDriftError: Like the drift check.
    """
    return apply_schema_drift(
        spark, config, run_id=run_id, landing_root=landing_root, table_format=table_format,
        nothing_new=nothing_new, storage_root=storage_root,
    )  # fmt: skip


@dataclass(frozen=True)
class Prepared:
    """Sources left out of this run: skipped (by design) or failed (with the error)."""

    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    nothing_new: set[str] = field(default_factory=set)
    """The bronze tables of the sources whose pre-run work found nothing new
    (``SourceType.before_run``), as ``pipelines.ops.up_to_date`` takes them."""


def prepare_sources(
    spark: SparkSession,
    sources: Sequence[SourceConfig],
    context: RunContext,
    echo: Callable[[str], None] = print,
) -> Prepared:
    """Prepare each source type, check secrets, run pre-run work; never raises for one
    source (a type's preparation that fails fails its sources)."""
    prepared = Prepared()
    platform = context.adapter
    by_type: dict[str, list[SourceConfig]] = {}
    for source in sources:
        reason = source_type(source).local_skip_reason(source) if platform.skips_unserved_sources else None  # fmt: skip # noqa: E501
        if reason is not None:
            prepared.skipped[source.name] = reason
        else:
            by_type.setdefault(source.source.type, []).append(source)
    broken: dict[str, str] = {}
    for key, mine in by_type.items():
        try:
            source_type(key).prepare(spark, mine, context)
        except Exception as exc:  # its sources fail; other types still run
            broken[key] = _text(exc)
    for source in (s for s in sources if s.name not in prepared.skipped):
        try:
            if source.source.type in broken:
                raise _Unprepared(broken[source.source.type])
            for ref in secret_refs(source.source):
                resolve(ref, platform)
            if platform.runs_pre_run_work and source_type(source).before_run(
                spark, source, context, echo
            ):
                prepared.nothing_new.add(source.bronze_table)
        except Exception as exc:  # one source's trouble never stops the others
            prepared.failed[source.name] = _text(exc)
    return prepared


def finish_sources(
    sources: Sequence[SourceConfig], context: RunContext, echo: Callable[[str], None] = print
) -> None:
    """Each source's work once the graph has run (``SourceType.after_run``), where the
    platform does the pre-run work in the run; never raises: what failed is one line each."""
    if not context.adapter.runs_pre_run_work:
        return
    for source in sources:
        try:
            source_type(source).after_run(source, context)
        except Exception as exc:  # one source's trouble never stops the others
            echo(f"   ~ {source.name}: not tidied after the run: {_text(exc)}")


def reset_sources(sources: Sequence[SourceConfig], context: RunContext) -> None:
    """Forget source state kept outside the tables (JDBC extracts), for a full refresh."""
    for source in sources:
        source_type(source).reset(source, context)


class _Unprepared(LakehouseError):
    """The preparation of the source's type failed (the message says why)."""


def _text(exc: Exception) -> str:
    return str(exc) if isinstance(exc, LakehouseError) else _short(exc)


def _short(exc: Exception) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:500]
