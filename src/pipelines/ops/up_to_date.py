"""Which datasets a run may leave as they are: nothing new reached them, nothing in their
definition changed.

Locally a materialized view is recomputed from all of its inputs on every run, so a run with
nothing new cost almost as much as a full one. Here the graph is cut into *units* that run
together (a source: its bronze, bronze_pii, silver and quarantine tables; an entity: its two
tables; a gold model) and a unit is left out of a run when all of these hold:

- its **fingerprint** is the one recorded when it last completed (``ops.flow_metrics``): a
  hash of the package's code, the unit's own config and the fingerprints of the units it reads,
  so a changed rule, column, SQL or transform reruns it, and everything downstream;
- the last run that reached it completed it (a failed dataset always reruns), and its tables
  exist;
- its own input has **nothing new**: a file source has no file it has not ingested yet (known
  before the run, from the drift check's listing); an incremental JDBC source's extract found
  no row past its watermark, a Kafka topic holds no message past the newest offsets in bronze,
  a REST snapshot serves the records bronze holds, a JDBC snapshot returns the rows bronze
  holds (``SourceType.before_run``; ``pipelines.layers.snapshot``); every other source always
  runs;
- every unit it reads is left out too.

A full refresh runs everything. Pure: the runner reads the recorded state and lists the tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.config.loader import LakehouseConfig
from pipelines.spec import DatasetSpec

__all__ = ["UpToDate", "code_fingerprint", "fingerprints", "unit_of", "up_to_date"]

_SOURCE_LAYERS = ("bronze", "bronze_pii", "silver", "quarantine")
_INGESTING = {"source": "bronze.{}", "arrival": "{}"}
"""Units that read an input of their own -> their bronze table (``nothing_new`` lists it)."""


@cache
def code_fingerprint() -> str:
    """A hash of every module of the package: a new release (or a local edit) reruns all."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def unit_of(config: LakehouseConfig) -> dict[str, str]:
    """Dataset name -> its unit (``source:<name>``, ``entity:<name>``, ``gold:<name>``;
    an undeclared arrival's bronze table is a unit of its own, ``arrival:<table>``)."""
    units: dict[str, str] = {}
    for source in config.sources:
        units |= {f"{layer}.{source.name}": f"source:{source.name}" for layer in _SOURCE_LAYERS}
    units |= {a.bronze_table: f"arrival:{a.bronze_table}" for a in config.arrivals}
    for entity in config.entities:
        units |= {f"silver.{n}": f"entity:{entity.name}" for n in (entity.name, entity.xref)}
    units |= {f"gold.{g.name}": f"gold:{g.name}" for g in config.gold}
    return units


def _own(config: LakehouseConfig) -> dict[str, Any]:
    """Each unit's own definition, as JSON-able data."""
    project = config.project.model_dump(mode="json", include={"pii", "standardise"})
    own: dict[str, Any] = {}
    for source in config.sources:
        own[f"source:{source.name}"] = source.model_dump(mode="json")
    for arrival in config.arrivals:
        own[f"arrival:{arrival.bronze_table}"] = arrival.model_dump(mode="json")
    for entity in config.entities:
        own[f"entity:{entity.name}"] = entity.model_dump(mode="json")
    for model in config.gold:
        data = model.model_dump(mode="json")
        if model.python is not None:  # the function's module is code of the project's own
            data["_module"] = _module_hash(config, model.python)
        own[f"gold:{model.name}"] = data
    return {unit: {"project": project, "unit": data} for unit, data in own.items()}


def _module_hash(config: LakehouseConfig, target: str) -> str:
    module = target.split(":", maxsplit=1)[0]
    path = config.root.parent / Path(*module.split(".")).with_suffix(".py")  # as imported
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def _unit_graph(
    config: LakehouseConfig, specs: Sequence[DatasetSpec]
) -> dict[str, tuple[list[DatasetSpec], set[str]]]:
    """Unit -> (its datasets, the units it reads), units in an order where each comes after
    what it reads. (The graph lists sources in config order; a quality rule's lookup may
    read a source listed later.)"""
    units = unit_of(config)
    members: dict[str, tuple[list[DatasetSpec], set[str]]] = {}
    for spec in specs:
        unit = units.get(spec.name)
        if unit is not None:
            datasets, reads = members.setdefault(unit, ([], set()))
            datasets.append(spec)
            reads.update(units[i] for i in spec.inputs if i in units and units[i] != unit)
    ordered: dict[str, tuple[list[DatasetSpec], set[str]]] = {}
    while len(ordered) < len(members):
        ready = [
            u for u, (_, reads) in members.items()
            if u not in ordered and reads & members.keys() <= ordered.keys()
        ]  # fmt: skip
        if not ready:  # a cycle: the config checks refuse one; keep the rest in graph order
            ready = [u for u in members if u not in ordered]
        ordered |= {u: members[u] for u in ready}
    return ordered


def fingerprints(config: LakehouseConfig, specs: Sequence[DatasetSpec]) -> dict[str, str]:
    """Dataset name -> the fingerprint of its unit."""
    own = _own(config)
    done: dict[str, str] = {}
    graph = _unit_graph(config, specs)
    for unit, (_, reads) in graph.items():  # each unit after what it reads
        upstream = sorted(done.get(i, i) for i in reads)
        payload = json.dumps([code_fingerprint(), own.get(unit), upstream], sort_keys=True)
        done[unit] = hashlib.sha256(payload.encode()).hexdigest()
    return {s.name: done[u] for u, (datasets, _) in graph.items() for s in datasets}


@dataclass(frozen=True)
class UpToDate:
    """The datasets a run leaves as they are, and one line per unit for the run's output."""

    datasets: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()


def up_to_date(
    config: LakehouseConfig,
    specs: Sequence[DatasetSpec],
    recorded: Mapping[str, tuple[str | None, str]],
    existing: Collection[str],
    nothing_new: Collection[str],
) -> UpToDate:
    """The datasets of ``specs`` this run may leave as they are (see the module docstring).

    ``recorded``: per dataset, the fingerprint and status of its newest ``ops.flow_metrics``
    row; ``existing``: the tables that exist; ``nothing_new``: the bronze tables whose
    input has nothing new.
    """
    units = unit_of(config)
    prints = fingerprints(config, specs)
    graph = _unit_graph(config, specs)
    fresh: set[str] = set()
    for unit, (datasets, reads) in graph.items():  # each unit after what it reads
        kind, name = unit.split(":", maxsplit=1)
        if kind in _INGESTING and _INGESTING[kind].format(name) not in nothing_new:
            continue
        same = all(
            s.name in existing
            and recorded.get(s.name, (None, ""))[0] == prints[s.name]
            and recorded[s.name][1] in {"COMPLETED", "UP_TO_DATE"}
            for s in datasets
        )
        if same and reads <= fresh:
            fresh.add(unit)
    names = tuple(s.name for s in specs if units.get(s.name) in fresh)
    lines = []
    for unit in (u for u in graph if u in fresh):
        kind = unit.split(":", maxsplit=1)[0]
        tables = ", ".join(s.name for s in graph[unit][0])
        why = "nothing new" if kind in _INGESTING else "its inputs and definition are unchanged"
        lines.append(f"   = {tables} up to date: {why}")
    return UpToDate(names, tuple(lines))
