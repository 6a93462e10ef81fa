"""The SQLite repositories: all SQL, over one connection, returning domain objects."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime

import aiosqlite

from bot.domain.cells import Cell, InviteCode, Kind, Membership, Role, SetupCode, Status
from bot.domain.dialogs import Dialog
from bot.domain.identity import Account, Identity, User
from bot.domain.meetings import (
    Answer,
    Document,
    DocumentRef,
    Meeting,
    MeetingStatus,
    MeetingType,
    Reply,
    Series,
)
from bot.domain.messages import (
    AnswerSummons,
    ApproveMinutes,
    AssignRunner,
    CastBallot,
    CheckIn,
    Choice,
    ChoiceAction,
    Confirm,
    Content,
    DecideAbsence,
    DecideJoin,
    Group,
    Letter,
    NextSpeaker,
    RaiseHand,
    ScoreMeeting,
    SendAbsence,
)
from bot.domain.reminders import Reminder, ReminderStatus
from bot.domain.running import RollEntry, RollKind, RollRules, RollStatus, RollTally, Run
from bot.ports import CellSummary, DeliveryState, KeptLetter, MembershipChange

DISPLAY_NAME_MAX = 200


def iso(moment: datetime) -> str:
    """Store tz-aware UTC as ISO-8601 text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.isoformat()


def from_iso(text: str | None) -> datetime | None:
    """Read back a stored timestamp."""
    return datetime.fromisoformat(text) if text else None


def _required_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Repository:
    """One connection, shared by the repositories of a unit of work."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    # Each awaited call is one hop to the connection's thread (the cost that counts here):
    # execute_fetchall runs, fetches and closes in one hop, where a cursor takes three.

    async def one(self, sql: str, params: Iterable[object] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None (one round trip)."""
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def all(self, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
        """Every row of a query (one round trip)."""
        rows: Iterable[sqlite3.Row] = await self.conn.execute_fetchall(sql, tuple(params))
        return list(rows)

    async def run(self, sql: str, params: Iterable[object] = ()) -> int:
        """Execute one statement; the number of rows it changed (one round trip).

        The unit of work holds the connection alone, so the change in total_changes is this
        statement's."""
        before = self.conn.total_changes
        await self.conn.execute_fetchall(sql, tuple(params))
        return self.conn.total_changes - before


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values))


# --- users -------------------------------------------------------------------------------------

USER_COLUMNS = (
    "u.id AS u_id, u.channel AS u_channel, u.external_id AS u_external_id, "
    "u.display_name AS u_display_name, u.username AS u_username, u.full_name AS u_full_name, "
    "u.language AS u_language, u.platform_language AS u_platform_language, "
    "u.private_chat_id AS u_private_chat_id, u.reachable AS u_reachable, "
    "u.prefers AS u_prefers, "
    "(SELECT json_group_array(json_array(x.id, x.channel, x.external_id, x.private_chat_id, "
    "x.reachable)) FROM users x WHERE x.person_id = u.id) AS u_accounts"
)
# A channel account as the person it belongs to: the account itself, or the person it was
# connected to.
ACCOUNT_JOIN = "users a JOIN users u ON u.id = COALESCE(a.person_id, a.id)"


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
        accounts=_accounts(row["u_accounts"]),
        prefers=row["u_prefers"],
    )


def _accounts(raw: str | None) -> tuple[Account, ...]:
    if not raw or raw == "[]":
        return ()
    return tuple(
        Account(user_id, channel, external_id, chat, bool(reachable))
        for user_id, channel, external_id, chat, reachable in json.loads(raw)
    )


