"""The reports' reads: a few aggregate queries over the held meetings and their rolls.

Each query finds its rows through an index (migration 0013): one cell's year is its meetings
by (cell_id, starts_at) and their rolls by (meeting_id, ...); the overview across cells sums
every roll from the covering index roll_counts without reading the roll's rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.meetings import MeetingType
from bot.domain.reports import (
    CellRef,
    CellTotals,
    MeetingFacts,
    MemberFacts,
    RollFacts,
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
# Every cell's held meetings of a period summed per cell: the local months (YYYYMM after the
# time zone's shift) of its regular and of its thematic meetings, its rolls' counts.
_OVERVIEW = """
SELECT m.cell_id, COUNT(*), SUM(t.summoned), SUM(t.attended), SUM(t.excused),
       group_concat(CASE WHEN m.type = 'regular' THEN strftime('%Y%m', m.starts_at, {shift}) END),
       group_concat(CASE WHEN m.type = 'thematic' THEN strftime('%Y%m', m.starts_at, {shift}) END)
FROM meetings m INDEXED BY meetings_held {zones}
LEFT JOIN roll_counts t ON t.meeting_id = m.id
WHERE m.status = 'closed' AND m.starts_at >= ? AND m.starts_at < ?
GROUP BY m.cell_id
"""
# Per cell: absences without reason, members with any, and members with them in `?` months.
_UNEXCUSED = """
SELECT cell_id, SUM(n), COUNT(*), SUM(months >= ?) FROM (
    SELECT m.cell_id, r.user_id, COUNT(*) AS n,
           COUNT(DISTINCT strftime('%Y%m', m.starts_at, {shift})) AS months
    FROM meetings m INDEXED BY meetings_held {zones}
    JOIN roll r INDEXED BY roll_unexcused
        ON r.meeting_id = m.id AND r.status = 'absent' AND r.summoned = 1
    WHERE m.status = 'closed' AND m.starts_at >= ? AND m.starts_at < ?
    GROUP BY m.cell_id, r.user_id)
GROUP BY cell_id
"""
# With several time zones, each meeting's cell says its shift.
_ZONES = "JOIN cells zc ON zc.id = m.cell_id JOIN zones z ON z.timezone = zc.timezone"
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
        created = await self.all("SELECT created_at FROM cells WHERE id = ?", (cell_id,))
        since = datetime.fromisoformat(created[0][0]) if created else None
        return CellFacts(meetings, roll, people, votes, since)

    async def overview_totals(
        self, start: datetime, end: datetime, shifts: dict[str, str], removal_months: int
    ) -> list[CellTotals]:
        """Every cell's held meetings of a period summed (see CellTotals); ``shifts`` maps
        the cells' time zones to their SQLite modifiers ("+420 minutes")."""
        span = (iso(start), iso(end))
        if len(shifts) == 1:
            # One time zone (the usual case): its shift is a constant, no join.
            (shift,) = shifts.values()
            prefix, zones, modifier = "", "", "?"
            held_params: tuple[object, ...] = (shift, shift, *span)
            absent_params: tuple[object, ...] = (removal_months, shift, *span)
        else:
            values = ", ".join("(?, ?)" for _ in shifts)
            prefix = f"WITH zones (timezone, shift) AS (VALUES {values}) "
            pairs = tuple(value for pair in shifts.items() for value in pair)
            zones, modifier = _ZONES, "z.shift"
            held_params = (*pairs, *span)
            absent_params = (*pairs, removal_months, *span)
        held_sql = prefix + _OVERVIEW.format(shift=modifier, zones=zones)
        absent_sql = prefix + _UNEXCUSED.format(shift=modifier, zones=zones)
        absent = {row[0]: row[1:4] for row in await self.all(absent_sql, absent_params)}
        totals = []
        for row in await self.all(held_sql, held_params):
            absences, members, removal = absent.pop(row[0], (0, 0, 0))
            totals.append(
                CellTotals(
                    row[0],
                    row[1],
                    row[2] or 0,
                    row[3] or 0,
                    row[4] or 0,
                    frozenset(row[5].split(",")) if row[5] else frozenset(),
                    frozenset(row[6].split(",")) if row[6] else frozenset(),
                    absences,
                    members,
                    removal,
                )
            )
        # (A cell's absences are at its held meetings: none is left over.)
        return totals

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

    async def cells(self) -> list[CellRef]:
        """Every cell, by id, name and time zone (the overview's rows)."""
        return [
            CellRef(row[0], row[1], row[2], datetime.fromisoformat(row[3]))
            for row in await self.all(
                "SELECT id, name, timezone, created_at FROM cells ORDER BY id"
            )
        ]

    async def recently_closed(self, since: datetime) -> list[int]:
        """The cells with a meeting closed since a time."""
        rows = await self.all(
            "SELECT DISTINCT m.cell_id FROM meeting_runs r JOIN meetings m ON m.id = r.meeting_id"
            " WHERE r.closed_at >= ? AND r.closed_at IS NOT NULL",
            (iso(since),),
        )
        return [row[0] for row in rows]

    async def cells_without_regular(self, now: datetime, from_day: int) -> dict[int, str]:
        """Cells with leaders and no regular meeting (not cancelled) in their current month,
        once that month has reached a day (cells made during the month are left alone that
        month): cell id -> the month as MM/YYYY."""
        found: dict[int, str] = {}
        for (name,) in await self.all("SELECT DISTINCT timezone FROM cells"):
            local = now.astimezone(ZoneInfo(name))
            if local.day < from_day:
                continue
            first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            after = (first + timedelta(days=32)).replace(day=1)
            rows = await self.all(
                """
                SELECT c.id FROM cells c
                WHERE c.timezone = ? AND c.created_at < ?
                  AND EXISTS (SELECT 1 FROM memberships ms
                              WHERE ms.cell_id = c.id AND ms.status = 'active'
                                AND ms.role IN ('secretary', 'deputy'))
                  AND NOT EXISTS (SELECT 1 FROM meetings m
                                  WHERE m.cell_id = c.id AND m.type = 'regular'
                                    AND m.status <> 'cancelled'
                                    AND m.starts_at >= ? AND m.starts_at < ?)
                """,
                (
                    name,
                    iso(first.astimezone(UTC)),
                    iso(first.astimezone(UTC)),
                    iso(after.astimezone(UTC)),
                ),
            )
            found.update((row[0], f"{local.month:02d}/{local.year}") for row in rows)
        return found
