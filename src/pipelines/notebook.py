"""What the notebooks in ``notebooks/`` import: one session and one ``read_table`` everywhere.

The same notebook runs, unchanged:

- on Databricks, where the runtime already holds a session (``spark``);
- through Databricks Connect, in its own environment (it ships its own pyspark, so it is never a
  dependency of this package; see DESIGN.md), when ``databricks.connect`` is importable;
- on an existing Spark Connect server, when ``$LAKEHOUSE_REMOTE`` holds its ``sc://`` URL;
- otherwise on the local lakehouse (``$LAKEHOUSE_HOME``), as ``lakehouse sql`` does.

Only the standard library is imported at module level, so ``pipelines.notebook`` imports in an
environment whose pyspark is Databricks Connect's.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from typing import TYPE_CHECKING, cast

from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["environment", "qualified_name", "read_table", "spark_session"]

_NAME = re.compile(r"^(bronze|bronze_pii|silver|gold|quarantine|ops)\.[a-z_][a-z0-9_]*$")


def environment() -> str:
    """Where the session comes from: databricks, databricks-connect, remote or local."""
    if "DATABRICKS_RUNTIME_VERSION" in os.environ:
        return "databricks"
    try:
        connect = importlib.util.find_spec("databricks.connect")
    except ImportError:  # no "databricks" package at all
        connect = None
    if connect is not None:
        return "databricks-connect"
    return "remote" if os.environ.get("LAKEHOUSE_REMOTE") else "local"


def spark_session() -> SparkSession:
    """The session of the environment the notebook runs in (see the module docstring)."""
    where = environment()
    if where == "databricks":
        from pyspark.sql import SparkSession as RuntimeSession

        active = RuntimeSession.getActiveSession()
        return active if active is not None else RuntimeSession.builder.getOrCreate()
    if where == "databricks-connect":
        # Imported by name: it exists only in a Databricks Connect environment.
        connect_module = importlib.import_module("databricks.connect")
        return cast("SparkSession", connect_module.DatabricksSession.builder.getOrCreate())
    if where == "remote":
        from pipelines.local.spark import remote_session

        return remote_session(os.environ["LAKEHOUSE_REMOTE"])
    from pipelines.config import load_config
    from pipelines.local.sessions import home_session
    from pipelines.local.settings import Settings

    settings = Settings.from_env()
    return home_session(settings, load_config(settings.conf).project.local, "spark_session")


def qualified_name(name: str, catalog: str | None = None) -> str:
    """``layer.table`` prefixed with the catalog of the target, when there is one.

    The catalog is ``catalog``, else ``$LAKEHOUSE_CATALOG`` (e.g. ``lakehouse_dev`` on
    Databricks), else none: the session's current catalog (``spark_catalog`` locally).

    Raises:
        LakehouseError: ``name`` is not ``<layer>.<table>``.
    """
    if not _NAME.match(name):
        raise LakehouseError(
            f"read_table expects '<layer>.<table>' with a layer of bronze, bronze_pii, silver, "
            f"gold, quarantine or ops, got {name!r}"
        )
    catalog = catalog or os.environ.get("LAKEHOUSE_CATALOG")
    return f"{catalog}.{name}" if catalog else name


def read_table(name: str, catalog: str | None = None) -> DataFrame:
    """A lakehouse table by its logical name: ``read_table("gold.team_a_products_with_image")``."""
    return spark_session().read.table(qualified_name(name, catalog))
