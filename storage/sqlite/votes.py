"""Votes in SQLite: the votes, open ballots, and the secret register kept apart from the box."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from bot.domain.votes import Basis, RollLine, Threshold, Vote, VoteKind, VoteMode, VoteState
from storage.sqlite.repositories import Repository, _required_iso, from_iso, iso

VOTE_COLUMNS = (
    "v.id, v.meeting_id, m.cell_id, v.number, v.position, v.kind, v.mode, v.subject, v.options,"
    " v.subjects, v.seats, v.threshold, v.basis, v.state, v.created_by, v.created_at,"
    " v.closed_at, v.result"
)

# The roll as the votes read it: a summoned member whose absence was approved before the
# meeting is absent with reason already (the roll says so only once settled at closing).
ROLL_COLUMNS = (
    "r.user_id, r.kind, r.summoned, CASE WHEN r.status = 'expected'"
    " AND a.status = 'absent_with_reason' THEN 'excused' ELSE r.status END AS status"
    " FROM roll r LEFT JOIN attendance_replies a"
    " ON a.meeting_id = r.meeting_id AND a.user_id = r.user_id"
)


def _vote(row: sqlite3.Row) -> Vote:
    result = json.loads(row["result"]) if row["result"] else None
    return Vote(
        id=row["id"],
        meeting_id=row["meeting_id"],
        cell_id=row["cell_id"],
        number=row["number"],
        item=row["position"],
        kind=VoteKind(row["kind"]),
        mode=VoteMode(row["mode"]),
        subject=row["subject"],
        options=tuple(str(o) for o in json.loads(row["options"])),
        seats=row["seats"],
        threshold=Threshold.parse(row["threshold"]),
        basis=Basis(row["basis"]),
        state=VoteState(row["state"]),
        created_by=row["created_by"],
        created_at=_required_iso(row["created_at"]),
        closed_at=from_iso(row["closed_at"]),
        result=result if isinstance(result, dict) else None,
        subjects=tuple(int(s) for s in json.loads(row["subjects"])),
    )


class SqliteVotes(Repository):
    """Votes, their ballots, and what the votes read of a running meeting."""

    async def running(self, cell_id: int) -> tuple[int, int] | None:
        """The cell's meeting that is open now: (meeting id, current agenda position)."""
        row = await self.one(
            "SELECT r.meeting_id, r.current_item FROM meeting_runs r"
            " JOIN meetings m ON m.id = r.meeting_id"
            " WHERE m.cell_id = ? AND r.closed_at IS NULL ORDER BY r.opened_at DESC LIMIT 1",
            (cell_id,),
        )
        return (row["meeting_id"], row["current_item"]) if row else None

    async def roll(self, meeting_id: int) -> list[RollLine]:
        """The meeting's roll as the votes need it."""
        rows = await self.all(
            f"SELECT {ROLL_COLUMNS} WHERE r.meeting_id = ? ORDER BY r.user_id", (meeting_id,)
        )
        return [RollLine(r["user_id"], r["kind"], bool(r["summoned"]), r["status"]) for r in rows]

    async def roll_line(self, meeting_id: int, user_id: int) -> RollLine | None:
        """One person's line on the meeting's roll."""
        r = await self.one(
            f"SELECT {ROLL_COLUMNS} WHERE r.meeting_id = ? AND r.user_id = ?",
            (meeting_id, user_id),
        )
        return RollLine(r["user_id"], r["kind"], bool(r["summoned"]), r["status"]) if r else None

    async def insert(
        self,
        *,
        meeting_id: int,
        position: int,
        kind: VoteKind,
        mode: VoteMode,
        subject: str,
        options: Iterable[str],
        subjects: Iterable[int],
        seats: int,
        threshold: Threshold,
        basis: Basis,
        secret_key: str | None,
        created_by: int,
        now: datetime,
    ) -> Vote:
        """A new open vote, numbered after the meeting's last one."""
        row = await self.one(
            "INSERT INTO votes (meeting_id, number, position, kind, mode, subject, options,"
            " subjects, seats, threshold, basis, secret_key, created_by, created_at)"
            " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM votes WHERE meeting_id = ?),"
            " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                meeting_id,
                meeting_id,
                position,
                kind.value,
                mode.value,
                subject,
                json.dumps(list(options), ensure_ascii=False),
                json.dumps(list(subjects)),
                seats,
                threshold.code,
                basis.value,
                secret_key,
                created_by,
                iso(now),
            ),
        )
        assert row is not None
        vote = await self.get(row["id"])
        assert vote is not None
        return vote

    async def get(self, vote_id: int) -> Vote | None:
        """The vote with that id."""
        row = await self.one(
            f"SELECT {VOTE_COLUMNS} FROM votes v JOIN meetings m ON m.id = v.meeting_id"
            " WHERE v.id = ?",
            (vote_id,),
        )
        return _vote(row) if row else None

    async def by_number(self, meeting_id: int, number: int) -> Vote | None:
        """The meeting's vote with that number."""
        row = await self.one(
            f"SELECT {VOTE_COLUMNS} FROM votes v JOIN meetings m ON m.id = v.meeting_id"
            " WHERE v.meeting_id = ? AND v.number = ?",
            (meeting_id, number),
        )
        return _vote(row) if row else None

    async def of_meeting(self, meeting_id: int, *, open_only: bool = False) -> list[Vote]:
        """The meeting's votes, by number."""
        rows = await self.all(
            f"SELECT {VOTE_COLUMNS} FROM votes v JOIN meetings m ON m.id = v.meeting_id"
            " WHERE v.meeting_id = ?"
            + (" AND v.state = 'open'" if open_only else "")
            + " ORDER BY v.number",
            (meeting_id,),
        )
        return [_vote(r) for r in rows]

    async def secret_key(self, vote_id: int) -> str | None:
        """The key sealing a running secret vote's buttons (None once closed)."""
        row = await self.one("SELECT secret_key FROM votes WHERE id = ?", (vote_id,))
        return row["secret_key"] if row else None

    async def set_message(self, vote_id: int, chat_id: str, message_id: int) -> None:
        """The vote's message in the group (its live count is edited there)."""
        await self.run(
            "UPDATE votes SET message_chat = ?, message_id = ? WHERE id = ?",
            (chat_id, message_id, vote_id),
        )

    async def message(self, vote_id: int) -> tuple[str, int] | None:
        """The vote's message in the group."""
        row = await self.one("SELECT message_chat, message_id FROM votes WHERE id = ?", (vote_id,))
        if row is None or row["message_chat"] is None:
            return None
        return row["message_chat"], row["message_id"]

    async def cast_open(
        self, vote_id: int, voter_id: int, item: int, options: Iterable[int], now: datetime
    ) -> None:
        """Record (or replace) a voter's open choice on one question."""
        await self.run(
            "DELETE FROM open_ballots WHERE vote_id = ? AND voter_id = ? AND item = ?",
            (vote_id, voter_id, item),
        )
        await self.conn.executemany(
            "INSERT INTO open_ballots (vote_id, voter_id, item, option, cast_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(vote_id, voter_id, item, option, iso(now)) for option in sorted(set(options))],
        )

    async def open_choices(self, vote_id: int, voter_id: int) -> dict[int, frozenset[int]]:
        """A voter's open choices, by question."""
        rows = await self.all(
            "SELECT item, option FROM open_ballots WHERE vote_id = ? AND voter_id = ?",
            (vote_id, voter_id),
        )
        found: dict[int, set[int]] = {}
        for r in rows:
            found.setdefault(r["item"], set()).add(r["option"])
        return {item: frozenset(options) for item, options in found.items()}

    async def open_ballots(self, vote_id: int) -> list[tuple[int, int, int]]:
        """Every open choice: (voter, question, option)."""
        rows = await self.all(
            "SELECT voter_id, item, option FROM open_ballots WHERE vote_id = ?"
            " ORDER BY voter_id, item, option",
            (vote_id,),
        )
        return [(r["voter_id"], r["item"], r["option"]) for r in rows]

    async def cast_secret(
        self, vote_id: int, voter_id: int, item: int, options: Iterable[int]
    ) -> bool:
        """Put one secret ballot in the box and the voter in the register, together; False
        (nothing written) when the voter has voted on that question already."""
        registered = await self.run(
            "INSERT INTO secret_register (vote_id, item, voter_id) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (vote_id, item, voter_id),
        )
        if not registered:
            return False
        chosen = sorted(set(options))
        if chosen:
            await self.conn.executemany(
                "INSERT INTO secret_counts (vote_id, item, option, count) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (vote_id, item, option) DO UPDATE SET count = count + 1",
                [(vote_id, item, option) for option in chosen],
            )
        return True

    async def has_voted(self, vote_id: int, voter_id: int) -> set[int]:
        """The questions a voter has answered (either mode)."""
        rows = await self.all(
            "SELECT item FROM secret_register WHERE vote_id = ? AND voter_id = ?"
            " UNION SELECT item FROM open_ballots WHERE vote_id = ? AND voter_id = ?",
            (vote_id, voter_id, vote_id, voter_id),
        )
        return {r["item"] for r in rows}

    async def voters(self, vote_id: int) -> int:
        """How many people have voted (on any question)."""
        row = await self.one(
            "SELECT COUNT(*) AS n FROM (SELECT voter_id FROM secret_register WHERE vote_id = ?"
            " UNION SELECT voter_id FROM open_ballots WHERE vote_id = ?)",
            (vote_id, vote_id),
        )
        return int(row["n"]) if row else 0

    async def counts(self, vote_id: int) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
        """The box: {(question, option): count} and {question: ballots}, for either mode."""
        rows = await self.all(
            "SELECT item, option, count FROM secret_counts WHERE vote_id = ?"
            " UNION ALL SELECT item, option, COUNT(*) FROM open_ballots WHERE vote_id = ?"
            " GROUP BY item, option",
            (vote_id, vote_id),
        )
        ballots = await self.all(
            "SELECT item, COUNT(*) AS n FROM secret_register WHERE vote_id = ? GROUP BY item"
            " UNION ALL SELECT item, COUNT(DISTINCT voter_id) FROM open_ballots"
            " WHERE vote_id = ? GROUP BY item",
            (vote_id, vote_id),
        )
        return (
            {(r["item"], r["option"]): r["count"] for r in rows},
            {r["item"]: r["n"] for r in ballots},
        )

    async def close(
        self, vote_id: int, result: dict[str, object], closed_by: int | None, now: datetime
    ) -> bool:
        """Close a running vote with its result and erase its key; False when closed before."""
        changed = await self.run(
            "UPDATE votes SET state = 'closed', result = ?, closed_by = ?, closed_at = ?,"
            " secret_key = NULL WHERE id = ? AND state = 'open'",
            (json.dumps(result, ensure_ascii=False), closed_by, iso(now), vote_id),
        )
        if changed != 1:
            return False
        # Telegram updates are kept a day (inbox), each ballot press with the message it was
        # pressed on, whose buttons show every token next to its label: a secret vote's
        # presses keep only their id (enough to recognise a redelivery).
        await self.run(
            "UPDATE inbox SET payload = json_object('update_id', update_id)"
            " WHERE instr(payload, ?) > 0"
            " AND EXISTS (SELECT 1 FROM votes WHERE id = ? AND mode = 'secret')",
            (f'"vb:{vote_id}:', vote_id),
        )
        return True
