"""What the Zalo edge keeps in SQLite: updates seen, numbered choices, the monthly count."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.sqlite.db import Database


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass(frozen=True)
class Budget:
    """Messages sent this month and whether operators were warned (80 %, 100 %)."""

    month: str
    sent: int
    warned_80: bool
    warned_100: bool


class SqliteZaloState:
    """The Zalo edge's own tables (migration 0006), over the bot's database and its lock."""

    def __init__(self, database: Database) -> None:
        self.db = database

    # --- inbox: each Zalo message applied once ------------------------------------------------

    async def receive(self, message_id: str, update: dict[str, Any], now: datetime) -> bool:
        """Record an update before handling it; False when that message_id came before
        (a redelivery: skip it)."""
        async with self.db.connection() as conn:
            cursor = await conn.execute(
                "INSERT INTO zalo_inbox (message_id, payload, state, received_at) "
                "VALUES (?, ?, 'received', ?) ON CONFLICT (message_id) DO NOTHING",
                (message_id, json.dumps(update, ensure_ascii=False), _iso(now)),
            )
            return cursor.rowcount == 1

    async def handled(self, message_id: str) -> None:
        """The update was handled: forget its payload, keep its id."""
        async with self.db.connection() as conn:
            await conn.execute(
                "UPDATE zalo_inbox SET state = 'done', payload = NULL WHERE message_id = ?",
                (message_id,),
            )

    async def unhandled(self) -> list[dict[str, Any]]:
        """Updates received but not handled (the bot stopped in between), oldest first."""
        async with (
            self.db.connection() as conn,
            conn.execute(
                "SELECT payload FROM zalo_inbox WHERE state = 'received' ORDER BY received_at"
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [json.loads(row[0]) for row in rows if row[0]]

    # --- numbered choices ---------------------------------------------------------------------

    async def offer(
        self, user_id: int, choices: list[tuple[str, str]], now: datetime, expires_at: datetime
    ) -> list[int]:
        """Keep (label, action) choices for a person; the numbers they answer with. Numbers
        continue after the person's open choices, so that two messages never share one."""
        async with self.db.raw_transaction() as conn:
            await conn.execute(
                "DELETE FROM zalo_choices WHERE user_id = ? AND expires_at <= ?",
                (user_id, _iso(now)),
            )
            async with conn.execute(
                "SELECT COALESCE(MAX(number), 0) FROM zalo_choices WHERE user_id = ?", (user_id,)
            ) as cursor:
                row = await cursor.fetchone()
            first = int(row[0]) + 1 if row else 1
            numbers = list(range(first, first + len(choices)))
            await conn.executemany(
                "INSERT INTO zalo_choices (user_id, number, prompt, label, action, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (user_id, number, first, label, action, _iso(expires_at))
                    for number, (label, action) in zip(numbers, choices, strict=True)
                ],
            )
        return numbers

    async def take(self, user_id: int, number: int, now: datetime) -> str | None:
        """The action behind a number the person replied with, if still open; the message's
        other choices close with it."""
        async with self.db.raw_transaction() as conn:
            async with conn.execute(
                "SELECT action, prompt FROM zalo_choices "
                "WHERE user_id = ? AND number = ? AND expires_at > ?",
                (user_id, number, _iso(now)),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await conn.execute(
                "DELETE FROM zalo_choices WHERE user_id = ? AND prompt = ?", (user_id, row[1])
            )
            return str(row[0])

    async def withdraw(self, user_id: int, action_prefix: str) -> None:
        """Close a person's open choices whose action starts with ``action_prefix`` (the
        questions of a dialog that moved on or ended)."""
        async with self.db.connection() as conn:
            await conn.execute(
                "DELETE FROM zalo_choices WHERE user_id = ? AND substr(action, 1, ?) = ?",
                (user_id, len(action_prefix), action_prefix),
            )

    # --- the monthly budget -------------------------------------------------------------------

    async def count_sent(self, month: str, messages: int) -> Budget:
        """Count messages sent this month; the month's budget as it now is."""
        async with (
            self.db.connection() as conn,
            conn.execute(
                "INSERT INTO zalo_budget (month, sent) VALUES (?, ?) "
                "ON CONFLICT (month) DO UPDATE SET sent = sent + excluded.sent "
                "RETURNING month, sent, warned_80, warned_100",
                (month, messages),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        assert row is not None
        return Budget(str(row[0]), int(row[1]), bool(row[2]), bool(row[3]))

    async def fill(self, month: str, quota: int) -> Budget:
        """Count the month as spent up to ``quota`` (the platform said so); the budget."""
        async with (
            self.db.connection() as conn,
            conn.execute(
                "INSERT INTO zalo_budget (month, sent) VALUES (?, ?) "
                "ON CONFLICT (month) DO UPDATE SET sent = MAX(sent, excluded.sent) "
                "RETURNING month, sent, warned_80, warned_100",
                (month, quota),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        assert row is not None
        return Budget(str(row[0]), int(row[1]), bool(row[2]), bool(row[3]))

    async def budget(self, month: str) -> Budget:
        """The month's budget."""
        async with (
            self.db.connection() as conn,
            conn.execute(
                "SELECT month, sent, warned_80, warned_100 FROM zalo_budget WHERE month = ?",
                (month,),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        if row is None:
            return Budget(month, 0, False, False)
        return Budget(str(row[0]), int(row[1]), bool(row[2]), bool(row[3]))

    async def mark_warned(self, month: str, level: int) -> bool:
        """Record that operators were told the month reached ``level`` % (80 or 100); False
        when they were told already."""
        column = {80: "warned_80", 100: "warned_100"}[level]
        async with self.db.connection() as conn:
            cursor = await conn.execute(
                f"UPDATE zalo_budget SET {column} = 1 WHERE month = ? AND {column} = 0",
                (month,),
            )
            return cursor.rowcount == 1
