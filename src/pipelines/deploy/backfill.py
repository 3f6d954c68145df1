"""The backfill job's logic: which pipeline updates to start, in which order, and the check of
the delivery dates afterwards.

Planning is pure (tested offline). Running needs the Databricks SDK, imported lazily so the
package never depends on it locally: ``databricks-sdk`` is a dependency of the job's
serverless environment only.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from pipelines.config.loader import LakehouseConfig
from pipelines.config.suggest import did_you_mean
from pipelines.deploy.layout import PipelinePlan, plan_pipelines
from pipelines.errors import LakehouseError

__all__ = [
    "BackfillError",
    "BackfillRequest",
    "PipelineUpdate",
    "PipelinesApi",
    "date_check_queries",
    "main",
    "parse_request",
    "plan_updates",
    "run_updates",
]

_FINAL_STATES = {"COMPLETED", "FAILED", "CANCELED"}


class BackfillError(LakehouseError):
    """Bad backfill parameters, or a pipeline update that did not complete."""


@dataclass(frozen=True)
class BackfillRequest:
    """The job parameters, validated.

    Attributes:
        datasets: Logical names to refresh; empty means every dataset.
        full_refresh: Reset the datasets (streaming tables re-read every landed file).
        start_date: First delivery date to check in bronze afterwards (None: no check).
        end_date: Last delivery date to check.
    """

    datasets: tuple[str, ...]
    full_refresh: bool
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class PipelineUpdate:
    """One pipeline update to start: the pipeline and its fully qualified table selection."""

    pipeline: str
    tables: tuple[str, ...]
    full_refresh: bool


def _date(name: str, value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BackfillError(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None


def parse_request(
    config: LakehouseConfig,
    *,
    datasets: str,
    full_refresh: str,
    start_date: str = "",
    end_date: str = "",
    today: date | None = None,
) -> BackfillRequest:
    """Validate the job parameters (all strings, as jobs pass them).

    Raises:
        BackfillError: Naming the parameter and what was expected.
    """
    names = tuple(n.strip() for n in datasets.split(",") if n.strip())
    known = config.datasets
    unknown = [f"{n!r}{did_you_mean(n, known)}" for n in names if n not in known]
    if unknown:
        raise BackfillError(f"datasets: unknown dataset {', '.join(unknown)}")
    flag = full_refresh.strip().lower()
    if flag not in ("true", "false", ""):
        raise BackfillError(f"full_refresh: expected true or false, got {full_refresh!r}")
    start, end = _date("start_date", start_date), _date("end_date", end_date)
    if (start is None) != (end is None):
        raise BackfillError("start_date, end_date: give both or neither")
    if start is not None and end is not None:
        if start > end:
            raise BackfillError(f"start_date: {start} is after end_date {end}")
        if end > (today or date.today()):
            raise BackfillError(f"end_date: {end} is in the future")
    return BackfillRequest(names, flag == "true", start, end)


def plan_updates(
    request: BackfillRequest, plans: tuple[PipelinePlan, ...], catalog: str
) -> tuple[PipelineUpdate, ...]:
    """One update per pipeline that holds a requested dataset, in pipeline order (domains
    first, the cross-domain gold pipeline last, since it reads them)."""
    wanted = set(request.datasets)
    updates = []
    for plan in plans:
        tables = [t for t in plan.datasets if not wanted or t in wanted]
        if tables:
            qualified = tuple(f"{catalog}.{t}" for t in tables)
            updates.append(PipelineUpdate(plan.key, qualified, request.full_refresh))
    return tuple(updates)


def date_check_queries(
    request: BackfillRequest, config: LakehouseConfig, catalog: str
) -> dict[str, str]:
    """Per date-partitioned bronze table of the request, the SQL counting rows per delivery
    date in the range (so the run log shows what the backfill found, day by day)."""
    if request.start_date is None or request.end_date is None:
        return {}
    wanted = set(request.datasets)
    queries = {}
    for source in config.sources:
        table = f"bronze.{source.name}"
        own = {f"{layer}.{source.name}" for layer in ("bronze", "silver", "quarantine")}
        if getattr(source.source, "file_date", None) is None or (wanted and not own & wanted):
            continue
        queries[table] = (
            f"SELECT _file_date, count(*) AS row_count FROM {catalog}.{table} "
            f"WHERE _file_date BETWEEN DATE'{request.start_date}' AND DATE'{request.end_date}' "
            "GROUP BY _file_date ORDER BY _file_date"
        )
    return queries


class PipelinesApi(Protocol):
    """The part of ``WorkspaceClient().pipelines`` the backfill uses."""

    def start_update(self, pipeline_id: str, **kwargs: Any) -> Any: ...

    def get_update(self, pipeline_id: str, update_id: str) -> Any: ...


def run_updates(
    updates: Sequence[PipelineUpdate],
    pipeline_ids: dict[str, str],
    api: PipelinesApi,
    *,
    poll_seconds: float = 30.0,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] | None = None,
) -> None:
    """Start each update and wait for it before the next (later pipelines read earlier ones).

    Raises:
        BackfillError: When a pipeline id is missing or an update does not complete.
    """
    for update in updates:
        if update.pipeline not in pipeline_ids:
            raise BackfillError(f"--pipeline: no id given for pipeline {update.pipeline!r}")
        pid = pipeline_ids[update.pipeline]
        selection = "full_refresh_selection" if update.full_refresh else "refresh_selection"
        echo(f"{update.pipeline}: {selection}={','.join(update.tables)}")
        started = api.start_update(pipeline_id=pid, **{selection: list(update.tables)})
        update_id = str(started.update_id)
        while True:
            state = str(_state(api.get_update(pipeline_id=pid, update_id=update_id)))
            if state in _FINAL_STATES:
                break
            (sleep or time.sleep)(poll_seconds)
        echo(f"{update.pipeline}: update {update_id} {state}")
        if state != "COMPLETED":
            raise BackfillError(f"pipeline {update.pipeline}: update {update_id} ended {state}")


def _state(response: Any) -> str:
    state = response.update.state
    return str(getattr(state, "value", state))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backfill", description="lakehouse backfill job")
    parser.add_argument("--src", help="the synced src/ folder (put on sys.path by the caller)")
    parser.add_argument("--conf", type=Path, required=True)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--pipeline", action="append", default=[], metavar="KEY=ID")
    for name in ("start-date", "end-date", "datasets"):
        parser.add_argument(f"--{name}", default="")
    parser.add_argument("--full-refresh", default="false")
    return parser


def main(argv: Sequence[str] | None = None, api: PipelinesApi | None = None) -> int:
    """Entry of the backfill task: plan, run the updates, report the delivery dates."""
    from pipelines.config import load_config

    args = _parser().parse_args(argv)
    config = load_config(args.conf)
    request = parse_request(
        config,
        datasets=args.datasets,
        full_refresh=args.full_refresh,
        start_date=args.start_date,
        end_date=args.end_date,
    )
    ids = dict(item.split("=", 1) for item in args.pipeline)
    updates = plan_updates(request, plan_pipelines(config), args.catalog)
    if api is None:
        # The job's serverless environment provides the SDK; locally it is not a dependency.
        sdk: Any = importlib.import_module("databricks.sdk")
        api = sdk.WorkspaceClient().pipelines
    run_updates(updates, ids, api)
    queries = date_check_queries(request, config, args.catalog)
    if queries:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        for table, query in queries.items():
            counts = {str(r[0]): int(r[1]) for r in spark.sql(query).collect()}
            print(f"{table}: {counts or 'no rows'} for {request.start_date}..{request.end_date}")
    return 0
