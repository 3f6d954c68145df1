"""Every pipeline of the bundle, run locally through its real entry point.

For each pipeline resource of ``bundles/pipeline_*.yml``, in the order of its daily job's
tasks (``bundles/job_<key>_daily.yml``): the ``extract`` task (incremental JDBC) runs its task
code with the task's own parameters, and each ``pipeline_task`` runs
``src/pipelines/databricks/pipeline.py`` as a file (``runpy``) inside a fresh local Spark
Declarative Pipelines graph, with the pipeline's ``configuration`` as Spark confs (bundle variables
substituted with local values), and refreshes the task's ``refresh_selection``. The
platform is Databricks' (``pipelines.platform.DatabricksPlatform``) but for what only a
workspace has:

- ``dbutils.secrets``: a stand-in backed by the project's local secret lookup
  (``tests.dbutils_stub``);
- Auto Loader: the ``cloudFiles`` options the pipeline builds are checked against the
  documented option names, their format options mapped back (``cloudFiles.`` prefix off)
  and compared with the open-source reader's, then the open-source file source reads;
- AUTO CDC: the open-source engine cannot MERGE into Delta (``LocalPlatform``), so CDC tables
  are the materialized view with AUTO CDC's output contract, as in local runs;
- what only Lakeflow's table decorators take: the ``MASK`` clauses of a schema, ``cluster_by``,
  ``cluster_by_auto`` and ``row_filter`` are recorded and taken off, and the rest of the
  declared schema goes to the open-source engine, which refuses a table whose declared
  columns and types are not its query's: every schema the Databricks adapter declares is
  checked against the real rows.

Then each pipeline's tables are checked: exact row counts of silver and quarantine of every
source it owns (the demo's data: ``pipelines.demo``, servers from ``pipelines.demo.servers``).
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from pyspark import pipelines as dp

from pipelines.config import load_config
from pipelines.config.model import SCHEMAS
from pipelines.config.sources import FileSource
from pipelines.events import RunTracker
from pipelines.platform import DatabricksPlatform, LocalPlatform
from pipelines.sources.file_options import CORRUPT_COLUMN, autoloader_options, spark_options
from tests.dbutils_stub import stub_dbutils

from .helpers import REPO

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.sources.file_shapes import FileShapes

pytestmark = [
    pytest.mark.graph,
    pytest.mark.spark,
    pytest.mark.postgres,
    pytest.mark.kafka,
]

CONF = REPO / "src" / "conf"
ENTRY = REPO / "src" / "pipelines" / "databricks" / "pipeline.py"
BUNDLES = REPO / "bundles"
PIPELINES = sorted(p.stem.removeprefix("pipeline_") for p in BUNDLES.glob("pipeline_*.yml"))
CROSS_DOMAIN = "gold"  # reads the others' tables: runs last

# Auto Loader's options (docs.databricks.com, "Auto Loader options": common and directory
# listing options) and the generic and CSV/JSON/XML format options it passes to the format.
DOCUMENTED_AUTOLOADER = frozenset({
    "cloudFiles.allowOverwrites", "cloudFiles.backfillInterval", "cloudFiles.format",
    "cloudFiles.includeExistingFiles", "cloudFiles.inferColumnTypes",
    "cloudFiles.maxBytesPerTrigger", "cloudFiles.maxFileAge", "cloudFiles.maxFilesPerTrigger",
    "cloudFiles.partitionColumns", "cloudFiles.schemaEvolutionMode", "cloudFiles.schemaHints",
    "cloudFiles.schemaLocation", "cloudFiles.useStrictGlobber", "cloudFiles.validateOptions",
    "rescuedDataColumn", "mode", "columnNameOfCorruptRecord", "encoding", "charset",
    "header", "sep", "quote", "escape", "multiLine", "nullValue", "lineSep", "comment",
    "dateFormat", "timestampFormat", "rowTag", "ignoreLeadingWhiteSpace",
    "ignoreTrailingWhiteSpace",
})  # fmt: skip

# silver, quarantine rows of each source after one run over the demo's data
EXPECTED = {
    "booking_events": (6, 5),
    "crm_customers": (80, 0),
    "customer_feed": (120, 9),
    "guest_profiles": (8, 2),
    "hotel_folios": (373, 0),
    "hotel_reservations": (236, 4),
    "orders_cdc": (11, 4),
    "product_catalog": (1200, 12),
    "room_rates": (40, 0),
}
EXPECTED_GOLD = {"customer_360": 140}


@dataclass
class PipelineRun:
    """What happened to one pipeline: its job's tasks, failures and the Auto Loader reads."""

    key: str
    sources: tuple[str, ...]
    gold: tuple[str, ...]
    tasks: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    auto_loader: dict[str, dict[str, str]] = field(default_factory=dict)
    expectations: list[tuple[str, str, str]] = field(default_factory=list)
    trackers: list[RunTracker] = field(default_factory=list)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Dataset -> what Lakeflow alone would get: its schema with masks, clustering, row filter."""


def _resource(path: Path, kind: str) -> tuple[str, dict[str, Any]]:
    resources = yaml.safe_load(path.read_text(encoding="utf-8"))["resources"][kind]
    ((key, resource),) = resources.items()
    return key, resource


def _substituted(value: str, variables: Mapping[str, str]) -> str:
    for name, local in variables.items():
        value = value.replace(name, local)
    assert "${" not in value, f"no local value for {value}"
    assert "{{" not in value, f"no local value for {value}"
    return value


def _table(name: str) -> str:
    return name.removeprefix("${var.catalog}.")


def _waves(selection: list[str], lookups: set[str]) -> list[list[str]]:
    """The local engine does not order a flow after a table a quality rule looks up (the
    runner's ``_waves``): refresh the looked-up tables of a selection first."""
    first = [n for n in selection if n in lookups]
    return [w for w in (first, [n for n in selection if n not in lookups]) if w]


class _AutoLoaderStandIn:
    """``DatabricksPlatform.file_rows`` for a machine without Auto Loader."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, str]] = {}

    def __call__(
        self,
        spark: SparkSession,
        source: FileSource,
        names: Sequence[str],
        landing_root: str,
        shapes: FileShapes,
    ) -> DataFrame:
        options = autoloader_options(source, names)
        unknown = sorted(set(options) - DOCUMENTED_AUTOLOADER - set(source.options))
        assert not unknown, f"{source.path}: undocumented Auto Loader options {unknown}"
        assert options["cloudFiles.format"] == source.format
        hints = options["cloudFiles.schemaHints"]
        if source.format in ("csv", "json", "xml"):  # corrupt records are kept (schema field)
            assert hints.endswith(f"`{CORRUPT_COLUMN}` STRING")
            assert options["columnNameOfCorruptRecord"] == CORRUPT_COLUMN
        # the format options map back to the open-source reader's own
        mapped = {
            k.removeprefix("cloudFiles."): v
            for k, v in options.items()
            if k not in ("cloudFiles.format", "rescuedDataColumn")
            and not k.startswith(("cloudFiles.schema", "cloudFiles.infer"))
        }
        if source.format in ("csv", "xml"):
            assert mapped == spark_options(source)
        self.seen[source.path] = options
        return LocalPlatform().file_rows(spark, source, names, landing_root, shapes)


def _landing(root: Path) -> tuple[tuple[str, ...], ...]:
    """The demo's landing zone (the same generators, the same defaults as ``lakehouse
    demo``); returns the feed's customers (the CRM table holds many of them again)."""
    from pipelines.demo import (
        generate_catalog,
        generate_customers,
        generate_hotel,
        generate_orders_cdc,
    )

    generate_catalog(root / "product_catalog")
    generate_hotel(root / "hotel")
    generate_orders_cdc(root / "orders_cdc")
    return generate_customers(root / "customer_feed").people


