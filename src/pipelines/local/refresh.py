"""The local runner's incremental refresh of one run: silver and quarantine from bronze's
new rows (``pipelines.local.increments``), then the gold marts from silver's new rows
(``pipelines.local.marts``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.events import FlowState, RunTracker
from pipelines.local.increments import (
    Applied,
    apply_increments,
    counts_of,
    not_incremental,
    record_refreshed,
    source_state,
    write_state,
)
from pipelines.local.marts import MartRefreshed, apply_marts, record_marts, row_wise_input
from pipelines.profile import Profile

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["Increments", "appended_locally"]


def appended_locally(config: LakehouseConfig) -> list[str]:
    """The tables a local run may refresh from new rows: they gain files (and deletion
    vectors) with every run, as streaming tables do."""
    sources = [s for s in config.sources if not_incremental(s) is None]
    tables = [f"{layer}.{s.name}" for s in sources for layer in ("silver", "quarantine")]
    marts = [g for g in config.gold if not isinstance(row_wise_input(g, sources), str)]
    return [*tables, *(f"gold.{g.name}" for g in marts)]


@dataclass
class Increments:
    """The local runner's incremental refresh of one run: ``apply`` once the streaming tables
    ended (before the views), ``record`` once the views ended."""

    spark: SparkSession
    config: LakehouseConfig
    prints: Mapping[str, str]
    storage_root: str
    tracker: RunTracker
    echo: Callable[[str], None]
    run_id: str
    profile: Profile = field(default_factory=Profile)
    applied: dict[str, Applied] = field(default_factory=dict)
    marts: dict[str, MartRefreshed] = field(default_factory=dict)

    def apply(self, later: Collection[str] = ()) -> set[str]:
        """Refresh what can be from this run's new bronze rows, and the marts that can be from
        silver's; returns the views refreshed. ``later``: the datasets the run has still to
        run (a mart over one of them that this leaves as it is is the engine's)."""
        flows = self.tracker.flows
        ingested = [
            s for s in self.config.sources
            if flows.get(f"bronze.{s.name}", FlowState("")).state == "COMPLETED"
        ]  # fmt: skip
        started = datetime.now(UTC)
        with self.profile.step("increments"):
            self.applied = apply_increments(
                self.spark, ingested, self.prints, self.storage_root, self.echo, self.run_id,
                self.profile,
            )  # fmt: skip
        done: set[str] = set()
        for name, applied in self.applied.items():
            ended = datetime.now(UTC)
            for table in (f"silver.{name}", f"quarantine.{name}"):
                flow = FlowState(table, "COMPLETED", started, ended)
                flows[table] = flow
                done.add(table)
                self.echo(
                    f"  ok {table:<52} {'completed':<10} {flow.seconds:6.1f}s  incremental: "
                    f"{applied.new_rows:,} new bronze rows{_late(applied.late)}"
                )
        self.marts = apply_marts(
            self.spark, self.config.gold, self.config.sources, self.applied, self.prints,
            self.storage_root, self.echo, self.profile, set(later) - done,
        )  # fmt: skip
        for mart in self.marts.values():
            flow = flows[mart.name] = FlowState(mart.name, "COMPLETED", mart.started, mart.ended)
            done.add(mart.name)
            self.echo(
                f"  ok {mart.name:<52} {'completed':<10} {flow.seconds:6.1f}s  incremental: "
                f"{mart.said}"
            )
        return done

    def counts(self) -> dict[str, dict[str, int]]:
        """The checks' counts of the sources refreshed from their new rows, where known (by
        source name; ``ops.counts.count_run`` takes the others over all of bronze)."""
        return {n: a.counts for n, a in self.applied.items() if a.counts is not None}

    def record(self, counted: Mapping[str, int] | None) -> None:
        """The state of the sources whose silver and quarantine the engine recomputed, and the
        counts of those refreshed from a state that had none (``counted``: the run's counts,
        None when the run did not take them)."""
        flows = self.tracker.flows
        recomputed = [
            s for s in self.config.sources
            if s.name not in self.applied
            and all(
                flows.get(f"{layer}.{s.name}", FlowState("")).state == "COMPLETED"
                for layer in ("silver", "quarantine")
            )
        ]  # fmt: skip
        with self.profile.step("increments: state recorded"):
            record_refreshed(self.spark, recomputed, self.prints, self.storage_root, counted)
            record_marts(
                self.spark, self.config.gold, self.config.sources, flows, self.marts,
                self.prints, self.storage_root,
            )  # fmt: skip
        for name, applied in self.applied.items():
            state = source_state(self.storage_root, name)
            if applied.counts is None and counted is not None and state is not None:
                write_state(
                    self.storage_root, name, replace(state, counts=counts_of(name, counted))
                )


def _late(keys: int) -> str:
    """What the increment line adds for the keys a late change event had applied again."""
    return f" ({keys:,} keys with late events applied again from bronze)" if keys else ""
