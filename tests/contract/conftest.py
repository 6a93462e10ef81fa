"""The store under contract. A second implementation (PostgreSQL) adds one fixture param."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ports import Store
from storage.sqlite.db import Database


@pytest.fixture(params=["sqlite-file", "sqlite-memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, migrated store."""
    path = ":memory:" if request.param == "sqlite-memory" else tmp_path / "contract.sqlite3"
    database = Database(path)
    await database.connect()
    try:
        yield database
    finally:
        await database.close()
