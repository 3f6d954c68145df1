"""Sample data the project generates itself (the demo, tests and benchmarks use it)."""

from pipelines.demo.catalog import CatalogStats, generate_catalog
from pipelines.demo.hotel import HotelStats, generate_hotel

__all__ = ["CatalogStats", "HotelStats", "generate_catalog", "generate_hotel"]
