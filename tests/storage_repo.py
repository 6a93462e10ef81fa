"""The SQLite repositories called as functions over a raw connection (the storage tests)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.cells import Cell, Kind, Membership, Role, Status
from bot.domain.identity import Identity, User
from storage.sqlite.repositories import SqliteCells, SqliteMemberships, SqliteUsers, iso

__all__ = ["Membership", "iso"]


async def upsert_user(
    conn: aiosqlite.Connection,
    *,
    channel: str,
    external_id: str,
    display_name: str,
    username: str | None,
    platform_language: str | None,
    now: datetime,
) -> User:
    """Create or refresh a user."""
    identity = Identity(channel, external_id, display_name, username, platform_language)
    return await SqliteUsers(conn).upsert(identity, now)


async def insert_cell(
    conn: aiosqlite.Connection,
    *,
    name: str,
    channel: str,
    chat_id: str,
    chat_title: str | None,
    timezone: str,
    language: str,
    now: datetime,
) -> Cell:
    """Create a cell."""
    return await SqliteCells(conn).insert(
        name=name,
        channel=channel,
        chat_id=chat_id,
        chat_title=chat_title,
        timezone=timezone,
        language=language,
        now=now,
    )


async def insert_membership(
    conn: aiosqlite.Connection,
    *,
    cell_id: int,
    user_id: int,
    status: Status,
    kind: Kind,
    role: Role,
    via: str,
    now: datetime,
) -> int:
    """Add a membership; its id."""
    created = await SqliteMemberships(conn).insert(
        cell_id=cell_id, user_id=user_id, status=status, kind=kind, role=role, via=via, now=now
    )
    return created.id


async def list_memberships(conn: aiosqlite.Connection, cell_id: int) -> list[Membership]:
    """Active memberships of a cell."""
    return await SqliteMemberships(conn).of_cell(cell_id)


async def list_cells(conn: aiosqlite.Connection) -> list[tuple[Cell, int, int]]:
    """Cells with counts."""
    return [(s.cell, s.active, s.pending) for s in await SqliteCells(conn).summaries()]


async def get_membership_by_id(
    conn: aiosqlite.Connection, membership_id: int
) -> Membership | None:
    """One membership."""
    return await SqliteMemberships(conn).get_by_id(membership_id)


async def membership_history(
    conn: aiosqlite.Connection, membership_id: int
) -> list[tuple[object, ...]]:
    """(field, old, new, by, at) rows of a membership's history."""
    changes = await SqliteMemberships(conn).history(membership_id)
    return [(c.field, c.old_value, c.new_value, c.changed_by, iso(c.changed_at)) for c in changes]


async def update_membership(
    conn: aiosqlite.Connection,
    membership: Membership,
    *,
    changed_by: int | None,
    now: datetime,
    status: Status | None = None,
    kind: Kind | None = None,
    role: Role | None = None,
) -> None:
    """Change a membership."""
    await SqliteMemberships(conn).update(
        membership, changed_by=changed_by, now=now, status=status, kind=kind, role=role
    )
