"""Entity matching: which records are the same real entity (pure ``DataFrame -> DataFrame``).

``match(records, settings)`` links records by ordered **exact rules** (every attribute of a
rule present and equal after normalisation) and an optional **fuzzy rule** (records sharing
every blocking key whose compared attributes are all similar enough). Links are transitive:
clusters are the connected components of the link graph.

Components are found by **min-label propagation** with window functions only (no joins in
the loop, so the plan grows linearly): every record starts with its own id as label; each
round, a record takes the smallest label among the records it shares an exact key with, or a
fuzzy pair with. After ``k`` rounds a label has travelled ``k`` links, so a cluster whose
longest shortest path is at most ``max_rounds`` links ends with one label, its smallest id.
A longer chain (rare: a chain of records each matching only the next) stays split into
sub-clusters: the bound can under-merge, never over-merge. ``max_rounds`` is a config key
(default 8); ``rounds_needed`` measures what a data set needs (the benchmark reports it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.pandas.functions import pandas_udf
from pyspark.sql.types import DoubleType

from pipelines.config.entity import FuzzyRule, MatchSettings, rule_name

__all__ = [
    "CLUSTER",
    "MATCH_RULE",
    "fuzzy_pairs",
    "jaro_winkler",
    "match",
    "match_key",
    "rounds_needed",
    "similarity",
]

CLUSTER = "_cluster"
"""The smallest record id of the record's cluster."""
MATCH_RULE = "_match_rule"
"""The first rule (in order) that links the record to another one; NULL for a lone record."""
_ID, _RECORD, _LABEL, _PAIR = "_m_id", "_m_record", "_m_label", "_m_pair"
_ACCENTED = "áàâäãåçéèêëíìîïñóòôöõøúùûüýÿ"
_PLAIN = "aaaaaaceeeeiiiinoooooouuuuyy"


def match_key(value: Column, normaliser: str) -> Column:
    """The value compared by the rules: ``text``, ``name``, ``digits`` or ``exact``.

    ``text``: trimmed, lower case, inner white space collapsed; ``name``: lower case letters
    only, common accents folded (``O'Brien`` = ``obrien``, ``Chloé`` = ``chloe``);
    ``digits``: digits only; ``exact``: as is. An empty key is NULL (it matches nothing).
    """
    text = value.cast("string")
    if normaliser == "text":
        text = F.regexp_replace(F.lower(F.trim(text)), r"\s+", " ")
    elif normaliser == "name":
        folded = F.translate(F.lower(text), _ACCENTED, _PLAIN)
        text = F.regexp_replace(folded, "[^a-z]", "")
    elif normaliser == "digits":
        text = F.regexp_replace(text, "[^0-9]", "")
    elif normaliser != "exact":
        raise ValueError(f"unknown normaliser '{normaliser}'; expected text, name, digits, exact")
    return F.when(text != "", text)


def jaro_winkler(a: str, b: str, prefix_scale: float = 0.1) -> float:
    """Jaro-Winkler similarity of two strings, 0 (nothing alike) to 1 (equal)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    used = [False] * len(b)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(i + window + 1, len(b))):
            if not used[j] and b[j] == char:
                used[j] = True
                matched_a.append(char)
                break
    if not matched_a:
        return 0.0
    matched_b = [b[j] for j in range(len(b)) if used[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    m = len(matched_a)
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1 - jaro)


def _jaro_winkler_batch(left: pd.Series, right: pd.Series) -> pd.Series:
    pairs = zip(left, right, strict=True)
    return pd.Series([None if a is None or b is None else jaro_winkler(a, b) for a, b in pairs])


def similarity(left: Column, right: Column, method: str) -> Column:
    """0..1 similarity of two string columns (NULL when either is NULL)."""
    if method == "levenshtein":
        longer = F.greatest(F.length(left), F.length(right))
        return 1 - F.levenshtein(left, right) / longer
    if method == "jaro_winkler":
        udf = pandas_udf(_jaro_winkler_batch, DoubleType())  # type: ignore[call-overload]
        return F.when(left.isNotNull() & right.isNotNull(), udf(left, right))
    raise ValueError(f"unknown similarity '{method}'; expected levenshtein, jaro_winkler")


def _key(attribute: str) -> str:
    return f"_m_key_{attribute}"


def fuzzy_pairs(keyed: DataFrame, fuzzy: FuzzyRule) -> DataFrame:
    """``(_m_id, _m_pair)`` twice per similar pair: once for each of its two records.

    ``keyed`` has ``_m_id`` and the ``_m_key_<attribute>`` columns of the rule.
    """
    names = sorted({*fuzzy.block, *fuzzy.compare})
    left = keyed.select(F.col(_ID).alias("_a"), *[F.col(_key(n)).alias(f"_a_{n}") for n in names])
    right = keyed.select(F.col(_ID).alias("_b"), *[F.col(_key(n)).alias(f"_b_{n}") for n in names])
    same_block = [F.col(f"_a_{n}") == F.col(f"_b_{n}") for n in fuzzy.block]
    condition = F.col("_a") < F.col("_b")
    for part in same_block:
        condition = condition & part
    candidates = left.join(right, condition)
    similar = [
        similarity(F.col(f"_a_{n}"), F.col(f"_b_{n}"), fuzzy.similarity) >= fuzzy.threshold
        for n in fuzzy.compare
    ]
    verdict = similar[0]
    for part in similar[1:]:
        verdict = verdict & part
    pairs = candidates.where(F.coalesce(verdict, F.lit(False)))
    pair = F.concat_ws("|", "_a", "_b").alias(_PAIR)
    return pairs.select(F.col("_a").alias(_ID), pair).unionByName(
        pairs.select(F.col("_b").alias(_ID), pair)
    )


def _present(rule: Sequence[str]) -> Column:
    condition = F.lit(True)
    for attribute in rule:
        condition = condition & F.col(_key(attribute)).isNotNull()
    return condition


def _propagate(frame: DataFrame, settings: MatchSettings, rounds: int) -> DataFrame:
    """``rounds`` rounds of min-label propagation over the exact keys and fuzzy pairs."""
    by_record = Window.partitionBy(_ID)
    for _ in range(rounds):
        candidates = [F.col(_LABEL)]
        for rule in settings.rules:
            group = Window.partitionBy(*[_key(a) for a in rule])
            candidates.append(F.when(_present(rule), F.min(_LABEL).over(group)))
        if _fuzzy(settings) is not None:
            pair = Window.partitionBy(_PAIR)
            candidates.append(F.when(F.col(_PAIR).isNotNull(), F.min(_LABEL).over(pair)))
        frame = frame.withColumn(_LABEL, F.least(*candidates))
        if _fuzzy(settings) is not None:  # one record, several pair rows: one label
            frame = frame.withColumn(_LABEL, F.min(_LABEL).over(by_record))
    return frame


def _fuzzy(settings: MatchSettings) -> FuzzyRule | None:
    fuzzy = settings.fuzzy
    return fuzzy if fuzzy is not None and fuzzy.enabled else None


def _linked_by(settings: MatchSettings) -> Column:
    """The first exact rule under which another record shares the record's key."""
    linked = []
    for rule in settings.rules:
        others = F.count(F.lit(1)).over(Window.partitionBy(*[_key(a) for a in rule])) > 1
        linked.append(F.when(_present(rule) & others, F.lit(rule_name(rule))))
    return F.coalesce(*linked, F.lit(None).cast("string"))


