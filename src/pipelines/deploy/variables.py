"""Names the generated resources share with the hand-written ``databricks.yml``."""

from __future__ import annotations

__all__ = [
    "BUNDLE_DIR",
    "CATALOG",
    "CONF_PATH",
    "EXTRACTS_ROOT",
    "EXTRACTS_VOLUME",
    "FAILURE_DESTINATIONS",
    "FAILURE_EMAILS",
    "LANDING_ROOT",
    "RUNTIME_DEPENDENCIES",
    "SRC_PATH",
    "from_bundle_dir",
    "pipeline_id",
    "qualified",
]

BUNDLE_DIR = "bundles"
"""Folder of the generated resource files (``include: [bundles/*.yml]``)."""

CATALOG = "${var.catalog}"
LANDING_ROOT = "${var.landing_root}"
FAILURE_EMAILS = "${var.failure_emails}"
"""A complex variable: a list of addresses (developers and downstream consumers)."""
FAILURE_DESTINATIONS = "${var.failure_destinations}"
"""A complex variable: a list of ``{id: <notification destination id>}`` (Slack, Teams)."""

SRC_PATH = "${workspace.file_path}/src"
"""The synced ``src/``: pipelines' ``root_path``, on ``sys.path``, so ``import pipelines`` works."""
CONF_PATH = "${workspace.file_path}/src/conf"

EXTRACTS_VOLUME = "bronze_pii.jdbc_extracts"
"""The managed volume (``<schema>.<volume>`` of the target's catalog) where the daily jobs'
``extract`` tasks write incremental JDBC extracts and bronze reads them.

A volume, not the landing zone: the landing external location is read-only (``READ_FILES``
only) and stays so. In ``bronze_pii``: an extract is the source table's rows in clear, PII
included (and whatever personal data a table holds undeclared), so it lives inside the raw-PII
boundary; a volume has privileges of its own, and Terraform grants ``READ_VOLUME`` and
``WRITE_VOLUME`` on it to the identity that runs the jobs and pipelines only (schema ``SELECT``
of ``pii_readers`` does not reach volumes). One volume for every source: the same identity
writes and reads all of them, so a volume per source would add grants, not separation. Managed:
its files live in the catalog's storage and go with the volume, no external location is
written."""
EXTRACTS_ROOT = f"/Volumes/{CATALOG}/{EXTRACTS_VOLUME.replace('.', '/')}"
"""The volume's path in the target's catalog (``/Volumes/<catalog>/bronze_pii/jdbc_extracts``)."""

RUNTIME_DEPENDENCIES = (
    "pydantic>=2.7,<3",
    "pyyaml>=6.0",
    "openpyxl>=3.1",
    "sqlglot>=27",
    "phonenumbers>=9.0",
)
"""What the package needs beyond what Databricks provides (pyspark, pandas, pyarrow).

Never the package's wheel: it pins open-source pyspark, which must not replace Databricks'.
"""


def from_bundle_dir(repo_path: str) -> str:
    """A repository path as seen from a file in ``bundles/`` (the CLI resolves it there)."""
    return f"../{repo_path}"


def pipeline_id(key: str) -> str:
    """Reference to the id of the pipeline resource ``key``."""
    return f"${{resources.pipelines.{key}.id}}"


def qualified(logical_name: str) -> str:
    """``silver.x`` -> ``${var.catalog}.silver.x`` (selections and triggers want full names)."""
    return f"{CATALOG}.{logical_name}"
