"""``lakehouse validate``: check every config file without starting Spark, and list what the
landing holds that no source declares yet (``pipelines.convention``)."""

from __future__ import annotations

import argparse
import time

from pipelines.config import load_config
from pipelines.convention import PROPOSALS
from pipelines.convention.render import landing_report
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser("validate", help="check every config file (no Spark)")
    parser.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    config = load_config(settings.conf)
    elapsed = (time.perf_counter() - started) * 1000
    print(
        f"{settings.conf}: ok, {len(config.sources)} source(s), {len(config.entities)} "
        f"entity(ies), {len(config.gold)} gold model(s), {len(config.datasets)} datasets "
        f"({elapsed:.0f} ms)"
    )
    for line in landing_report(config, settings.landing, settings.home / PROPOSALS):
        print(line)
    return 0
