"""All SQL of meetings, agenda, documents, attendance replies, reminders and dialogs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.meetings import Meeting, MeetingStatus, MeetingType, Reminder, Reply
from storage.repositories import fetch_all, iso

MEETING_COLUMNS = (
    "id, cell_id, series_id, type, title, starts_at, duration_minutes, link, status, revision"
)


def _meeting(row: sqlite3.Row) -> Meeting:
    return Meeting(
        id=row["id"],
        cell_id=row["cell_id"],
        series_id=row["series_id"],
        type=MeetingType(row["type"]),
        title=row["title"],
        starts_at=datetime.fromisoformat(row["starts_at"]),
        duration_minutes=row["duration_minutes"],
        link=row["link"],
        status=MeetingStatus(row["status"]),
        revision=row["revision"],
    )


def _reminder(row: sqlite3.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        meeting_id=row["meeting_id"],
        revision=row["revision"],
        offset_minutes=row["offset_minutes"],
        due_at=datetime.fromisoformat(row["due_at"]),
        status=row["status"],
    )


# --- meetings ----------------------------------------------------------------------------------


async def insert_meeting(
    conn: aiosqlite.Connection,
    *,
    cell_id: int,
    type: MeetingType,
    title: str,
    starts_at: datetime,
    duration_minutes: int,
    link: str | None,
    created_by: int | None,
    now: datetime,
    series_id: int | None = None,
) -> Meeting:
    """Create a scheduled meeting."""
    cursor = await conn.execute(
        "INSERT INTO meetings (cell_id, series_id, type, title, starts_at, duration_minutes,"
        " link, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            cell_id,
            series_id,
            type.value,
            title,
            iso(starts_at),
            duration_minutes,
            link,
            created_by,
            iso(now),
        ),
    )
    meeting = await get_meeting(conn, int(cursor.lastrowid or 0))
    assert meeting is not None
    return meeting


async def get_meeting(conn: aiosqlite.Connection, meeting_id: int) -> Meeting | None:
    """The meeting with that id."""
    rows = await fetch_all(
        conn, f"SELECT {MEETING_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,)
    )
    return _meeting(rows[0]) if rows else None


async def cell_meetings(
    conn: aiosqlite.Connection,
    cell_id: int,
    *,
    after: datetime | None = None,
    before: datetime | None = None,
    statuses: Iterable[MeetingStatus] | None = None,
    limit: int = 1000,
    descending: bool = False,
) -> list[Meeting]:
    """A cell's meetings in a time window, by start time."""
    sql = f"SELECT {MEETING_COLUMNS} FROM meetings WHERE cell_id = ?"
    params: list[object] = [cell_id]
    if after is not None:
        sql += " AND starts_at >= ?"
        params.append(iso(after))
    if before is not None:
        sql += " AND starts_at < ?"
        params.append(iso(before))
    if statuses is not None:
        wanted = [s.value for s in statuses]
        sql += f" AND status IN ({','.join('?' * len(wanted))})"
        params += wanted
    sql += f" ORDER BY starts_at {'DESC' if descending else 'ASC'}, id LIMIT ?"
    params.append(limit)
    return [_meeting(r) for r in await fetch_all(conn, sql, params)]


async def update_meeting(conn: aiosqlite.Connection, meeting_id: int, **fields: object) -> None:
    """Change columns of a meeting (names checked against the schema)."""
    allowed = {"title", "starts_at", "duration_minutes", "link", "status", "revision", "detached"}
    if not fields or not set(fields) <= allowed:
        raise ValueError(f"bad meeting fields {sorted(fields)}")
    values = [iso(v) if isinstance(v, datetime) else v for v in fields.values()]
    assignments = ", ".join(f"{name} = ?" for name in fields)
    await conn.execute(f"UPDATE meetings SET {assignments} WHERE id = ?", (*values, meeting_id))


# --- series ------------------------------------------------------------------------------------


