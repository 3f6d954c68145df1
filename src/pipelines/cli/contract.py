"""``lakehouse contract diff --base REF``: block breaking schema changes before they ship."""

from __future__ import annotations

import argparse
import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from pipelines.config import load_config
from pipelines.contracts import Contract, blocking_changes, contracts, diff
from pipelines.errors import ConfigErrors, LakehouseError
from pipelines.local.settings import Settings

__all__ = ["add_parser", "contracts_at"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command."""
    parser = commands.add_parser("contract", help="compare silver/gold contracts with a git ref")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    compare = actions.add_parser("diff", help="fail on breaking changes without a version bump")
    compare.add_argument("--base", required=True, help="git ref to compare with, e.g. origin/main")
    compare.add_argument(
        "--allow-removed", action="append", default=[], metavar="DATASET",
        help="accept that DATASET (e.g. gold.old_mart) was removed on purpose",
    )  # fmt: skip
    compare.set_defaults(handler=_diff)


def _diff(args: argparse.Namespace, settings: Settings) -> int:
    head = contracts(load_config(settings.conf))
    base = contracts_at(args.base, settings.conf)
    changes = diff(base, head)
    blocking = [
        c for c in blocking_changes(changes, base, head)
        if not (c.kind == "dataset_removed" and c.dataset in args.allow_removed)
    ]  # fmt: skip
    print(f"contracts: {len(changes)} change(s) against {args.base}")
    for change in changes:
        mark = "BLOCKED " if change in blocking else ("breaking" if change.breaking else "ok      ")
        print(f"  {mark} {change.dataset}: {change.detail}")
    for change in blocking:
        print(f"error: {change.dataset}: {_advice(change.dataset, change.kind, head)}")
    return 1 if blocking else 0


def _advice(dataset: str, kind: str, head: dict[str, Contract]) -> str:
    if kind == "dataset_removed":
        return f"removed; pass --allow-removed {dataset} if consumers were told"
    contract = head[dataset]
    return (
        f"breaking change at version {contract.version}; bump `version` in "
        f"{contract.file} (to {contract.version + 1}) and tell its consumers"
    )


def contracts_at(ref: str, conf: Path) -> dict[str, Contract]:
    """The contracts of the config folder ``conf`` as it was at git ``ref`` (none if absent)."""
    conf = conf.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], conf).decode().strip()).resolve()
    relative = conf.relative_to(top).as_posix()
    if not _git(["ls-tree", "--name-only", ref, "--", relative], top).strip():
        return {}
    archive = _git(["archive", "--format=tar", ref, "--", relative], top)
    with tempfile.TemporaryDirectory(prefix="lakehouse-contract-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        try:
            return contracts(load_config(Path(tmp) / relative, import_python=False))
        except ConfigErrors as exc:
            raise LakehouseError(
                f"the config at {ref} does not load ({len(exc.problems)} problem(s)); "
                "compare with a ref whose config is valid"
            ) from None


def _git(args: list[str], where: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=where, capture_output=True, check=True)
    except FileNotFoundError:
        raise LakehouseError("contract diff needs git on PATH") from None
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else str(exc)
        raise LakehouseError(f"git {' '.join(args[:2])}: {reason}") from None
    return done.stdout
