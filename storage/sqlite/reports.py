"""The reports' reads: a few aggregate queries over the held meetings and their rolls.

Each query finds its rows through an index (migration 0013): one cell's year is its meetings
by (cell_id, starts_at) and their rolls by (meeting_id, ...); the overview across cells sums
every roll from the covering index roll_counts without reading the roll's rows.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.meetings import MeetingType
from bot.domain.reports import (
    HeldMeeting,
    MeetingFacts,
    MemberFacts,
    RollFacts,
    UnexcusedAbsence,
    VoteFacts,
)
from bot.ports import CellFacts, MemberRecord
from storage.sqlite.repositories import Repository, iso

# The held meetings of a cell in a period, with what the self-score needs.
_HELD = """
SELECT m.id, m.number, m.type, m.title, m.starts_at, m.duration_minutes,
       r.opened_at, r.closed_at, r.grace_minutes,
       (SELECT COUNT(*) FROM documents d
         WHERE d.meeting_id = m.id AND d.added_at < m.starts_at) AS documents_before,
       (SELECT COUNT(DISTINCT c.speaker_id) FROM contributions c
         WHERE c.meeting_id = m.id AND c.kind = 'speech') AS speakers,
       EXISTS (SELECT 1 FROM minutes mi
                WHERE mi.meeting_id = m.id AND mi.approved_at IS NOT NULL) AS approved,
       (SELECT group_concat(s.grade || ':' || s.count) FROM score_counts s
         WHERE s.meeting_id = m.id AND s.count > 0) AS scores
FROM meetings m LEFT JOIN meeting_runs r ON r.meeting_id = m.id
WHERE m.cell_id = ? AND m.starts_at >= ? AND m.starts_at < ? AND m.status = 'closed'
ORDER BY m.starts_at, m.number
"""
_ROLL = """
SELECT r.meeting_id, r.user_id, r.kind, r.summoned, r.status
FROM meetings m JOIN roll r ON r.meeting_id = m.id
WHERE m.cell_id = ? AND m.starts_at >= ? AND m.starts_at < ? AND m.status = 'closed'
"""
# The roster (guests are not reported on) and anyone on the period's rolls who left it.
_PEOPLE = """
SELECT u.id, COALESCE(u.full_name, u.display_name) AS name, ms.number, ms.kind
FROM memberships ms JOIN users u ON u.id = ms.user_id
WHERE ms.cell_id = ? AND ms.status = 'active' AND ms.role <> 'guest'
UNION ALL
SELECT u.id, COALESCE(u.full_name, u.display_name), 0, NULL
FROM users u
WHERE u.id IN (SELECT r.user_id FROM meetings m JOIN roll r ON r.meeting_id = m.id
               WHERE m.cell_id = ? AND m.starts_at >= ? AND m.starts_at < ?
                 AND m.status = 'closed' AND r.kind <> 'guest')
  AND u.id NOT IN (SELECT user_id FROM memberships
                   WHERE cell_id = ? AND status = 'active' AND role <> 'guest')
"""
# Votes as the latest version of each held meeting's minutes states them.
_VOTES = """
SELECT mi.meeting_id, mi.body
FROM meetings m JOIN minutes mi ON mi.meeting_id = m.id
WHERE m.cell_id = ? AND m.starts_at >= ? AND m.starts_at < ? AND m.status = 'closed'
  AND mi.version = (SELECT MAX(version) FROM minutes WHERE meeting_id = m.id)
"""
# Every cell's held meetings of a period, with their rolls' counts (kept by triggers).
_OVERVIEW = """
SELECT m.cell_id, m.type, m.starts_at, COALESCE(t.summoned, 0), COALESCE(t.attended, 0),
       COALESCE(t.excused, 0)
FROM meetings m INDEXED BY meetings_held LEFT JOIN roll_counts t ON t.meeting_id = m.id
WHERE m.starts_at >= ? AND m.starts_at < ? AND m.status = 'closed'
"""
_UNEXCUSED = """
SELECT m.cell_id, r.user_id, m.starts_at
FROM roll r INDEXED BY roll_unexcused JOIN meetings m ON m.id = r.meeting_id
WHERE r.status = 'absent' AND r.summoned = 1
  AND m.starts_at >= ? AND m.starts_at < ? AND m.status = 'closed'
