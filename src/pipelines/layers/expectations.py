"""Quality rules as Lakeflow expectations of ``silver.<source>`` (bound on Databricks only, by
the platform adapter), so the Lakeflow UI and event log show each rule's pass rate.

Silver already applies every rule itself, on both platforms (quarantine keeps the rejected
rows with their reasons, ``drop`` rows are counted and left out, a ``fail`` rule fails the
flow): the expectations observe the same rules on silver's output and never change its rows.
``warn`` -> ``expect`` reports the share of silver rows that break the rule (they stay in
silver, listed in ``_warnings``); ``drop`` -> ``expect_or_drop`` and ``fail`` ->
``expect_or_fail`` are guards that hold by construction (silver never keeps such a row), so
their dropped counts stay in ``ops.quality_metrics``. A rule is bound only when one silver row
decides it: no window (``unique``, ``freshness``), no lookup (``foreign_key``), only columns
silver keeps; ``quarantine`` rules are not bound (silver never holds their rows either: the
quarantine table is their record). A NULL verdict breaks the rule, as everywhere here.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.config.model import SourceConfig
from pipelines.config.sqlast import row_expression_columns
from pipelines.spec import Expectation

__all__ = ["silver_expectations"]


def silver_expectations(source: SourceConfig, columns: Sequence[str]) -> tuple[Expectation, ...]:
    """The rules of ``source`` that silver's output rows (``columns``) can express."""
    kept = {c.lower() for c in columns}
    found: list[Expectation] = []
    for rule in source.rules:
        if rule.layer != "silver" or rule.reference is not None or rule.action == "quarantine":
            continue
        names = row_expression_columns(rule.expr)
        if names is None or not {n.lower() for n in names} <= kept:
            continue
        constraint = f"coalesce(CAST(({rule.expr}) AS BOOLEAN), false)"
        found.append(Expectation(rule.name, constraint, rule.action))
    return tuple(found)
