"""Each file source reads its own files: no two sources' ``source.path`` may match a file in
common (no Spark, no file system: the globs are compared as text).

A source that reads another's landing files reads them without that source's declarations,
its PII masks first of all: ``customer_feed/*.csv`` read by a second source with no ``pii``
would put raw e-mails into bronze.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase

from pydantic import BaseModel

from pipelines.config.model import FileSource, SourceConfig
from pipelines.config.yamlpos import KeyPath

__all__ = ["check_landing", "paths_overlap"]

Report = Callable[[BaseModel, KeyPath, str], None]

_CLASS = re.compile(r"\[[^\]]*\]")


def _sample(pattern: str) -> str:
    """A path the glob matches: every wildcard replaced by one character it accepts."""
    text = _CLASS.sub(lambda m: m.group(0)[1:2].lstrip("!^") or "x", pattern)
    return re.sub(r"\{([^,}]*)[^}]*\}", r"\1", text).replace("*", "x").replace("?", "x")


def paths_overlap(first: str, second: str) -> bool:
    """Whether two landing paths (folders or globs) can read a file in common.

    A folder reads everything below it; a glob matched by a sample of the other glob (or a
    path below a folder) overlaps it. Text only: a false "overlap" is possible for two globs
    with a wildcard at the same place, never a missed one for the usual ``<folder>/*.ext``.
    """
    a, b = first.strip("/"), second.strip("/")
    if a == b:
        return True
    for one, other in ((a, b), (b, a)):
        sample = _sample(other)
        if fnmatchcase(sample, one) or fnmatchcase(sample, one + "/*"):
            return True
    return False


def check_landing(report: Report, sources: Sequence[SourceConfig]) -> None:
    """Report every file source whose path overlaps another's (on both of them)."""
    files = [(s, s.source) for s in sources if isinstance(s.source, FileSource)]
    for source, spec in files:
        for other, other_spec in files:
            if other is not source and paths_overlap(spec.path, other_spec.path):
                report(
                    source,
                    ("source", "path"),
                    f"'{spec.path}' overlaps the files of source '{other.name}' "
                    f"('{other_spec.path}'): each source reads a landing folder of its own",
                )
                break
