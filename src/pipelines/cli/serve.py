"""``lakehouse serve`` (a local SQL endpoint for BI) and ``lakehouse powerbi`` (.pbids files)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipelines.config import load_config
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the commands."""
    serve = commands.add_parser(
        "serve", help="serve gold to BI tools over HiveServer2 (JDBC/ODBC) on 127.0.0.1"
    )
    serve.add_argument("--port", type=int, default=10000, metavar="N", help="default 10000")
    serve.add_argument(
        "--user-group",
        default="bi_readers",
        metavar="GROUP",
        help="access.yml group whose schemas are served (default bi_readers: gold)",
    )
    serve.add_argument(
        "--driver-memory", metavar="SIZE", help="e.g. 1g (default: project.yml local)"
    )
    serve.set_defaults(handler=_serve)

    powerbi = commands.add_parser(
        "powerbi", help="write Power BI connection files (.pbids) for the SQL warehouses"
    )
    powerbi.add_argument(
        "--target",
        choices=("dev", "staging", "prod"),
        help="one bundle target (default: all; addresses then from the environment)",
    )
    powerbi.add_argument("--host", help="server hostname of the target's SQL warehouse")
    powerbi.add_argument("--http-path", help="HTTP path of the target's SQL warehouse")
    powerbi.add_argument("--catalog", help="Unity Catalog catalog (default lakehouse_<target>)")
    powerbi.add_argument("--out", type=Path, required=True, help="folder for the .pbids files")
    powerbi.set_defaults(handler=_powerbi, usage_error=powerbi.error)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.local.serve import start_endpoint, stop_endpoint
    from pipelines.local.warm import wait_for_stop

    config = load_config(settings.conf)
    local = config.project.local
    if args.driver_memory:
        local = local.model_copy(update={"driver_memory": args.driver_memory})
    endpoint = start_endpoint(settings, local, config.access, group=args.user_group, port=args.port)
    schemas = ", ".join(endpoint.schemas)
    print(f"serving {schemas} to {endpoint.group} (read-only views over {settings.warehouse})")
    for table in endpoint.tables:
        print(f"  {table.qualified}")
    for reason in endpoint.skipped:
        print(f"  skipped {reason}")
    print(f"JDBC: {endpoint.jdbc_url}")
    print(f"ODBC: {endpoint.odbc_connection_string}")
    print(
        f'PyHive: hive.connect(host="127.0.0.1", port={endpoint.port}, username="{endpoint.group}")'
    )
    if endpoint.state is not None:
        print(f"lakehouse sql: queries of {schemas} run here (Spark Connect, port {endpoint.connect_port})")  # fmt: skip # noqa: E501
    print("ready; Ctrl-C to stop", flush=True)
    try:
        wait_for_stop()
    finally:
        stop_endpoint(endpoint)
    print("stopped")
    return 0


def _powerbi(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.powerbi import TARGETS, resolve_address, write_pbids

    if args.target is None and (args.host or args.http_path or args.catalog):
        args.usage_error("--host, --http-path and --catalog go with --target")
    targets = (args.target,) if args.target else TARGETS
    # Resolve every address before writing anything: all files or none.
    addresses = {t: resolve_address(t, args.host, args.http_path, os.environ) for t in targets}
    for target, address in addresses.items():
        catalog = args.catalog or f"lakehouse_{target}"
        path = write_pbids(args.out, target, address, catalog)
        print(f"{target}: {path} ({address.host}{address.http_path}, {catalog}.gold)")
    return 0
