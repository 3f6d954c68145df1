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

from pipelines.config.sqlparts import Composed
from pipelines.local.increments import Applied, newest_commit
from pipelines.local.mart_groups import fold_partials, partials_at, views
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
    folder under ``folder`` (None: one part's sums cannot be folded exactly; none kept)."""
    made: dict[str, str] = {}
    for part in query.parts:
        name = partials_at(spark, part.plan, versions[part.table], folder, part.rows_sql)
        if name is None:
            for written in made.values():
                shutil.rmtree(folder / written, ignore_errors=True)
            return None
        made[part.name] = name
    return made


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

    added = removed = 0
    folded: dict[str, DataFrame] = {}  # the parts whose partials changed
    partials = dict(kept)
    with ExitStack() as stack:
        results: dict[str, str] = {}
        for part in query.parts:
            view = stack.enter_context(views(spark, f"{mart.replace('.', '_')}_{part.name}"))
            increment = increments.get(part.table)
            if increment is None or (increment.appended is None and increment.removed is None):
                name = partials.get(part.name) or partials_at(
                    spark, part.plan, versions[part.table], folder, part.rows_sql
                )
                if name is None:
                    return f"its clause {part.name} cannot be folded exactly"
                partials[part.name] = name
                rows = spark.read.parquet(str(folder / name))
            else:
                found = fold_partials(
                    spark, part.plan, increment, folder, partials.get(part.name), view,
                    part.rows_sql,
                )  # fmt: skip
                if isinstance(found, str):
                    return f"its clause {part.name}: {found}"
                rows, gained, lost = found
                added, removed, folded[part.name] = added + gained, removed + lost, rows
            results[part.name] = view(spark.sql(part.plan.final_sql(view(rows, "partials"))), "rows")  # fmt: skip # noqa: E501
        rows = spark.sql(query.outer_sql(results))
        table = spark.read.table(mart)
        if [(f.name, f.dataType) for f in rows.schema] != [(f.name, f.dataType) for f in table.schema]:  # fmt: skip # noqa: E501
            return "its rows from the parts' partials are not its table's columns"
        names = {part: uuid.uuid4().hex for part in folded}
        writes = {part: partial(frame.write.parquet, str(folder / names[part])) for part, frame in folded.items()}  # fmt: skip # noqa: E501
        written = together({**writes, "": partial(rows.writeTo(mart).overwrite, F.lit(True))})
        failed = [e for e in written.values() if isinstance(e, Exception)]
        if failed:  # (the state still names the partials the mart was before)
            for name in names.values():
                shutil.rmtree(folder / name, ignore_errors=True)
            raise failed[0]
    return PartsFolded(added, removed, {**partials, **names}, newest_commit(spark, mart)[0])