def _run_pipeline(
    spark: SparkSession, key: str, variables: Mapping[str, str], storage: str, lookups: set[str]
) -> PipelineRun:
    from pipelines.databricks.define import PipelineSelection
    from pipelines.local.runner import run_definition
    from pipelines.sources.jdbc_extract import LocalFolders
    from pipelines.sources.jdbc_task import main as extract_main

    _, pipeline = _resource(BUNDLES / f"pipeline_{key}.yml", "pipelines")
    (library,) = pipeline["libraries"]
    assert (BUNDLES / library["file"]["path"]).resolve() == ENTRY
    configuration = {
        name: _substituted(str(value), variables)
        for name, value in pipeline["configuration"].items()
    }
    selection = PipelineSelection.from_conf(configuration.get)
    run = PipelineRun(key, selection.sources, selection.gold)
    _, job = _resource(BUNDLES / f"job_{key}_daily.yml", "jobs")

    def define() -> Sequence[str]:
        for name, value in configuration.items():
            spark.conf.set(name, value)
        try:
            runpy.run_path(str(ENTRY), run_name="lakeflow")  # as Lakeflow runs a source file
        finally:
            for name in configuration:
                spark.conf.unset(name)
        return ()

    for task in job["tasks"]:
        run.tasks.append(task["task_key"])
        if "pipeline_task" in task:
            selected = [_table(t) for t in task["pipeline_task"]["refresh_selection"]]
            for wave in _waves(selected, lookups):
                tracker = run_definition(
                    spark, define, storage_root=storage, refresh=wave, echo=lambda _: None
                )
                run.failed |= tracker.failed
                run.trackers.append(tracker)
                if tracker.run_state != "COMPLETED" and not tracker.failed:
                    run.failed[task["task_key"]] = tracker.run_state
        elif task["spark_python_task"]["python_file"].endswith("task_extract_jdbc.py"):
            parameters = task["spark_python_task"]["parameters"]
            parameters = [_substituted(p, variables) for p in parameters]
            extract_main(parameters, spark=spark, folders=LocalFolders())
        # record_ops reads the Databricks event log: not part of this run
    return run


