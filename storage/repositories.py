"""All SQL of cells, users and memberships; functions over a connection in a unit of work."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.domain import Cell, Kind, Membership, Role, Status, User


def iso(moment: datetime) -> str:
    """Store tz-aware UTC as ISO-8601 text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.isoformat()


def from_iso(text: str | None) -> datetime | None:
    """Read back a stored timestamp."""
    return datetime.fromisoformat(text) if text else None


async def fetch_one(
    conn: aiosqlite.Connection, sql: str, params: Iterable[object] = ()
) -> sqlite3.Row | None:
    """The first row of a query, or None."""
    async with conn.execute(sql, tuple(params)) as cursor:
        row: sqlite3.Row | None = await cursor.fetchone()
        return row


async def fetch_all(
    conn: aiosqlite.Connection, sql: str, params: Iterable[object] = ()
) -> list[sqlite3.Row]:
    """Every row of a query."""
    async with conn.execute(sql, tuple(params)) as cursor:
        return list(await cursor.fetchall())


# --- users -------------------------------------------------------------------------------------

USER_COLUMNS = (
    "u.id AS u_id, u.channel AS u_channel, u.external_id AS u_external_id, "
    "u.display_name AS u_display_name, u.username AS u_username, u.full_name AS u_full_name, "
    "u.language AS u_language, u.platform_language AS u_platform_language, "
    "u.private_chat_id AS u_private_chat_id, u.reachable AS u_reachable"
)


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["u_id"],
        channel=row["u_channel"],
        external_id=row["u_external_id"],
        display_name=row["u_display_name"],
        username=row["u_username"],
        full_name=row["u_full_name"],
        language=row["u_language"],
        platform_language=row["u_platform_language"],
        private_chat_id=row["u_private_chat_id"],
        reachable=bool(row["u_reachable"]),
    )


async def get_user(conn: aiosqlite.Connection, channel: str, external_id: str) -> User | None:
    """The user with that channel identity, if known."""
    row = await fetch_one(
        conn,
        f"SELECT {USER_COLUMNS} FROM users u WHERE u.channel = ? AND u.external_id = ?",
        (channel, external_id),
    )
    return _user(row) if row else None


