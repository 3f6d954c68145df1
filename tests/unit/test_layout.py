"""The package's shape: a platform-free core and two launchers (``local/``, ``databricks/``).

The core (everything outside ``local/``, ``databricks/``, ``cli/``, ``demo/`` and ``deploy/``,
which writes the bundle and so names what ``databricks/`` reads back) is the code
both platforms run, so it may not import a launcher: a core module that imported
``pipelines.local.spark`` would start to depend on a local JVM on Databricks. The few lazy
imports that only ever run on one platform are listed below, each with why.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pipelines"
LAUNCHERS = ("pipelines.local", "pipelines.databricks")
NOT_CORE = {"local", "databricks", "cli", "demo", "deploy"}

ALLOWED = {
    # Called by LocalPlatform only (``skips_unserved_sources``): which jars this machine has.
    ("sources/types/jdbc.py", "pipelines.local.skips"),
    ("sources/types/kafka.py", "pipelines.local.skips"),
    ("sources/types/_records.py", "pipelines.local.skips"),
    # new-source samples a table or a topic locally: its driver or client in a JVM of its own.
    ("sources/types/jdbc.py", "pipelines.local.jdbc_sample"),
    ("sources/types/_streams.py", "pipelines.local.kafka_sample"),
    # Notebooks pick the session they run in: Databricks', Spark Connect's, or a local one.
    ("notebook.py", "pipelines.local.spark"),
    ("notebook.py", "pipelines.local.settings"),
    ("notebook.py", "pipelines.local.sessions"),
}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Every ``pipelines.*`` module ``path`` imports, and whether at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in top))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, id(node) in top) for alias in node.names)
    return [(name, at_top) for name, at_top in found if name.startswith("pipelines")]


def _core_modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0] not in NOT_CORE or p.parent == PACKAGE
    )


def test_the_core_imports_no_launcher() -> None:
    offending = sorted(
        (str(path.relative_to(PACKAGE)), name)
        for path in _core_modules()
        for name, _ in _imports(path)
        if name.startswith(LAUNCHERS) and (str(path.relative_to(PACKAGE)), name) not in ALLOWED
    )
    assert offending == []


def test_allowed_launcher_imports_are_lazy_and_still_there() -> None:
    """An allowance that is no longer needed goes; none may import at module level."""
    seen = {
        (str(path.relative_to(PACKAGE)), name): at_top
        for path in _core_modules()
        for name, at_top in _imports(path)
        if name.startswith(LAUNCHERS)
    }
    assert {key: seen.get(key) for key in ALLOWED} == dict.fromkeys(ALLOWED, False)


def test_the_databricks_launcher_imports_nothing_local() -> None:
    offending = sorted(
        (path.name, name)
        for path in (PACKAGE / "databricks").rglob("*.py")
        for name, _ in _imports(path)
        if name.startswith("pipelines.local")
    )
    assert offending == []


def test_the_package_root_holds_only_core_modules() -> None:
    """Local plumbing and Databricks task files live in their launcher's folder."""
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == [
        "__init__.py",
        "contracts.py",
        "errors.py",
        "events.py",
        "graph.py",
        "notebook.py",
        "output.py",
        "platform.py",
        "powerbi.py",
        "profile.py",
        "redact.py",
        "register.py",
        "secrets.py",
        "spec.py",
        "sqltext.py",
    ]