@pytest.fixture(scope="module")
def bundle_runs(
    spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, PipelineRun]]:
    """Slow (about 60 s): every pipeline of the bundle through its entry point, once for the
    module (the extract task, then each pipeline with the demo's servers up): the tests below
    assert on these runs instead of running the pipelines again."""
    from pipelines.demo.servers import demo_servers

    root = tmp_path_factory.mktemp("bundle_runs")
    people = _landing(root / "landing")
    storage = (root / "storage").as_uri()
    config = load_config(CONF)
    lookups = {r.reference.table for s in config.sources for r in s.rules if r.reference}
    variables = {
        # the extracts volume (a Unity Catalog volume on Databricks): a local folder here; the
        # extract task and the pipeline both get it from the bundle, so bronze reads what the
        # task wrote only if the two agree
        "/Volumes/${var.catalog}/bronze_pii/jdbc_extracts": (root / "extracts").as_uri(),
        "${workspace.file_path}/src/conf": str(CONF),
        "${workspace.file_path}/src": str(REPO / "src"),
        "${var.landing_root}": (root / "landing").as_uri(),
        "${var.catalog}": "spark_catalog",
        "{{job.run_id}}": "1",
    }
    for schema in SCHEMAS:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    # Other tests of the session may have left these tables: start from none, as a deploy does.
    layers = ("bronze", "bronze_pii", "silver", "quarantine")
    every = [f"{layer}.{s.name}" for s in config.sources for layer in layers]
    every += [f"silver.{e.name}" for e in config.entities]
    every += [f"silver.{e.xref}" for e in config.entities]
    for name in every + [f"gold.{g.name}" for g in config.gold]:
        spark.sql(f"DROP TABLE IF EXISTS {name}")
    stand_in = _AutoLoaderStandIn()
    order = sorted(PIPELINES, key=lambda k: (k == CROSS_DOMAIN, k))
    runs: dict[str, PipelineRun] = {}
    bound: list[tuple[str, str, str]] = []
    tables: dict[str, dict[str, Any]] = {}
    with pytest.MonkeyPatch.context() as patch, stub_dbutils():
        patch.setattr(DatabricksPlatform, "file_rows", lambda _self, *args: stand_in(*args))
        for kind in ("expect", "expect_or_drop", "expect_or_fail"):  # Lakeflow's, not in pyspark
            patch.setattr(dp, kind, _expectation_stand_in(bound, kind), raising=False)
        for kind in ("table", "materialized_view", "create_streaming_table"):
            patch.setattr(dp, kind, _lakeflow_table_stand_in(getattr(dp, kind), tables))
        patch.setattr(DatabricksPlatform, "applies_auto_cdc", False)  # see the module docstring
        with demo_servers(echo=lambda _: None, people=people, spark=lambda: spark):
            for key in order:
                stand_in.seen = {}
                try:
                    runs[key] = _run_pipeline(spark, key, variables, storage, lookups)
                except Exception as exc:  # one pipeline's failure is its own test's failure
                    runs[key] = PipelineRun(key, (), (), failed={"definition": repr(exc)})
                runs[key].auto_loader = stand_in.seen
                runs[key].expectations, bound[:] = list(bound), []
                runs[key].tables = dict(tables)
                tables.clear()
    yield runs
    shutil.rmtree(root, ignore_errors=True)


def _expectation_stand_in(
    bound: list[tuple[str, str, str]], kind: str
) -> Callable[[str, str], Callable[[Any], Any]]:
    """Lakeflow's ``dp.expect*``: records (dataset function, kind, rule), keeps the function."""

    def expectation(name: str, _constraint: str) -> Callable[[Any], Any]:
        def bind(query: Any) -> Any:
            bound.append((query.__name__, kind, name))
            return query

        return bind

    return expectation


