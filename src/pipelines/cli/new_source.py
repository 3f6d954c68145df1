"""``lakehouse new-source NAME --from FILE``: scaffold a source config from a sample file."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

from pipelines.config import load_config
from pipelines.errors import LakehouseError
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser(
        "new-source", help="scaffold src/conf/sources/NAME.yml from a sample file"
    )
    parser.add_argument("name", metavar="NAME", help="lower_snake_case source name")
    parser.add_argument(
        "--from", dest="sample", type=Path, required=True, metavar="FILE",
        help="a sample file: csv, json, parquet or xlsx (optionally .gz)",
    )  # fmt: skip
    parser.add_argument("--owner", help="owning group (default: the first in access.yml)")
    parser.set_defaults(handler=_new_source)


def _default_owner(conf: Path) -> str:
    access = yaml.safe_load((conf / "access.yml").read_text(encoding="utf-8")) or {}
    groups = [g.get("name") for g in access.get("groups", []) if isinstance(g, dict)]
    if not groups:
        raise LakehouseError(f"{conf / 'access.yml'}: no groups to own the source (use --owner)")
    return str(groups[0])


def _new_source(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.sources.scaffold import scaffold_source

    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.name):
        raise LakehouseError(f"source name must be lower_snake_case, got '{args.name}'")
    target = settings.conf / "sources" / f"{args.name}.yml"
    if target.exists():
        raise LakehouseError(f"{target} already exists (not overwritten)")
    if not args.sample.is_file():
        raise LakehouseError(f"{args.sample}: no such file")
    notes: list[str] = []
    owner = args.owner or _default_owner(settings.conf)
    text = scaffold_source(args.name, args.sample, owner, notes=notes)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    load_config(settings.conf)  # the scaffold must validate; config errors exit with 2
    print(f"wrote {target}; review the inferred contract, then copy files to "
          f"{settings.landing / args.name}/")  # fmt: skip
    print("inferred:")
    for note in notes:
        print(f"  {note}")
    return 0
