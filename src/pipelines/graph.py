"""The pipeline graph as data: frozen dataset specs built from the config, no Spark needed.

Each layer builds its own specs (``pipelines.layers``); registering them with
``pyspark.pipelines`` is a separate, thin step (``register.py``), so tests can build and
inspect the graph without running it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pipelines.config.loader import LakehouseConfig
from pipelines.layers import bronze_specs, entity_specs, gold_spec, silver_specs
from pipelines.layers.silver import checked_rows
from pipelines.spec import DatasetKind, DatasetSpec, RunContext

__all__ = [
    "DatasetKind",
    "DatasetSpec",
    "RunContext",
    "build_graph",
    "checked_rows",
    "downstream",
]


def build_graph(config: LakehouseConfig, context: RunContext) -> tuple[DatasetSpec, ...]:
    """Every dataset of the lakehouse, sources first, then entities, in dependency order;
    undeclared arrivals (``config.arrivals``) get their bronze table only, nothing reads it."""
    specs: list[DatasetSpec] = []
    for source in config.sources:
        specs.extend(bronze_specs(source, context))
        specs.extend(silver_specs(source, context))
    for arrival in config.arrivals:
        specs.extend(bronze_specs(arrival, context))
    by_name = {s.name: s for s in config.sources}
    for entity in config.entities:
        specs.extend(entity_specs(entity, by_name, context))
    specs.extend(gold_spec(model) for model in config.gold)
    return tuple(specs)


def downstream(specs: Sequence[DatasetSpec], names: Iterable[str]) -> list[str]:
    """``names`` and every dataset that reads them, directly or not, in graph order."""
    left_out = set(names)
    for spec in specs:  # specs come in dependency order
        if any(i in left_out for i in spec.inputs):
            left_out.add(spec.name)
    return [s.name for s in specs if s.name in left_out]
