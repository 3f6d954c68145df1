"""The typed config model: one source of truth for every layer, the bundle and the grants.

Every model is frozen and rejects unknown keys, so a typo is an error, never a silent no-op.
The parts live in modules by concern (``base``, ``sources``, ``quality``, ``silver``); this
module holds the top-level files' models and re-exports the parts. Later features slot in as
new fields or new members of a discriminated union, not as new code paths.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from pipelines.config.alerts import AlertsConfig
from pipelines.config.base import SCHEMAS, SPARK_TYPES, Identifier, Model, SchemaName, is_spark_type
from pipelines.config.cdc import cdc_problem
from pipelines.config.deploy import DeploySettings
from pipelines.config.pii import PiiSettings, PiiSpec
from pipelines.config.quality import DATASET_LEVEL, QualityRule, RuleConfig
from pipelines.config.silver import Cdc, Dedupe, SilverSettings
from pipelines.config.sources import (
    EventHubsSource,
    FileDate,
    FileSource,
    JdbcSource,
    KafkaSource,
    MongoSource,
    RestSource,
    Source,
)
from pipelines.config.sqlast import query_tables
from pipelines.config.standardise import Standardise, check_datetime_pattern, standardise_rule
from pipelines.config.tables import INGEST_COLUMNS, RowFilter, SourceTables, TableSettings

__all__ = [
    "SCHEMAS",
    "TABLE_REF",
    "AccessConfig",
    "Cdc",
    "Column",
    "Dedupe",
    "EventHubsSource",
    "FileDate",
    "FileSource",
    "GoldModel",
    "Group",
    "JdbcSource",
    "KafkaSource",
    "LocalSettings",
    "Model",
    "MongoSource",
    "PiiSettings",
    "PiiSpec",
    "ProjectConfig",
    "QualityRule",
    "RestSource",
    "RowFilter",
    "RuleConfig",
    "SilverSettings",
    "Source",
    "SourceConfig",
    "SourceTables",
    "Standardise",
    "TableSettings",
]


TABLE_REF = re.compile(r"\b(bronze|silver|gold|quarantine)\.([a-z_][a-z0-9_]*)\b", re.I)
"""A logical table name in SQL (``silver.x``)."""


class Column(Model):
    """A declared column of a source: bronze keeps it raw, silver types and cleans it."""

    name: Identifier
    type: str = Field("string", description="Spark SQL type of the silver column")
    nullable: bool = True
    description: str = ""
    empty_as_null: bool = Field(True, description="treat '' (and blanks) as missing")
    null_values: tuple[str, ...] | None = Field(
        None,
        description="raw texts that mean missing (e.g. NULL, NA), compared trimmed and exactly;"
        " default: the source's null_values",
    )
    trim: bool = Field(True, description="strip surrounding white space in silver")
    format: str | None = Field(
        None, min_length=1, description="datetime pattern of the raw text, e.g. dd/MM/yyyy"
    )
    formats: tuple[str, ...] = Field(
        default=(), description="datetime patterns tried in order (the first that parses wins)"
    )
    standardise: Standardise | None = Field(
        None, description="one canonical form per value: case, phone (E.164), email, date"
    )
    pii: PiiSpec | None = Field(
        None, description="personal data: masked in bronze, raw in bronze_pii"
    )
    aliases: tuple[Identifier, ...] = Field(
        (), description="other names the column arrives under (renamed in some files)"
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        lowered = value.lower()
        if not is_spark_type(lowered):
            raise ValueError(f"unknown type '{value}'; expected one of {', '.join(SPARK_TYPES)}")
        return lowered

    @field_validator("format")
    @classmethod
    def _datetime_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")
        if value is not None and kind is not None and kind not in {"date", "timestamp"}:
            raise ValueError(f"only date and timestamp columns take a format (type is {kind})")
        return value

    @field_validator("formats")
    @classmethod
    def _datetime_patterns(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        kind = info.data.get("type")
        if value and kind is not None and kind not in {"date", "timestamp"}:
            raise ValueError(
                f"only date and timestamp columns take formats (type is {kind}; "
                "a string column standardises dates with standardise: {date: [...]})"
            )
        if value and info.data.get("format") is not None:
            raise ValueError("give format or formats, not both")
        return tuple(check_datetime_pattern(p) for p in value)

    @field_validator("standardise")
    @classmethod
    def _text_only(cls, value: Standardise | None, info: ValidationInfo) -> Standardise | None:
        kind = info.data.get("type")
        if value is not None and kind is not None and kind != "string":
            hint = "; a date column reads several patterns with formats: [...]"
            extra = hint if kind in {"date", "timestamp"} else ""
            raise ValueError(f"only string columns are standardised (type is {kind}){extra}")
        return value

    @property
    def patterns(self) -> tuple[str, ...]:
        """The datetime patterns silver tries, in order (empty: Spark's default cast)."""
        return (self.format,) if self.format else self.formats

    @field_validator("pii")
    @classmethod
    def _masked_is_text(cls, value: PiiSpec | None, info: ValidationInfo) -> PiiSpec | None:
        declared = info.data.get("type", "string")
        if value is not None and declared != "string":
            raise ValueError(
                f"a PII column holds masked text in bronze and silver: its type must be "
                f"string, got '{declared}'"
            )
        return value


class SourceConfig(Model):
    """One file under ``src/conf/sources/``: a source and the datasets derived from it."""

    name: Identifier
    description: str = Field(min_length=1)
    owner: Identifier = Field(description="the group (feature team) that owns the source")
    domain: Identifier | None = None
    tags: tuple[str, ...] = ()
    version: int = Field(1, ge=1, description="bump on a breaking change to the silver contract")
    source: Source
    null_values: tuple[str, ...] = Field(
        (), description="raw texts that mean missing in every column (e.g. NULL, NA, Undefined)"
    )
    columns: tuple[Column, ...] = Field(min_length=1)
    silver: SilverSettings = SilverSettings()  # frozen: sharing the default is safe
    quality: tuple[RuleConfig, ...] = ()
    tables: SourceTables = Field(
        SourceTables(),
        description="Unity Catalog settings of its bronze, silver and quarantine tables",
    )

    @model_validator(mode="before")
    @classmethod
    def _null_values_per_column(cls, data: object) -> object:
        """The source's ``null_values`` become each column's default: silver (and bronze's
        masking) read them from the column."""
        if not isinstance(data, dict) or not data.get("null_values"):
            return data
        columns = data.get("columns")
        if not isinstance(columns, list | tuple):
            return data
        tokens = data["null_values"]
        filled = [
            {**c, "null_values": tokens} if isinstance(c, dict) and "null_values" not in c else c
            for c in columns
        ]
        return {**data, "columns": filled}

    @property
    def has_pii(self) -> bool:
        """Whether a column is declared PII (the source then has a ``bronze_pii`` table)."""
        return any(c.pii is not None for c in self.columns)

    @property
    def bronze_table(self) -> str:
        """Its bronze table (``bronze.<name>``; an undeclared arrival's is held back:
        ``pipelines.config.convention``)."""
        return f"bronze.{self.name}"

    @model_validator(mode="after")
    def _consistent(self) -> SourceConfig:
        # Messages start with the key path they are about; the loader locates them by it.
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"columns: duplicate column names: {', '.join(duplicated)}")
        problem = self._alias_problem(names)
        if problem:
            raise ValueError(problem)
        dedupe = self.silver.dedupe
        unknown = [k for k in (dedupe.key if dedupe else ()) if k not in names]
        if unknown:
            raise ValueError(
                f"silver.dedupe.key: names unknown columns: {', '.join(unknown)}"
                f" (declared: {', '.join(names)})"
            )
        check = getattr(self.source, "column_problem", None)
        problem = check({c.name: c.type for c in self.columns}) if check else None
        if problem:
            raise ValueError(problem)
        clashing = [n for n in self.silver.derive if n in names]
        if clashing:
            raise ValueError(
                f"silver.derive: derived names clash with declared columns: {', '.join(clashing)}"
            )
        if self.silver.replace_by_file_date and getattr(self.source, "file_date", None) is None:
            raise ValueError("silver.replace_by_file_date: needs source.file_date")
        problem = self._cdc_problem(names)
        if problem:
            raise ValueError(problem)
        rules = [r.name for r in self.rules]
        repeated = sorted({n for n in rules if rules.count(n) > 1})
        if repeated:
            raise ValueError(f"quality: rule names must be unique: {', '.join(repeated)}")
        problem = self._tables_problem(names)
        if problem:
            raise ValueError(problem)
        return self

    def _tables_problem(self, names: list[str]) -> str | None:
        """Clustering keys and row-filter columns are the tables' own; a partitioned bronze
        (``source.file_date``: by ``_file_date``) is not clustered as well (Delta does one or
        the other)."""
        tables = self.tables
        bronze = tables.bronze
        if bronze.clustered and getattr(self.source, "file_date", None) is not None:
            key = "cluster_by" if bronze.cluster_by else "cluster_by_auto"
            return (
                f"tables.bronze.{key}: bronze.{self.name} is partitioned by _file_date "
                "(source.file_date), and a Delta table is partitioned or clustered, not both"
            )
        metadata = list(INGEST_COLUMNS)
        columns = {
            "bronze": [*names, *metadata],
            "silver": [*names, *self.silver.derive, *metadata],
            "quarantine": ["_reasons", *names, *metadata],
        }
        problems = [
            p
            for layer, known in columns.items()
            for p in getattr(tables, layer).column_problems(f"tables.{layer}", known)
        ]
        return problems[0] if problems else None

    def _alias_problem(self, names: list[str]) -> str | None:
        """Aliases are read by name: file sources with named columns, no name used twice."""
        seen = set(names)
        for index, column in enumerate(self.columns):
            if not column.aliases:
                continue
            where = f"columns[{index}].aliases"
            if not isinstance(self.source, FileSource):
                return f"{where}: only file sources read columns by name (source.type is {self.source.type})"  # noqa: E501
            if self.source.format == "csv" and not self.source.csv_options.header:
                return f"{where}: a CSV without header reads columns by position, not by name"
            for alias in column.aliases:
                if alias in seen:
                    return f"{where}: '{alias}' is already a column or an alias"
                seen.add(alias)
        return None

    def _cdc_problem(self, names: list[str]) -> str | None:
        cdc = self.silver.cdc
        if cdc is None:
            return None
        if "dedupe" in self.silver.model_fields_set and self.silver.dedupe is not None:
            return "silver.dedupe: not used with silver.cdc (CDC keeps one row per key itself)"
        if self.silver.replace_by_file_date:
            return "silver.replace_by_file_date: not used with silver.cdc (events are ordered by sequence_by)"  # noqa: E501
        for index, rule in enumerate(self.quality):
            if rule.layer == "silver" and rule.kind in DATASET_LEVEL:
                return (
                    f"quality[{index}].{rule.kind}: a dataset-level rule cannot check a change "
                    "feed (it reaches AUTO CDC as a stream); use layer: bronze"
                )
        return cdc_problem(cdc, names)

    @property
    def rules(self) -> tuple[QualityRule, ...]:
        """Every rule compiled, the implicit ``standardise_<column>`` rules after the declared
        ones, and with CDC the implicit CDC checks first.

        With CDC, a change event needs its keys and sequence (AUTO CDC does not support a
        NULL sequence); the other silver rules judge the values of inserts and updates only,
        so a delete event that carries no values still reaches the merge.
        """
        compiled = [rule.compile() for rule in self.quality]
        standardised = [
            standardise_rule(c.name, c.standardise) for c in self.columns if c.standardise
        ]
        compiled += [rule for rule in standardised if rule is not None]
        cdc = self.silver.cdc
        if cdc is None:
            return tuple(compiled)
        implicit = [
            QualityRule(
                name="cdc_keys_present",
                expr=" AND ".join(f"{k} IS NOT NULL" for k in cdc.keys),
                description="AUTO CDC needs the keys of every change event",
            ),
            QualityRule(
                name="cdc_sequence_present",
                expr=f"{cdc.sequence_by} IS NOT NULL",
                description="AUTO CDC does not support a NULL sequence",
            ),
        ]
        if cdc.delete_when:
            guard = f"coalesce(({cdc.delete_when}), false)"
            compiled = [
                r.model_copy(update={"expr": f"{guard} OR ({r.expr})"})
                if r.layer == "silver"
                else r
                for r in compiled
            ]
        return (*implicit, *compiled)


