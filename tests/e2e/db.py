"""The one way end-to-end tests read the bot's database: through the app's own connection."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.conftest import Bot

Snapshot = dict[str, list[tuple[Any, ...]]]


async def rows(bot: Bot, sql: str, *params: object) -> list[sqlite3.Row]:
    """Every row of a query (read-only: the tests observe, the bot writes)."""
    assert sql.lstrip().upper().startswith(("SELECT", "PRAGMA")), sql
    async with (
        bot.app.bot_data.database.connection() as conn,
        conn.execute(sql, params) as cursor,
    ):
        return list(await cursor.fetchall())


async def fetch_one(bot: Bot, sql: str, *params: object) -> tuple[Any, ...] | None:
    """The first row of a query, or None."""
    found = await rows(bot, sql, *params)
    return tuple(found[0]) if found else None


async def count_rows(bot: Bot, table: str) -> int:
    """Rows in one of the app's tables."""
    assert table.isidentifier()
    found = await fetch_one(bot, f"SELECT COUNT(*) FROM {table}")
    assert found is not None
    return int(found[0])


async def snapshot(bot: Bot) -> Snapshot:
    """Every row of every table, in rowid order, and the schema version."""
    names = [
        str(r[0])
        for r in await rows(
            bot,
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    ]
    # Tables made WITHOUT ROWID (the anonymous scores') have no rowid: ordered by their text.
    plain = {
        str(r[0])
        for r in await rows(
            bot,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID%'",
        )
    }
    tables: Snapshot = {
        name: (
            sorted((tuple(r) for r in await rows(bot, f'SELECT * FROM "{name}"')), key=repr)
            if name in plain
            else [tuple(r) for r in await rows(bot, f'SELECT * FROM "{name}" ORDER BY rowid')]
        )
        for name in names
    }
    tables["pragma user_version"] = [tuple(r) for r in await rows(bot, "PRAGMA user_version")]
    return tables
