"""Marts over grouped parts of silver tables, refreshed by folding each part's changes.

A mart such as the hotel's daily report reads silver only through ``WITH`` clauses that
aggregate one table each (``pipelines.config.sqlparts``): the rest of its query reads their
rows, one per day. Each part keeps its partial sums beside the mart's state, as an aggregate
mart does (``pipelines.local.mart_groups``); a run folds into each part the changes of its
table (a part whose table this run did not change keeps its partials as they are), computes
each part's rows from its partials, and the rest of the query over them: silver's other rows
are never read. The mart is written whole, with the new partials, at once; the state names the
new partials only once both are written (``pipelines.local.marts``).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config.sqlparts import Composed, Part
from pipelines.local.increments import Applied, newest_commit
from pipelines.local.mart_groups import View, fold_partials, partials_at, views
from pipelines.ops.together import together

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["PartsFolded", "fold_parts", "parts_at"]


@dataclass(frozen=True)
class PartsFolded:
    """A mart refreshed from its parts' partials."""

    added: int  # silver's rows folded in, over every part (those its filter keeps)
    removed: int  # and taken away
    partials: dict[str, str]  # each part's partials: their folder
    commit: list[Any]  # the mart's last commit


def parts_at(
    spark: SparkSession, query: Composed, versions: Mapping[str, int], folder: Path
) -> dict[str, str] | None:
    """Each part's partials as of its table's commit in ``versions``, each written to a new
    folder under ``folder`` (None: one part's sums cannot be folded exactly; none kept). Each
    a scan of its table: at once."""
    made = together({
        p.name: partial(partials_at, spark, p.plan, versions[p.table], folder, p.rows_sql)
        for p in query.parts
    })  # fmt: skip
    names = {part: name for part, name in made.items() if isinstance(name, str)}
    if len(names) == len(made):
        return names
    for name in names.values():
        shutil.rmtree(folder / name, ignore_errors=True)
    for outcome in made.values():
        if isinstance(outcome, Exception):
            raise outcome
    return None


def fold_parts(
    spark: SparkSession,
    query: Composed,
    mart: str,
    increments: Mapping[str, Applied],
    versions: Mapping[str, int],
    folder: Path,
    kept: Mapping[str, str],
) -> PartsFolded | str:
    """Fold each table's increment (``increments``, by table; a table not there did not change)
    into its parts' partials kept in ``folder`` (``kept``, by part; one missing is computed from
    its table at the commit ``versions`` names), and rewrite ``mart`` from them; or why not
    (the mart is then as it was)."""
    from pyspark.sql import functions as F

    with ExitStack() as stack:
        prefix = mart.replace(".", "_")
        calls = {
            part.name: partial(
                _part_rows, spark, part, increments.get(part.table), versions[part.table],
                folder, kept.get(part.name),
                stack.enter_context(views(spark, f"{prefix}_{part.name}")),
            )
            for part in query.parts
        }  # fmt: skip
        # Independent of each other, each a few small jobs and round trips: at once.
        found = together(calls)
        for outcome in found.values():
            if isinstance(outcome, Exception):
                raise outcome
        for outcome in found.values():
            if isinstance(outcome, str):
                return outcome
        parts = {n: o for n, o in found.items() if isinstance(o, _PartRows)}
        rows = spark.sql(query.outer_sql({n: p.view for n, p in parts.items()}))
        table = spark.read.table(mart)
        if [(f.name, f.dataType) for f in rows.schema] != [(f.name, f.dataType) for f in table.schema]:  # fmt: skip # noqa: E501
            return "its rows from the parts' partials are not its table's columns"
        folded = {n: p.folded for n, p in parts.items() if p.folded is not None}
        names = {part: uuid.uuid4().hex for part in folded}
        writes = {part: partial(frame.write.parquet, str(folder / names[part])) for part, frame in folded.items()}  # fmt: skip # noqa: E501
        written = together({**writes, "": partial(rows.writeTo(mart).overwrite, F.lit(True))})
        failed = [e for e in written.values() if isinstance(e, Exception)]
        if failed:  # (the state still names the partials the mart was before)
            for name in names.values():
                shutil.rmtree(folder / name, ignore_errors=True)
            raise failed[0]
    partials = {n: names.get(n) or p.kept for n, p in parts.items()}
    added, removed = sum(p.added for p in parts.values()), sum(p.removed for p in parts.values())
    return PartsFolded(added, removed, {n: k for n, k in partials.items() if k}, newest_commit(spark, mart)[0])  # fmt: skip # noqa: E501


@dataclass(frozen=True)
class _PartRows:
    """A part's rows, in a view, from its partials: those kept, or those folded (to write)."""

    view: str
    kept: str | None  # the partials' folder, when unchanged
    folded: DataFrame | None  # the new partials, computed once
    added: int = 0
    removed: int = 0


def _part_rows(
    spark: SparkSession,
    part: Part,
    increment: Applied | None,
    version: int,
    folder: Path,
    kept: str | None,
    view: View,
) -> _PartRows | str:
    """``part``'s rows from its partials (``kept``; None: none yet, made from its table at
    commit ``version``) with ``increment`` folded in (None: its table did not change); or why
    they cannot be."""
    if increment is None or (increment.appended is None and increment.removed is None):
        kept = kept or partials_at(spark, part.plan, version, folder, part.rows_sql)
        if kept is None:
            return f"its clause {part.name} cannot be folded exactly"
        partials, folded, added, removed = spark.read.parquet(str(folder / kept)), None, 0, 0
    else:
        found = fold_partials(spark, part.plan, increment, folder, kept, view, part.rows_sql)
        if isinstance(found, str):
            return f"its clause {part.name}: {found}"
        partials, added, removed = found
        folded, kept = partials, None
    rows = view(spark.sql(part.plan.final_sql(view(partials, "partials"))), "rows")
    return _PartRows(rows, kept, folded, added, removed)