async def get_user_by_id(conn: aiosqlite.Connection, user_id: int) -> User | None:
    """The user with that internal id."""
    row = await fetch_one(conn, f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?", (user_id,))
    return _user(row) if row else None


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
    """Create the user or refresh their profile; writes nothing when nothing changed."""
    await conn.execute(
        """
        INSERT INTO users (channel, external_id, display_name, username, platform_language,
                           created_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (channel, external_id) DO UPDATE SET
            display_name = excluded.display_name,
            username = excluded.username,
            platform_language = excluded.platform_language
        WHERE users.display_name IS NOT excluded.display_name
           OR users.username IS NOT excluded.username
           OR users.platform_language IS NOT excluded.platform_language
        """,
        (channel, external_id, display_name, username, platform_language, iso(now)),
    )
    user = await get_user(conn, channel, external_id)
    assert user is not None
    return user


async def set_user_field(
    conn: aiosqlite.Connection, user_id: int, field: str, value: object
) -> None:
    """Set one of the user's own settings."""
    if field not in ("full_name", "language", "private_chat_id", "reachable"):
        raise ValueError(field)
    await conn.execute(f"UPDATE users SET {field} = ? WHERE id = ?", (value, user_id))


# --- cells -------------------------------------------------------------------------------------

CELL_COLUMNS = (
    "c.id AS c_id, c.name AS c_name, c.channel AS c_channel, c.chat_id AS c_chat_id, "
    "c.chat_title AS c_chat_title, c.timezone AS c_timezone, c.language AS c_language, "
    "c.bot_present AS c_bot_present"
)


def _cell(row: sqlite3.Row) -> Cell:
    return Cell(
        id=row["c_id"],
        name=row["c_name"],
        channel=row["c_channel"],
        chat_id=row["c_chat_id"],
        chat_title=row["c_chat_title"],
        timezone=row["c_timezone"],
        language=row["c_language"],
        bot_present=bool(row["c_bot_present"]),
    )


async def get_cell_by_chat(conn: aiosqlite.Connection, channel: str, chat_id: str) -> Cell | None:
    """The cell bound to a group chat."""
    row = await fetch_one(
        conn,
        f"SELECT {CELL_COLUMNS} FROM cells c WHERE c.channel = ? AND c.chat_id = ?",
        (channel, chat_id),
    )
    return _cell(row) if row else None


async def get_cell(conn: aiosqlite.Connection, cell_id: int) -> Cell | None:
    """The cell with that id."""
    row = await fetch_one(conn, f"SELECT {CELL_COLUMNS} FROM cells c WHERE c.id = ?", (cell_id,))
    return _cell(row) if row else None


async def list_cells(conn: aiosqlite.Connection) -> list[tuple[Cell, int, int]]:
    """Every cell with its count of active and pending members."""
    rows = await fetch_all(
        conn,
        f"""
        SELECT {CELL_COLUMNS},
               (SELECT COUNT(*) FROM memberships m WHERE m.cell_id = c.id
                AND m.status = 'active') AS active,
               (SELECT COUNT(*) FROM memberships m WHERE m.cell_id = c.id
                AND m.status = 'pending') AS pending
        FROM cells c ORDER BY c.id
        """,
    )
    return [(_cell(r), r["active"], r["pending"]) for r in rows]


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
    """Create a cell bound to a chat."""
    cursor = await conn.execute(
        "INSERT INTO cells (name, channel, chat_id, chat_title, timezone, language, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (name, channel, chat_id, chat_title, timezone, language, iso(now)),
    )
    cell = await get_cell(conn, int(cursor.lastrowid or 0))
    assert cell is not None
    return cell


async def set_cell_chat(conn: aiosqlite.Connection, cell_id: int, chat_id: str) -> None:
    """Move a cell to a new chat id (a group upgraded to a supergroup)."""
    await conn.execute("UPDATE cells SET chat_id = ? WHERE id = ?", (chat_id, cell_id))


async def set_cell_presence(conn: aiosqlite.Connection, cell_id: int, present: bool) -> None:
    """Record whether the bot is still in the cell's group."""
    await conn.execute("UPDATE cells SET bot_present = ? WHERE id = ?", (int(present), cell_id))


# --- setup codes -------------------------------------------------------------------------------


async def insert_setup_code(
    conn: aiosqlite.Connection, code_hash: str, cell_name: str, now: datetime, expires: datetime
) -> None:
    """Store a one-time setup code (only its hash)."""
    await conn.execute(
        "INSERT INTO setup_codes (code_hash, cell_name, created_at, expires_at) VALUES (?,?,?,?)",
        (code_hash, cell_name, iso(now), iso(expires)),
    )


async def get_setup_code(conn: aiosqlite.Connection, code_hash: str) -> sqlite3.Row | None:
    """The setup code row with that hash."""
    return await fetch_one(conn, "SELECT * FROM setup_codes WHERE code_hash = ?", (code_hash,))


async def use_setup_code(
    conn: aiosqlite.Connection, code_hash: str, cell_id: int, now: datetime
) -> bool:
    """Mark a code used; False when it was used meanwhile."""
    cursor = await conn.execute(
        "UPDATE setup_codes SET used_at = ?, cell_id = ? WHERE code_hash = ? AND used_at IS NULL",
        (iso(now), cell_id, code_hash),
    )
    return cursor.rowcount == 1


# --- memberships -------------------------------------------------------------------------------

MEMBERSHIP_SELECT = f"""
    SELECT m.id, m.cell_id, m.number, m.status, m.kind, m.role, m.via, m.requested_at,
           m.joined_at, {USER_COLUMNS}
    FROM memberships m JOIN users u ON u.id = m.user_id
"""


def _membership(row: sqlite3.Row) -> Membership:
    requested = from_iso(row["requested_at"])
    assert requested is not None
    return Membership(
        id=row["id"],
        cell_id=row["cell_id"],
        user=_user(row),
        number=row["number"],
        status=Status(row["status"]),
        kind=Kind(row["kind"]),
        role=Role(row["role"]),
        via=row["via"],
        requested_at=requested,
        joined_at=from_iso(row["joined_at"]),
    )


async def get_membership(
    conn: aiosqlite.Connection, cell_id: int, user_id: int
) -> Membership | None:
    """The user's membership row in a cell, whatever its status."""
    row = await fetch_one(
        conn, MEMBERSHIP_SELECT + " WHERE m.cell_id = ? AND m.user_id = ?", (cell_id, user_id)
    )
    return _membership(row) if row else None


async def get_membership_by_id(
    conn: aiosqlite.Connection, membership_id: int
) -> Membership | None:
    """The membership with that id."""
    row = await fetch_one(conn, MEMBERSHIP_SELECT + " WHERE m.id = ?", (membership_id,))
    return _membership(row) if row else None


async def get_membership_by_number(
    conn: aiosqlite.Connection, cell_id: int, number: int
) -> Membership | None:
    """The membership with that roster number in a cell."""
    row = await fetch_one(
        conn, MEMBERSHIP_SELECT + " WHERE m.cell_id = ? AND m.number = ?", (cell_id, number)
    )
    return _membership(row) if row else None


async def find_memberships_by_username(
    conn: aiosqlite.Connection, cell_id: int, username: str
) -> list[Membership]:
    """Memberships in a cell whose user has that @username (case-insensitive)."""
    rows = await fetch_all(
        conn,
        MEMBERSHIP_SELECT + " WHERE m.cell_id = ? AND lower(u.username) = lower(?)",
        (cell_id, username),
    )
    return [_membership(r) for r in rows]


async def list_memberships(
    conn: aiosqlite.Connection, cell_id: int, statuses: Iterable[Status] = (Status.ACTIVE,)
) -> list[Membership]:
    """A cell's memberships with the given statuses, by roster number."""
    wanted = [s.value for s in statuses]
    marks = ",".join("?" * len(wanted))
    rows = await fetch_all(
        conn,
        MEMBERSHIP_SELECT + f" WHERE m.cell_id = ? AND m.status IN ({marks}) ORDER BY m.number",
        (cell_id, *wanted),
    )
    return [_membership(r) for r in rows]


async def user_memberships(
    conn: aiosqlite.Connection, user_id: int, statuses: Iterable[Status] = (Status.ACTIVE,)
) -> list[tuple[Cell, Membership]]:
    """The cells a user belongs to, with the membership."""
    wanted = [s.value for s in statuses]
    marks = ",".join("?" * len(wanted))
    rows = await fetch_all(
        conn,
        f"""
        SELECT m.id, m.cell_id, m.number, m.status, m.kind, m.role, m.via, m.requested_at,
               m.joined_at, {USER_COLUMNS}, {CELL_COLUMNS}
        FROM memberships m JOIN users u ON u.id = m.user_id JOIN cells c ON c.id = m.cell_id
        WHERE m.user_id = ? AND m.status IN ({marks}) ORDER BY c.id
        """,
        (user_id, *wanted),
    )
    return [(_cell(r), _membership(r)) for r in rows]


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
    """Add a user to a cell with the next roster number; returns the membership id."""
    cursor = await conn.execute(
        """
        INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,
                                 requested_at, joined_at)
        VALUES (?, ?, (SELECT COALESCE(MAX(number), 0) + 1 FROM memberships WHERE cell_id = ?),
                ?, ?, ?, ?, ?, ?)
        """,
        (
            cell_id,
            user_id,
            cell_id,
            status.value,
            kind.value,
            role.value,
            via,
            iso(now),
            iso(now) if status is Status.ACTIVE else None,
        ),
    )
    return int(cursor.lastrowid or 0)


async def update_membership(
    conn: aiosqlite.Connection,
    membership: Membership,
    *,
    changed_by: int | None,
    now: datetime,
    status: Status | None = None,
    kind: Kind | None = None,
    role: Role | None = None,
    via: str | None = None,
) -> None:
    """Change a membership and record every changed field in its history."""
    changes: list[tuple[str, str, str]] = []
    if status is not None and status is not membership.status:
        changes.append(("status", membership.status.value, status.value))
    if kind is not None and kind is not membership.kind:
        changes.append(("kind", membership.kind.value, kind.value))
    if role is not None and role is not membership.role:
        changes.append(("role", membership.role.value, role.value))
    for field, old, new in changes:
        await conn.execute(
            f"UPDATE memberships SET {field} = ? WHERE id = ?", (new, membership.id)
        )
        await conn.execute(
            "INSERT INTO membership_history (membership_id, field, old_value, new_value,"
            " changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
            (membership.id, field, old, new, changed_by, iso(now)),
        )
    if status is Status.ACTIVE and membership.status is not Status.ACTIVE:
        await conn.execute(
            "UPDATE memberships SET joined_at = ? WHERE id = ?", (iso(now), membership.id)
        )
    if status is Status.PENDING:
        await conn.execute(
            "UPDATE memberships SET requested_at = ?, via = COALESCE(?, via) WHERE id = ?",
            (iso(now), via, membership.id),
        )


async def membership_history(conn: aiosqlite.Connection, membership_id: int) -> list[sqlite3.Row]:
    """Changes of one membership, oldest first."""
    return await fetch_all(
        conn,
        "SELECT field, old_value, new_value, changed_by, changed_at FROM membership_history"
        " WHERE membership_id = ? ORDER BY id",
        (membership_id,),
    )


# --- invites -----------------------------------------------------------------------------------


async def insert_invite(
    conn: aiosqlite.Connection,
    *,
    cell_id: int,
    code: str,
    created_by: int,
    now: datetime,
    expires: datetime,
    max_uses: int,
) -> None:
    """Store an invite link code."""
    await conn.execute(
        "INSERT INTO invites (cell_id, code, created_by, created_at, expires_at, max_uses)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (cell_id, code, created_by, iso(now), iso(expires), max_uses),
    )


async def get_invite(conn: aiosqlite.Connection, code: str) -> sqlite3.Row | None:
    """The invite with that code."""
    return await fetch_one(conn, "SELECT * FROM invites WHERE code = ?", (code,))


async def use_invite(conn: aiosqlite.Connection, invite_id: int, now: datetime) -> bool:
    """Count one use; False when the invite is exhausted, expired or revoked."""
    cursor = await conn.execute(
        "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses AND revoked = 0"
        " AND expires_at > ?",
        (invite_id, iso(now)),
    )
    return cursor.rowcount == 1