async def insert_series(
    conn: aiosqlite.Connection,
    *,
    cell_id: int,
    rule: str,
    type: MeetingType,
    title: str,
    duration_minutes: int,
    link: str | None,
    created_by: int | None,
    now: datetime,
) -> int:
    """Create a recurring series; returns its id."""
    cursor = await conn.execute(
        "INSERT INTO meeting_series (cell_id, rule, type, title, duration_minutes, link,"
        " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (cell_id, rule, type.value, title, duration_minutes, link, created_by, iso(now)),
    )
    return int(cursor.lastrowid or 0)


async def active_series(
    conn: aiosqlite.Connection, cell_id: int | None = None
) -> list[sqlite3.Row]:
    """Active series (of one cell, or all)."""
    if cell_id is None:
        return await fetch_all(conn, "SELECT * FROM meeting_series WHERE active = 1")
    return await fetch_all(
        conn, "SELECT * FROM meeting_series WHERE active = 1 AND cell_id = ?", (cell_id,)
    )


async def deactivate_series(conn: aiosqlite.Connection, series_id: int) -> None:
    """Stop a series from making new occurrences."""
    await conn.execute("UPDATE meeting_series SET active = 0 WHERE id = ?", (series_id,))


async def future_series_meetings(
    conn: aiosqlite.Connection, series_id: int, after: datetime
) -> list[Meeting]:
    """Scheduled occurrences of a series after a time that were not moved alone."""
    rows = await fetch_all(
        conn,
        f"SELECT {MEETING_COLUMNS} FROM meetings WHERE series_id = ? AND starts_at > ?"
        " AND status = 'scheduled' AND detached = 0 ORDER BY starts_at",
        (series_id, iso(after)),
    )
    return [_meeting(r) for r in rows]


async def series_starts(conn: aiosqlite.Connection, series_id: int) -> set[str]:
    """Start times (stored text) of every occurrence a series ever made."""
    rows = await fetch_all(
        conn, "SELECT starts_at FROM meetings WHERE series_id = ?", (series_id,)
    )
    return {r["starts_at"] for r in rows}


# --- agenda ------------------------------------------------------------------------------------


async def get_agenda(conn: aiosqlite.Connection, meeting_id: int) -> list[str]:
    """The stored agenda items, in order."""
    rows = await fetch_all(
        conn,
        "SELECT item FROM agenda_items WHERE meeting_id = ? ORDER BY position",
        (meeting_id,),
    )
    return [r["item"] for r in rows]


async def set_agenda(conn: aiosqlite.Connection, meeting_id: int, items: list[str]) -> None:
    """Replace the agenda."""
    await conn.execute("DELETE FROM agenda_items WHERE meeting_id = ?", (meeting_id,))
    await conn.executemany(
        "INSERT INTO agenda_items (meeting_id, position, item) VALUES (?, ?, ?)",
        [(meeting_id, position, item) for position, item in enumerate(items, start=1)],
    )


# --- documents ---------------------------------------------------------------------------------


async def insert_document(
    conn: aiosqlite.Connection,
    *,
    meeting_id: int,
    file_id: str,
    file_name: str,
    confidential: bool,
    added_by: int | None,
    now: datetime,
) -> int:
    """Attach a document to a meeting."""
    cursor = await conn.execute(
        "INSERT INTO documents (meeting_id, file_id, file_name, confidential, added_by, added_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (meeting_id, file_id, file_name, int(confidential), added_by, iso(now)),
    )
    return int(cursor.lastrowid or 0)


async def documents(conn: aiosqlite.Connection, meeting_id: int) -> list[sqlite3.Row]:
    """A meeting's documents, oldest first."""
    return await fetch_all(
        conn, "SELECT * FROM documents WHERE meeting_id = ? ORDER BY id", (meeting_id,)
    )


# --- attendance replies ------------------------------------------------------------------------


async def get_reply(
    conn: aiosqlite.Connection, meeting_id: int, user_id: int
) -> sqlite3.Row | None:
    """A member's answer to a summons."""
    rows = await fetch_all(
        conn,
        "SELECT * FROM attendance_replies WHERE meeting_id = ? AND user_id = ?",
        (meeting_id, user_id),
    )
    return rows[0] if rows else None


