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

import random
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from pipelines.config.cdc import Cdc
from pipelines.transforms.cdc import (
    END_AT,
    START_AT,
    apply_changes,
    continue_changes,
    latest_deletes,
    table_deletes,
)

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


def _random_feed(seed: int) -> list[tuple[object, ...]]:
    """40 keys, 0-7 events each in random arrival order: upserts of a few values (nulls among
    them) and deletes, one event per key and sequence, the same event sometimes sent twice."""
    rng = random.Random(seed)
    rows: list[tuple[object, ...]] = []
    for key in range(40):
        for arrival, seq in enumerate(rng.sample(range(1, 30), rng.randint(0, 7))):
            op = "DELETE" if rng.random() < 0.25 else "UPSERT"
            v, w = rng.choice(["a", "b", None]), rng.choice(["x", "y", None])
            rows.append((key, v, w, seq, op, arrival))
            if rng.random() < 0.1:
                rows.append((key, v, w, seq, op, arrival + 10))
    return rows


@pytest.mark.parametrize(
    "settings",
    [{}, {"ignore_null_updates": True}, {"scd_type": 2, "track_history": ["v"]},
     {"scd_type": 2, "ignore_null_updates": True},
     # a row's filled values may meet the delete condition its event did not: (null, y)
     # after (a, x) is no delete, the row it leaves (a, y) would be
     {"ignore_null_updates": True, "delete_when": "op = 'DELETE' OR (v = 'a' AND w = 'y')"}],
    ids=["scd1", "scd1-ignore-nulls", "scd2", "scd2-ignore-nulls", "delete-by-value"],
)  # fmt: skip
def test_events_after_their_key_continue_the_table_as_the_whole_feed_would(spark: SparkSession, settings: dict[str, object]) -> None:  # fmt: skip
    """``continue_changes`` (a run that applies its new events alone,
    ``pipelines.local.increments``): the events after a cut, applied to the table the events
    before it made, give the whole feed's table. Per key, every later event comes after every
    earlier one; deletes, nulls, repeats and arrival order are random (three feeds each)."""
    cdc = _cdc(**settings)
    columns = ["k", "v", "w", "seq"]
    history = (START_AT, END_AT) if cdc.scd_type == 2 else ()
    for seed in (1, 2, 3):
        feed = _feed(spark, _random_feed(seed))
        before, after = feed.where("seq <= 15"), feed.where("seq > 15")
        table = apply_changes(before, cdc, columns, (), ("arrival",)).select(*columns, *history)
        touched = after.select("k").distinct()
        # The rows the new events can change: SCD1 their key's, SCD2 their key's open version.
        open_ = F.col(END_AT).isNull() if cdc.scd_type == 2 else F.lit(True)
        marked = table.join(touched.withColumn("_new", F.lit(True)), "k", "left")
        changeable = F.coalesce(F.col("_new"), F.lit(False)) & open_
        current = marked.where(changeable).drop("_new")
        continued = continue_changes(current, after, cdc, columns, (), ("arrival",))
        kept = marked.where(~changeable).drop("_new")
        got = kept.unionByName(continued.select(*columns, *history))
        whole = apply_changes(feed, cdc, columns, (), ("arrival",)).select(*columns, *history)
        expected = Counter(tuple(r) for r in whole.collect())
        assert Counter(tuple(r) for r in got.collect()) == expected, seed
        # and the keys whose newest event (sequence, then arrival) deletes them
        by_value = "v = 'a'" in (cdc.delete_when or "")  # the delete-by-value case
        newest: dict[object, tuple[object, ...]] = {}
        for k, v, w, seq, op, arrival in _random_feed(seed):
            deletes = op == "DELETE" or (by_value and (v, w) == ("a", "y"))
            newest[k] = max(newest.get(k, (seq, arrival, deletes)), (seq, arrival, deletes))
        deleted = {(k, n[0]) for k, n in newest.items() if n[2]}
        assert {tuple(r) for r in latest_deletes(feed, cdc, ("arrival",)).collect()} == deleted
        # the same from the delete events and the table the whole feed made
        assert {tuple(r) for r in table_deletes(feed, whole, cdc).collect()} == deleted
        assert len(expected) > 15  # (the feed leaves rows to compare)


def test_latest_deletes_are_the_keys_whose_newest_event_deletes_them(spark: SparkSession) -> None:
    """Keys 2 and 5 end on a delete (5 never had a row); 3's delete is older than its upsert,
    6 was inserted again after its delete."""
    rows = latest_deletes(_feed(spark), _cdc(), ("arrival",)).collect()
    assert sorted(tuple(r) for r in rows) == [(2, 2), (5, 1)]


def test_a_keys_rows_are_found_in_bronze_by_the_key_silver_types(spark: SparkSession) -> None:
    """``rows_of_keys`` (a late event's key applied again from bronze): bronze holds raw text,
    so `` 017`` is key 17 as silver types it; ``x`` is no key."""
    from pipelines.config.model import SourceConfig
    from pipelines.layers.silver import rows_of_keys

    base = {
        "name": "accounts", "description": "Accounts.", "owner": "data_engineers",
        "source": {"type": "files", "path": "accounts"},
        "columns": [{"name": "id", "type": "int"}, {"name": "seq", "type": "int"}],
        "silver": {"cdc": {"keys": ["id"], "sequence_by": "seq"}},
    }  # fmt: skip
    bronze = spark.createDataFrame([(" 017", "1"), ("17", "2"), ("18", "1"), ("x", "1")], "id string, seq string")  # fmt: skip
    keys = spark.createDataFrame([(17,)], "id int")
    found = rows_of_keys(bronze, keys, SourceConfig.model_validate(base))
    assert sorted(tuple(r) for r in found.collect()) == [(" 017", "1"), ("17", "2")]