class GoldModel(Model):
    """One file under ``src/conf/gold/``: a mart over silver (or other gold) tables.

    The query is exactly one of ``sql`` (inline), ``sql_file`` (a file beside the YAML, which
    the loader reads into ``sql``) or ``python`` (``module:function``, given a mapping of
    its declared ``inputs`` to DataFrames; the module is imported with ``src/`` on the path).
    """

    name: Identifier
    description: str = Field(min_length=1)
    owner: Identifier
    consumers: tuple[Identifier, ...] = ()
    version: int = Field(1, ge=1, description="bump on a breaking change to the columns")
    sql: str | None = Field(
        None, min_length=1, description="SELECT over logical names like silver.x"
    )
    sql_file: str | None = Field(
        None, min_length=1, description="a .sql file holding the SELECT, relative to this file"
    )
    python: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="module:function returning the DataFrame (inputs and columns declared)",
    )
    inputs: tuple[str, ...] = Field(
        (), description="python models: the tables the function reads, like silver.x"
    )
    columns: dict[Identifier, str] = Field(
        default_factory=dict, description="column name -> description"
    )
    table: TableSettings = Field(
        TableSettings(), description="Unity Catalog settings of the mart's table"
    )

    @model_validator(mode="after")
    def _one_query(self) -> GoldModel:
        given = [k for k in ("sql", "sql_file", "python") if getattr(self, k) is not None]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of sql, sql_file, python (got {got})")
        if self.python is not None and not self.inputs:
            raise ValueError("inputs: a python model declares the tables it reads")
        if self.python is not None and not self.columns:
            raise ValueError("columns: a python model declares its columns (its contract)")
        if self.python is None and self.inputs:
            raise ValueError("inputs: only python models declare them (SQL names its tables)")
        return self

    @property
    def references(self) -> tuple[str, ...]:
        """The logical tables the model reads (its SQL's names, or its declared inputs)."""
        if self.python is not None:
            return tuple(sorted({i.lower() for i in self.inputs}))
        # the parse, not a pattern: a CTE, a string or a comment that looks like silver.x is
        # no input, and the data dictionary's lineage is what the query really reads
        return query_tables(self.sql or "")