"""
_MEMBER = """
SELECT m.id, m.number, m.type, m.title, m.starts_at, m.duration_minutes,
       r.summoned, r.status, a.status AS reply, a.reason
FROM roll r INDEXED BY roll_user JOIN meetings m ON m.id = r.meeting_id
LEFT JOIN attendance_replies a ON a.meeting_id = m.id AND a.user_id = r.user_id
WHERE r.user_id = ? AND m.cell_id = ? AND m.starts_at >= ? AND m.starts_at < ?
  AND m.status = 'closed'
ORDER BY m.starts_at
"""


def _scores(text: str | None) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in (text or "").split(","):
        if ":" in part:
            grade, count = part.split(":", 1)
            found[grade] = int(count)
    return found


def _votes(meeting_id: int, body: str) -> list[VoteFacts]:
    try:
        votes = json.loads(body).get("votes") or []
    except (ValueError, AttributeError):
        return []
    return [
        VoteFacts(
            meeting_id,
            str(v.get("title", "")),
            str(v.get("outcome", "")),
            v.get("passed"),
            {str(k): int(n) for k, n in (v.get("counts") or {}).items()},
            str(v.get("denominator_text", "")),
        )
        for v in votes
        if isinstance(v, dict)
    ]


class SqliteReports(Repository):
    """The reports' aggregate reads."""

    async def cell_facts(self, cell_id: int, start: datetime, end: datetime) -> CellFacts:
        """A cell's held meetings of a period, their rolls, the people and the votes."""
        span = (cell_id, iso(start), iso(end))
        meetings = [
            MeetingFacts(
                meeting_id=row[0],
                number=row[1],
                type=MeetingType(row[2]),
                title=row[3],
                starts_at=datetime.fromisoformat(row[4]),
                duration_minutes=row[5],
                opened_at=datetime.fromisoformat(row[6]) if row[6] else None,
                closed_at=datetime.fromisoformat(row[7]) if row[7] else None,
                grace_minutes=row[8] if row[8] is not None else 15,
                documents_before=row[9],
                speakers=row[10],
                minutes_approved=bool(row[11]),
                scores=_scores(row[12]),
            )
            for row in await self.all(_HELD, span)
        ]
        roll = [
            RollFacts(row[0], row[1], row[2], bool(row[3]), row[4])
            for row in await self.all(_ROLL, span)
        ]
        people = [
            MemberFacts(row[0], row[1], row[2], row[3] or "")
            for row in await self.all(_PEOPLE, (cell_id, *span, cell_id))
        ]
        votes = [v for row in await self.all(_VOTES, span) for v in _votes(row[0], row[1])]
        return CellFacts(meetings, roll, people, votes)

    async def held_across_cells(self, start: datetime, end: datetime) -> list[HeldMeeting]:
        """Every cell's held meetings of a period, each with its summoned roll summed."""
        return [
            HeldMeeting(row[0], MeetingType(row[1]), datetime.fromisoformat(row[2]), *row[3:6])
            for row in await self.all(_OVERVIEW, (iso(start), iso(end)))
        ]

    async def unexcused(self, start: datetime, end: datetime) -> list[UnexcusedAbsence]:
        """Every summoned member's absence without reason at a held meeting of a period."""
        return [
            UnexcusedAbsence(row[0], row[1], datetime.fromisoformat(row[2]))
            for row in await self.all(_UNEXCUSED, (iso(start), iso(end)))
        ]

    async def member_record(
        self, user_id: int, cell_id: int, start: datetime, end: datetime
    ) -> list[MemberRecord]:
        """One person's lines on the rolls of a cell's held meetings of a period."""
        return [
            MemberRecord(
                meeting_id=row[0],
                number=row[1],
                type=MeetingType(row[2]),
                title=row[3],
                starts_at=datetime.fromisoformat(row[4]),
                summoned=bool(row[6]),
                status=row[7],
                reply=row[8],
                reason=row[9],
            )
            for row in await self.all(_MEMBER, (user_id, cell_id, iso(start), iso(end)))
        ]
