"""The one exception hierarchy of the package.

Every error a user can cause derives from :class:`LakehouseError`, so the CLI can print it
without a traceback and exit with a meaningful code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "ConfigProblem",
    "LakehouseError",
    "PipelineRunError",
    "first_line",
]


class LakehouseError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in one config file, located as precisely as the YAML allows.

    Attributes:
        file: The config file.
        line: 1-based line of the offending key or value (0 when unknown).
        column: 1-based column (0 when unknown).
        key_path: Dotted key path inside the file, e.g. ``columns[2].type``.
        message: What is wrong and what was expected.
    """

    file: Path
    line: int
    column: int
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else f"{self.file}"
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{where}:{key} {self.message}"


class ConfigError(LakehouseError):
    """A single config problem (a convenience wrapper used while loading)."""

    exit_code = 2

    def __init__(self, problem: ConfigProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class ConfigErrors(LakehouseError):
    """All the problems found in a config tree, reported together."""

    exit_code = 2

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line, p.column))
        count = len(self.problems)
        header = f"{count} config problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([header, *(f"  {p}" for p in self.problems)]))


class PipelineRunError(LakehouseError):
    """A pipeline run finished with failed datasets."""

    def __init__(self, failed: dict[str, str]) -> None:
        self.failed = failed
        lines = [f"  {name}: {reason}" for name, reason in sorted(failed.items())]
        super().__init__("\n".join([f"{len(failed)} dataset(s) failed:", *lines]))


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an error's message, for a one-line report (a Spark error's message
    runs on with its plan and JVM stack); the exception's type when the message is empty."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:limit]