_MASK = re.compile(r" MASK `[^`]+`\.[\w.]+(?: USING COLUMNS \([^)]*\))?")
_LAKEFLOW_ONLY = ("cluster_by", "cluster_by_auto", "row_filter")


def _lakeflow_table_stand_in(
    original: Callable[..., Any], tables: dict[str, dict[str, Any]]
) -> Callable[..., Any]:
    """A table decorator of Lakeflow's: records what only Lakeflow takes (the schema's masks,
    clustering, row filter), hands the rest to the open-source one."""

    def declare(*args: Any, **kwargs: Any) -> Any:
        lakeflow = {k: kwargs.pop(k) for k in _LAKEFLOW_ONLY if k in kwargs}
        if "schema" in kwargs:
            lakeflow["schema"] = kwargs["schema"]
            kwargs["schema"] = _MASK.sub("", kwargs["schema"])
        tables[kwargs["name"]] = lakeflow
        return original(*args, **kwargs)

    return declare


def _count(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"SELECT count(*) AS n FROM {table}").collect()[0]["n"])


@pytest.mark.parametrize("key", PIPELINES)
def test_the_bundle_pipeline_runs_through_its_entry_point(
    key: str, bundle_runs: dict[str, PipelineRun], spark: SparkSession
) -> None:
    run = bundle_runs[key]
    assert run.failed == {}
    assert run.tasks[-1] == "record_ops"
    counts = {
        s: (_count(spark, f"silver.{s}"), _count(spark, f"quarantine.{s}")) for s in run.sources
    }
    assert counts == {s: EXPECTED[s] for s in run.sources}
    gold = {g: _count(spark, f"gold.{g}") for g in run.gold if g in EXPECTED_GOLD}
    assert gold == {g: n for g, n in EXPECTED_GOLD.items() if g in run.gold}
    config = load_config(CONF)
    files = sorted(
        s.source.path
        for s in config.sources
        if s.name in run.sources and isinstance(s.source, FileSource)
    )
    assert sorted(run.auto_loader) == files  # every file source read the Databricks way
    if key == "customer":  # issue 15, defect 6: the raw values masked in the definition
        schema = run.tables["bronze_pii.crm_customers"]["schema"]
        masked = re.findall(r"`(\w+)` STRING COMMENT '[^']*' MASK ([^\s,]+)", schema)
        assert masked == [
            ("full_name", "`spark_catalog`.bronze_pii.pii_redact"),
            ("email", "`spark_catalog`.bronze_pii.pii_redact"),
            ("phone", "`spark_catalog`.bronze_pii.pii_partial"),
            ("date_of_birth", "`spark_catalog`.bronze_pii.pii_redact"),
        ]
        assert "MASK" not in run.tables["bronze.crm_customers"]["schema"]
    if key == "catalog":  # tables.silver of product_catalog.yml
        lakeflow = run.tables["silver.product_catalog"]
        assert {k: v for k, v in lakeflow.items() if k != "schema"} == {
            "cluster_by": ["brand"], "cluster_by_auto": True,
        }  # fmt: skip
    if key == "hotel":  # its warn rules, bound as Lakeflow expectations (issue 15)
        bound = [
            ("silver__hotel_folios", "expect", "charge_type_known"),
            ("silver__hotel_folios", "expect", "amount_not_negative"),
            ("silver__hotel_reservations", "expect", "room_price_positive"),
            ("silver__hotel_reservations", "expect", "has_adult_guest"),
        ]
        updates = sum(task in ("bronze", "silver", "gold") for task in run.tasks)
        assert updates == 3
        assert run.expectations == bound * updates  # each update defines the graph again


def _demo_pii(scratch: Path) -> frozenset[str]:
    """The demo's clear PII values, from its generators (deterministic: the same values as
    the fixture's landing zone and servers): the customer feed's (its undeclared middle_name
    too), the CRM table's and the rates API's ``updated_by``."""
    from pipelines.demo import generate_customers
    from pipelines.demo.api import rate_records
    from pipelines.demo.crm import crm_customers

    feed = generate_customers(scratch / "customer_feed")
    crm = crm_customers(feed.people)
    crm_values = {
        v for c in crm for v in (c.full_name, c.email, c.phone, c.date_of_birth) if v and v.strip()
    }
    rates = {r["updated_by"] for r in rate_records(40, updated_by=True)}
    return feed.pii_values | crm_values | rates


