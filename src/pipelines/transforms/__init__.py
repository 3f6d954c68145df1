"""Pure ``DataFrame -> DataFrame`` functions; every layer is built from these."""

from pipelines.transforms.conform import conform
from pipelines.transforms.dedupe import deduplicate, latest_file_per_date
from pipelines.transforms.derive import derive_columns
from pipelines.transforms.metadata import add_ingest_metadata, content_hash
from pipelines.transforms.quality import apply_rules, quarantined_rows, valid_rows

__all__ = [
    "add_ingest_metadata",
    "apply_rules",
    "conform",
    "content_hash",
    "deduplicate",
    "derive_columns",
    "latest_file_per_date",
    "quarantined_rows",
    "valid_rows",
]
