"""The local CDC view against the AUTO CDC semantics Databricks and Apache Spark document.

Sources quoted in the docstrings:
- [cdc] Databricks, "The AUTO CDC APIs: Simplify change data capture with pipelines"
  (docs.databricks.com/aws/en/ldp/cdc).
- [ref] Databricks, "create_auto_cdc_flow" (docs.databricks.com/aws/en/ldp/developer/
  ldp-python-ref-apply-changes).
- [sdp] Apache Spark, Declarative Pipelines programming guide, "Change Data Capture (CDC)
  with Auto CDC".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality

from pipelines.config.cdc import Cdc
from pipelines.transforms.cdc import END_AT, START_AT, apply_changes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark

EVENTS = "k bigint, v string, w string, seq int, op string, arrival int"
# (key, tracked value, untracked value, sequence, operation, arrival order in the feed)
FEED = [
    (1, "a", "w1", 1, "UPSERT", 1),
    (1, "c", "w3", 3, "UPSERT", 2),   # arrives before seq 2
    (1, "b", "w2", 2, "UPSERT", 3),   # out of order
    (2, "x", "w", 1, "UPSERT", 1),
    (2, None, None, 2, "DELETE", 2),
    (3, "p", "w", 5, "UPSERT", 1),
    (3, None, None, 4, "DELETE", 2),  # older than the current row
    (4, "d", "w", 1, "UPSERT", 1),
    (4, "d", "w", 1, "UPSERT", 2),    # the same event twice
    (5, None, None, 1, "DELETE", 1),  # a delete of a key never seen
    (6, "q", "w", 1, "UPSERT", 1),
    (6, None, None, 2, "DELETE", 2),
    (6, "r", "w", 3, "UPSERT", 3),    # inserted again after its delete
    (7, "m", "x", 1, "UPSERT", 1),
    (7, "m", "y", 2, "UPSERT", 2),    # only the untracked column changes
]  # fmt: skip


def _feed(spark: SparkSession, rows: Sequence[tuple[object, ...]] = FEED) -> DataFrame:
    return spark.createDataFrame(rows, EVENTS)


def _cdc(**changes: object) -> Cdc:
    settings: dict[str, object] = {
        "keys": ["k"], "sequence_by": "seq", "delete_when": "op = 'DELETE'",
        "exclude_columns": ["op"],
    }  # fmt: skip
    return Cdc.model_validate(settings | changes)


def test_scd1_latest_event_per_key_wins_and_deletes_remove(spark: SparkSession) -> None:
    """SCD type 1 keeps the latest state of every key.

    - [sdp] "For each key, the event with the highest sequence value wins" and "Events don't
      have to arrive in order": key 1 ends as ``c`` (seq 3) though ``b`` (seq 2) came last.
    - [sdp] "Events that match a delete condition you supply remove the corresponding row":
      key 2 is gone; [cdc] out-of-order handling applies to deletes too, so the delete of key
      3 (seq 4) loses against its upsert (seq 5), as a stale event is "discarded" [sdp].
    - [cdc] "There should be one distinct update per key at each sequencing value": the
      event sent twice (key 4) is collapsed to one row.
    - A delete of an unknown key (5) changes nothing; a key inserted after its delete (6)
      is back with the newer values.
    """
    out = apply_changes(_feed(spark), _cdc(), ["k", "v", "w", "seq"], (), ("arrival",))
    expected = spark.createDataFrame(
        [(1, "c", "w3", 3), (3, "p", "w", 5), (4, "d", "w", 1), (6, "r", "w", 3), (7, "m", "y", 2)],
        "k bigint, v string, w string, seq int",
    )
    assert_df_equality(
        out.select("k", "v", "w", "seq"), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_scd2_one_row_per_version_with_start_and_end(spark: SparkSession) -> None:
    """SCD type 2 keeps every version, ordered by sequence whatever the arrival order.

    - [cdc] "For SCD type 2 changes, the pipeline propagates the appropriate sequencing values
      to the target table's __START_AT and __END_AT columns"; [sdp] ``__END_AT`` is "the
      sequence value at which the version stopped being current, or NULL for the current
      version": key 1 has a, b, c in sequence order.
    - A delete closes the open version at the delete's sequence (key 2 ends at 2; key 6 is
      closed at 2 and opens again at 3); a delete with nothing open at its sequence (key 3's
      seq 4 comes before its first upsert, key 5) is ignored.
    - [ref] ``track_history_column_list``: only changes of tracked columns open a version;
      key 7 changes ``w`` only, so its one version is updated in place (``w`` = y, seq 2).
    - Duplicates (key 4) are collapsed, as in SCD1.
    """
    cdc = _cdc(scd_type=2, track_history=["v"])
    out = apply_changes(_feed(spark), cdc, ["k", "v", "w", "seq"], (), ("arrival",))
    expected = spark.createDataFrame(
        [(1, "a", "w1", 1, 1, 2), (1, "b", "w2", 2, 2, 3), (1, "c", "w3", 3, 3, None),
         (2, "x", "w", 1, 1, 2), (3, "p", "w", 5, 5, None), (4, "d", "w", 1, 1, None),
         (6, "q", "w", 1, 1, 2), (6, "r", "w", 3, 3, None), (7, "m", "y", 2, 1, None)],
        f"k bigint, v string, w string, seq int, {START_AT} int, {END_AT} int",
    )  # fmt: skip
    assert_df_equality(
        out.select("k", "v", "w", "seq", START_AT, END_AT), expected,
        ignore_row_order=True, ignore_nullable=True,
    )  # fmt: skip


def test_scd2_tracks_every_stored_column_by_default(spark: SparkSession) -> None:
    """Without ``track_history`` every stored value but keys and sequence is tracked, so the
    untracked-only change of key 7 opens a second version."""
    cdc = _cdc(scd_type=2)
    out = apply_changes(_feed(spark), cdc, ["k", "v", "w", "seq"], (), ("arrival",))
    rows = [tuple(r) for r in out.where("k = 7").orderBy(START_AT).select("w", START_AT, END_AT).collect()]  # fmt: skip
    assert rows == [("x", 1, 2), ("y", 2, None)]


def test_ignore_null_updates_keeps_current_values(spark: SparkSession) -> None:
    """[ref] ``ignore_null_updates``: "columns with a null retain their existing values in the
    target" for an update; after a delete the key starts afresh (key 2)."""
    feed = _feed(spark, [
        (1, "a", "w1", 1, "UPSERT", 1), (1, None, "w2", 2, "UPSERT", 2),
        (2, "a", "w1", 1, "UPSERT", 1), (2, None, None, 2, "DELETE", 2), (2, None, "w3", 3, "UPSERT", 3),
    ])  # fmt: skip
    out = apply_changes(feed, _cdc(ignore_null_updates=True), ["k", "v", "w", "seq"])
    rows = sorted(tuple(r) for r in out.select("k", "v", "w", "seq").collect())
    assert rows == [(1, "a", "w2", 2), (2, None, "w3", 3)]