class Group(Model):
    """A group of people (or a feature team) and the schemas it may read."""

    name: Identifier
    description: str = ""
    read: tuple[SchemaName, ...] = ()
    feature_team: bool = False


ACCOUNT_WIDE = frozenset({"users", "account_users", "all_users", "everyone", "public", "admins"})
"""Built-in principals that mean (nearly) everyone: granting them defeats least privilege."""
PII_READERS = "pii_readers"
BI_READERS = "bi_readers"


class AccessConfig(Model):
    """``src/conf/access.yml``: who may read what; the grants derive from it.

    Least privilege is checked here, at validate time (``lakehouse grants`` and the Terraform
    module check the same rules again): only ``pii_readers`` reads ``bronze_pii``;
    ``bi_readers`` reads ``gold`` only; no group is one of the account-wide principals.
    """

    groups: tuple[Group, ...] = Field(min_length=1)
    pipelines_principal: str = Field(
        "lakehouse-pipelines", min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$"
    )

    def privilege_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(key path, message) of every grant against least privilege (the loader reports
        them all at once, where a validator would stop at the first)."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.pipelines_principal.lower().replace("-", "_") in ACCOUNT_WIDE:
            problems.append(
                (
                    ("pipelines_principal",),
                    f"'{self.pipelines_principal}' is account-wide: name the service "
                    "principal the pipelines run as",
                )
            )
        for index, group in enumerate(self.groups):
            if group.name in ACCOUNT_WIDE:
                problems.append(
                    (
                        ("groups", index, "name"),
                        f"'{group.name}' is account-wide (every user): declare a group of "
                        "the people who need the access",
                    )
                )
            if "bronze_pii" in group.read and group.name != PII_READERS:
                problems.append(
                    (
                        ("groups", index, "read"),
                        f"only {PII_READERS} may read bronze_pii (raw PII); add the people "
                        f"to {PII_READERS} instead",
                    )
                )
            outside = [s for s in group.read if s != "gold"]
            if group.name == BI_READERS and outside:
                problems.append(
                    (
                        ("groups", index, "read"),
                        f"{BI_READERS} may only read gold, not {', '.join(outside)}",
                    )
                )
        return problems