def _ops_of_the_runs(
    spark: SparkSession, runs: Mapping[str, PipelineRun], conf: Path, url: str
) -> tuple[str, str]:
    """Record the bundle runs as one run in the ops tables and raise its alerts (to ``url``);
    returns the run's HTML report and the data dictionary. The feed's quality rule gets a
    1% threshold (its three bad ids break it), so an alert is certain."""
    from datetime import UTC, datetime
    from functools import partial

    from pipelines.alerts.deliver import lookup_secret
    from pipelines.docs import dictionary, lineage_edges, render_dictionary
    from pipelines.graph import build_graph
    from pipelines.ops.hook import after_run
    from pipelines.ops.quality import quality_metrics
    from pipelines.ops.record import RunInfo, new_run_id
    from pipelines.report import collect_report, render_report
    from pipelines.spec import RunContext

    feed = conf / "sources" / "customer_feed.yml"
    rule = "    action: quarantine\n"
    feed.write_text(feed.read_text().replace(rule, rule + "    threshold_pct: 1\n"))
    config = load_config(conf)
    run_id = new_run_id()
    specs = build_graph(config, RunContext(run_id=run_id, landing_root="file:///"))
    merged = RunTracker(run_state="COMPLETED")
    for run in runs.values():
        for tracker in run.trackers:
            merged.flows |= tracker.flows
    info = RunInfo(run_id, "local", "manual", {}, datetime.now(UTC))
    lines: list[str] = []
    quality = quality_metrics(spark, config, run_id)
    secrets = partial(lookup_secret, platform=LocalPlatform())  # the environment set below
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_SECRET_ALERTS_SLACK_WEBHOOK", f"{url}/slack")  # project.yml's
        env.delenv("LAKEHOUSE_SECRET_ALERTS_TEAMS_WEBHOOK", raising=False)
        after_run(
            spark, config, specs, merged, info, None,
            secrets=secrets, echo=lines.append, quality=quality,
        )  # fmt: skip
    assert "quality_breach" in lines[-1], lines
    report = render_report(collect_report(spark, config, run_id))
    docs = dictionary(config)
    return report, render_dictionary(config.project.name, docs, lineage_edges(docs))


def test_no_clear_pii_outside_bronze_pii(
    bundle_runs: dict[str, PipelineRun], spark: SparkSession, tmp_path: Path, conf_copy: Path
) -> None:
    """The demo's clear PII values appear nowhere outside ``bronze_pii``: in no table of any
    other schema (silver, quarantine, gold and the ops tables included), in no alert payload,
    not in the run's HTML report nor in the data dictionary.

    Every source of the demo ran above (the REST one too). Before a PII source's raw JSON
    was redacted in bronze this failed on ``bronze.room_rates._record`` (the rates API's
    ``updated_by``) and on ``_rescued_data`` of ``bronze``, ``silver`` and
    ``quarantine.customer_feed`` (the feed's undeclared ``middle_name``). The ops records,
    the alert and the report are made here from the bundle runs (no pipeline run). Slow (about
    35 s): it reads every row of every table outside ``bronze_pii`` and records the run.
    """
    from tests.graph.helpers import pii_leaks, tables_outside_pii, text_leaks
    from tests.ops.servers import Recorder, webhook_server

    assert all(run.failed == {} for run in bundle_runs.values())
    values = _demo_pii(tmp_path)
    recorder = Recorder(failures=0)
    with webhook_server(recorder) as url:
        report, docs = _ops_of_the_runs(spark, bundle_runs, conf_copy, url)
    payloads = [json.dumps(body) for _path, _type, body in recorder.requests]
    assert payloads  # the quality breach at least

    tables = tables_outside_pii(spark)
    layers = ("bronze", "silver", "quarantine")
    assert {f"{layer}.{s}" for layer in layers for s in EXPECTED} <= set(tables)
    assert {"ops.pipeline_runs", "ops.flow_metrics", "ops.alerts"} <= set(tables)
    found = {t: pii_leaks(spark, t, values) for t in tables}
    found |= {name: text_leaks(text, values) for name, text in
              {"alert": "\n".join(payloads), "report": report, "dictionary": docs}.items()}  # fmt: skip
    assert found == {key: [] for key in found}
    # the values are there to be found: bronze_pii holds them (the REST source's too)
    raw = pii_leaks(spark, "bronze_pii.room_rates", values)
    assert len(set(raw)) == 5  # the five revenue managers' e-mails
