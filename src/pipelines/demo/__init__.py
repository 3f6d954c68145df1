"""Sample data the project generates itself (the demo, tests and benchmarks use it)."""

from pipelines.demo.catalog import CatalogStats, generate_catalog

__all__ = ["CatalogStats", "generate_catalog"]
