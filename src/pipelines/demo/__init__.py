"""Sample data the project generates itself (the demo, tests and benchmarks use it)."""

from pipelines.demo.catalog import CatalogStats, generate_catalog
from pipelines.demo.customers import CustomerStats, generate_customers

__all__ = ["CatalogStats", "CustomerStats", "generate_catalog", "generate_customers"]
