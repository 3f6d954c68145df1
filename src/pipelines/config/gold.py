"""Gold models kept outside their YAML: a ``sql_file`` beside it, or a ``python`` function.

The loader resolves both right after parsing, so a missing file, a module that does not import
or a missing function is a config error (file, line, key path) before Spark starts. A SQL file
is read into the model's ``sql``: every consumer of the SQL (lineage, grants, docs, bundles,
contracts) sees it as if it were inline. A Python model is imported from the parent of the
config folder (``src/``, which Lakeflow also puts on ``sys.path``), e.g. ``gold_models.brands``
for ``src/gold_models/brands.py``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipelines.config.model import GoldModel
from pipelines.config.suggest import did_you_mean
from pipelines.config.yamlpos import KeyPath, LocatedDocument, read_config_text
from pipelines.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["MAX_SQL_BYTES", "GoldFunction", "import_function", "resolve_gold"]

GoldFunction = Callable[[Mapping[str, "DataFrame"]], "DataFrame"]
"""A Python gold model: its declared inputs (logical name -> DataFrame) -> the mart."""


class _Problems(Protocol):
    documents: dict[int, LocatedDocument]

    def problem(self, item: Any, key_path: KeyPath, message: str, line_offset: int = 0) -> None: ...


MAX_SQL_BYTES = 1_000_000
"""A SQL file larger than this is refused unread."""


def resolve_gold(
    collector: _Problems, models: list[GoldModel], import_python: bool = True
) -> list[GoldModel]:
    """``models`` with their SQL files read and (``import_python``) their functions imported;
    problems reported to ``collector``."""
    resolved = []
    for model in models:
        document = collector.documents[id(model)]
        if model.sql_file is not None:
            root = document.path.parent.parent  # gold/<name>.yml: the config folder
            model = _read_sql_file(collector, model, document, root)  # noqa: PLW2901
        elif model.python is not None and import_python:
            _check_function(collector, model, document.path.parent.parent.parent)
        resolved.append(model)
    return resolved


def _read_sql_file(
    collector: _Problems, model: GoldModel, document: LocatedDocument, root: Path
) -> GoldModel:
    assert model.sql_file is not None
    path = document.path.parent / model.sql_file
    # Resolved (symlinks followed): a link inside the folder may still point out of it. The
    # config is reviewed as one folder; a file outside it (../../etc/passwd, /proc/self/environ)
    # would be read and shipped as gold SQL without that review.
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        inside = False
    if not inside:
        message = f"must be a file inside the config folder {root}, got '{model.sql_file}'"
        collector.problem(model, ("sql_file",), message)
        return model
    if not path.exists():
        collector.problem(model, ("sql_file",), f"file not found: {path}")
        return model
    try:
        text = read_config_text(path, MAX_SQL_BYTES)
    except ConfigError as exc:
        collector.problem(model, ("sql_file",), f"{exc.problem.message}: {path}")
        return model
    if not text.strip():
        collector.problem(model, ("sql_file",), f"file is empty: {path}")
        return model
    with_sql = model.model_copy(update={"sql": text})
    collector.documents[id(with_sql)] = document  # problems found later locate in the YAML
    return with_sql


def _check_function(collector: _Problems, model: GoldModel, search_path: Path) -> None:
    assert model.python is not None
    try:
        import_function(model.python, search_path)
    except ImportError as exc:
        collector.problem(model, ("python",), str(exc))


def import_function(target: str, search_path: Path | None = None) -> GoldFunction:
    """The function ``module:function``, importing the module (``search_path`` first on the path).

    Raises:
        ImportError: The module does not import, or has no such function.
    """
    module_name, function_name = target.split(":")
    if search_path is not None and str(search_path) not in sys.path:
        sys.path.insert(0, str(search_path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"cannot import module '{module_name}': {exc}") from exc
    except Exception as exc:  # the module itself is broken: say how
        message = f"importing module '{module_name}' failed: {type(exc).__name__}: {exc}"
        raise ImportError(message) from exc
    function = getattr(module, function_name, None)
    if not callable(function):
        names = [n for n in vars(module) if callable(getattr(module, n)) and not n.startswith("_")]
        hint = did_you_mean(function_name, names)
        raise ImportError(f"module '{module_name}' has no function '{function_name}'{hint}")
    found: GoldFunction = function
    return found
