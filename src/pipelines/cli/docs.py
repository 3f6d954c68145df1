"""``lakehouse docs``: write the data dictionary as a static HTML page (no Spark)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.config import load_config
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser("docs", help="write the data dictionary (static HTML)")
    parser.add_argument("--out", type=Path, help="folder (default: $LAKEHOUSE_HOME/docs)")
    parser.set_defaults(handler=_docs)


def _docs(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.docs import dictionary, lineage_edges, render_dictionary

    config = load_config(settings.conf)
    docs = dictionary(config)
    out: Path = args.out or settings.home / "docs"
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    page.write_text(render_dictionary(config.project.name, docs, lineage_edges(docs)), "utf-8")
    print(f"wrote the data dictionary of {len(docs)} datasets to {page}")
    return 0