def _java_option(value: str) -> str:
    if not re.fullmatch(r"-\S+", value):
        raise ValueError(
            f"'{value}' is not a JVM option: each starts with '-' and holds no space, one per "
            "list item (e.g. [-XX:+UseParallelGC, -Dhttps.proxyHost=proxy])"
        )
    return value


JavaOption = Annotated[str, AfterValidator(_java_option)]
"""One JVM option: starts with ``-``, no spaces (each option is its own list item)."""


class LocalSettings(Model):
    """Defaults for local runs (a laptop or CI, not Databricks)."""

    table_format: Literal["parquet", "delta"] = Field(
        "delta", description="delta (as Databricks); parquet where the Delta jars cannot be had"
    )
    shuffle_partitions: int = Field(8, gt=0)
    driver_memory: str = Field("4g", pattern=r"^\d+[mg]$")
    cores: int | None = Field(None, gt=0, description="default: all cores")
    java_options: tuple[JavaOption, ...] = Field(
        (),
        description="extra options for the local server's JVM, e.g. -XX:+UseParallelGC or "
        "-Djavax.net.ssl.trustStore=/path (a company proxy's certificates)",
    )
    compact_ops_every: int = Field(
        50,
        ge=0,
        description="compact the ops tables (OPTIMIZE) after every N runs recorded; 0: never "
        "(then `lakehouse optimize`)",
    )
    jit: Literal["auto", "start-up", "peak"] = Field(
        "auto",
        description="how the JVM of a `lakehouse run` (or `sql`, `status`, `report`, "
        "`scan-pii`) process compiles: start-up (quick compiler only: short work), peak (the "
        "JVM's default: long work), auto (start-up for those commands and for a run that adds "
        "little since the last one; pipelines.local.jit)",
    )


class ProjectConfig(Model):
    """``src/conf/project.yml``: settings shared by every source."""

    name: Identifier
    description: str = ""
    owner: Identifier
    local: LocalSettings = LocalSettings()
    deploy: DeploySettings = DeploySettings()
    pii: PiiSettings = Field(
        default_factory=PiiSettings, description="where the PII masking keys come from"
    )
    alerts: AlertsConfig = AlertsConfig()
