"""SQLite repositories of what happens during a meeting, of the minutes and of the anonymous
scores (tables of migration 0011)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.domain.minutes import Grade, MinutesState
from bot.domain.proceedings import (
    Contribution,
    ContributionKind,
    MinutesVersion,
    QueueEntry,
    SpeakerState,
)
from storage.sqlite.repositories import Repository, from_iso, iso


def _contribution(row: sqlite3.Row) -> Contribution:
    return Contribution(
        id=row["id"],
        meeting_id=row["meeting_id"],
        position=row["position"],
        kind=ContributionKind(row["kind"]),
        speaker_id=row["speaker_id"],
        text=row["text"],
        recorded_by=row["recorded_by"],
        recorded_at=datetime.fromisoformat(row["recorded_at"]),
    )


def _entry(row: sqlite3.Row) -> QueueEntry:
    return QueueEntry(
        user_id=row["user_id"],
        position=row["position"],
        raised_at=datetime.fromisoformat(row["raised_at"]),
        state=SpeakerState(row["state"]),
    )


class SqliteProceedings(Repository):
    """Agenda position, item messages, contributions and the speakers' queue."""

    async def open_meetings(self) -> list[int]:
        """The ids of meetings opened and not closed, in every cell."""
        rows = await self.all("SELECT meeting_id FROM meeting_runs WHERE closed_at IS NULL")
        return [int(r["meeting_id"]) for r in rows]

    async def current_item(self, meeting_id: int) -> int:
        """The agenda item the meeting is at (0: none yet, or not opened)."""
        row = await self.one(
            "SELECT current_item FROM meeting_runs WHERE meeting_id = ?", (meeting_id,)
        )
        return int(row["current_item"]) if row else 0

    async def advance(self, meeting_id: int, seen: int, last: int) -> int | None:
        """Move an open meeting from item `seen` to the next (one statement: two /next at
        once move it by one)."""
        row = await self.one(
            "UPDATE meeting_runs SET current_item = current_item + 1"
            " WHERE meeting_id = ? AND current_item = ? AND current_item < ?"
            " AND closed_at IS NULL RETURNING current_item",
            (meeting_id, seen, last),
        )
        return int(row["current_item"]) if row else None

    async def add_item_message(
        self, chat_id: str, message_id: int, meeting_id: int, position: int
    ) -> None:
        """A message posted for an agenda item."""
        await self.run(
            "INSERT OR IGNORE INTO item_messages (chat_id, message_id, meeting_id, position)"
            " VALUES (?, ?, ?, ?)",
            (chat_id, message_id, meeting_id, position),
        )

    async def item_of_message(self, chat_id: str, message_id: int) -> tuple[int, int] | None:
        """The (meeting id, position) a posted message stands for."""
        row = await self.one(
            "SELECT meeting_id, position FROM item_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return (int(row["meeting_id"]), int(row["position"])) if row else None

    async def contribute(
        self,
        *,
        meeting_id: int,
        position: int,
        kind: ContributionKind,
        speaker_id: int | None,
        text: str,
        recorded_by: int | None,
        now: datetime,
        source: tuple[str, int] | None = None,
    ) -> bool:
        """Record a contribution once per source message."""
        changed = await self.run(
            "INSERT INTO contributions (meeting_id, position, kind, speaker_id, text,"
            " recorded_by, recorded_at, source_chat, source_message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (source_chat, source_message) WHERE source_chat IS NOT NULL"
            " DO NOTHING",
            (
                meeting_id,
                position,
                kind.value,
                speaker_id,
                text,
                recorded_by,
                iso(now),
                source[0] if source else None,
                source[1] if source else None,
            ),
        )
        return changed > 0

    async def amend(
        self, source: tuple[str, int], speaker_id: int, text: str, now: datetime
    ) -> bool:
        """The speaker's edit of the message a contribution came from."""
        changed = await self.run(
            "UPDATE contributions SET text = ?, recorded_at = ?"
            " WHERE source_chat = ? AND source_message = ? AND speaker_id = ?",
            (text, iso(now), source[0], source[1], speaker_id),
        )
        return changed > 0

    async def contributions(self, meeting_id: int) -> list[Contribution]:
        """A meeting's contributions in the order recorded."""
        rows = await self.all(
            "SELECT id, meeting_id, position, kind, speaker_id, text, recorded_by, recorded_at"
            " FROM contributions WHERE meeting_id = ? ORDER BY id",
            (meeting_id,),
        )
        return [_contribution(r) for r in rows]

    async def raise_hand(
        self, meeting_id: int, user_id: int, position: int, now: datetime
    ) -> bool:
        """Put a person in the queue unless they are waiting or speaking already."""
        changed = await self.run(
            "INSERT INTO speakers (meeting_id, user_id, position, raised_at, state)"
            " SELECT ?, ?, ?, ?, 'waiting' WHERE NOT EXISTS (SELECT 1 FROM speakers"
            " WHERE meeting_id = ? AND user_id = ? AND state IN ('waiting', 'speaking'))",
            (meeting_id, user_id, position, iso(now), meeting_id, user_id),
        )
        return changed > 0

    async def queue(self, meeting_id: int) -> list[QueueEntry]:
        """The speaker, then those waiting by time."""
        rows = await self.all(
            "SELECT user_id, position, raised_at, state FROM speakers"
            " WHERE meeting_id = ? AND state IN ('waiting', 'speaking')"
            " ORDER BY state = 'waiting', raised_at, rowid",
            (meeting_id,),
        )
        return [_entry(r) for r in rows]

    async def next_speaker(self, meeting_id: int) -> QueueEntry | None:
        """The speaker is done; the first waiting one speaks."""
        await self.run(
            "UPDATE speakers SET state = 'done' WHERE meeting_id = ? AND state = 'speaking'",
            (meeting_id,),
        )
        row = await self.one(
            "UPDATE speakers SET state = 'speaking' WHERE rowid = (SELECT rowid FROM speakers"
            " WHERE meeting_id = ? AND state = 'waiting' ORDER BY raised_at, rowid LIMIT 1)"
            " RETURNING user_id, position, raised_at, state",
            (meeting_id,),
        )
        return _entry(row) if row else None


def _version(row: sqlite3.Row) -> MinutesVersion:
    return MinutesVersion(
        meeting_id=row["meeting_id"],
        version=row["version"],
        body=row["body"],
        state=MinutesState(row["state"]),
        created_by=row["created_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
        approved_by=row["approved_by"],
        approved_at=from_iso(row["approved_at"]),
    )


class SqliteMinutes(Repository):
    """Minutes versions and anonymous scores."""

    async def versions(self, meeting_id: int) -> list[MinutesVersion]:
        """Every version, oldest first."""
        rows = await self.all(
            "SELECT meeting_id, version, body, state, created_by, created_at, approved_by,"
            " approved_at FROM minutes WHERE meeting_id = ? ORDER BY version",
            (meeting_id,),
        )
        return [_version(r) for r in rows]

    async def add(
        self,
        meeting_id: int,
        body: str,
        state: MinutesState,
        created_by: int | None,
        now: datetime,
    ) -> int | None:
        """A new version numbered after the last; none while a draft is open."""
        row = await self.one(
            "INSERT INTO minutes (meeting_id, version, body, state, created_by, created_at)"
            " SELECT ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM minutes WHERE meeting_id = ?),"
            " ?, ?, ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM minutes WHERE meeting_id = ? AND state = 'draft')"
            " RETURNING version",
            (meeting_id, meeting_id, body, state.value, created_by, iso(now), meeting_id),
        )
        return int(row["version"]) if row else None

    async def set_body(self, meeting_id: int, version: int, body: str) -> bool:
        """Correct a draft."""
        changed = await self.run(
            "UPDATE minutes SET body = ? WHERE meeting_id = ? AND version = ? AND state = 'draft'",
            (body, meeting_id, version),
        )
        return changed > 0

    async def approve(
        self, meeting_id: int, version: int, body: str, by: int, now: datetime
    ) -> bool:
        """Approve a draft; the approved version before it is superseded (kept)."""
        changed = await self.run(
            "UPDATE minutes SET state = 'approved', body = ?, approved_by = ?, approved_at = ?"
            " WHERE meeting_id = ? AND version = ? AND state = 'draft'",
            (body, by, iso(now), meeting_id, version),
        )
        if not changed:
            return False
        await self.run(
            "UPDATE minutes SET state = 'superseded', body = json_set(body, '$.state',"
            " 'superseded') WHERE meeting_id = ? AND state = 'approved' AND version < ?",
            (meeting_id, version),
        )
        return True

    async def score(self, meeting_id: int, user_id: int, grade: Grade) -> bool:
        """The member into the register, the grade into the counters (the caller's unit of
        work makes the two one transaction)."""
        registered = await self.run(
            "INSERT INTO score_register (meeting_id, user_id) VALUES (?, ?)"
            " ON CONFLICT DO NOTHING",
            (meeting_id, user_id),
        )
        if not registered:
            return False
        await self.run(
            "INSERT INTO score_counts (meeting_id, grade, count) VALUES (?, ?, 1)"
            " ON CONFLICT (meeting_id, grade) DO UPDATE SET count = count + 1",
            (meeting_id, grade.value),
        )
        return True

    async def scores(self, meeting_id: int) -> dict[Grade, int]:
        """The counts per grade (every grade, zero when none)."""
        rows = await self.all(
            "SELECT grade, count FROM score_counts WHERE meeting_id = ?", (meeting_id,)
        )
        counts = {grade: 0 for grade in Grade}
        counts.update({Grade(r["grade"]): int(r["count"]) for r in rows})
        return counts

    async def has_scored(self, meeting_id: int, user_id: int) -> bool:
        """Whether the member scored the meeting."""
        row = await self.one(
            "SELECT 1 FROM score_register WHERE meeting_id = ? AND user_id = ?",
            (meeting_id, user_id),
        )
        return row is not None