class SqliteUsers(Repository):
    """People known to the bot."""

    async def get(self, channel: str, external_id: str) -> User | None:
        """The user with that channel identity."""
        row = await self.one(
            f"SELECT {USER_COLUMNS} FROM {ACCOUNT_JOIN} WHERE a.channel = ? AND a.external_id = ?",
            (channel, external_id),
        )
        return _user(row) if row else None

    async def get_by_id(self, user_id: int) -> User | None:
        """The user with that id."""
        row = await self.one(f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?", (user_id,))
        return _user(row) if row else None

    async def upsert(self, identity: Identity, now: datetime) -> User:
        """Create the user or refresh their profile; writes nothing when nothing changed."""
        display_name = identity.display_name[:DISPLAY_NAME_MAX] or identity.external_id
        params = (
            identity.channel,
            identity.external_id,
            display_name,
            identity.username,
            identity.language_code,
        )
        # One round trip: the row as it now is comes back whether it was made or refreshed.
        row = await self.one(
            """
            INSERT INTO users (channel, external_id, display_name, username, platform_language,
                               created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (channel, external_id) DO UPDATE SET
                display_name = excluded.display_name,
                username = excluded.username,
                platform_language = excluded.platform_language
            RETURNING id AS u_id, channel AS u_channel, external_id AS u_external_id,
                      display_name AS u_display_name, username AS u_username,
                      full_name AS u_full_name, language AS u_language,
                      platform_language AS u_platform_language,
                      private_chat_id AS u_private_chat_id, reachable AS u_reachable,
                      prefers AS u_prefers, person_id AS u_person_id,
                      (SELECT json_group_array(json_array(x.id, x.channel, x.external_id,
                                                          x.private_chat_id, x.reachable))
                       FROM users x WHERE x.person_id = users.id) AS u_accounts
            """,
            (*params, iso(now)),
        )
        assert row is not None
        if row["u_person_id"] is not None:
            # An account connected to a person: the person is who acts.
            person = await self.get_by_id(row["u_person_id"])
            assert person is not None
            return person
        return _user(row)

    async def open_private(self, channel: str, external_id: str, chat_id: str) -> None:
        """The account opened a private chat: reachable there (the account's own row, also
        when it is connected to a person)."""
        await self.run(
            "UPDATE users SET private_chat_id = ?, reachable = 1 "
            "WHERE channel = ? AND external_id = ? "
            "AND (private_chat_id IS NOT ? OR reachable = 0)",
            (chat_id, channel, external_id, chat_id),
        )

    async def set_account_reachable(self, channel: str, external_id: str, reachable: bool) -> None:
        """Whether private messages reach this account (the account's own row)."""
        await self.run(
            "UPDATE users SET reachable = ? WHERE channel = ? AND external_id = ? "
            "AND reachable != ?",
            (int(reachable), channel, external_id, int(reachable)),
        )

    async def connect(self, account_id: int, person_id: int) -> None:
        """Make an account (and any connected to it) one of the person's accounts."""
        await self.run(
            "UPDATE users SET person_id = ?, prefers = NULL WHERE id = ? OR person_id = ?",
            (person_id, account_id, account_id),
        )

    async def set_prefers(self, user_id: int, channel: str | None) -> None:
        """The channel the person's private messages go to first."""
        await self.run("UPDATE users SET prefers = ? WHERE id = ?", (channel, user_id))

    async def add_connect_code(
        self, user_id: int, code_hash: str, now: datetime, expires_at: datetime
    ) -> None:
        """A one-time code for connecting another account to this user (only its hash)."""
        await self.run(
            "INSERT INTO connect_codes (code_hash, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (code_hash, user_id, iso(now), iso(expires_at)),
        )

    async def take_connect_code(self, code_hash: str, now: datetime) -> int | None:
        """Use a code once: the id of the user who asked for it, None when unknown, used or
        expired."""
        row = await self.one(
            "UPDATE connect_codes SET used_at = ?"
            " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id",
            (iso(now), code_hash, iso(now)),
        )
        return int(row["user_id"]) if row else None

    async def set_full_name(self, user_id: int, name: str) -> None:
        """The name as in party records."""
        await self.run("UPDATE users SET full_name = ? WHERE id = ?", (name, user_id))

    async def set_language(self, user_id: int, language: str) -> None:
        """The language chosen with /lang."""
        await self.run("UPDATE users SET language = ? WHERE id = ?", (language, user_id))

    async def set_private_chat(self, user_id: int, chat_id: str) -> None:
        """The user opened a private chat: reachable there."""
        await self.run(
            "UPDATE users SET private_chat_id = ?, reachable = 1 WHERE id = ?", (chat_id, user_id)
        )

    async def set_reachable(self, user_id: int, reachable: bool) -> None:
        """Whether private messages reach the user."""
        await self.run("UPDATE users SET reachable = ? WHERE id = ?", (int(reachable), user_id))


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


class SqliteCells(Repository):
    """Cells and the groups they are bound to."""

    async def get(self, cell_id: int) -> Cell | None:
        """The cell with that id."""
        row = await self.one(f"SELECT {CELL_COLUMNS} FROM cells c WHERE c.id = ?", (cell_id,))
        return _cell(row) if row else None

    async def get_by_chat(self, channel: str, chat_id: str) -> Cell | None:
        """The cell bound to a group."""
        row = await self.one(
            f"SELECT {CELL_COLUMNS} FROM cells c WHERE c.channel = ? AND c.chat_id = ?",
            (channel, chat_id),
        )
        return _cell(row) if row else None

    async def summaries(self) -> list[CellSummary]:
        """Every cell with its count of active and pending members."""
        rows = await self.all(
            f"""
            SELECT {CELL_COLUMNS},
                   (SELECT COUNT(*) FROM memberships m WHERE m.cell_id = c.id
                    AND m.status = 'active') AS active,
                   (SELECT COUNT(*) FROM memberships m WHERE m.cell_id = c.id
                    AND m.status = 'pending') AS pending
            FROM cells c ORDER BY c.id
            """
        )
        return [CellSummary(_cell(r), r["active"], r["pending"]) for r in rows]

    async def insert(
        self,
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
        row = await self.one(
            "INSERT INTO cells (name, channel, chat_id, chat_title, timezone, language,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id AS c_id, name AS c_name, channel AS c_channel, chat_id AS c_chat_id,"
            " chat_title AS c_chat_title, timezone AS c_timezone, language AS c_language,"
            " bot_present AS c_bot_present",
            (name, channel, chat_id, chat_title, timezone, language, iso(now)),
        )
        assert row is not None
        return _cell(row)

    async def set_language(self, cell_id: int, language: str) -> None:
        """The language the bot writes in the cell's group."""
        await self.run("UPDATE cells SET language = ? WHERE id = ?", (language, cell_id))

    async def set_chat(self, cell_id: int, chat_id: str) -> None:
        """Move a cell to a new chat id (a group upgraded to a supergroup)."""
        await self.run("UPDATE cells SET chat_id = ? WHERE id = ?", (chat_id, cell_id))

    async def set_presence(self, cell_id: int, present: bool) -> None:
        """Record whether the bot is still in the cell's group."""
        await self.run("UPDATE cells SET bot_present = ? WHERE id = ?", (int(present), cell_id))

    async def get_offsets(self, cell_id: int) -> tuple[int, ...] | None:
        """The cell's own reminder offsets, if set."""
        row = await self.one("SELECT reminder_offsets FROM cells WHERE id = ?", (cell_id,))
        stored = row["reminder_offsets"] if row else None
        return tuple(int(p) for p in stored.split(",")) if stored else None

    async def set_offsets(self, cell_id: int, offsets: tuple[int, ...] | None) -> None:
        """Per-cell reminder offsets (None: the default)."""
        text = ",".join(map(str, offsets)) if offsets else None
        await self.run("UPDATE cells SET reminder_offsets = ? WHERE id = ?", (text, cell_id))


# --- setup codes -------------------------------------------------------------------------------


class SqliteSetupCodes(Repository):
    """One-time setup codes, stored as hashes."""

    async def insert(
        self, code_hash: str, cell_name: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store a one-time setup code (only its hash)."""
        await self.run(
            "INSERT INTO setup_codes (code_hash, cell_name, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (code_hash, cell_name, iso(now), iso(expires_at)),
        )

    async def get(self, code_hash: str) -> SetupCode | None:
        """The setup code with that hash."""
        row = await self.one(
            "SELECT code_hash, cell_name, expires_at, used_at FROM setup_codes"
            " WHERE code_hash = ?",
            (code_hash,),
        )
        if row is None:
            return None
        return SetupCode(
            row["code_hash"],
            row["cell_name"],
            _required_iso(row["expires_at"]),
            from_iso(row["used_at"]),
        )

    async def use(self, code_hash: str, cell_id: int, now: datetime) -> bool:
        """Mark a code used; False when it was used meanwhile."""
        changed = await self.run(
            "UPDATE setup_codes SET used_at = ?, cell_id = ?"
            " WHERE code_hash = ? AND used_at IS NULL",
            (iso(now), cell_id, code_hash),
        )
        return changed == 1


# --- memberships -------------------------------------------------------------------------------

MEMBERSHIP_SELECT = f"""
    SELECT m.id, m.cell_id, m.number, m.status, m.kind, m.role, m.via, m.requested_at,
           m.joined_at, {USER_COLUMNS}
    FROM memberships m JOIN users u ON u.id = m.user_id
"""


def _membership(row: sqlite3.Row) -> Membership:
    return Membership(
        id=row["id"],
        cell_id=row["cell_id"],
        user=_user(row),
        number=row["number"],
        status=Status(row["status"]),
        kind=Kind(row["kind"]),
        role=Role(row["role"]),
        via=row["via"],
        requested_at=_required_iso(row["requested_at"]),
        joined_at=from_iso(row["joined_at"]),
    )


class SqliteMemberships(Repository):
    """Members of cells, with the history of their changes."""

    async def get(self, cell_id: int, user_id: int) -> Membership | None:
        """The user's membership row in a cell, whatever its status."""
        row = await self.one(
            MEMBERSHIP_SELECT + " WHERE m.cell_id = ? AND m.user_id = ?", (cell_id, user_id)
        )
        return _membership(row) if row else None

    async def of_person(
        self, cell_id: int, channel: str, external_id: str
    ) -> tuple[User | None, Membership | None]:
        """A person as known to the bot and their membership in a cell, in one query."""
        row = await self.one(
            f"""
            SELECT m.id, m.cell_id, m.number, m.status, m.kind, m.role, m.via, m.requested_at,
                   m.joined_at, {USER_COLUMNS}
            FROM {ACCOUNT_JOIN} LEFT JOIN memberships m ON m.user_id = u.id AND m.cell_id = ?
            WHERE a.channel = ? AND a.external_id = ?
            """,
            (cell_id, channel, external_id),
        )
        if row is None:
            return None, None
        return _user(row), _membership(row) if row["id"] is not None else None

    async def get_by_id(self, membership_id: int) -> Membership | None:
        """The membership with that id."""
        row = await self.one(MEMBERSHIP_SELECT + " WHERE m.id = ?", (membership_id,))
        return _membership(row) if row else None

    async def get_by_number(self, cell_id: int, number: int) -> Membership | None:
        """The membership with that roster number in a cell."""
        row = await self.one(
            MEMBERSHIP_SELECT + " WHERE m.cell_id = ? AND m.number = ?", (cell_id, number)
        )
        return _membership(row) if row else None

    async def find_by_username(self, cell_id: int, username: str) -> list[Membership]:
        """Memberships in a cell whose user has that @username (case-insensitive)."""
        rows = await self.all(
            MEMBERSHIP_SELECT + " WHERE m.cell_id = ? AND lower(u.username) = lower(?)",
            (cell_id, username),
        )
        return [_membership(r) for r in rows]

    async def of_cell(
        self, cell_id: int, statuses: Iterable[Status] = (Status.ACTIVE,)
    ) -> list[Membership]:
        """A cell's memberships with the given statuses, by roster number."""
        wanted = [s.value for s in statuses]
        rows = await self.all(
            MEMBERSHIP_SELECT
            + f" WHERE m.cell_id = ? AND m.status IN ({_marks(wanted)}) ORDER BY m.number",
            (cell_id, *wanted),
        )
        return [_membership(r) for r in rows]

    async def of_user(
        self, user_id: int, statuses: Iterable[Status] = (Status.ACTIVE,)
    ) -> list[tuple[Cell, Membership]]:
        """The cells a user belongs to, with the membership."""
        wanted = [s.value for s in statuses]
        rows = await self.all(
            f"""
            SELECT m.id, m.cell_id, m.number, m.status, m.kind, m.role, m.via, m.requested_at,
                   m.joined_at, {USER_COLUMNS}, {CELL_COLUMNS}
            FROM memberships m JOIN users u ON u.id = m.user_id JOIN cells c ON c.id = m.cell_id
            WHERE m.user_id = ? AND m.status IN ({_marks(wanted)}) ORDER BY c.id
            """,
            (user_id, *wanted),
        )
        return [(_cell(r), _membership(r)) for r in rows]

    async def insert(
        self,
        *,
        cell_id: int,
        user_id: int,
        status: Status,
        kind: Kind,
        role: Role,
        via: str,
        now: datetime,
    ) -> Membership:
        """Add a user to a cell with the next roster number."""
        row = await self.one(
            """
            INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,
                                     requested_at, joined_at)
            VALUES (?, ?,
                    (SELECT COALESCE(MAX(number), 0) + 1 FROM memberships WHERE cell_id = ?),
                    ?, ?, ?, ?, ?, ?)
            RETURNING id
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
        assert row is not None
        created = await self.get_by_id(int(row["id"]))
        assert created is not None
        return created

    async def update(
        self,
        membership: Membership,
        *,
        changed_by: int | None,
        now: datetime,
        status: Status | None = None,
        kind: Kind | None = None,
        role: Role | None = None,
        via: str | None = None,
    ) -> Membership:
        """Change a membership and record every changed field in its history."""
        changes: list[tuple[str, str, str]] = []
        if status is not None and status is not membership.status:
            changes.append(("status", membership.status.value, status.value))
        if kind is not None and kind is not membership.kind:
            changes.append(("kind", membership.kind.value, kind.value))
        if role is not None and role is not membership.role:
            changes.append(("role", membership.role.value, role.value))
        assignments = [f"{field} = ?" for field, _, _ in changes]
        values: list[object] = [new for _, _, new in changes]
        if status is Status.ACTIVE and membership.status is not Status.ACTIVE:
            assignments.append("joined_at = ?")
            values.append(iso(now))
        if status is Status.PENDING:
            assignments.append("requested_at = ?")
            values.append(iso(now))
            if via is not None:
                assignments.append("via = ?")
                values.append(via)
        if assignments:
            await self.run(
                f"UPDATE memberships SET {', '.join(assignments)} WHERE id = ?",
                (*values, membership.id),
            )
        if changes:
            await self.conn.executemany(
                "INSERT INTO membership_history (membership_id, field, old_value, new_value,"
                " changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(membership.id, f, old, new, changed_by, iso(now)) for f, old, new in changes],
            )
        fresh = await self.get_by_id(membership.id)
        assert fresh is not None
        return fresh

    async def reassign(self, membership_id: int, user_id: int) -> None:
        """Give a membership to another user (the same person's first account)."""
        await self.run("UPDATE memberships SET user_id = ? WHERE id = ?", (user_id, membership_id))

    async def history(self, membership_id: int) -> list[MembershipChange]:
        """Changes of one membership, oldest first."""
        rows = await self.all(
            "SELECT field, old_value, new_value, changed_by, changed_at FROM membership_history"
            " WHERE membership_id = ? ORDER BY id",
            (membership_id,),
        )
        return [
            MembershipChange(
                r["field"],
                r["old_value"],
                r["new_value"],
                r["changed_by"],
                _required_iso(r["changed_at"]),
            )
            for r in rows
        ]


# --- invites -----------------------------------------------------------------------------------


class SqliteInvites(Repository):
    """Invite links of cells."""

    async def insert(
        self,
        *,
        cell_id: int,
        code: str,
        created_by: int,
        now: datetime,
        expires_at: datetime,
        max_uses: int,
    ) -> None:
        """Store an invite link code."""
        await self.run(
            "INSERT INTO invites (cell_id, code, created_by, created_at, expires_at, max_uses)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (cell_id, code, created_by, iso(now), iso(expires_at), max_uses),
        )

    async def get(self, code: str) -> InviteCode | None:
        """The invite with that code."""
        row = await self.one(
            "SELECT id, cell_id, code, expires_at, max_uses, uses, revoked FROM invites"
            " WHERE code = ?",
            (code,),
        )
        if row is None:
            return None
        return InviteCode(
            id=row["id"],
            cell_id=row["cell_id"],
            code=row["code"],
            expires_at=_required_iso(row["expires_at"]),
            max_uses=row["max_uses"],
            uses=row["uses"],
            revoked=bool(row["revoked"]),
        )

    async def use(self, invite_id: int, now: datetime) -> bool:
        """Count one use; False when the invite is exhausted, expired or revoked."""
        changed = await self.run(
            "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses"
            " AND revoked = 0 AND expires_at > ?",
            (invite_id, iso(now)),
        )
        return changed == 1


# --- meetings ----------------------------------------------------------------------------------

MEETING_COLUMNS = (
    "id, cell_id, series_id, type, title, starts_at, duration_minutes, link, status, revision,"
    " number, sequence"
)


def _meeting(row: sqlite3.Row) -> Meeting:
    return Meeting(
        id=row["id"],
        cell_id=row["cell_id"],
        series_id=row["series_id"],
        type=MeetingType(row["type"]),
        title=row["title"],
        starts_at=_required_iso(row["starts_at"]),
        duration_minutes=row["duration_minutes"],
        link=row["link"],
        status=MeetingStatus(row["status"]),
        revision=row["revision"],
        number=row["number"],
        sequence=row["sequence"],
    )


class SqliteMeetings(Repository):
    """Meetings of cells."""

    async def insert(
        self,
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
        source: tuple[str, int] | None = None,
    ) -> Meeting:
        """Create a scheduled meeting, numbered after the cell's last one."""
        source_chat, source_message = source or (None, None)
        row = await self.one(
            "INSERT INTO meetings (cell_id, number, series_id, type, title, starts_at,"
            " duration_minutes, link, created_by, created_at, source_chat, source_message)"
            " VALUES (?1, (SELECT COALESCE(MAX(number), 0) + 1 FROM meetings WHERE cell_id = ?1),"
            f" ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING {MEETING_COLUMNS}",
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
                source_chat,
                source_message,
            ),
        )
        assert row is not None
        return _meeting(row)

    async def by_number(self, cell_id: int, number: int) -> Meeting | None:
        """The cell's meeting with that number."""
        row = await self.one(
            f"SELECT {MEETING_COLUMNS} FROM meetings WHERE cell_id = ? AND number = ?",
            (cell_id, number),
        )
        return _meeting(row) if row else None

    async def by_source(self, chat_id: str, message_id: int) -> Meeting | None:
        """The meeting scheduled with that message."""
        row = await self.one(
            f"SELECT {MEETING_COLUMNS} FROM meetings WHERE source_chat = ? AND source_message = ?",
            (chat_id, message_id),
        )
        return _meeting(row) if row else None

    async def get(self, meeting_id: int) -> Meeting | None:
        """The meeting with that id."""
        row = await self.one(f"SELECT {MEETING_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        return _meeting(row) if row else None

    async def get_with_cell(self, meeting_id: int) -> tuple[Meeting, Cell] | None:
        """A meeting and its cell, in one query."""
        columns = ", ".join(f"mt.{c.strip()}" for c in MEETING_COLUMNS.split(","))
        row = await self.one(
            f"SELECT {columns}, {CELL_COLUMNS} FROM meetings mt JOIN cells c ON c.id = mt.cell_id"
            " WHERE mt.id = ?",
            (meeting_id,),
        )
        return (_meeting(row), _cell(row)) if row else None

    async def of_cell(
        self,
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
            sql += f" AND status IN ({_marks(wanted)})"
            params += wanted
        sql += f" ORDER BY starts_at {'DESC' if descending else 'ASC'}, id LIMIT ?"
        params.append(limit)
        return [_meeting(r) for r in await self.all(sql, params)]

    async def _update(
        self, meeting_id: int, assignments: str, values: tuple[object, ...]
    ) -> Meeting:
        row = await self.one(
            f"UPDATE meetings SET {assignments} WHERE id = ? RETURNING {MEETING_COLUMNS}",
            (*values, meeting_id),
        )
        if row is None:
            raise LookupError(f"meeting {meeting_id}")
        return _meeting(row)

    async def reschedule(self, meeting_id: int, starts_at: datetime) -> Meeting:
        """Move one occurrence alone: a new revision, detached from its series."""
        return await self._update(
            meeting_id,
            "starts_at = ?, revision = revision + 1, sequence = sequence + 1, detached = 1",
            (iso(starts_at),),
        )

    async def set_status(
        self, meeting_id: int, status: MeetingStatus, *, detach: bool = False
    ) -> Meeting:
        """Change the meeting's status (cancelled alone: detached; a calendar takes it over)."""
        if detach:
            return await self._update(
                meeting_id, "status = ?, sequence = sequence + 1, detached = 1", (status.value,)
            )
        return await self._update(
            meeting_id, "status = ?, sequence = sequence + 1", (status.value,)
        )

    async def set_link(self, meeting_id: int, link: str) -> Meeting:
        """The video link (detached from its series: a rule change keeps the meeting)."""
        return await self._update(
            meeting_id, "link = ?, sequence = sequence + 1, detached = 1", (link,)
        )

    async def set_title(self, meeting_id: int, title: str) -> Meeting:
        """The title (detached from its series)."""
        return await self._update(
            meeting_id, "title = ?, sequence = sequence + 1, detached = 1", (title,)
        )

    async def mark_edited(self, meeting_id: int, *, calendar: bool = False) -> None:
        """An edit of the agenda or documents: a rule change keeps the meeting as it is; with
        calendar, the calendar's copy changes too (the agenda is in it)."""
        bump = ", sequence = sequence + 1" if calendar else ""
        await self.run(f"UPDATE meetings SET detached = 1{bump} WHERE id = ?", (meeting_id,))

    async def adopt(self, meeting_id: int, series_id: int) -> None:
        """Give an occurrence to another series (a changed rule that still holds its date)."""
        await self.run("UPDATE meetings SET series_id = ? WHERE id = ?", (series_id, meeting_id))

    async def set_type(self, meeting_id: int, meeting_type: MeetingType, title: str) -> Meeting:
        """The meeting's type, with its title (detached from its series; the calendar's copy
        changes: its title and agenda may have)."""
        return await self._update(
            meeting_id,
            "type = ?, title = ?, sequence = sequence + 1, detached = 1",
            (meeting_type.value, title),
        )


def _series(row: sqlite3.Row) -> Series:
    return Series(
        id=row["id"],
        cell_id=row["cell_id"],
        rule=row["rule"],
        type=MeetingType(row["type"]),
        title=row["title"],
        duration_minutes=row["duration_minutes"],
        link=row["link"],
        created_by=row["created_by"],
        active=bool(row["active"]),
    )


SERIES_COLUMNS = "id, cell_id, rule, type, title, duration_minutes, link, created_by, active"


class SqliteSeries(Repository):
    """Recurring rules of the regular meeting."""

    async def insert(
        self,
        *,
        cell_id: int,
        rule: str,
        type: MeetingType,
        title: str,
        duration_minutes: int,
        link: str | None,
        created_by: int | None,
        now: datetime,
    ) -> Series:
        """Create an active series."""
        row = await self.one(
            "INSERT INTO meeting_series (cell_id, rule, type, title, duration_minutes, link,"
            f" created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {SERIES_COLUMNS}",
            (cell_id, rule, type.value, title, duration_minutes, link, created_by, iso(now)),
        )
        assert row is not None
        return _series(row)

    async def active(self, cell_id: int | None = None) -> list[Series]:
        """Active series (of one cell, or all)."""
        if cell_id is None:
            rows = await self.all(
                f"SELECT {SERIES_COLUMNS} FROM meeting_series WHERE active = 1 ORDER BY id"
            )
        else:
            rows = await self.all(
                f"SELECT {SERIES_COLUMNS} FROM meeting_series WHERE active = 1 AND cell_id = ?"
                " ORDER BY id",
                (cell_id,),
            )
        return [_series(r) for r in rows]

    async def last_id(self) -> int:
        """The highest series id (0 when none)."""
        row = await self.one("SELECT COALESCE(MAX(id), 0) FROM meeting_series")
        return int(row[0]) if row else 0

    async def needing(
        self, now: datetime, ahead: int, *, after_id: int = 0, up_to_id: int | None = None
    ) -> list[Series]:
        """Active series with fewer than `ahead` scheduled occurrences after now, by id, with
        after_id < id <= up_to_id (a range at a time keeps each read short)."""
        columns = ", ".join(f"s.{c.strip()}" for c in SERIES_COLUMNS.split(","))
        rows = await self.all(
            f"""
            SELECT {columns} FROM meeting_series s
            WHERE s.active = 1 AND s.id > ? AND s.id <= ? AND (
                SELECT COUNT(*) FROM meetings m
                WHERE m.series_id = s.id AND m.status = 'scheduled' AND m.starts_at > ?
            ) < ?
            ORDER BY s.id
            """,
            (after_id, 2**62 if up_to_id is None else up_to_id, iso(now), ahead),
        )
        return [_series(r) for r in rows]

    async def deactivate(self, series_id: int) -> None:
        """Stop a series from making new occurrences."""
        await self.run("UPDATE meeting_series SET active = 0 WHERE id = ?", (series_id,))

    async def coming_meetings(self, series_id: int, after: datetime) -> list[Meeting]:
        """Scheduled occurrences of a series after a time that were not moved alone."""
        rows = await self.all(
            f"SELECT {MEETING_COLUMNS} FROM meetings WHERE series_id = ? AND starts_at > ?"
            " AND status = 'scheduled' AND detached = 0 ORDER BY starts_at",
            (series_id, iso(after)),
        )
        return [_meeting(r) for r in rows]

    async def starts(self, series_id: int) -> set[datetime]:
        """Start times of every occurrence a series ever made."""
        rows = await self.all("SELECT starts_at FROM meetings WHERE series_id = ?", (series_id,))
        return {_required_iso(r["starts_at"]) for r in rows}


# --- agenda, documents, answers ----------------------------------------------------------------


class SqliteAgenda(Repository):
    """Agenda items of meetings."""

    async def get(self, meeting_id: int) -> list[str]:
        """The stored agenda items, in order."""
        rows = await self.all(
            "SELECT item FROM agenda_items WHERE meeting_id = ? ORDER BY position", (meeting_id,)
        )
        return [r["item"] for r in rows]

    async def get_many(self, meeting_ids: Iterable[int]) -> dict[int, list[str]]:
        """Several meetings' items in one query."""
        ids = [str(i) for i in meeting_ids]
        found: dict[int, list[str]] = {int(i): [] for i in ids}
        if not ids:
            return found
        rows = await self.all(
            f"SELECT meeting_id, item FROM agenda_items WHERE meeting_id IN ({_marks(ids)})"
            " ORDER BY meeting_id, position",
            ids,
        )
        for r in rows:
            found[r["meeting_id"]].append(r["item"])
        return found

    async def replace(self, meeting_id: int, items: list[str]) -> None:
        """Replace the agenda."""
        await self.run("DELETE FROM agenda_items WHERE meeting_id = ?", (meeting_id,))
        await self.conn.executemany(
            "INSERT INTO agenda_items (meeting_id, position, item) VALUES (?, ?, ?)",
            [(meeting_id, position, item) for position, item in enumerate(items, start=1)],
        )


def _document(row: sqlite3.Row) -> Document:
    return Document(
        id=row["id"],
        file=DocumentRef(row["channel"], row["ref"]),
        file_name=row["file_name"],
        confidential=bool(row["confidential"]),
    )


class SqliteDocuments(Repository):
    """Files attached to meetings."""

    async def insert(
        self,
        *,
        meeting_id: int,
        file: DocumentRef,
        file_name: str,
        confidential: bool,
        added_by: int | None,
        now: datetime,
    ) -> Document:
        """Attach a document to a meeting."""
        row = await self.one(
            "INSERT INTO documents (meeting_id, channel, ref, file_name, confidential,"
            " added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id, channel, ref, file_name, confidential",
            (
                meeting_id,
                file.channel,
                file.ref,
                file_name,
                int(confidential),
                added_by,
                iso(now),
            ),
        )
        assert row is not None
        return _document(row)

    async def of_meeting(self, meeting_id: int) -> list[Document]:
        """A meeting's documents, oldest first."""
        rows = await self.all(
            "SELECT id, channel, ref, file_name, confidential FROM documents"
            " WHERE meeting_id = ? ORDER BY id",
            (meeting_id,),
        )
        return [_document(r) for r in rows]


def _answer(row: sqlite3.Row) -> Answer:
    return Answer(row["user_id"], Reply(row["status"]), row["reason"])


class SqliteAnswers(Repository):
    """Members' answers to a meeting's summons."""

    async def get(self, meeting_id: int, user_id: int) -> Answer | None:
        """A member's answer to a summons."""
        row = await self.one(
            "SELECT user_id, status, reason FROM attendance_replies"
            " WHERE meeting_id = ? AND user_id = ?",
            (meeting_id, user_id),
        )
        return _answer(row) if row else None

    async def put(
        self,
        *,
        meeting_id: int,
        user_id: int,
        status: Reply,
        reason: str | None,
        decided_by: int | None,
        now: datetime,
    ) -> None:
        """Record or replace a member's answer."""
        await self.run(
            """
            INSERT INTO attendance_replies (meeting_id, user_id, status, reason, decided_by,
                                            updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (meeting_id, user_id) DO UPDATE SET
                status = excluded.status,
                reason = CASE WHEN excluded.status = 'will_attend' THEN NULL
                              ELSE COALESCE(excluded.reason, reason) END,
                decided_by = excluded.decided_by, updated_at = excluded.updated_at
            """,
            (meeting_id, user_id, status.value, reason, decided_by, iso(now)),
        )

    async def move(self, from_user_id: int, to_user_id: int) -> None:
        """Give one person's answers to another (accounts connected): where both answered the
        same meeting, the receiver's answer stays."""
        await self.run(
            "UPDATE OR IGNORE attendance_replies SET user_id = ? WHERE user_id = ?",
            (to_user_id, from_user_id),
        )

    async def of_meeting(self, meeting_id: int) -> dict[int, Answer]:
        """Every answer to a meeting's summons, by user id."""
        rows = await self.all(
            "SELECT user_id, status, reason FROM attendance_replies WHERE meeting_id = ?",
            (meeting_id,),
        )
        return {r["user_id"]: _answer(r) for r in rows}


# --- reminders and the ledger ------------------------------------------------------------------

REMINDER_COLUMNS = "id, meeting_id, revision, offset_minutes, due_at, status"


def _reminder(row: sqlite3.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        meeting_id=row["meeting_id"],
        revision=row["revision"],
        offset_minutes=row["offset_minutes"],
        due_at=_required_iso(row["due_at"]),
        status=ReminderStatus(row["status"]),
    )


class SqliteReminders(Repository):
    """Reminders: the record of what is due and what was sent."""

    async def insert_for(
        self, meeting: Meeting, times: list[tuple[int, datetime]]
    ) -> list[Reminder]:
        """Pending reminders of the meeting's current revision; one cancelled earlier at the
        same offset (the cell's offsets changed back) becomes pending again. Sent ones stay
        sent."""
        created = []
        for offset, due in times:
            row = await self.one(
                "INSERT INTO reminders (meeting_id, revision, offset_minutes, due_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (meeting_id, revision, offset_minutes) DO UPDATE SET"
                " status = 'pending', due_at = excluded.due_at, done_at = NULL"
                " WHERE reminders.status = 'cancelled'"
                f" RETURNING {REMINDER_COLUMNS}",
                (meeting.id, meeting.revision, offset, iso(due)),
            )
            if row is not None:
                created.append(_reminder(row))
        return created

    async def get(self, reminder_id: int) -> Reminder | None:
        """The reminder with that id."""
        row = await self.one(
            f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE id = ?", (reminder_id,)
        )
        return _reminder(row) if row else None

    async def pending(self, due_before: datetime | None = None) -> list[Reminder]:
        """Every pending reminder (due before a time, if given), earliest first."""
        if due_before is None:
            rows = await self.all(
                f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE status = 'pending'"
                " ORDER BY due_at, id"
            )
        else:
            rows = await self.all(
                f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE status = 'pending'"
                " AND due_at < ? ORDER BY due_at, id",
                (iso(due_before),),
            )
        return [_reminder(r) for r in rows]

    async def of_meeting(self, meeting_id: int, revision: int) -> list[Reminder]:
        """Every reminder of one revision of a meeting, whatever its status."""
        rows = await self.all(
            f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE meeting_id = ? AND revision = ?"
            " ORDER BY due_at, id",
            (meeting_id, revision),
        )
        return [_reminder(r) for r in rows]

    async def cancel(self, reminder_id: int, now: datetime) -> None:
        """Void one pending reminder."""
        await self.finish(reminder_id, ReminderStatus.CANCELLED, now)

    async def cancel_for_meeting(self, meeting_id: int, now: datetime) -> list[int]:
        """Void a meeting's pending reminders; returns their ids (to disarm the jobs)."""
        rows = await self.all(
            "UPDATE reminders SET status = 'cancelled', done_at = ?"
            " WHERE meeting_id = ? AND status = 'pending' RETURNING id",
            (iso(now), meeting_id),
        )
        return sorted(r["id"] for r in rows)

    async def finish(self, reminder_id: int, status: ReminderStatus, now: datetime) -> None:
        """Close a pending reminder as sent, skipped or cancelled."""
        await self.run(
            "UPDATE reminders SET status = ?, done_at = ? WHERE id = ? AND status = 'pending'",
            (status.value, iso(now), reminder_id),
        )


class SqliteDeliveries(Repository):
    """The exactly-once ledger."""

    async def claim(self, topic: str, key: str, now: datetime) -> bool:
        """Claim the right to send one message of a topic to one recipient; False if taken."""
        changed = await self.run(
            "INSERT INTO deliveries (topic, recipient, state, updated_at)"
            " VALUES (?, ?, 'claimed', ?) ON CONFLICT DO NOTHING",
            (topic, key, iso(now)),
        )
        return changed == 1

    async def settle(self, topic: str, key: str, state: DeliveryState, now: datetime) -> None:
        """Record how a claimed delivery ended."""
        await self.run(
            "UPDATE deliveries SET state = ?, updated_at = ? WHERE topic = ? AND recipient = ?",
            (state.value, iso(now), topic, key),
        )

    async def release(self, topic: str, key: str) -> None:
        """Give up a claim whose send failed for a passing reason, so a retry can send it."""
        await self.run(
            "DELETE FROM deliveries WHERE topic = ? AND recipient = ? AND state = 'claimed'",
            (topic, key),
        )

    async def states(self, topic: str) -> dict[str, DeliveryState]:
        """recipient -> state for one topic."""
        rows = await self.all("SELECT recipient, state FROM deliveries WHERE topic = ?", (topic,))
        return {r["recipient"]: DeliveryState(r["state"]) for r in rows}

    async def states_of(self, topics: Iterable[str]) -> dict[tuple[str, str], DeliveryState]:
        """(topic, recipient) -> state for several topics."""
        wanted = list(topics)
        if not wanted:
            return {}
        rows = await self.all(
            f"SELECT topic, recipient, state FROM deliveries WHERE topic IN ({_marks(wanted)})",
            wanted,
        )
        return {(r["topic"], r["recipient"]): DeliveryState(r["state"]) for r in rows}

    async def settle_stale_claims(self, now: datetime) -> int:
        """Claims left by a bot that stopped between claim and settle become unknown."""
        return await self.run(
            "UPDATE deliveries SET state = 'unknown', updated_at = ? WHERE state = 'claimed'",
            (iso(now),),
        )


# --- the outbox of notices ---------------------------------------------------------------------


def _action_to_json(action: ChoiceAction) -> dict[str, object]:
    if isinstance(action, RaiseHand | NextSpeaker | ApproveMinutes | ScoreMeeting):
        return {"type": type(action).__name__, **dataclasses.asdict(action)}
    if isinstance(action, AnswerSummons):
        return {"type": "answer", "meeting": action.meeting_id, "attend": action.attend}
    if isinstance(action, DecideAbsence):
        return {
            "type": "absence",
            "meeting": action.meeting_id,
            "user": action.user_id,
            "approve": action.approve,
        }
    if isinstance(action, SendAbsence):
        return {"type": "send-absence", "meeting": action.meeting_id}
    if isinstance(action, Confirm):
        return {"type": "confirm", "id": action.confirmation_id, "yes": action.yes}
    if isinstance(action, CheckIn):
        return {"type": "check-in", "meeting": action.meeting_id}
    if isinstance(action, CastBallot):
        return {"type": "ballot", "vote": action.vote_id, "item": action.item, "code": action.code}
    if isinstance(action, AssignRunner):
        return {
            "type": "runner",
            "meeting": action.meeting_id,
            "recorder": action.recorder,
            "user": action.user_id,
        }
    return {
        "type": "join",
        "membership": action.membership_id,
        "kind": action.kind.value if action.kind else None,
    }


def _action_from_json(data: dict[str, object]) -> ChoiceAction:
    kind = data["type"]
    running = {c.__name__: c for c in (RaiseHand, NextSpeaker, ApproveMinutes, ScoreMeeting)}
    if kind in running:
        fields = {k: v for k, v in data.items() if k != "type"}
        return running[str(kind)](**fields)  # type: ignore[arg-type]
    if kind == "answer":
        return AnswerSummons(int(str(data["meeting"])), bool(data["attend"]))
    if kind == "absence":
        return DecideAbsence(
            int(str(data["meeting"])), int(str(data["user"])), bool(data["approve"])
        )
    if kind == "send-absence":
        return SendAbsence(int(str(data["meeting"])))
    if kind == "confirm":
        return Confirm(int(str(data["id"])), bool(data["yes"]))
    if kind == "check-in":
        return CheckIn(int(str(data["meeting"])))
    if kind == "ballot":
        return CastBallot(int(str(data["vote"])), int(str(data["item"])), str(data["code"]))
    if kind == "runner":
        return AssignRunner(
            int(str(data["meeting"])), bool(data["recorder"]), int(str(data["user"]))
        )
    return DecideJoin(
        int(str(data["membership"])), Kind(str(data["kind"])) if data["kind"] else None
    )


def content_to_json(content: Content) -> str:
    """A message's content as stored in the outbox."""
    return json.dumps(
        {
            "text": content.text,
            "choices": [
                [{"label": c.label, "action": _action_to_json(c.action)} for c in row]
                for row in content.choices
            ],
            "document": [content.document.channel, content.document.ref]
            if content.document
            else None,
            "protect": content.protect,
        },
        ensure_ascii=False,
    )


def content_from_json(text: str) -> Content:
    """A stored content back."""
    data = json.loads(text)
    document = data["document"]
    return Content(
        text=data["text"],
        choices=tuple(
            tuple(Choice(c["label"], _action_from_json(c["action"])) for c in row)
            for row in data["choices"]
        ),
        document=DocumentRef(document[0], document[1]) if document else None,
        protect=bool(data["protect"]),
    )


class SqliteOutbox(Repository):
    """Letters of notices kept for a retry after a passing failure."""

    async def keep(self, letters: list[Letter], until: datetime) -> None:
        """Keep letters in order; one kept already stays as it was."""
        for position, letter in enumerate(letters):
            group = isinstance(letter.to, Group)
            to_id = letter.to.cell.id if isinstance(letter.to, Group) else letter.to.user.id
            await self.run(
                "INSERT INTO outbox (topic, recipient, to_kind, to_id, content, position, until)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    letter.topic,
                    letter.key,
                    "group" if group else "person",
                    to_id,
                    content_to_json(letter.content),
                    position,
                    iso(until),
                ),
            )

    async def of_topic(self, topic: str) -> list[KeptLetter]:
        """A topic's kept letters, in order."""
        rows = await self.all(
            "SELECT recipient, to_kind, to_id, content, until, attempts FROM outbox"
            " WHERE topic = ? ORDER BY position, recipient",
            (topic,),
        )
        return [
            KeptLetter(
                topic=topic,
                key=r["recipient"],
                group=r["to_kind"] == "group",
                to_id=r["to_id"],
                content=content_from_json(r["content"]),
                until=_required_iso(r["until"]),
                attempts=r["attempts"],
            )
            for r in rows
        ]

    async def topics(self) -> list[str]:
        """Topics with kept letters."""
        rows = await self.all("SELECT DISTINCT topic FROM outbox ORDER BY topic")
        return [r["topic"] for r in rows]

    async def drop(self, topic: str, keys: Iterable[str] | None = None) -> None:
        """Forget kept letters of a topic."""
        if keys is None:
            await self.run("DELETE FROM outbox WHERE topic = ?", (topic,))
            return
        wanted = list(keys)
        if wanted:
            await self.run(
                f"DELETE FROM outbox WHERE topic = ? AND recipient IN ({_marks(wanted)})",
                [topic, *wanted],
            )

    async def count_attempt(self, topic: str) -> int:
        """One more retry of a topic; the attempts so far."""
        row = await self.one(
            "UPDATE outbox SET attempts = attempts + 1 WHERE topic = ? RETURNING attempts",
            (topic,),
        )
        return int(row["attempts"]) if row else 0


# --- dialogs -----------------------------------------------------------------------------------


class SqliteDialogs(Repository):
    """Open guided dialogs."""

    async def get(self, user_id: int, chat_id: str) -> Dialog | None:
        """The user's open dialog in a chat."""
        row = await self.one(
            "SELECT kind, state, updated_at FROM dialogs WHERE user_id = ? AND chat_id = ?",
            (user_id, chat_id),
        )
        if row is None:
            return None
        state = json.loads(row["state"])
        return Dialog(
            row["kind"], state if isinstance(state, dict) else {}, _required_iso(row["updated_at"])
        )

    async def put(
        self, user_id: int, chat_id: str, kind: str, state: dict[str, object], now: datetime
    ) -> None:
        """Open or advance a dialog."""
        await self.run(
            "INSERT INTO dialogs (user_id, chat_id, kind, state, updated_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, chat_id) DO UPDATE SET kind = excluded.kind,"
            " state = excluded.state, updated_at = excluded.updated_at",
            (user_id, chat_id, kind, json.dumps(state), iso(now)),
        )

    async def clear(self, user_id: int, chat_id: str) -> None:
        """Close a dialog."""
        await self.run("DELETE FROM dialogs WHERE user_id = ? AND chat_id = ?", (user_id, chat_id))

    async def kinds_in(self, chat_id: str, since: datetime) -> set[str]:
        """The kinds of dialogs anyone has open in a chat (updated since then)."""
        found = await self.all(
            "SELECT DISTINCT kind FROM dialogs WHERE chat_id = ? AND updated_at >= ?",
            (chat_id, iso(since)),
        )
        return {str(r["kind"]) for r in found}


# --- confirmations -----------------------------------------------------------------------------


class SqliteConfirmations(Repository):
    """Changes asked about ("are you sure?") and not yet answered."""

    async def put(
        self,
        user_id: int,
        kind: str,
        payload: dict[str, object],
        now: datetime,
        expires_at: datetime,
    ) -> int:
        """Keep what a person is asked to confirm; its id."""
        row = await self.one(
            "INSERT INTO confirmations (user_id, kind, payload, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, kind, json.dumps(payload), iso(now), iso(expires_at)),
        )
        assert row is not None
        return int(row[0])

    async def take(
        self, confirmation_id: int, user_id: int, now: datetime
    ) -> tuple[str, dict[str, object]] | None:
        """Use a confirmation of that person once, if still open: (kind, payload)."""
        row = await self.one(
            "UPDATE confirmations SET used_at = ? WHERE id = ? AND user_id = ?"
            " AND used_at IS NULL AND expires_at > ? RETURNING kind, payload",
            (iso(now), confirmation_id, user_id, iso(now)),
        )
        if row is None:
            return None
        payload = json.loads(row["payload"])
        return row["kind"], payload if isinstance(payload, dict) else {}


# --- inbox -------------------------------------------------------------------------------------


class SqliteInbox(Repository):
    """Updates as received, until processed (and a day after, against redelivery)."""

    async def store(self, updates: list[tuple[int, str]], now: datetime) -> list[int]:
        """Keep updates not seen before; the ids of those, in order."""
        if not updates:
            return []
        ids = [update_id for update_id, _ in updates]
        seen = {
            row[0]
            for row in await self.all(
                f"SELECT update_id FROM inbox WHERE update_id IN ({_marks([''] * len(ids))})",
                ids,
            )
        }
        fresh = [(i, payload, iso(now)) for i, payload in updates if i not in seen]
        await self.conn.executemany(
            "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            fresh,
        )
        return [i for i, _, _ in fresh]

    async def pending(self) -> list[tuple[int, str, int]]:
        """Unprocessed updates (id, payload, attempts so far), oldest first."""
        rows = await self.all(
            "SELECT update_id, payload, attempts FROM inbox WHERE status = 'pending'"
            " ORDER BY update_id"
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def last_update_id(self) -> int | None:
        """The highest update id ever stored."""
        row = await self.one("SELECT max(update_id) FROM inbox")
        return None if row is None or row[0] is None else int(row[0])

    async def finish(self, update_id: int, status: str, now: datetime, error: str | None) -> None:
        """Mark an update done, or failed (set aside) with why."""
        await self.run(
            "UPDATE inbox SET status = ?, finished_at = ?, error = coalesce(?, error)"
            " WHERE update_id = ?",
            (status, iso(now), error, update_id),
        )

    async def attempt_failed(self, update_id: int, error: str) -> int:
        """Count a failed attempt; the attempts so far."""
        row = await self.one(
            "UPDATE inbox SET attempts = attempts + 1, error = ? WHERE update_id = ?"
            " RETURNING attempts",
            (error, update_id),
        )
        return int(row[0]) if row is not None else 0

    async def prune(self, before: datetime) -> int:
        """Forget updates done before a time, keeping the newest id (the next offset)."""
        return await self.run(
            "DELETE FROM inbox WHERE status = 'done' AND finished_at < ?"
            " AND update_id < (SELECT max(update_id) FROM inbox)",
            (iso(before),),
        )


# --- running a meeting -------------------------------------------------------------------------

RUN_COLUMNS = (
    "meeting_id, chair_id, recorder_id, opened_by, opened_at, quorum_percent, grace_minutes,"
    " checkin_chat, checkin_message, current_item, closed_at, closed_by, auto_closed"
)


def _run(row: sqlite3.Row) -> Run:
    return Run(
        meeting_id=row["meeting_id"],
        chair_id=row["chair_id"],
        recorder_id=row["recorder_id"],
        opened_by=row["opened_by"],
        opened_at=_required_iso(row["opened_at"]),
        quorum_percent=row["quorum_percent"],
        grace_minutes=row["grace_minutes"],
        checkin_chat=row["checkin_chat"],
        checkin_message=row["checkin_message"],
        current_item=row["current_item"],
        closed_at=from_iso(row["closed_at"]),
        closed_by=row["closed_by"],
        auto_closed=bool(row["auto_closed"]),
    )


class SqliteRuns(Repository):
    """Opened meetings, and each cell's quorum percent and grace period."""

    async def get(self, meeting_id: int) -> Run | None:
        """The run of a meeting, if it was opened."""
        row = await self.one(
            f"SELECT {RUN_COLUMNS} FROM meeting_runs WHERE meeting_id = ?", (meeting_id,)
        )
        return _run(row) if row else None

    async def insert(
        self,
        *,
        meeting_id: int,
        chair_id: int | None,
        recorder_id: int | None,
        opened_by: int,
        opened_at: datetime,
        quorum_percent: int,
        grace_minutes: int,
    ) -> Run | None:
        """Record the opening; None when the meeting was opened already."""
        row = await self.one(
            "INSERT INTO meeting_runs (meeting_id, chair_id, recorder_id, opened_by, opened_at,"
            " quorum_percent, grace_minutes) VALUES (?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (meeting_id) DO NOTHING RETURNING {RUN_COLUMNS}",
            (
                meeting_id,
                chair_id,
                recorder_id,
                opened_by,
                iso(opened_at),
                quorum_percent,
                grace_minutes,
            ),
        )
        return _run(row) if row else None

    async def open_of_cell(self, cell_id: int) -> list[Run]:
        """The cell's runs not closed yet, earliest opened first."""
        columns = ", ".join(f"r.{c.strip()}" for c in RUN_COLUMNS.split(","))
        rows = await self.all(
            f"SELECT {columns} FROM meeting_runs r JOIN meetings mt ON mt.id = r.meeting_id"
            " WHERE mt.cell_id = ? AND r.closed_at IS NULL ORDER BY r.opened_at, r.meeting_id",
            (cell_id,),
        )
        return [_run(r) for r in rows]

    async def set_checkin_message(self, meeting_id: int, chat_id: str, message_id: int) -> None:
        """Where the check-in message is."""
        await self.run(
            "UPDATE meeting_runs SET checkin_chat = ?, checkin_message = ? WHERE meeting_id = ?",
            (chat_id, message_id, meeting_id),
        )

    async def set_chair(self, meeting_id: int, user_id: int) -> None:
        """Who chairs the meeting."""
        await self.run(
            "UPDATE meeting_runs SET chair_id = ? WHERE meeting_id = ?", (user_id, meeting_id)
        )

    async def set_recorder(self, meeting_id: int, user_id: int) -> None:
        """Who takes the minutes."""
        await self.run(
            "UPDATE meeting_runs SET recorder_id = ? WHERE meeting_id = ?", (user_id, meeting_id)
        )

    async def set_current_item(self, meeting_id: int, position: int) -> None:
        """The agenda item the meeting is at."""
        await self.run(
            "UPDATE meeting_runs SET current_item = ? WHERE meeting_id = ?",
            (position, meeting_id),
        )

    async def close(
        self, meeting_id: int, closed_at: datetime, closed_by: int | None, auto: bool = False
    ) -> bool:
        """Record the closing; False when it was closed already."""
        changed = await self.run(
            "UPDATE meeting_runs SET closed_at = ?, closed_by = ?, auto_closed = ?"
            " WHERE meeting_id = ? AND closed_at IS NULL",
            (iso(closed_at), closed_by, int(auto), meeting_id),
        )
        return changed > 0

    async def rules(self, cell_id: int) -> RollRules:
        """The cell's own quorum percent and grace period."""
        row = await self.one(
            "SELECT quorum_percent, grace_minutes FROM cells WHERE id = ?", (cell_id,)
        )
        if row is None:
            return RollRules(None, None)
        return RollRules(row["quorum_percent"], row["grace_minutes"])

    async def set_rules(
        self, cell_id: int, *, quorum_percent: int | None = None, grace_minutes: int | None = None
    ) -> RollRules:
        """Change the cell's quorum percent and/or grace period (None keeps it)."""
        row = await self.one(
            "UPDATE cells SET quorum_percent = COALESCE(?, quorum_percent),"
            " grace_minutes = COALESCE(?, grace_minutes) WHERE id = ?"
            " RETURNING quorum_percent, grace_minutes",
            (quorum_percent, grace_minutes, cell_id),
        )
        if row is None:
            return RollRules(None, None)
        return RollRules(row["quorum_percent"], row["grace_minutes"])


ROLL_COLUMNS = (
    "rl.meeting_id AS rl_meeting_id, rl.kind AS rl_kind, rl.summoned AS rl_summoned,"
    " rl.status AS rl_status, rl.reason AS rl_reason, rl.checked_at AS rl_checked_at,"
    " rl.marked_by AS rl_marked_by, rl.marked_at AS rl_marked_at"
)
ROLL_SELECT = f"""
    SELECT {ROLL_COLUMNS}, {USER_COLUMNS}
    FROM roll rl JOIN users u ON u.id = rl.user_id
    JOIN meetings mt ON mt.id = rl.meeting_id
    LEFT JOIN memberships m ON m.user_id = rl.user_id AND m.cell_id = mt.cell_id
"""
# The meeting is open: opened, not closed.
_OPEN_RUN = (
    "EXISTS (SELECT 1 FROM meeting_runs r JOIN meetings mt ON mt.id = r.meeting_id"
    " WHERE r.meeting_id = ?1 AND r.closed_at IS NULL AND mt.status = 'open')"
)


def _roll_entry(row: sqlite3.Row) -> RollEntry:
    return RollEntry(
        meeting_id=row["rl_meeting_id"],
        user=_user(row),
        kind=RollKind(row["rl_kind"]),
        summoned=bool(row["rl_summoned"]),
        status=RollStatus(row["rl_status"]),
        reason=row["rl_reason"],
        checked_at=from_iso(row["rl_checked_at"]),
        marked_by=row["rl_marked_by"],
        marked_at=from_iso(row["rl_marked_at"]),
    )


class SqliteRoll(Repository):
    """Meetings' rolls."""

    async def fix(self, meeting_id: int, entries: Iterable[tuple[int, RollKind, bool]]) -> None:
        """Put people on the roll as expected, in one statement."""
        rows = [
            (meeting_id, user_id, kind.value, int(summoned)) for user_id, kind, summoned in entries
        ]
        if not rows:
            return
        values = ",".join("(?, ?, ?, ?)" for _ in rows)
        await self.run(
            f"INSERT INTO roll (meeting_id, user_id, kind, summoned) VALUES {values}"
            " ON CONFLICT (meeting_id, user_id) DO NOTHING",
            [v for row in rows for v in row],
        )

    async def of_meeting(self, meeting_id: int) -> list[RollEntry]:
        """The whole roll: the summoned first, then in roster order."""
        rows = await self.all(
            ROLL_SELECT
            + " WHERE rl.meeting_id = ? ORDER BY rl.summoned DESC, m.number IS NULL, m.number,"
            " u.id",
            (meeting_id,),
        )
        return [_roll_entry(r) for r in rows]

    async def get(self, meeting_id: int, user_id: int) -> RollEntry | None:
        """One person's entry."""
        row = await self.one(
            ROLL_SELECT + " WHERE rl.meeting_id = ? AND rl.user_id = ?", (meeting_id, user_id)
        )
        return _roll_entry(row) if row else None

    async def tally(self, meeting_id: int) -> list[RollTally]:
        """The roll counted by (kind, summoned, status)."""
        rows = await self.all(
            "SELECT kind, summoned, status, count(*) AS n FROM roll WHERE meeting_id = ?"
            " GROUP BY kind, summoned, status",
            (meeting_id,),
        )
        return [
            (RollKind(r["kind"]), bool(r["summoned"]), RollStatus(r["status"]), r["n"])
            for r in rows
        ]

    async def check_in(
        self,
        meeting_id: int,
        user_id: int,
        status: RollStatus,
        at: datetime,
        *,
        kind: RollKind,
    ) -> bool:
        """One statement: the expected entry checks in, or a new unsummoned one is added,
        only while the meeting is open."""
        changed = await self.run(
            "INSERT INTO roll (meeting_id, user_id, kind, summoned, status, checked_at)"
            f" SELECT ?1, ?2, ?3, 0, ?4, ?5 WHERE {_OPEN_RUN}"
            " ON CONFLICT (meeting_id, user_id) DO UPDATE SET status = excluded.status,"
            " checked_at = excluded.checked_at WHERE roll.status = 'expected'",
            (meeting_id, user_id, kind.value, status.value, iso(at)),
        )
        return changed > 0

    async def mark(
        self,
        meeting_id: int,
        user_id: int,
        status: RollStatus,
        reason: str | None,
        by: int,
        at: datetime,
        *,
        kind: RollKind,
    ) -> None:
        """Record a mark by the chair or a leader."""
        checked = iso(at) if status in (RollStatus.PRESENT, RollStatus.LATE) else None
        await self.run(
            "INSERT INTO roll (meeting_id, user_id, kind, summoned, status, reason, checked_at,"
            " marked_by, marked_at) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8)"
            " ON CONFLICT (meeting_id, user_id) DO UPDATE SET status = excluded.status,"
            " reason = excluded.reason,"
            " checked_at = COALESCE(roll.checked_at, excluded.checked_at),"
            " marked_by = excluded.marked_by, marked_at = excluded.marked_at",
            (meeting_id, user_id, kind.value, status.value, reason, checked, by, iso(at)),
        )

    async def settle(
        self, meeting_id: int, excused: Mapping[int, str | None], now: datetime
    ) -> int:
        """The summoned still expected: excused with their reason (approved absence), or
        absent without reason; marked at `now` by nobody (settled at closing)."""
        changed = 0
        for user_id, reason in excused.items():
            changed += await self.run(
                "UPDATE roll SET status = 'excused', reason = COALESCE(reason, ?), marked_at = ?"
                " WHERE meeting_id = ? AND user_id = ? AND summoned = 1 AND status = 'expected'",
                (reason, iso(now), meeting_id, user_id),
            )
        changed += await self.run(
            "UPDATE roll SET status = 'absent', marked_at = ? WHERE meeting_id = ?"
            " AND summoned = 1 AND status = 'expected'",
            (iso(now), meeting_id),
        )
        return changed
