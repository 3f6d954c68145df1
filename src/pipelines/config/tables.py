"""Unity Catalog settings of the tables a source or a gold model publishes: table properties,
liquid clustering and a row filter (``tables:`` of a source, ``table:`` of a gold model).

Column comments come from the columns' ``description`` (no key of their own), column masks
from their ``pii`` (``bronze_pii``): both are declared in the table's schema by the platform
adapter (``pipelines.platform``), so a pipeline update keeps them instead of undoing an ALTER.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from pipelines.config.base import Identifier, Model

__all__ = ["INGEST_COLUMNS", "RowFilter", "SourceTables", "TableSettings"]

_FUNCTION = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")

INGEST_COLUMNS = (
    "_source_file",
    "_file_modified_at",
    "_file_date",
    "_ingested_at",
    "_run_id",
    "_content_hash",
)
"""The ingestion metadata every bronze row carries (``pipelines.transforms.metadata``) and
silver and quarantine keep."""


class RowFilter(Model):
    """A Unity Catalog row filter: a SQL UDF returning BOOLEAN over some of the table's columns;
    a reader sees the rows it returns true for (on Databricks; open-source Spark has none)."""

    function: str = Field(
        description="<schema>.<function> of the target's catalog (created outside the bundle)"
    )
    columns: tuple[Identifier, ...] = Field(
        min_length=1, description="the table's columns passed to the function, in order"
    )

    @field_validator("function")
    @classmethod
    def _schema_function(cls, value: str) -> str:
        # qualified on Databricks with the catalog of the table (another catalog's function
        # would tie the table to an environment it does not belong to)
        if not _FUNCTION.match(value):
            raise ValueError(
                f"'{value}': name it <schema>.<function> of the target's catalog, e.g. "
                "silver.by_region"
            )
        return value


class TableSettings(Model):
    """How one table is stored and governed in Unity Catalog."""

    properties: dict[str, str | bool | int] = Field(
        default_factory=dict,
        description="table properties, e.g. delta.enableChangeDataFeed: true",
    )
    cluster_by: tuple[Identifier, ...] = Field(
        (), description="liquid clustering keys (not with a partitioned table)"
    )
    cluster_by_auto: bool = Field(
        False,
        description="automatic liquid clustering (Databricks picks and changes the keys; "
        "cluster_by, if given, are the first ones)",
    )
    row_filter: RowFilter | None = None

    @field_validator("properties")
    @classmethod
    def _property_names(cls, value: dict[str, str | bool | int]) -> dict[str, str | bool | int]:
        bad = [k for k in value if not k or any(c.isspace() or c in "'`\"=" for c in k)]
        if bad:
            raise ValueError(f"property names must be plain keys like delta.x, got {bad[0]!r}")
        return value

    @property
    def text_properties(self) -> dict[str, str]:
        """The properties as the strings a table stores (``true``, not ``True``)."""
        return {
            key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in self.properties.items()
        }

    @property
    def clustered(self) -> bool:
        """Whether the table is clustered (by keys or automatically)."""
        return bool(self.cluster_by) or self.cluster_by_auto

    def column_problems(self, key: str, columns: list[str]) -> list[str]:
        """Clustering keys and row-filter columns ``columns`` does not have, as messages
        starting with their key path (``key``: e.g. ``tables.silver``)."""
        from pipelines.config.suggest import did_you_mean

        named = [(f"{key}.cluster_by", c) for c in self.cluster_by]
        if self.row_filter is not None:
            named += [(f"{key}.row_filter.columns", c) for c in self.row_filter.columns]
        return [
            f"{where}: '{name}' is not a column of the table{did_you_mean(name, columns)}"
            for where, name in named
            if name not in columns
        ]


class SourceTables(Model):
    """The settings of a source's tables (``bronze_pii`` is the framework's: masks only)."""

    bronze: TableSettings = TableSettings()  # frozen: sharing the default is safe
    silver: TableSettings = TableSettings()
    quarantine: TableSettings = TableSettings()
