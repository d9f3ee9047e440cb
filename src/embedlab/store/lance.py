"""Small helpers over a LanceDB connection that its local API lacks or deprecates."""

from __future__ import annotations

from typing import Any


def list_tables(db: Any) -> list[str]:
    """Every table name, following the pagination of `list_tables`."""
    names: list[str] = []
    token = None
    while True:
        page = db.list_tables(page_token=token)
        names.extend(page.tables)
        token = page.page_token
        if not token:
            return names


def table_exists(db: Any, name: str) -> bool:
    return name in list_tables(db)
