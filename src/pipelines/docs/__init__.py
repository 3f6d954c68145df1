"""The data dictionary: every dataset, its columns, owner, PII tags, rules and lineage."""

from pipelines.docs.dictionary import ColumnDoc, DatasetDoc, dictionary, lineage_edges
from pipelines.docs.html import render_dictionary

__all__ = ["ColumnDoc", "DatasetDoc", "dictionary", "lineage_edges", "render_dictionary"]
