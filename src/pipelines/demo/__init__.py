"""Sample data the project generates itself (the demo, tests and benchmarks use it)."""

from pipelines.demo.catalog import CatalogStats, generate_catalog
from pipelines.demo.customers import CustomerStats, generate_customers
from pipelines.demo.hotel import HotelStats, generate_hotel
from pipelines.demo.orders import OrdersStats, generate_orders_cdc

__all__ = [
    "CatalogStats",
    "CustomerStats",
    "HotelStats",
    "OrdersStats",
    "generate_catalog",
    "generate_customers",
    "generate_hotel",
    "generate_orders_cdc",
]
