"""Source readers: config in, streaming DataFrame with file metadata out."""

from pipelines.sources.files import read_files

__all__ = ["read_files"]
