"""Two real runs, observed: run records, reconciliation, alerts, status and the HTML report.

The runs (see ``runs.observe``) happen once for the module: run 1 is a full refresh over two
daily extracts (69 bronze rows); run 2 adds a third day and a corrected day 1 (45 new rows).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipelines.cli import main
from pipelines.config.loader import LakehouseConfig
from pipelines.databricks.record_task import pipeline_ops
from pipelines.errors import LakehouseError
from pipelines.local import runner
from pipelines.local.table_logs import TableLogs
from pipelines.ops.file_records import FileCounts
from pipelines.ops.from_eventlog import record_pipeline
from pipelines.ops.history import as_utc, bind, count_history, latest_flow_states, run_rows
from pipelines.ops.status import read_status
from pipelines.ops.tables import append_rows
from pipelines.ops.up_to_date import UpToDate
from pipelines.report import collect_report, render_report
from tests.conftest import CONF
from tests.graph.oracle import expected_from
from tests.ops.runs import (
    Observed,
    alerts_for_tests,
    helper_quality_rows,
    observe,
    recorded_event_log,
)
from tests.ops.servers import Recorder, smtp_server, webhook_server

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

CATALOG = "product_catalog"
GOLD_A, GOLD_B = "gold.team_a_products_with_image", "gold.team_b_samsung_after_2000_without_image"


@pytest.fixture(scope="module")
def observed(
    spark: SparkSession,
    config: LakehouseConfig,
    lakehouse_home: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Observed:
    return observe(spark, config, lakehouse_home, tmp_path_factory)


def _rows(spark: SparkSession, sql: str, **args: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in spark.sql(bind(sql, args)).collect()]


_OPS = ("pipeline_runs", "flow_metrics", "quality_metrics", "reconciliation", "alerts")
_COMPARED = {
    "pipeline_runs": "status, error_summary",
    "flow_metrics": "dataset, layer, status, rows_in, rows_out, rows_quarantined, error",
    "quality_metrics": "dataset, rule, action, failed_rows, checked_rows, failed_pct, "
    "threshold_pct, breached",
    "reconciliation": "dataset, rows_read, rows_bronze, rows_silver, rows_quarantined, "
    "rows_duplicates, rows_superseded, balanced",
    "alerts": "incident_key, kind, severity, dataset, title, detail",
}


def test_the_databricks_record_task_writes_what_the_local_run_wrote(
    spark: SparkSession, observed: Observed
) -> None:
    """Ops parity: run 2's facts replayed as a Databricks pipeline's event log through the
    ``record_ops`` task's code give the same flow metrics, quality metrics, reconciliation
    and incidents as the local run recorded (deliveries aside: the test's servers are gone).

    First in the module: it takes run 2's rows out, replays, and puts the originals back.
    """
    run_id = observed.second.run_id

    def compared() -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: sorted(_rows(spark, f"SELECT {cols} FROM ops.{table} WHERE run_id = :r", r=run_id))
            for table, cols in _COMPARED.items()
        }  # fmt: skip

    local = compared()
    saved = {t: spark.sql(bind(f"SELECT * FROM ops.{t} WHERE run_id = :r", {"r": run_id})).collect() for t in _OPS}  # fmt: skip
    [(started, ended)] = _rows(spark, "SELECT started_at, ended_at FROM ops.pipeline_runs WHERE run_id = :r", r=run_id)  # fmt: skip
    rows_out = {row[0]: row[4] for row in local["flow_metrics"]}
    events = recorded_event_log(observed.second, rows_out, started, ended)
    columns = ("id", "timestamp", "event_type", "origin", "details", "error")
    log = spark.createDataFrame([tuple(e[c] for c in columns) for e in events], ", ".join(f"{c} STRING" for c in columns))  # fmt: skip
    log.write.mode("overwrite").saveAsTable("ops.event_log_catalog")
    lines: list[str] = []
    try:
        for table in _OPS:
            spark.sql(bind(f"DELETE FROM ops.{table} WHERE run_id = :r", {"r": run_id}))
        append_rows(spark, "quality_metrics", helper_quality_rows(run_id))
        ops = pipeline_ops(observed.config, "catalog")
        new, breached = record_pipeline(spark, ops, "catalog", "local", echo=lines.append)
        assert ([r["run_id"] for r in new.runs], breached) == ([run_id], False)
        replayed = compared()
    finally:
        for table in _OPS:
            spark.sql(bind(f"DELETE FROM ops.{table} WHERE run_id = :r", {"r": run_id}))
            if saved[table]:
                schema = spark.table(f"ops.{table}").schema
                spark.createDataFrame(saved[table], schema).write.mode("append").saveAsTable(f"ops.{table}")  # fmt: skip
        spark.sql("DROP TABLE ops.event_log_catalog")
    assert replayed == local
    assert local["reconciliation"] == [("product_catalog", 114, 114, 69, 10, 1, 34, True)]
    rule = ("silver.product_catalog", "year_release_plausible", "quarantine")
    assert local["quality_metrics"] == [
        ("silver.product_catalog", "brand_present", "quarantine", 0, 100, 0.0, 1.0, False),
        (*rule, 2, 80, 2.5, None, False),  # this run's own measure of its rule
        (*rule, 3, 100, 3.0, 1.0, True),  # the quality helper's row
    ]
    assert [row[0] for row in local["alerts"]] == [
        "quality_breach:silver.product_catalog:year_release_plausible",
        "schema_drift:bronze.product_catalog",
        f"volume_anomaly:{GOLD_B}",
        "volume_anomaly:quarantine.product_catalog",
        "volume_anomaly:silver.product_catalog",
    ]
    assert lines[-1].startswith("alerts: 5 raised (quality_breach, schema_drift, volume_anomaly)")


def test_every_run_is_recorded(spark: SparkSession, observed: Observed) -> None:
    first, second = observed.first.run_id, observed.second.run_id
    landing = observed.landing.as_uri()
    runs = _rows(
        spark,
        "SELECT run_id, target, trigger, parameters, status, error_summary, ended_at > started_at"
        " FROM ops.pipeline_runs WHERE run_id IN (:a, :b) ORDER BY started_at",
        a=first, b=second,
    )  # fmt: skip
    assert runs == [
        (first, "local", "manual", f'{{"full_refresh": true, "landing_root": "{landing}"}}', "COMPLETED", None, True),
        (second, "local", "schedule", f'{{"full_refresh": false, "landing_root": "{landing}"}}', "COMPLETED", None, True),
    ]  # fmt: skip


def test_flow_metrics_count_rows_in_and_out_per_dataset(
    spark: SparkSession, observed: Observed
) -> None:
    sql = """SELECT dataset, layer, status, rows_in, rows_out, rows_quarantined, seconds > 0,
                    error FROM ops.flow_metrics WHERE run_id = :run ORDER BY dataset"""
    assert _rows(spark, sql, run=observed.first.run_id) == [
        ("bronze.product_catalog", "bronze", "COMPLETED", 69, 69, None, True, None),
        (GOLD_A, "gold", "COMPLETED", 60, 46, None, True, None),
        (GOLD_B, "gold", "COMPLETED", 60, 0, None, True, None),
        ("quarantine.product_catalog", "quarantine", "COMPLETED", 69, 8, None, True, None),
        ("silver.product_catalog", "silver", "COMPLETED", 69, 60, 8, True, None),
    ]
    # run 2 appends 45 bronze rows (day 3 and the corrected day 1); the views read all 114
    assert _rows(spark, sql, run=observed.second.run_id) == [
        ("bronze.product_catalog", "bronze", "COMPLETED", 45, 45, None, True, None),
        (GOLD_A, "gold", "COMPLETED", 69, 50, None, True, None),
        (GOLD_B, "gold", "COMPLETED", 69, 2, None, True, None),
        ("quarantine.product_catalog", "quarantine", "COMPLETED", 114, 10, None, True, None),
        ("silver.product_catalog", "silver", "COMPLETED", 114, 69, 10, True, None),
    ]


def test_reconciliation_balances_with_exact_numbers(
    spark: SparkSession, observed: Observed
) -> None:
    got = _rows(spark, "SELECT * FROM ops.reconciliation ORDER BY rows_bronze")
    assert got == [
        # read = silver + quarantined + duplicates + superseded: 69 = 60 + 8 + 1 + 0
        (observed.first.run_id, CATALOG, 69, 69, 60, 8, 1, 0, True),
        # the corrected extract of day 1 supersedes all 34 rows of its first delivery
        (observed.second.run_id, CATALOG, 114, 114, 69, 10, 1, 34, True),
    ]
    # and an independent reading of the current deliveries agrees on silver and quarantine
    oracle = expected_from(list(observed.files))
    assert (oracle.rows, oracle.silver, oracle.quarantined) == (114 - 34, 69, 10)


def test_alerts_one_message_per_incident_and_destination(
    spark: SparkSession, observed: Observed
) -> None:
    assert observed.first_lines[-1] == "alerts: none"
    assert observed.second_lines[-1] == (
        "alerts: 5 raised (quality_breach, schema_drift, volume_anomaly); deliveries: 15 sent"
    )
    alerts = _rows(spark, "SELECT run_id, incident_key, detail, deliveries FROM ops.alerts ORDER BY incident_key")  # fmt: skip
    sent = "slack:sent, teams:sent, email:sent"
    second = observed.second.run_id
    assert alerts == [
        (second, "quality_breach:silver.product_catalog:year_release_plausible", "3 of 100 rows failed (3.00%, threshold 1.00%, action quarantine)", sent),
        (second, "schema_drift:bronze.product_catalog", "colour: added (string), policy rescue", sent),
        (second, f"volume_anomaly:{GOLD_B}", "2 rows; expected 0 to 0 (median 0 of the last 1 runs)", sent),
        (second, "volume_anomaly:quarantine.product_catalog", "10 rows; expected 7 to 9 (median 8 of the last 1 runs)", sent),
        (second, "volume_anomaly:silver.product_catalog", "69 rows; expected 54 to 66 (median 60 of the last 1 runs)", sent),
    ]  # fmt: skip
    # bronze's 45 appended rows are not compared with run 1's 69: a full refresh reads every
    # file, an incremental run only the new ones (no history of that kind yet)
    recorder = observed.recorder
    assert recorder.refused == ["/slack"]  # the first request failed, its retry went through
    slack = [body["text"] for path, _, body in recorder.requests if path == "/slack"]
    assert slack == [
        "[warning] Quality rule year_release_plausible breached on silver.product_catalog",
        "[warning] Schema drift on bronze.product_catalog: 1 change(s)",
        "[warning] Unusual row count on silver.product_catalog: 69",
        "[warning] Unusual row count on quarantine.product_catalog: 10",
        f"[warning] Unusual row count on {GOLD_B}: 2",
    ]
    teams = [b["attachments"][0]["content"]["body"][0]["text"] for p, _, b in recorder.requests if p == "/teams"]  # fmt: skip
    assert teams == [text.removeprefix("[warning] ") for text in slack]
    subjects = [" ".join(str(m["Subject"]).split()) for m in recorder.mails]
    assert subjects == [f"[lakehouse/local] {text}" for text in slack]


def test_status_shows_the_last_runs(
    spark: SparkSession, observed: Observed, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    ids = (observed.second.run_id, observed.first.run_id)
    health = [h for h in read_status(spark, 10) if h.run_id in ids]
    assert [
        (h.run_id, h.trigger, h.status, h.datasets_ok, h.datasets_failed, h.quarantined, h.alerts)
        for h in health
    ] == [
        (ids[0], "schedule", "COMPLETED", 5, 0, 10, 5),
        (ids[1], "manual", "COMPLETED", 5, 0, 8, 0),
    ]
    monkeypatch.setenv("LAKEHOUSE_CONF", str(CONF))
    assert main(["status", "--last", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "started", "(UTC)", "seconds", "trigger", "status", "ok", "failed", "quarantined", "alerts"]  # fmt: skip
    assert lines[2].startswith(ids[0])
    assert lines[2].endswith("schedule  COMPLETED   5       0           10       5")
    assert lines[3].startswith(ids[1])
    assert lines[3].endswith("manual    COMPLETED   5       0            8       0")
    assert lines[4] == "(2 rows)"


def _report(spark: SparkSession, observed: Observed) -> str:
    return render_report(collect_report(spark, observed.config))


def test_report_holds_the_runs_numbers_and_no_network_assets(
    observed: Observed, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    monkeypatch.setenv("LAKEHOUSE_CONF", str(CONF))
    out = tmp_path / "report.html"
    assert main(["report", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    html = out.read_text()
    assert f"<h1>Run {observed.second.run_id} " in html

    def n(value: int) -> str:
        return f'<td class="n">{value}</td>'

    completed = '<td><span class="badge" style="background:#2e7d32">completed</span></td>'
    assert f"<td>bronze.product_catalog</td><td>bronze</td>{completed}" in html
    assert f'{n(45)}{n(45)}<td class="muted">-</td>' in html  # bronze: rows in, out, quarantined
    assert f"<td>silver.product_catalog</td><td>silver</td>{completed}" in html
    assert f"{n(114)}{n(69)}{n(10)}" in html  # silver: read all of bronze, kept 69, rejected 10
    # reconciliation, pass rate, per-rule quality, rows per layer, count trends (oldest first)
    assert f"<tr><td>product_catalog</td>{n(114)}{n(114)}{n(69)}{n(10)}{n(1)}{n(34)}<td>yes</td></tr>" in html  # fmt: skip
    assert f"<tr><td>product_catalog</td>{n(80)}{n(10)}<td>87.5%</td></tr>" in html
    assert f"<td>year_release_plausible</td><td>quarantine</td>{n(100)}{n(3)}<td>97.0%</td><td><b>breached</b></td>" in html  # fmt: skip
    assert f"<tr><td>gold</td>{n(2)}{n(52)}</tr>" in html
    assert "<title>69 → 45</title>" in html
    assert "<title>60 → 69</title>" in html
    assert html.count("<td>volume_anomaly</td>") == 3
    # self-contained: nothing is fetched from anywhere
    for forbidden in ("http://", "https://", "<script", "<link", "src=", "url(", "@import"):
        assert forbidden not in html


def test_report_top_quarantine_reasons(spark: SparkSession, observed: Observed) -> None:
    html = _report(spark, observed)
    row = '<tr><td>product_catalog</td><td><code>{}</code></td><td class="n">{}</td></tr>'
    expected = [("not_null:brand", 3), ("unparseable_row", 3), ("cast:year_release", 2), ("rule:year_release_plausible", 2)]  # fmt: skip
    assert "".join(row.format(*pair) for pair in expected) in html  # most frequent first


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian `chromium` is not installed (apt-get install -y chromium)")  # fmt: skip
def test_report_renders_in_headless_chromium(
    spark: SparkSession, observed: Observed, tmp_path: Path
) -> None:
    page, shot = tmp_path / "report.html", tmp_path / "report.png"
    page.write_text(_report(spark, observed))
    command = [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        "--window-size=1280,1400", f"--screenshot={shot}", page.as_uri(),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert _png_size(shot) == (1280, 1400)
    assert shot.stat().st_size > 30_000  # a blank page compresses to a few kB


def test_a_failed_run_is_recorded_and_notified(
    spark: SparkSession, observed: Observed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken_start(*_args: object, **_kwargs: object) -> object:
        raise LakehouseError("catalog unreachable")

    monkeypatch.setattr(runner, "_start", broken_start)
    # the observed tables are up to date, so a plain run would start nothing: check them all
    monkeypatch.setattr(runner, "_up_to_date", lambda *_args: UpToDate())
    recorder = Recorder(failures=0)
    with webhook_server(recorder) as url, smtp_server(recorder) as port:
        monkeypatch.setenv("LAKEHOUSE_SECRET_OPS_TEST_SLACK", f"{url}/slack")
        monkeypatch.setenv("LAKEHOUSE_SECRET_OPS_TEST_TEAMS", f"{url}/teams")
        project = observed.config.project.model_copy(update={"alerts": alerts_for_tests(port)})
        lines: list[str] = []
        with pytest.raises(LakehouseError, match=r"^catalog unreachable$"):
            runner.run_pipeline(
                replace(observed.config, project=project), spark, run_id="failed-run",
                landing_root=observed.landing.as_uri(), storage_root=(tmp_path / "s").as_uri(),
                echo=lines.append,
            )  # fmt: skip
    assert _rows(spark, "SELECT status, error_summary FROM ops.pipeline_runs WHERE run_id = 'failed-run'") == [("FAILED", "catalog unreachable")]  # fmt: skip
    assert _rows(spark, "SELECT status, count(*) FROM ops.flow_metrics WHERE run_id = 'failed-run' GROUP BY 1") == [("SKIPPED", 5)]  # fmt: skip
    assert _rows(spark, "SELECT count(*) FROM ops.reconciliation WHERE run_id = 'failed-run'") == [(0,)]  # fmt: skip
    assert lines[-1] == "alerts: 1 raised (run_failure); deliveries: 3 sent"
    assert [(p, b.get("text")) for p, _, b in recorder.requests][:1] == [
        ("/slack", "[critical] Run failed-run failed: the run")
    ]
    assert [str(m.get_payload()).replace("\r\n", "\n") for m in recorder.mails] == [
        "[CRITICAL] Run failed-run failed: the run\n\ncatalog unreachable\n\n"
        "Pipeline: lakehouse/local\nRun: failed-run\nRule: run_failure\n"
    ]


def test_the_up_to_date_check_reads_the_recorded_states_from_the_ops_tables_files(
    spark: SparkSession, observed: Observed
) -> None:
    """The runner reads each dataset's newest fingerprint and status from the ops tables'
    files (``pipelines.local.table_logs``), without a query: the same as the query gives."""
    names = {r[0] for r in _rows(spark, "SELECT DISTINCT dataset FROM ops.flow_metrics")}
    logs = TableLogs.of(spark)
    assert logs.rows("ops.flow_metrics", ["dataset"]) is not None
    assert logs.rows("ops.pipeline_runs", ["run_id"]) is not None
    recorded = runner._recorded(spark, names)
    assert {GOLD_A, GOLD_B} <= recorded.keys()  # (their status depends on the tests before)
    assert recorded == latest_flow_states(spark, names)


def test_the_alert_reads_and_known_file_records_read_from_the_ops_tables_files(
    spark: SparkSession, observed: Observed
) -> None:
    """After a local run, the volume rule's history, the run's quality and schema rows and
    the delivered files' known record counts are read from the ops tables' files
    (``TableRows``, no query): the same as the queries give."""
    files = TableLogs.of(spark).rows
    for table in ("pipeline_runs", "flow_metrics", "quality_metrics", "schema_changes", "file_records"):  # fmt: skip
        assert files(f"ops.{table}", ["run_id"]) is not None, table  # not left to Spark
    second = observed.second.run_id
    runs = [r[0] for r in _rows(spark, "SELECT run_id FROM ops.pipeline_runs")]
    for run_id, window in [(r, w) for r in [*runs, "none"] for w in (1, 2, 20)]:
        assert count_history(spark, run_id, window, files) == count_history(spark, run_id, window)
    history = count_history(spark, "none", 20, files)
    assert {(r["dataset"], r["full_refresh"]) for r in history} >= {
        (GOLD_A, True),
        (GOLD_A, False),
    }  # both kinds of run, in the newest-first order the query gives (compared above)

    def utc(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(({k: as_utc(v) if k == "detected_at" else v for k, v in r.items()} for r in rows), key=repr)  # fmt: skip

    for table in ("quality_metrics", "schema_changes"):
        read = run_rows(spark, table, second, files)
        assert read, table
        assert utc(read) == utc(run_rows(spark, table, second))
    known, queried = FileCounts(spark, files), FileCounts(spark)
    assert known._load() == queried._load()
    assert len(known._load()) == 4  # two days, a third, a corrected first day
