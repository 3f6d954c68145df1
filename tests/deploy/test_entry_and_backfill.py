"""The Lakeflow entry point's selection and the backfill job's plan, without Spark."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.databricks.define import EntryPointError, PipelineSelection, select_specs
from pipelines.deploy.backfill import (
    BackfillError,
    BackfillRequest,
    PipelineUpdate,
    date_check_queries,
    main,
    parse_request,
    plan_updates,
    run_updates,
)
from pipelines.deploy.layout import plan_pipelines
from pipelines.graph import RunContext, build_graph

from .conftest import CONF

HOTEL_CONF = {
    "lakehouse.pipeline": "hotel",
    "lakehouse.sources": "folios, reservations",
    "lakehouse.gold": "hotel_daily_report",
    "lakehouse.conf_path": "/Workspace/x/files/src/conf",
    "lakehouse.landing_root": "abfss://landing@x.dfs.core.windows.net/",
    "lakehouse.catalog": "lakehouse_staging",
}


def test_selection_from_the_pipeline_configuration(hotel_config: LakehouseConfig) -> None:
    selection = PipelineSelection.from_conf(HOTEL_CONF.get)
    assert selection == PipelineSelection(
        "hotel", ("folios", "reservations"), ("hotel_daily_report",),
        "/Workspace/x/files/src/conf", "abfss://landing@x.dfs.core.windows.net/",
        catalog="lakehouse_staging",
    )  # fmt: skip
    names = selection.datasets(hotel_config)
    assert sorted(names) == [
        "bronze.folios", "bronze.reservations", "gold.hotel_daily_report", "quarantine.folios",
        "quarantine.reservations", "silver.folios", "silver.reservations",
    ]  # fmt: skip
    context = RunContext("run-1", selection.landing_root, platform="databricks")
    specs = select_specs(build_graph(hotel_config, context), names)
    assert [s.name for s in specs] == [
        "bronze.folios", "silver.folios", "quarantine.folios",
        "bronze.reservations", "silver.reservations", "quarantine.reservations",
        "gold.hotel_daily_report",
    ]  # fmt: skip


def test_the_generated_configuration_selects_every_dataset_once(
    hotel_config: LakehouseConfig,
) -> None:
    from pipelines.deploy.pipelines import pipeline_resource

    selected: list[str] = []
    for plan in plan_pipelines(hotel_config):
        conf = pipeline_resource(plan)["configuration"]
        selected += PipelineSelection.from_conf(conf.get).datasets(hotel_config)
    assert sorted(selected) == sorted(hotel_config.datasets)


def test_missing_configuration_is_named() -> None:
    with pytest.raises(EntryPointError) as caught:
        PipelineSelection.from_conf({"lakehouse.pipeline": "hotel"}.get)
    assert str(caught.value) == (
        "pipeline configuration is missing lakehouse.conf_path, lakehouse.landing_root, "
        "lakehouse.catalog (deploy the bundle written by `lakehouse bundle`)"
    )


def test_an_extracted_source_reads_its_extracts_where_the_task_writes(
    config: LakehouseConfig,
) -> None:
    # Issue 15, defect 2: bronze read the extracts under the landing root, where the task
    # cannot write; the pipeline is told the extracts volume and refuses to start without it
    conf = {
        "lakehouse.pipeline": "customer",
        "lakehouse.sources": "customer_feed,crm_customers",
        "lakehouse.conf_path": "/Workspace/x/files/src/conf",
        "lakehouse.landing_root": "abfss://landing@x.dfs.core.windows.net/",
        "lakehouse.catalog": "lakehouse_staging",
    }
    with pytest.raises(EntryPointError) as caught:
        PipelineSelection.from_conf(conf.get).datasets(config)
    assert str(caught.value) == (
        "pipeline customer: lakehouse.extracts_root is not set, and incremental JDBC source "
        "'crm_customers' reads its extracts from there (deploy the bundle written by "
        "`lakehouse bundle`)"
    )
    volume = "/Volumes/lakehouse_staging/bronze_pii/jdbc_extracts"
    selection = PipelineSelection.from_conf((conf | {"lakehouse.extracts_root": volume}).get)
    assert selection.extracts_root == volume
    assert "bronze.crm_customers" in selection.datasets(config)
    context = RunContext("run-1", selection.landing_root, extracts_root=selection.extracts_root)
    assert context.extracts == volume
    assert RunContext("run-1", "file:///landing/").extracts == "file:///landing/_extracts"


def test_unknown_names_are_reported(hotel_config: LakehouseConfig) -> None:
    conf = HOTEL_CONF | {"lakehouse.sources": "folio", "lakehouse.gold": "daily_report,x"}
    with pytest.raises(EntryPointError) as caught:
        PipelineSelection.from_conf(conf.get).datasets(hotel_config)
    assert str(caught.value) == (
        "pipeline hotel: lakehouse.sources names unknown 'folio' (did you mean 'folios'?); "
        "lakehouse.gold names unknown 'daily_report' (did you mean 'hotel_daily_report'?); "
        "lakehouse.gold names unknown 'x'"
    )


# ------------------------------------------------------------------ backfill

TODAY = date(2026, 11, 21)


def _request(config: LakehouseConfig, **params: str) -> BackfillRequest:
    values = {"datasets": "", "full_refresh": "false"} | params
    return parse_request(config, today=TODAY, **values)


def test_parse_request(hotel_config: LakehouseConfig) -> None:
    assert _request(hotel_config) == BackfillRequest((), False)
    assert _request(
        hotel_config, datasets="silver.folios, bronze.guests", full_refresh="TRUE",
        start_date="2026-11-01", end_date="2026-11-03",
    ) == BackfillRequest(
        ("silver.folios", "bronze.guests"), True, date(2026, 11, 1), date(2026, 11, 3)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"datasets": "silver.folio"},
            "datasets: unknown dataset 'silver.folio' (did you mean 'silver.folios'?)",
        ),
        ({"full_refresh": "yes"}, "full_refresh: expected true or false, got 'yes'"),
        ({"start_date": "2026-11-01"}, "start_date, end_date: give both or neither"),
        (
            {"start_date": "01/11/2026", "end_date": "2026-11-02"},
            "start_date: expected a date YYYY-MM-DD, got '01/11/2026'",
        ),
        (
            {"start_date": "2026-11-03", "end_date": "2026-11-01"},
            "start_date: 2026-11-03 is after end_date 2026-11-01",
        ),
        (
            {"start_date": "2026-11-03", "end_date": "2026-11-22"},
            "end_date: 2026-11-22 is in the future",
        ),
    ],
)
def test_parse_request_errors(
    hotel_config: LakehouseConfig, params: dict[str, str], message: str
) -> None:
    with pytest.raises(BackfillError) as caught:
        _request(hotel_config, **params)
    assert str(caught.value) == message


def test_plan_updates_in_pipeline_order(hotel_config: LakehouseConfig) -> None:
    plans = plan_pipelines(hotel_config)
    request = _request(
        hotel_config, datasets="gold.guest_stays,silver.folios,bronze.folios", full_refresh="true"
    )
    assert plan_updates(request, plans, "lakehouse_dev") == (
        PipelineUpdate(
            "hotel", ("lakehouse_dev.bronze.folios", "lakehouse_dev.silver.folios"), True
        ),
        PipelineUpdate("gold", ("lakehouse_dev.gold.guest_stays",), True),
    )
    everything = plan_updates(_request(hotel_config), plans, "c")
    assert [u.pipeline for u in everything] == ["catalog", "hotel", "team_crm", "gold"]
    assert sum(len(u.tables) for u in everything) == len(hotel_config.datasets)


def test_date_check_queries(hotel_config: LakehouseConfig) -> None:
    request = _request(
        hotel_config, datasets="silver.folios", start_date="2026-11-01", end_date="2026-11-02"
    )
    assert date_check_queries(request, hotel_config, "lakehouse_prod") == {
        "bronze.folios": "SELECT _file_date, count(*) AS row_count FROM "
        "lakehouse_prod.bronze.folios WHERE _file_date BETWEEN DATE'2026-11-01' AND "
        "DATE'2026-11-02' GROUP BY _file_date ORDER BY _file_date"
    }
    assert date_check_queries(_request(hotel_config), hotel_config, "c") == {}


class FakePipelines:
    """Records calls; each update goes RUNNING then to ``final``."""

    def __init__(self, final: str = "COMPLETED") -> None:
        self.final = final
        self.calls: list[tuple[Any, ...]] = []
        self.polls = 0

    def start_update(self, pipeline_id: str, **kwargs: Any) -> Any:
        self.calls.append(("start", pipeline_id, kwargs))
        return SimpleNamespace(update_id=f"u-{pipeline_id}")

    def get_update(self, pipeline_id: str, update_id: str) -> Any:
        self.polls += 1
        state = "RUNNING" if self.polls % 2 else self.final
        return SimpleNamespace(update=SimpleNamespace(state=SimpleNamespace(value=state)))


def test_run_updates_waits_for_each_update() -> None:
    api = FakePipelines()
    lines: list[str] = []
    sleeps: list[float] = []
    updates = [
        PipelineUpdate("hotel", ("c.bronze.folios",), False),
        PipelineUpdate("gold", ("c.gold.g",), True),
    ]
    run_updates(updates, {"hotel": "p1", "gold": "p2"}, api, echo=lines.append, sleep=sleeps.append)
    assert api.calls == [
        ("start", "p1", {"refresh_selection": ["c.bronze.folios"]}),
        ("start", "p2", {"full_refresh_selection": ["c.gold.g"]}),
    ]
    assert sleeps == [30.0, 30.0]
    assert lines == [
        "hotel: refresh_selection=c.bronze.folios",
        "hotel: update u-p1 COMPLETED",
        "gold: full_refresh_selection=c.gold.g",
        "gold: update u-p2 COMPLETED",
    ]


def test_run_updates_stops_at_a_failed_update() -> None:
    api = FakePipelines("FAILED")
    updates = [PipelineUpdate("hotel", ("t",), False), PipelineUpdate("gold", ("g",), False)]
    with pytest.raises(BackfillError, match=r"^pipeline hotel: update u-p1 ended FAILED$"):
        run_updates(updates, {"hotel": "p1", "gold": "p2"}, api, echo=print, sleep=lambda s: None)
    assert len(api.calls) == 1
    with pytest.raises(BackfillError, match=r"^--pipeline: no id given for pipeline 'hotel'$"):
        run_updates(updates, {}, api)


def test_main_with_a_fake_api(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    api = FakePipelines()
    argv = [
        "--src", "/ws/src", "--conf", str(CONF), "--catalog", "lakehouse_dev",
        "--pipeline", "catalog=p-cat", "--datasets", "gold.team_a_products_with_image",
        "--full-refresh", "false", "--start-date", "", "--end-date", "",
    ]  # fmt: skip
    assert main(argv, api=api) == 0
    assert api.calls == [
        ("start", "p-cat", {"refresh_selection": ["lakehouse_dev.gold.team_a_products_with_image"]})
    ]
    assert capsys.readouterr().out.splitlines()[-1] == "catalog: update u-p-cat COMPLETED"


@pytest.mark.parametrize(
    ("entry", "arguments", "message"),
    [
        (
            "task_tag_tables.py",
            ["--catalog", "stage", "--pipeline", "finance"],
            "error: --pipeline: no pipeline 'finance' in {conf}",
        ),
        (
            "task_extract_jdbc.py",
            ["--extracts-root", "/Volumes/x/bronze_pii/jdbc_extracts", "--run-id", "1",
             "--source", "product_catalog"],
            "error: product_catalog: not an incremental JDBC source of {conf}",
        ),
    ],
    ids=["tag_tables", "extract"],
)  # fmt: skip
def test_a_task_entry_file_reports_a_lakehouse_error_by_message_and_exit_code(
    entry: str, arguments: list[str], message: str
) -> None:
    # the entry files run as Databricks runs a spark_python_task: a file, --src on the path
    import subprocess
    import sys

    from .helpers import REPO

    src, conf = REPO / "src", REPO / "src" / "conf"
    command = [sys.executable, str(src / "pipelines" / "databricks" / entry), "--src", str(src)]
    done = subprocess.run(
        [*command, "--conf", str(conf), *arguments], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (1, message.format(conf=conf) + "\n")
