"""What a Lakeflow pipeline on Databricks defines: the selection logic behind ``lakeflow.py``.

The bundle passes each pipeline its share of the graph through its ``configuration`` (Spark
confs under ``lakehouse.``); this module reads them back, checks them against the config and
keeps only those datasets. Everything but :func:`define_pipeline` is pure and Spark-free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.suggest import did_you_mean
from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.graph import DatasetSpec

__all__ = [
    "CONF_CATALOG",
    "CONF_ENTITIES",
    "CONF_EXTRACTS_ROOT",
    "CONF_GOLD",
    "CONF_LANDING_ROOT",
    "CONF_PATH",
    "CONF_PIPELINE",
    "CONF_SOURCES",
    "EntryPointError",
    "PipelineSelection",
    "define_pipeline",
    "select_specs",
]

CONF_PIPELINE = "lakehouse.pipeline"
CONF_SOURCES = "lakehouse.sources"
CONF_GOLD = "lakehouse.gold"
CONF_ENTITIES = "lakehouse.entities"
CONF_PATH = "lakehouse.conf_path"
CONF_LANDING_ROOT = "lakehouse.landing_root"
CONF_EXTRACTS_ROOT = "lakehouse.extracts_root"
CONF_CATALOG = "lakehouse.catalog"
_REQUIRED = (CONF_PIPELINE, CONF_PATH, CONF_LANDING_ROOT, CONF_CATALOG)


class EntryPointError(LakehouseError):
    """The pipeline's configuration does not match the config tree (stale bundle?)."""

    exit_code = 2


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())


@dataclass(frozen=True)
class PipelineSelection:
    """The ``lakehouse.*`` configuration of one pipeline.

    Attributes:
        pipeline: The pipeline's key (its domain), for messages.
        sources: Sources whose bronze, silver and quarantine tables it defines.
        gold: Gold models it defines.
        conf_path: The synced ``src/conf`` folder in the workspace.
        landing_root: Root URL of the landing zone (``abfss://landing@.../``).
        entities: Entities whose ``silver.<name>`` and ``silver.<name>_xref`` it defines.
        extracts_root: Where its incremental JDBC sources' extracts land (the extract task's
            volume, ``/Volumes/<catalog>/bronze_pii/jdbc_extracts``); empty without any.
        catalog: The catalog it publishes to (qualifies the mask functions of its tables).
    """

    pipeline: str
    sources: tuple[str, ...]
    gold: tuple[str, ...]
    conf_path: str
    landing_root: str
    entities: tuple[str, ...] = ()
    extracts_root: str = ""
    catalog: str = ""

    @classmethod
    def from_conf(cls, get: Callable[[str], str | None]) -> PipelineSelection:
        """Read the selection through ``get`` (``spark.conf.get`` with a default of None).

        Raises:
            EntryPointError: Naming every missing key.
        """
        missing = [key for key in _REQUIRED if not (get(key) or "").strip()]
        if missing:
            raise EntryPointError(
                f"pipeline configuration is missing {', '.join(missing)} "
                "(deploy the bundle written by `lakehouse bundle`)"
            )
        return cls(
            pipeline=(get(CONF_PIPELINE) or "").strip(),
            sources=_names(get(CONF_SOURCES)),
            gold=_names(get(CONF_GOLD)),
            conf_path=(get(CONF_PATH) or "").strip(),
            landing_root=(get(CONF_LANDING_ROOT) or "").strip(),
            entities=_names(get(CONF_ENTITIES)),
            extracts_root=(get(CONF_EXTRACTS_ROOT) or "").strip(),
            catalog=(get(CONF_CATALOG) or "").strip(),
        )

    def datasets(self, config: LakehouseConfig, *, reads_extracts: bool = True) -> frozenset[str]:
        """The logical names this pipeline defines, checked against ``config``
        (``reads_extracts``: and that its incremental JDBC sources know where their extracts
        are; the ``record_ops`` task reads tables and the event log, never extracts).

        Raises:
            EntryPointError: When a named source or gold model is not in the config.
        """
        problems = _unknown(CONF_SOURCES, self.sources, [s.name for s in config.sources])
        problems += _unknown(CONF_GOLD, self.gold, [g.name for g in config.gold])
        problems += _unknown(CONF_ENTITIES, self.entities, [e.name for e in config.entities])
        if reads_extracts and not self.extracts_root:
            from pipelines.sources.types.jdbc import extracted

            problems += [
                f"{CONF_EXTRACTS_ROOT} is not set, and incremental JDBC source '{s.name}' "
                "reads its extracts from there (deploy the bundle written by `lakehouse bundle`)"
                for s in config.sources
                if s.name in self.sources and extracted(s)
            ]
        if problems:
            raise EntryPointError(f"pipeline {self.pipeline}: " + "; ".join(problems))
        names = {f"gold.{g}" for g in self.gold}
        for source in (s for s in config.sources if s.name in self.sources):
            layers = ("bronze", "bronze_pii", "silver", "quarantine")
            names |= {f"{x}.{source.name}" for x in layers if x != "bronze_pii" or source.has_pii}
        for entity in (e for e in config.entities if e.name in self.entities):
            names |= {f"silver.{entity.name}", f"silver.{entity.xref}"}
        return frozenset(names)


