"""Which Lakeflow pipeline owns which dataset: the one decision the bundle, the Lakeflow entry
point and the backfill job must agree on.

* A source goes to the pipeline of its ``domain``; a source without one goes to the pipeline
  named after its ``owner`` (its feature team), so one team's failure never blocks another's.
  An entity (``src/conf/entities``) likewise; it is built in the silver step, after its inputs.
* A gold model goes to the pipeline of its inputs when they all live in one pipeline (so a
  domain's daily job builds its own marts right after its silver tables); a model that joins
  several domains goes to the dedicated cross-domain pipeline ``gold``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config.entity import EntityConfig
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import GoldModel, SourceConfig
from pipelines.errors import LakehouseError

__all__ = [
    "CROSS_DOMAIN",
    "LAYERS",
    "LayoutError",
    "PipelinePlan",
    "plan_pipelines",
    "source_domain",
]

CROSS_DOMAIN = "gold"
"""Key of the pipeline that holds gold models reading from several domains."""

LAYERS = ("bronze", "silver", "gold")
"""Refresh order of a daily job; quarantine refreshes with silver (same input, same step)."""


class LayoutError(LakehouseError):
    """The config cannot be split into pipelines (e.g. a domain named like the gold pipeline)."""

    exit_code = 2


@dataclass(frozen=True)
class PipelinePlan:
    """One Lakeflow pipeline: its key (the domain) and the datasets it defines.

    Attributes:
        key: Resource key and domain name (``catalog``), or ``gold`` for cross-domain marts.
        sources: Names of the sources whose bronze, silver and quarantine tables it defines.
        gold: Names of the gold models it defines.
        owners: Groups owning those sources and models (for tags and documentation).
        pii_sources: Those of ``sources`` with a ``bronze_pii`` table (refreshed with bronze).
        entities: Names of the entities it defines.
        entity_tables: Their tables (``silver.<name>``, ``silver.<name>_xref``).
    """

    key: str
    sources: tuple[str, ...]
    gold: tuple[str, ...]
    owners: tuple[str, ...]
    pii_sources: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    entity_tables: tuple[str, ...] = ()

    def tables(self, layer: str) -> tuple[str, ...]:
        """Logical names refreshed by ``layer``'s step (``bronze`` includes ``bronze_pii``,
        ``silver`` quarantine and the entities)."""
        if layer == "bronze":
            pii = tuple(f"bronze_pii.{s}" for s in self.sources if s in self.pii_sources)
            return (*(f"bronze.{s}" for s in self.sources), *pii)
        if layer == "silver":
            kinds = ("silver", "quarantine")
            return (*(f"{k}.{s}" for s in self.sources for k in kinds), *self.entity_tables)
        if layer == "gold":
            return tuple(f"gold.{g}" for g in self.gold)
        raise ValueError(f"unknown layer {layer!r}")

    @property
    def datasets(self) -> tuple[str, ...]:
        """Every logical name the pipeline defines."""
        return tuple(name for layer in LAYERS for name in self.tables(layer))


def source_domain(source: SourceConfig) -> str:
    """The pipeline of a source: its domain, else its owning team."""
    return source.domain or source.owner


def plan_pipelines(config: LakehouseConfig) -> tuple[PipelinePlan, ...]:
    """Split the config into pipelines, sorted by key (the cross-domain one last).

    Raises:
        LayoutError: When a source's domain is named like the cross-domain gold pipeline.
    """
    home: dict[str, str] = {}  # logical table name -> pipeline key
    sources: dict[str, list[str]] = {}
    owners: dict[str, set[str]] = {}
    for source in config.sources:
        key = source_domain(source)
        if key == CROSS_DOMAIN:
            raise LayoutError(
                f"{config.root / 'sources' / (source.name + '.yml')}: domain: '{CROSS_DOMAIN}' is "
                "reserved for the cross-domain gold pipeline; choose another domain"
            )
        sources.setdefault(key, []).append(source.name)
        owners.setdefault(key, set()).add(source.owner)
        for layer in ("bronze", "silver", "quarantine"):
            home[f"{layer}.{source.name}"] = key
    entities: dict[str, list[EntityConfig]] = {}
    for entity in config.entities:
        key = entity.domain or entity.owner
        entities.setdefault(key, []).append(entity)
        owners.setdefault(key, set()).add(entity.owner)
        for name in (entity.name, entity.xref):
            home[f"silver.{name}"] = key
    gold: dict[str, list[str]] = {}
    for model in _dependency_order(config.gold):
        key = _gold_home(model, home)
        home[f"gold.{model.name}"] = key
        gold.setdefault(key, []).append(model.name)
        owners.setdefault(key, set()).add(model.owner)
    keys = sorted(set(sources) | set(gold) | set(entities), key=lambda k: (k == CROSS_DOMAIN, k))
    has_pii = {s.name for s in config.sources if s.has_pii}
    return tuple(
        PipelinePlan(
            key=key,
            sources=tuple(sources.get(key, ())),
            gold=tuple(sorted(gold.get(key, ()))),
            owners=tuple(sorted(owners[key])),
            pii_sources=tuple(s for s in sources.get(key, ()) if s in has_pii),
            entities=tuple(e.name for e in entities.get(key, ())),
            entity_tables=tuple(
                f"silver.{n}" for e in entities.get(key, ()) for n in (e.name, e.xref)
            ),
        )
        for key in keys
    )


def _inputs(model: GoldModel) -> set[str]:
    return set(model.references)


def _gold_home(model: GoldModel, home: dict[str, str]) -> str:
    homes = {home[name] for name in _inputs(model) if name in home}
    return homes.pop() if len(homes) == 1 else CROSS_DOMAIN


def _dependency_order(models: tuple[GoldModel, ...]) -> list[GoldModel]:
    """Gold models that read other gold models come after them (the loader checked names)."""
    by_name = {f"gold.{m.name}": m for m in models}
    ordered: list[GoldModel] = []
    seen: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in seen or name in stack:  # a cycle is the engine's error to report
            return
        for dependency in sorted(_inputs(by_name[name]) & set(by_name)):
            visit(dependency, (*stack, name))
        seen.add(name)
        ordered.append(by_name[name])

    for name in sorted(by_name):
        visit(name, ())
    return ordered
