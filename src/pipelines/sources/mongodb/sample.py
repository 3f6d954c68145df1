"""A collection's first documents, sampled for ``lakehouse new-source`` (pymongo, no Spark)."""

from __future__ import annotations

from itertools import islice

from pipelines.config.mongodb import MongoSource
from pipelines.sources.mongodb import source_request, where
from pipelines.sources.mongodb.datasource import field_text, read_documents
from pipelines.sources.sample import Sample

__all__ = ["sample_collection"]


def sample_collection(source: MongoSource, uri: str, rows: int) -> Sample:
    """Up to ``rows`` documents matching the source's filter, in ``_id`` order (as a snapshot
    reads them), with ``_id`` as the key; values as bronze writes them (``field_text``)."""
    documents = list(islice(read_documents(source_request(source), uri), rows + 1))
    return Sample(
        where=where(uri, source),
        records=documents[:rows],
        text=field_text,
        complete=len(documents) <= rows,
        keys=("_id",),
        nested=True,
        fields=dict(source.fields),
    )
