"""Each file source reads its own files: no two sources' ``source.path`` may match a file in
common (no Spark, no file system: the globs are compared as text).

A source that reads another's landing files reads them without that source's declarations,
its PII masks first of all: ``customer_feed/*.csv`` read by a second source with no ``pii``
would put raw e-mails into bronze.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from pipelines.config.model import FileSource, SourceConfig
from pipelines.config.yamlpos import KeyPath

__all__ = ["check_landing", "paths_overlap", "reads"]

Report = Callable[[BaseModel, KeyPath, str], None]

_CLASS = re.compile(r"\[[^\]]*\]")


def _sample(pattern: str) -> str:
    """A path the glob matches: every wildcard replaced by one character it accepts."""
    text = _CLASS.sub(lambda m: m.group(0)[1:2].lstrip("!^") or "x", pattern)
    return re.sub(r"\{([^,}]*)[^}]*\}", r"\1", text).replace("*", "x").replace("?", "x")


@functools.lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    """A Hadoop-style glob as a regular expression: ``*`` and ``?`` stay inside one folder."""
    out, index = "", 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[" and (end := pattern.find("]", index + 1)) > index:
            body = pattern[index + 1 : end]
            out += "[" + ("^" + body[1:] if body[:1] in "!^" else body) + "]"
            index = end
        elif char == "{" and (end := pattern.find("}", index + 1)) > index:
            out += "(?:" + "|".join(map(re.escape, pattern[index + 1 : end].split(","))) + ")"
            index = end
        else:
            out += re.escape(char)
        index += 1
    return re.compile(out)


def reads(pattern: str, path: str) -> bool:
    """Whether a source with ``pattern`` reads ``path``: it matches it or a folder above it
    (a matched folder is read whole)."""
    regex = _regex(pattern)
    parts = path.split("/")
    return any(regex.fullmatch("/".join(parts[:end])) for end in range(1, len(parts) + 1))


def paths_overlap(first: str, second: str) -> bool:
    """Whether two landing paths (folders or globs) can read a file in common.

    Text only: each glob's sample path (every wildcard as one character it accepts) is tried
    against the other. Two globs with wildcards at the same place may be reported as
    overlapping when no real file name matches both; the usual ``<folder>/*.ext`` never is.
    """
    a, b = first.strip("/"), second.strip("/")
    return a == b or reads(a, _sample(b)) or reads(b, _sample(a))


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
