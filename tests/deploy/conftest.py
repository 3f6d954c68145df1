"""Config trees for the deploy tests: written from scratch, small enough to assert exactly."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig

from .helpers import REPO

CONF = REPO / "src" / "conf"


def write_source(conf: Path, name: str, owner: str, domain: str | None = None) -> None:
    """A minimal file source (two columns, dated files)."""
    domain_line = f"domain: {domain}\n" if domain else ""
    (conf / "sources" / f"{name}.yml").write_text(
        f"name: {name}\ndescription: The {name} source.\nowner: {owner}\n{domain_line}"
        f"source:\n  type: files\n  path: {name}/*.csv\n"
        "  file_date: {regex: '_(\\d{8})\\.csv$'}\n"
        "columns:\n  - {name: id, type: int}\n  - {name: amount, type: double}\n",
        encoding="utf-8",
    )


def write_gold(
    conf: Path, name: str, owner: str, sql: str, consumers: tuple[str, ...] = ()
) -> None:
    listed = ", ".join(consumers)
    (conf / "gold" / f"{name}.yml").write_text(
        f"name: {name}\ndescription: The {name} mart.\nowner: {owner}\n"
        f"consumers: [{listed}]\nsql: {sql}\n",
        encoding="utf-8",
    )


@pytest.fixture
def hotel_conf(conf_copy: Path) -> Path:
    """src/conf plus a hotel domain with a 06:00 deadline, a source without a domain (its
    owner's pipeline) and a gold model joining two domains (the cross-domain pipeline)."""
    # this scenario declares its own hotel domain: leave the shipped one out
    shipped = [*conf_copy.glob("sources/hotel_*.yml"), *conf_copy.glob("gold/hotel_*.yml")]
    for path in [*shipped, conf_copy / "sources" / "booking_events.yml"]:
        path.unlink()
    access = conf_copy / "access.yml"
    groups = access.read_text(encoding="utf-8")
    if "name: team_hotel" not in groups:
        groups += "  - {name: team_hotel, description: Hotel operations, feature_team: true}\n"
    access.write_text(
        groups + "  - {name: team_crm, description: Customer data, feature_team: true}\n",
        encoding="utf-8",
    )
    (conf_copy / "project.yml").write_text(
        textwrap.dedent(
            """\
            name: lakehouse
            owner: data_engineers
            deploy:
              jobs:
                start_time: "03:15"
                timezone: UTC
                timeout_minutes: 180
                task_timeout_minutes: 60
                max_retries: 3
                min_retry_interval_minutes: 2
              domains:
                hotel:
                  deadline: "06:00"
                  lead_minutes: 90
                  timezone: Europe/Paris
                finance:
                  start_time: "01:00"
            """
        ),
        encoding="utf-8",
    )
    (conf_copy / "sources" / "customer_feed.yml").unlink()  # PII: needs project.yml pii keys
    (conf_copy / "entities" / "customers.yml").unlink()  # reads customer_feed and crm_customers
    (conf_copy / "gold" / "customer_360.yml").unlink()  # reads the entity
    for example in ("crm_customers", "room_rates", "guest_profiles"):  # not this scenario
        (conf_copy / "sources" / f"{example}.yml").unlink()
    write_source(conf_copy, "reservations", "team_hotel", "hotel")
    write_source(conf_copy, "folios", "team_hotel", "hotel")
    write_source(conf_copy, "guests", "team_crm")
    write_gold(
        conf_copy, "hotel_daily_report", "team_hotel",
        "SELECT r.id, f.amount FROM silver.reservations r JOIN silver.folios f ON r.id = f.id",
        ("bi_readers",),
    )  # fmt: skip
    write_gold(
        conf_copy, "guest_stays", "team_crm",
        "SELECT g.id FROM silver.guests g JOIN gold.hotel_daily_report h ON g.id = h.id",
    )  # fmt: skip
    return conf_copy


@pytest.fixture
def hotel_config(hotel_conf: Path) -> LakehouseConfig:
    return load_config(hotel_conf)


@pytest.fixture
def small_conf(tmp_path: Path) -> Path:
    """A tree of its own for exact grants: five groups, one source, one mart."""
    conf = tmp_path / "small"
    (conf / "sources").mkdir(parents=True)
    (conf / "gold").mkdir()
    shutil.copy(CONF / "project.yml", conf / "project.yml")
    (conf / "access.yml").write_text(
        textwrap.dedent(
            """\
            groups:
              - {name: data_engineers, description: Platform, read: [bronze, silver, ops]}
              - {name: data_scientists, description: Notebooks, read: [silver, gold]}
              - {name: bi_readers, description: Power BI, read: [gold]}
              - {name: pii_readers, description: Clear PII, read: [bronze_pii]}
              - {name: team_x, description: Team X, feature_team: true}
              - {name: team_y, description: Team Y, feature_team: true}
            """
        ),
        encoding="utf-8",
    )
    write_source(conf, "x_orders", "team_x", "sales")
    write_gold(conf, "y_report", "team_x", "SELECT id FROM silver.x_orders", ("team_y",))
    return conf