async def set_reply(
    conn: aiosqlite.Connection,
    *,
    meeting_id: int,
    user_id: int,
    status: Reply,
    reason: str | None,
    decided_by: int | None,
    now: datetime,
) -> None:
    """Record or replace a member's answer."""
    await conn.execute(
        """
        INSERT INTO attendance_replies (meeting_id, user_id, status, reason, decided_by,
                                        updated_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (meeting_id, user_id) DO UPDATE SET
            status = excluded.status, reason = COALESCE(excluded.reason, reason),
            decided_by = excluded.decided_by, updated_at = excluded.updated_at
        """,
        (meeting_id, user_id, status.value, reason, decided_by, iso(now)),
    )


async def replies(conn: aiosqlite.Connection, meeting_id: int) -> dict[int, sqlite3.Row]:
    """Every answer to a meeting's summons, by user id."""
    rows = await fetch_all(
        conn, "SELECT * FROM attendance_replies WHERE meeting_id = ?", (meeting_id,)
    )
    return {r["user_id"]: r for r in rows}


# --- reminders ---------------------------------------------------------------------------------


async def insert_reminders(
    conn: aiosqlite.Connection,
    meeting: Meeting,
    times: list[tuple[int, datetime]],
) -> list[Reminder]:
    """Pending reminders of the meeting's current revision; one cancelled earlier at the same
    offset (the cell's offsets changed back) becomes pending again. Sent ones stay sent."""
    created = []
    for offset, due in times:
        async with conn.execute(
            "INSERT INTO reminders (meeting_id, revision, offset_minutes, due_at)"
            " VALUES (?, ?, ?, ?)"
            " ON CONFLICT (meeting_id, revision, offset_minutes) DO UPDATE SET"
            " status = 'pending', due_at = excluded.due_at, done_at = NULL"
            " WHERE reminders.status = 'cancelled'"
            " RETURNING id",
            (meeting.id, meeting.revision, offset, iso(due)),
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            created.append(
                Reminder(int(row[0]), meeting.id, meeting.revision, offset, due, "pending")
            )
    return created


async def cancel_reminder(conn: aiosqlite.Connection, reminder_id: int, now: datetime) -> None:
    """Void one pending reminder."""
    await conn.execute(
        "UPDATE reminders SET status = 'cancelled', done_at = ?"
        " WHERE id = ? AND status = 'pending'",
        (iso(now), reminder_id),
    )


async def cancel_reminders(
    conn: aiosqlite.Connection, meeting_id: int, now: datetime
) -> list[int]:
    """Void a meeting's pending reminders; returns their ids (to unschedule the jobs)."""
    rows = await fetch_all(
        conn,
        "SELECT id FROM reminders WHERE meeting_id = ? AND status = 'pending'",
        (meeting_id,),
    )
    ids = [r["id"] for r in rows]
    await conn.execute(
        "UPDATE reminders SET status = 'cancelled', done_at = ? WHERE meeting_id = ?"
        " AND status = 'pending'",
        (iso(now), meeting_id),
    )
    return ids


async def pending_reminders(conn: aiosqlite.Connection) -> list[Reminder]:
    """Every pending reminder, earliest first."""
    rows = await fetch_all(
        conn, "SELECT * FROM reminders WHERE status = 'pending' ORDER BY due_at, id"
    )
    return [_reminder(r) for r in rows]


async def meeting_reminders(
    conn: aiosqlite.Connection, meeting_id: int, revision: int
) -> list[Reminder]:
    """Every reminder of one revision of a meeting, whatever its status."""
    rows = await fetch_all(
        conn,
        "SELECT * FROM reminders WHERE meeting_id = ? AND revision = ? ORDER BY due_at, id",
        (meeting_id, revision),
    )
    return [_reminder(r) for r in rows]


async def get_reminder(conn: aiosqlite.Connection, reminder_id: int) -> Reminder | None:
    """The reminder with that id."""
    rows = await fetch_all(conn, "SELECT * FROM reminders WHERE id = ?", (reminder_id,))
    return _reminder(rows[0]) if rows else None


async def finish_reminder(
    conn: aiosqlite.Connection, reminder_id: int, status: str, now: datetime
) -> None:
    """Mark a reminder sent or skipped."""
    await conn.execute(
        "UPDATE reminders SET status = ?, done_at = ? WHERE id = ? AND status = 'pending'",
        (status, iso(now), reminder_id),
    )


DELIVERY_TABLES = {"reminder": "reminder_deliveries", "document": "document_deliveries"}


async def claim_delivery(
    conn: aiosqlite.Connection, what: str, key: int, recipient: str, now: datetime
) -> bool:
    """Claim the right to send one reminder (or document) to one recipient; False if taken."""
    table = DELIVERY_TABLES[what]
    cursor = await conn.execute(
        f"INSERT INTO {table} ({what}_id, recipient, state, updated_at)"
        " VALUES (?, ?, 'claimed', ?) ON CONFLICT DO NOTHING",
        (key, recipient, iso(now)),
    )
    return cursor.rowcount == 1


async def settle_delivery(
    conn: aiosqlite.Connection, what: str, key: int, recipient: str, state: str, now: datetime
) -> None:
    """Record how a claimed delivery ended: delivered or unreachable."""
    table = DELIVERY_TABLES[what]
    await conn.execute(
        f"UPDATE {table} SET state = ?, updated_at = ? WHERE {what}_id = ? AND recipient = ?",
        (state, iso(now), key, recipient),
    )


async def release_delivery(
    conn: aiosqlite.Connection, what: str, key: int, recipient: str
) -> None:
    """Give up a claim whose send failed for a passing reason, so a retry can send it."""
    table = DELIVERY_TABLES[what]
    await conn.execute(
        f"DELETE FROM {table} WHERE {what}_id = ? AND recipient = ? AND state = 'claimed'",
        (key, recipient),
    )


async def deliveries(conn: aiosqlite.Connection, reminder_id: int) -> dict[str, str]:
    """recipient -> state for one reminder."""
    rows = await fetch_all(
        conn,
        "SELECT recipient, state FROM reminder_deliveries WHERE reminder_id = ?",
        (reminder_id,),
    )
    return {r["recipient"]: r["state"] for r in rows}


# --- dialogs -----------------------------------------------------------------------------------


async def get_dialog(conn: aiosqlite.Connection, user_id: int, chat_id: str) -> sqlite3.Row | None:
    """The user's open dialog in a chat."""
    rows = await fetch_all(
        conn, "SELECT * FROM dialogs WHERE user_id = ? AND chat_id = ?", (user_id, chat_id)
    )
    return rows[0] if rows else None


async def set_dialog(
    conn: aiosqlite.Connection, user_id: int, chat_id: str, kind: str, state: str, now: datetime
) -> None:
    """Open or advance a dialog."""
    await conn.execute(
        "INSERT INTO dialogs (user_id, chat_id, kind, state, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id, chat_id) DO UPDATE SET kind = excluded.kind,"
        " state = excluded.state, updated_at = excluded.updated_at",
        (user_id, chat_id, kind, state, iso(now)),
    )


async def clear_dialog(conn: aiosqlite.Connection, user_id: int, chat_id: str) -> None:
    """Close a dialog."""
    await conn.execute("DELETE FROM dialogs WHERE user_id = ? AND chat_id = ?", (user_id, chat_id))


async def set_cell_offsets(conn: aiosqlite.Connection, cell_id: int, offsets: str | None) -> None:
    """Per-cell reminder offsets (NULL: the default)."""
    await conn.execute("UPDATE cells SET reminder_offsets = ? WHERE id = ?", (offsets, cell_id))


async def get_cell_offsets(conn: aiosqlite.Connection, cell_id: int) -> str | None:
    """The cell's own reminder offsets, if set."""
    rows = await fetch_all(conn, "SELECT reminder_offsets FROM cells WHERE id = ?", (cell_id,))
    return rows[0]["reminder_offsets"] if rows else None
