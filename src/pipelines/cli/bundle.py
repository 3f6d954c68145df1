"""``lakehouse bundle`` and ``lakehouse grants``: write (or --check) the deploy files (no Spark).

``lakehouse grants`` writes what Terraform reads from the config: the grants and the secret
scopes (both in ``terraform/generated/``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines.config import load_config
from pipelines.deploy import (
    GeneratedFile,
    bundle_files,
    grants_file,
    secret_scopes_file,
    stale_files,
    write_files,
)
from pipelines.deploy.bundle import MANAGED
from pipelines.local.settings import Settings

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the commands."""
    bundle = commands.add_parser(
        "bundle", help="write bundles/*.yml (pipelines and jobs) from the config"
    )
    grants = commands.add_parser(
        "grants",
        help="write terraform/generated/grants.json and secret_scopes.json from the config",
    )
    for parser in (bundle, grants):
        parser.add_argument(
            "--check", action="store_true", help="write nothing; exit 1 if a file is stale"
        )
        parser.add_argument(
            "--root", type=Path, default=Path("."), help="repository root (default: .)"
        )
    bundle.set_defaults(handler=_bundle)
    grants.set_defaults(handler=_grants)


def _bundle(args: argparse.Namespace, settings: Settings) -> int:
    result = bundle_files(load_config(settings.conf))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return _apply(result.files, args, "lakehouse bundle", MANAGED)


def _grants(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.conf)
    return _apply((grants_file(config), secret_scopes_file(config)), args, "lakehouse grants", ())


def _apply(
    files: Sequence[GeneratedFile], args: argparse.Namespace, command: str, managed: Sequence[str]
) -> int:
    root: Path = args.root
    if args.check:
        stale = stale_files(files, root, managed)
        if stale:
            print(f"{len(stale)} stale file(s); run `{command}` and commit:", file=sys.stderr)
            for path in stale:
                print(f"  {path}", file=sys.stderr)
            return 1
        print(f"{len(files)} file(s) up to date")
        return 0
    touched = write_files(files, root, managed)
    for path in touched:
        print(f"wrote {path}" if (root / path).exists() else f"deleted {path}")
    print(f"{len(files)} file(s), {len(touched)} changed")
    return 0
