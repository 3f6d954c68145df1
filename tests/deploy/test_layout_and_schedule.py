"""Which pipeline owns which dataset, and when a domain's job starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.deploy import DeploySettings, DomainDeploy, JobDefaults
from pipelines.config.loader import LakehouseConfig
from pipelines.deploy.layout import LayoutError, PipelinePlan, plan_pipelines
from pipelines.deploy.schedule import DailySchedule, daily_schedule

from .conftest import write_source


def test_pipelines_by_domain_owner_and_cross_domain_gold(hotel_config: LakehouseConfig) -> None:
    catalog_gold = ("team_a_products_with_image", "team_b_samsung_after_2000_without_image")
    assert plan_pipelines(hotel_config) == (
        PipelinePlan("catalog", ("orders_cdc", "product_catalog"), catalog_gold, ("team_catalog",)),
        PipelinePlan("hotel", ("folios", "reservations"), ("hotel_daily_report",), ("team_hotel",)),
        PipelinePlan("team_crm", ("guests",), (), ("team_crm",)),
        PipelinePlan("gold", (), ("guest_stays",), ("team_crm",)),
    )


def test_every_dataset_is_in_exactly_one_pipeline(hotel_config: LakehouseConfig) -> None:
    owned = [name for plan in plan_pipelines(hotel_config) for name in plan.datasets]
    assert sorted(owned) == sorted(hotel_config.datasets)


def test_layer_tables() -> None:
    plan = PipelinePlan("hotel", ("folios",), ("report",), ("team_hotel",))
    assert plan.tables("bronze") == ("bronze.folios",)
    assert plan.tables("silver") == ("silver.folios", "quarantine.folios")
    assert plan.tables("gold") == ("gold.report",)
    with pytest.raises(ValueError, match="unknown layer 'ops'"):
        plan.tables("ops")


def test_the_gold_domain_is_reserved(conf_copy: Path) -> None:
    write_source(conf_copy, "x", "team_a", "gold")
    with pytest.raises(LayoutError) as caught:
        plan_pipelines(load_config(conf_copy))
    assert str(caught.value) == (
        f"{conf_copy / 'sources' / 'x.yml'}: domain: 'gold' is reserved for the cross-domain "
        "gold pipeline; choose another domain"
    )


def test_deadline_becomes_an_early_start_and_an_alert(hotel_config: LakehouseConfig) -> None:
    settings = hotel_config.project.deploy
    hotel = daily_schedule(settings, "hotel")
    assert hotel == DailySchedule(4, 30, "Europe/Paris", alert_after_seconds=5400, deadline="06:00")
    assert hotel.quartz_cron == "0 30 4 * * ?"
    assert daily_schedule(settings, "finance") == DailySchedule(1, 0, "UTC")
    assert daily_schedule(settings, "team_crm") == DailySchedule(3, 15, "UTC")


def test_deadline_after_midnight_starts_the_evening_before() -> None:
    settings = DeploySettings(
        jobs=JobDefaults(lead_minutes=45), domains={"x": DomainDeploy(deadline="00:30")}
    )
    assert daily_schedule(settings, "x") == DailySchedule(23, 45, "UTC", 2700, "00:30")


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ({"deadline": "06:00", "start_time": "05:00"}, "give a start_time or a deadline, not both"),
        ({"start_time": "05:00", "lead_minutes": 10}, "lead_minutes: only applies with a deadline"),
        ({"deadline": "6:00"}, "String should match pattern"),
        ({"deadline": "06:00", "timezone": "Europe/Pariss"}, "unknown time zone 'Europe/Pariss'"),
        ({"deadline": "06:00", "sla": 5}, "Extra inputs are not permitted"),
    ],
)
def test_domain_settings_are_checked(domain: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DomainDeploy.model_validate(domain)


def test_project_yml_rejects_an_unknown_deploy_key(conf_copy: Path) -> None:
    project = conf_copy / "project.yml"
    project.write_text(
        project.read_text(encoding="utf-8").replace("    max_retries: 2", "    max_retry: 2"),
        encoding="utf-8",
    )
    with pytest.raises(Exception, match=r"project.yml:\d+:\d+: deploy.jobs.max_retry: "):
        load_config(conf_copy)
