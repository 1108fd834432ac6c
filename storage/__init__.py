"""ClickHouse storage for liqwatch: one Store API over chDB and a ClickHouse server; migrations."""

from .migrate import migrate
from .store import Column, QueryResult, Store, StoreError, mask_url, open_store

__all__ = ["Column", "QueryResult", "Store", "StoreError", "mask_url", "migrate", "open_store"]
