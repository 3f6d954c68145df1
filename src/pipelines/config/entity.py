"""Entity resolution config: one file under ``src/conf/entities/`` per mastered entity.

An entity (``customers``) names its input sources, maps each one's columns onto shared
attributes, matches records across and within sources with ordered exact rules on normalised
attributes (and an optional fuzzy rule), and keeps one value per attribute by a survivorship
strategy. It publishes ``silver.<name>`` (one row per real entity) and ``silver.<name>_xref``
(source record -> entity key, and the rule that matched it). Data, not code: the pipeline
(``pipelines.layers.entity``) reads it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Identifier, Model
from pipelines.config.pii import PiiSpec
from pipelines.config.suggest import did_you_mean

__all__ = [
    "NORMALISERS",
    "Attribute",
    "EntityConfig",
    "EntityInput",
    "FuzzyRule",
    "MatchSettings",
    "SourcePriority",
    "Survive",
    "rule_name",
]

Normaliser = Literal["text", "name", "digits", "exact"]
NORMALISERS: tuple[str, ...] = Normaliser.__args__  # type: ignore[attr-defined]
DEFAULT_MAX_ROUNDS = 8


class SourcePriority(Model):
    """The value of the first source in this order that has one (ties: the most recent)."""

    source_priority: tuple[Identifier, ...] = Field(min_length=1)


Survive = Literal["most_recent", "most_complete"] | SourcePriority
"""``most_recent``: the value of the latest updated record that has one; ``most_complete``:
the longest value (ties: the most recent); ``{source_priority: [a, b]}``."""


class Attribute(Model):
    """A shared attribute of the entity: how it matches, which value survives, how it is masked.

    ``match`` normalises the value into its match key: ``text`` (lower case, white space
    collapsed), ``name`` (lower case letters only, accents folded: ``O'Brien`` = ``obrien``),
    ``digits`` (digits only), ``exact`` (as standardised).
    """

    description: str = ""
    match: Normaliser = "text"
    survive: Survive = "most_recent"
    pii: PiiSpec | None = Field(None, description="masked in silver like a source column")


class EntityInput(Model):
    """One source's records: their id, when each was last true, and the attribute mapping.

    ``attributes`` maps an attribute to a Spark SQL expression over the source's silver columns
    (a column name, or e.g. ``regexp_extract(full_name, '^(\\S+)', 1)``). PII columns hold
    their raw standardised values here (read back from ``bronze_pii``), never in the output.
    """

    source: Identifier
    id: Identifier = Field(description="the source's record id column")
    updated: str = Field(min_length=1, description="SQL: when the record was last true")
    attributes: dict[Identifier, str] = Field(min_length=1)


class FuzzyRule(Model):
    """Records sharing every ``block`` key whose ``compare`` attributes are all similar.

    ``similarity``: ``levenshtein`` (1 - edit distance / longer length, a Spark built-in) or
    ``jaro_winkler`` (a vectorised Python UDF). Off unless ``enabled``: it compares every pair
    inside a block.
    """

    enabled: bool = False
    block: tuple[Identifier, ...] = Field(min_length=1)
    compare: tuple[Identifier, ...] = Field(min_length=1)
    similarity: Literal["levenshtein", "jaro_winkler"] = "jaro_winkler"
    threshold: float = Field(0.9, gt=0, le=1)

    @property
    def name(self) -> str:
        """How the cross-reference names a match by this rule."""
        return f"fuzzy:{'+'.join(self.compare)}"


class MatchSettings(Model):
    """Ordered exact rules (lists of attributes equal after normalisation), an optional fuzzy
    rule, and the bound on label-propagation rounds (see ``pipelines.transforms.match``)."""

    rules: tuple[tuple[Identifier, ...], ...] = Field(min_length=1)
    fuzzy: FuzzyRule | None = None
    max_rounds: int = Field(DEFAULT_MAX_ROUNDS, ge=1, le=50)

    @field_validator("rules")
    @classmethod
    def _non_empty(cls, value: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        for index, rule in enumerate(value):
            if not rule:
                raise ValueError(f"rule {index} names no attribute")
        return value


def rule_name(rule: tuple[str, ...]) -> str:
    """``[phone, date_of_birth]`` -> ``phone+date_of_birth``."""
    return "+".join(rule)


class EntityConfig(Model):
    """One file under ``src/conf/entities/``: ``silver.<name>`` and ``silver.<name>_xref``."""

    name: Identifier
    description: str = Field(min_length=1)
    owner: Identifier
    domain: Identifier | None = None
    version: int = Field(1, ge=1, description="bump on a breaking change to the output")
    key: Identifier = Field(description="name of the stable entity key column")
    inputs: tuple[EntityInput, ...] = Field(min_length=1)
    attributes: dict[Identifier, Attribute] = Field(min_length=1)
    match: MatchSettings

    @property
    def xref(self) -> str:
        """Name of the cross-reference table (in ``silver``)."""
        return f"{self.name}_xref"

    @property
    def sources(self) -> tuple[str, ...]:
        """The input sources, in order."""
        return tuple(i.source for i in self.inputs)

    @model_validator(mode="after")
    def _consistent(self) -> EntityConfig:
        # Messages start with the key path they are about; the loader locates them by it.
        problem = self._attribute_problem() or self._input_problem()
        if problem:
            raise ValueError(problem)
        return self

    def _attribute_problem(self) -> str | None:
        declared = list(self.attributes)
        named = [
            (f"inputs[{i}].attributes.{name}", name)
            for i, entry in enumerate(self.inputs)
            for name in entry.attributes
        ]
        named += [
            (f"match.rules[{i}][{position}]", name)
            for i, rule in enumerate(self.match.rules)
            for position, name in enumerate(rule)
        ]
        fuzzy = self.match.fuzzy
        for part in ("block", "compare") if fuzzy else ():
            named += [(f"match.fuzzy.{part}[{p}]", n) for p, n in enumerate(getattr(fuzzy, part))]
        for where, name in named:
            if name not in declared:
                return f"{where}: unknown attribute '{name}'{did_you_mean(name, declared)}"
        mapped = {n for entry in self.inputs for n in entry.attributes}
        unmapped = [n for n in declared if n not in mapped]
        if unmapped:
            return f"attributes: no input maps {', '.join(unmapped)}"
        if self.key in declared:
            return f"key: '{self.key}' is also an attribute"
        return None

    def _input_problem(self) -> str | None:
        sources = [i.source for i in self.inputs]
        repeated = sorted({s for s in sources if sources.count(s) > 1})
        if repeated:
            return f"inputs: each source once: {', '.join(repeated)} repeated"
        for name, attribute in self.attributes.items():
            survive = attribute.survive
            priority = survive.source_priority if isinstance(survive, SourcePriority) else ()
            for position, source in enumerate(priority):
                if source not in sources:
                    where = f"attributes.{name}.survive.source_priority[{position}]"
                    hint = did_you_mean(source, sources)
                    return f"{where}: '{source}' is not an input{hint}"
        return None
