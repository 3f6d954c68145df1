"""``lakehouse new-source NAME --from FILE``: scaffold a source config from a sample file, or
from a draft (``--from DRAFT.yml``: the ``source:`` block of a table, a collection or an API)
and a sample of the records the system it names holds."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

from pipelines.config import load_config
from pipelines.errors import LakehouseError
from pipelines.local.settings import Settings

__all__ = ["DRAFT_ROWS", "add_parser"]

DRAFT_ROWS = 1000
"""Records ``new-source --from DRAFT.yml`` samples by default: a database or an API is read
through its own interface, so a sample, not the whole table."""
_DRAFTS = {".yml", ".yaml"}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser(
        "new-source",
        help="scaffold src/conf/sources/NAME.yml from a sample file, or from a draft's "
        "source: block and records sampled from the system it names",
    )
    parser.add_argument("name", metavar="NAME", help="lower_snake_case source name")
    parser.add_argument(
        "--from", dest="sample", type=Path, required=True, metavar="FILE",
        help="a sample file: csv, json, parquet or xlsx (optionally .gz); or a draft, "
        "DRAFT.yml, holding the source: block of a database table, a collection or an API",
    )  # fmt: skip
    parser.add_argument(
        "--rows", type=int, default=DRAFT_ROWS, metavar="N",
        help=f"records sampled from a draft's system (default {DRAFT_ROWS:,})",
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
    if args.rows < 1:
        raise LakehouseError(f"--rows must be at least 1, got {args.rows}")
    notes: list[str] = []
    if args.sample.suffix.lower() in _DRAFTS:
        text = _from_draft(args, settings, notes)
    else:
        owner = args.owner or _default_owner(settings.conf)
        text = scaffold_source(args.name, args.sample, owner, notes=notes)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    load_config(settings.conf)  # the scaffold must validate; config errors exit with 2
    if args.sample.suffix.lower() in _DRAFTS:
        print(f"wrote {target}; review the inferred contract, then `lakehouse run`")
    else:
        print(f"wrote {target}; review the inferred contract, then copy files to "
              f"{settings.landing / args.name}/")  # fmt: skip
    print("inferred:")
    for note in notes:
        print(f"  {note}")
    return 0


def _from_draft(args: argparse.Namespace, settings: Settings, notes: list[str]) -> str:
    """The config of a draft's source, its columns from a sample of the system."""
    from datetime import date

    from pipelines.config.draft import SourceDraft
    from pipelines.config.loader import load_document
    from pipelines.platform import platform_for
    from pipelines.sources.scaffold_system import scaffold_from_sample
    from pipelines.sources.types import source_type

    draft = load_document(args.sample, SourceDraft)  # config errors exit with 2
    owner = draft.owner or args.owner or _default_owner(settings.conf)
    sample = source_type(draft.source.type).sample(draft.source, platform_for("local"), args.rows)
    return scaffold_from_sample(
        args.name, args.sample.read_text(encoding="utf-8"), draft, sample, owner,
        origin=args.sample.name, today=date.today(), notes=notes,
    )  # fmt: skip