def _keyed(
    records: DataFrame, settings: MatchSettings, normalisers: Mapping[str, str], id_column: str
) -> DataFrame:
    fuzzy = _fuzzy(settings)
    attributes = {a for rule in settings.rules for a in rule}
    attributes |= {*fuzzy.block, *fuzzy.compare} if fuzzy else set()
    keys = [
        match_key(F.col(a), normalisers.get(a, "exact")).alias(_key(a)) for a in sorted(attributes)
    ]
    record = F.struct(F.col("*")).alias(_RECORD)
    keyed = records.select(F.col(id_column).cast("string").alias(_ID), *keys, record)
    return keyed.withColumns({_LABEL: F.col(_ID), MATCH_RULE: _linked_by(settings)})


def _labelled(
    records: DataFrame,
    settings: MatchSettings,
    normalisers: Mapping[str, str],
    id_column: str,
    rounds: int,
) -> DataFrame:
    keyed = _keyed(records, settings, normalisers, id_column)
    fuzzy = _fuzzy(settings)
    if fuzzy is None:
        return _propagate(keyed.withColumn(_PAIR, F.lit(None).cast("string")), settings, rounds)
    exploded = keyed.join(fuzzy_pairs(keyed, fuzzy), _ID, "left")
    linked = F.coalesce(F.col(MATCH_RULE), F.when(F.col(_PAIR).isNotNull(), F.lit(fuzzy.name)))
    return _propagate(exploded.withColumn(MATCH_RULE, linked), settings, rounds)


def match(
    records: DataFrame,
    settings: MatchSettings,
    normalisers: Mapping[str, str] | None = None,
    id_column: str = "_record_id",
) -> DataFrame:
    """``records`` with ``_cluster`` (the smallest record id of its cluster) and
    ``_match_rule`` (the first rule that links it, e.g. ``email`` or ``phone+date_of_birth``,
    ``fuzzy:given_name+surname``; NULL for a record that matched nothing).

    Args:
        records: One row per record, a unique ``id_column`` and the rules' attributes.
        settings: Exact rules in order, the optional fuzzy rule, the bound on rounds.
        normalisers: Attribute -> ``text``, ``name``, ``digits`` or ``exact`` (default).
        id_column: The record id (cast to string; labels compare as strings).
    """
    labelled = _labelled(records, settings, normalisers or {}, id_column, settings.max_rounds)
    if _fuzzy(settings) is not None:  # one row per fuzzy pair of a record: keep one
        first = Window.partitionBy(_ID).orderBy(F.col(_PAIR).asc_nulls_last())
        ranked = labelled.withColumn("_m_row", F.row_number().over(first))
        labelled = ranked.where(F.col("_m_row") == 1)
    return labelled.select(f"{_RECORD}.*", F.col(_LABEL).alias(CLUSTER), MATCH_RULE)


def rounds_needed(
    records: DataFrame,
    settings: MatchSettings,
    normalisers: Mapping[str, str] | None = None,
    id_column: str = "_record_id",
    limit: int = 50,
) -> int:
    """The fewest rounds after which another round changes no label.

    Runs Spark jobs (one per round, each checkpointed): for benchmarks and checks of
    ``max_rounds``, never inside a pipeline.
    """
    frame = _labelled(records, settings, normalisers or {}, id_column, 0).localCheckpoint()
    for done in range(limit):
        before = frame.withColumn("_m_before", F.col(_LABEL))
        frame = _propagate(before, settings, 1).localCheckpoint()
        if frame.where(F.col(_LABEL) != F.col("_m_before")).isEmpty():
            return done
    return limit
