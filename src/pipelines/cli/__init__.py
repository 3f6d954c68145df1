"""``lakehouse``: validate config, run the pipeline locally, query it, run the demo.

Each command lives in its own module with two functions: ``add_parser(commands)`` declares it
and ``set_defaults(handler=...)`` binds the function that runs it. Adding a command is one new
module and one line in ``_COMMANDS``.

Exit codes: 0 success, 1 a run or query failed, 2 bad config or bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines.cli import (
    bundle,
    contract,
    deploy,
    docs,
    generate,
    jars,
    new_source,
    optimize,
    pii_sql,
    report,
    run,
    scan_pii,
    serve,
    sql,
    status,
    validate,
)
from pipelines.config import format_problems
from pipelines.errors import ConfigErrors, LakehouseError
from pipelines.local.settings import Settings
from pipelines.redact import scrub_text

__all__ = ["main"]

# Order is the order of `lakehouse --help`.
_COMMANDS = (
    validate,
    run,
    sql,
    generate,
    bundle,
    deploy,
    contract,
    docs,
    serve,
    scan_pii,
    pii_sql,
    new_source,
    status,
    report,
    optimize,
    jars,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakehouse",
        description="Config-driven medallion lakehouse: bronze -> silver -> gold, locally.",
        epilog="Paths: $LAKEHOUSE_HOME (.lakehouse), $LAKEHOUSE_LANDING (<home>/landing), "
        "$LAKEHOUSE_CONF (src/conf).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.add_parser(commands)
    return parser


GRPC_VERBOSITY = "ERROR"
"""gRPC's log level for the commands, unless the environment sets one (``GRPC_VERBOSITY``)."""


def quiet_grpc() -> None:
    """Keep gRPC's INFO lines out of the commands' output.

    The Spark Connect client's gRPC logs at INFO through absl, which prints everything to
    stderr until ``absl::InitializeLog`` (never called from Python). One such line is
    ``fork_posix.cc:71] Other threads are currently calling into gRPC, skipping fork()
    handlers``: a subprocess (the demo's PostgreSQL) started while a background thread was in
    a gRPC call; harmless, since the child runs another program. gRPC reads the level when it
    is imported, so this runs before any command imports Spark; errors still print.
    """
    os.environ.setdefault("GRPC_VERBOSITY", GRPC_VERBOSITY)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    quiet_grpc()
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        code: int = args.handler(args, settings)
    except ConfigErrors as exc:
        print(f"{len(exc.problems)} config problem(s):", file=sys.stderr)
        print(format_problems(exc.problems, Path.cwd()), file=sys.stderr)
        return exc.exit_code
    except LakehouseError as exc:
        print(f"error: {scrub_text(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code
