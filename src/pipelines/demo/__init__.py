"""Sample data the project generates itself (the demo, tests and benchmarks use it)."""

from pipelines.demo.catalog import CatalogStats, generate_catalog
from pipelines.demo.orders import OrdersStats, generate_orders_cdc

__all__ = ["CatalogStats", "OrdersStats", "generate_catalog", "generate_orders_cdc"]
