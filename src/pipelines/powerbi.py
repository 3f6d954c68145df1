"""Power BI connection files (``.pbids``) for the Databricks SQL warehouse of each bundle target.

A ``.pbids`` file opens Power BI Desktop on the Databricks connector with the server, HTTP path,
catalog and schema filled in; the analyst only signs in (no credential is ever in the file). The
format is the one Databricks Partner Connect downloads: ``version`` 0.1, one connection with
``protocol: databricks-sql``, ``address: {host, path}``, ``options: {Catalog, Database}`` and
``mode: DirectQuery``.

Host and HTTP path come from Terraform's ``sql_warehouse_odbc_params`` output of each
environment; CD passes them as ``LAKEHOUSE_POWERBI_HOST_<TARGET>`` and
``LAKEHOUSE_POWERBI_HTTP_PATH_<TARGET>``. The catalog of a target is ``lakehouse_<target>``
(``terraform/envs/<target>.tfvars``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.errors import LakehouseError

__all__ = ["TARGETS", "WarehouseAddress", "pbids", "resolve_address", "write_pbids"]

TARGETS = ("dev", "staging", "prod")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class WarehouseAddress:
    """Where a SQL warehouse answers: its server hostname and HTTP path."""

    host: str
    http_path: str

    @classmethod
    def parse(cls, host: str, http_path: str) -> WarehouseAddress:
        """Normalise what people paste (``https://host/``, a path without its leading slash).

        Raises:
            LakehouseError: The host is not a hostname or the path is empty or has blanks.
        """
        bare = re.sub(r"^https?://", "", host.strip()).rstrip("/")
        if not _HOST.match(bare):
            raise LakehouseError(
                f"--host: expected the warehouse's server hostname "
                f"(e.g. adb-1234567890123456.7.azuredatabricks.net), got {host!r}"
            )
        path = http_path.strip()
        if not path or any(c.isspace() for c in path):
            raise LakehouseError(
                f"--http-path: expected the warehouse's HTTP path "
                f"(e.g. /sql/1.0/warehouses/abcdef1234567890), got {http_path!r}"
            )
        return cls(bare, path if path.startswith("/") else f"/{path}")


def pbids(address: WarehouseAddress, catalog: str, schema: str = "gold") -> dict[str, Any]:
    """The connection file's content: one DirectQuery connection to ``catalog.schema``."""
    return {
        "version": "0.1",
        "connections": [
            {
                "details": {
                    "protocol": "databricks-sql",
                    "address": {"host": address.host, "path": address.http_path},
                    "authentication": None,
                    "query": None,
                },
                "options": {"Catalog": catalog, "Database": schema},
                "mode": "DirectQuery",
            }
        ],
    }


def resolve_address(
    target: str, host: str | None, http_path: str | None, environ: Mapping[str, str]
) -> WarehouseAddress:
    """The target's warehouse address: from the arguments, else from the environment.

    Raises:
        LakehouseError: Naming the environment variables to set when a value is missing.
    """
    suffix = target.upper()
    host = host or environ.get(f"LAKEHOUSE_POWERBI_HOST_{suffix}")
    http_path = http_path or environ.get(f"LAKEHOUSE_POWERBI_HTTP_PATH_{suffix}")
    if not host or not http_path:
        raise LakehouseError(
            f"target {target}: no SQL warehouse address; pass --target {target} --host H "
            f"--http-path P, or set LAKEHOUSE_POWERBI_HOST_{suffix} and "
            f"LAKEHOUSE_POWERBI_HTTP_PATH_{suffix} (terraform output sql_warehouse_odbc_params)"
        )
    return WarehouseAddress.parse(host, http_path)


def write_pbids(out: Path, target: str, address: WarehouseAddress, catalog: str) -> Path:
    """Write ``<out>/lakehouse_<target>.pbids`` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"lakehouse_{target}.pbids"
    path.write_text(json.dumps(pbids(address, catalog), indent=2) + "\n", encoding="utf-8")
    return path
