"""``lakehouse report``: write the HTML report of the last run (or of ``--run``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.config import load_config
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser("report", help="write a self-contained HTML report of a run")
    parser.add_argument("--run", metavar="RUN_ID", help="default: the last recorded run")
    parser.add_argument("--out", type=Path, help="default: $LAKEHOUSE_HOME/reports/<run>.html")
    parser.set_defaults(handler=_report)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.local.sessions import home_session
    from pipelines.report import collect_report, render_report

    config = load_config(settings.conf)
    spark = home_session(settings, config.project.local, "report", short=True)
    data = collect_report(spark, config, args.run)
    out: Path = args.out or settings.home / "reports" / f"{data.run['run_id']}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(data), encoding="utf-8")
    print(out)
    return 0