def _unknown(key: str, names: Iterable[str], known: list[str]) -> list[str]:
    return [
        f"{key} names unknown '{name}'{did_you_mean(name, known)}"
        for name in names
        if name not in known
    ]


def select_specs(specs: Iterable[DatasetSpec], names: frozenset[str]) -> tuple[DatasetSpec, ...]:
    """The specs among ``names``, in graph order."""
    return tuple(spec for spec in specs if spec.name in names)


def define_pipeline(spark: SparkSession) -> tuple[str, ...]:
    """Register this pipeline's datasets with Lakeflow; returns their names.

    The same preparation (``prepare_sources``: the REST and xlsx data sources, secrets) and
    registration (``register``) as ``lakehouse run``; the platform adapter
    (``pipelines.platform.DatabricksPlatform``) makes the platform's choices: Auto
    Loader, secret scopes, AUTO CDC; per-source pre-run work (JDBC extracts) is the daily
    job's task there. Delta is the table format (``table_format=None``).

    Raises:
        EntryPointError: The configuration does not match the config, or a source of this
            pipeline cannot be prepared (a missing secret, ...): named, before any dataset
            is defined (a dataset left out of a Lakeflow pipeline would be dropped).
    """
    from pipelines.config import load_config
    from pipelines.graph import RunContext, build_graph
    from pipelines.ops.record import new_run_id
    from pipelines.pii.keys import resolve_keys
    from pipelines.platform import platform_for
    from pipelines.register import register
    from pipelines.sources.prepare import prepare_sources

    selection = PipelineSelection.from_conf(lambda key: spark.conf.get(key, None))
    config = load_config(Path(selection.conf_path))
    mine = [s for s in config.sources if s.name in selection.sources]
    masks = {c.pii.mask for s in mine for c in s.columns if c.pii}
    entities = [e for e in config.entities if e.name in selection.entities]
    masks |= {a.pii.mask for e in entities for a in e.attributes.values() if a.pii}
    databricks = platform_for("databricks")
    keys = resolve_keys(config.project.pii, masks, platform=databricks)  # the secret scope
    context = RunContext(
        run_id=new_run_id(),
        landing_root=selection.landing_root,
        platform=databricks.name,
        pii_keys=keys,
        extracts_root=selection.extracts_root,
    )
    names = selection.datasets(config)  # checks the selection before anything runs
    prepared = prepare_sources(spark, mine, context)
    if prepared.failed:
        reasons = "; ".join(f"{name}: {why}" for name, why in prepared.failed.items())
        raise EntryPointError(f"pipeline {selection.pipeline}: {reasons}")
    specs = select_specs(build_graph(config, context), names)
    catalog = selection.catalog
    register(specs, spark, table_format=None, platform=context.adapter, catalog=catalog)
    return tuple(spec.name for spec in specs)
