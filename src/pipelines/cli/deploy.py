"""``lakehouse deploy check``: do the config, the bundle and Terraform agree? (offline, no Spark)"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.config import load_config
from pipelines.deploy.check import deploy_problems
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    deploy = commands.add_parser(
        "deploy", help="deployment checks: config, bundle and Terraform agree (offline)"
    )
    actions = deploy.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="secret scopes created, run-as identities' privileges exact, no unused lookup",
    )
    check.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    problems = deploy_problems(load_config(settings.conf), args.root)
    elapsed = (time.perf_counter() - started) * 1000
    if problems:
        print(f"{len(problems)} deployment problem(s):", file=sys.stderr)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"deploy check: config, bundle and Terraform agree ({elapsed:.0f} ms)")
    return 0
