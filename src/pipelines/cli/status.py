"""``lakehouse status``: the last runs and their health, and the landing's undeclared
arrivals."""

from __future__ import annotations

import argparse

from pipelines.config import load_config
from pipelines.convention import PROPOSALS
from pipelines.convention.render import landing_report
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser("status", help="the last runs and their health")
    parser.add_argument("--last", type=int, default=10, metavar="N", help="how many runs")
    parser.set_defaults(handler=_status)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.local.sessions import home_session
    from pipelines.ops.status import read_status, render_status

    config = load_config(settings.conf)
    spark = home_session(settings, config.project.local, "status", short=True)
    print(render_status(read_status(spark, args.last)))
    for line in landing_report(config, settings.landing, settings.home / PROPOSALS):
        print(line)
    return 0
