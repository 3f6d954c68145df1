"""What the landing-zone convention makes of a landing root, from file names alone (no Spark):
arrivals per team and table, the tables that yield to a declared source, and why each other
file is not loaded."""

from __future__ import annotations

from pathlib import Path

from pipelines.config.convention import Arrival, Stray, Yielded
from pipelines.config.loader import LakehouseConfig
from pipelines.convention import convention_source, survey_landing
from pipelines.convention.render import arrival_lines


def _landing(root: Path, *names: str) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("id,email\n1,a@example.com\n", encoding="utf-8")
    return root


def test_the_survey_sorts_files_into_arrivals_yielded_tables_and_strays(
    config: LakehouseConfig, tmp_path: Path
) -> None:
    landing = _landing(
        tmp_path,
        "team_a/orders_20240101.csv", "team_a/orders_20240102.csv",
        "team_a/orders_archive_20240101.csv",  # another table, not orders
        "team_a/refunds_20240101.json", "team_a/refunds_20240102.csv",  # one format per table
        "team_b/leads_20241399.parquet",  # no such date
        "team_b/Leads_20240101.csv", "team_b/2024/leads_20240101.csv",
        "teem_a/orders_20240101.csv", "loose.csv",
        "product_catalog/product_catalog_20240101.csv",  # declared
        "product_catalog/readme.txt", "_extracts/crm/x.parquet", ".DS_Store",
    )  # fmt: skip
    survey = survey_landing(landing, config)
    assert survey.arrivals == (
        Arrival("team_a", "orders", "csv", ("team_a/orders_20240101.csv", "team_a/orders_20240102.csv")),
        Arrival("team_a", "orders_archive", "csv", ("team_a/orders_archive_20240101.csv",)),
        Arrival("team_a", "refunds", "json", ("team_a/refunds_20240101.json",)),
    )  # fmt: skip
    assert survey.yielded == ()
    teams = "<team>/<table>_<YYYYMMDD>.csv, .json or .parquet"
    assert survey.strays == (
        Stray("loose.csv", 1, f"a file at the landing root: the convention reads {teams}", "loose.csv"),
        Stray("product_catalog/", 1, "no source reads these files ('product_catalog' reads 'product_catalog/*.csv')", "product_catalog/readme.txt"),
        Stray("team_a/", 1, "'refunds' arrives as json already: one format per table", "team_a/refunds_20240102.csv"),
        Stray("team_b/2024/", 1, f"in a subfolder: the convention reads {teams}", "team_b/2024/leads_20240101.csv"),
        Stray("team_b/", 1, "not named <table>_<YYYYMMDD>.csv, .json or .parquet", "team_b/Leads_20240101.csv"),
        Stray("team_b/", 1, "'20241399' is no date (YYYYMMDD)", "team_b/leads_20241399.parquet"),
        Stray("teem_a/", 1, "'teem_a' is no feature team of access.yml and no source reads it (did you mean 'team_a'?)", "teem_a/orders_20240101.csv"),
    )  # fmt: skip


def test_a_declared_source_that_reads_a_teams_files_takes_them_over(
    config: LakehouseConfig, tmp_path: Path
) -> None:
    landing = _landing(tmp_path, "team_b/clients_20240101.csv", "team_b/leads_20240101.csv")
    clients = config.source("product_catalog").model_copy(
        update={
            "name": "clients",
            "source": config.source("product_catalog").source.model_copy(
                update={"path": "team_b/clients_*.csv"}
            ),
        }
    )
    declared = type(config)(config.root, config.project, config.access, (clients,), ())
    survey = survey_landing(landing, declared)
    assert survey.yielded == (Yielded("team_b", "clients", "clients"),)
    assert [a.dataset for a in survey.arrivals] == ["landing_team_b.leads"]


def test_an_arrival_becomes_a_bronze_only_source_of_its_team(
    config: LakehouseConfig, tmp_path: Path
) -> None:
    landing = _landing(tmp_path, "team_b/leads_20240101.csv")
    (arrival,) = survey_landing(landing, config).arrivals
    source = convention_source(arrival, landing)
    assert (source.name, source.owner, source.bronze_table) == ("leads", "team_b", "landing_team_b.leads")  # fmt: skip
    assert source.source.model_dump(exclude_defaults=True) == {
        "type": "files",
        "path": "team_b/leads_[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9].csv",
        "schema_drift": "evolve",
        "file_date": {"regex": r"_(\d{8})\.csv$"},
    }
    assert [(c.name, c.type, c.pii) for c in source.columns] == [
        ("id", "string", None), ("email", "string", None),
    ]  # fmt: skip


def test_nothing_undeclared_prints_nothing(config: LakehouseConfig, tmp_path: Path) -> None:
    landing = _landing(tmp_path, "product_catalog/product_catalog_20240101.csv")
    assert arrival_lines(config, survey_landing(landing, config), tmp_path / "proposals") == []
    assert arrival_lines(config, survey_landing(tmp_path / "none", config), tmp_path) == []
