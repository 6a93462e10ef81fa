"""Every statement the services send to SQLite finds its rows through an index.

A scenario runs through the services (set-up, joins, scheduling, a reminder, answers, the
roster, the recurring rule); every statement is captured as SQLite ran it, and its query plan
must not scan a table that grows with use, except where reading every row is the point.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.domain.cells import Kind
from bot.domain.identity import ChatRef, Identity
from bot.services.registry import Services
from config import Settings
from storage.sqlite.db import Database
from tests.fakes import RecordingNotifier, RecordingScheduler

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
GROUP = ChatRef("telegram", "-1001", False, "Chi bộ 1")
SECRETARY = Identity("telegram", "1", "Lan")
# Reading every row is the point: the operator's list of cells, and the rules to keep ahead
# (one row per cell with a rule, read once every few hours).
WHOLE_TABLE_READS = {"cells", "meeting_series"}


def _table(sql: str, name: str) -> str:
    """The table a plan names, by its own name or by its alias in the statement."""
    for found in re.finditer(rf"\b(\w+)\s+(?:AS\s+)?{re.escape(name)}\b(?!\.)", sql, re.I):
        if found.group(1).upper() not in ("FROM", "JOIN", "SELECT", "AS", "ON", "WHERE"):
            return found.group(1)
    return name


async def test_the_services_statements_use_indexes(tmp_path: Path) -> None:
    path = tmp_path / "plans.sqlite3"
    database = Database(path)
    await database.connect()
    statements: set[str] = set()
    for conn in (database.conn, database._reader):
        assert conn is not None
        await conn.set_trace_callback(statements.add)
    clock = FakeClock(NOW)
    s = Services.build(
        Settings(database_path=path), clock, database, RecordingNotifier(), RecordingScheduler()
    )
    try:
        await s.members.start_private(SECRETARY, ChatRef("telegram", "1", True))
        await s.cells.setup_cell(SECRETARY, GROUP, await s.cells.create_setup_code("Chi bộ 1"))
        invite = await s.members.create_invite(SECRETARY, GROUP, [])
        for n in range(2, 6):
            member = Identity("telegram", str(n), f"Member {n}", username=f"member{n}")
            await s.members.start_private(member, ChatRef("telegram", str(n), True))
            request = await s.members.request_join(member, GROUP)
            await request.announce()
            decision = await s.members.decide_join(
                SECRETARY, request.membership.id, Kind.OFFICIAL, GROUP
            )
            await decision.announce()
        joiner = Identity("telegram", "9", "Joiner")
        await (await s.members.redeem_invite(joiner, invite.code)).announce()
        await s.members.roster(SECRETARY, GROUP)
        change = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Họp")
        await change.announce()
        meeting = change.meeting.id
        await s.attendance.will_attend(Identity("telegram", "2", "Member 2"), None, meeting)
        await s.attendance.request_absence(
            Identity("telegram", "3", "Member 3"), None, meeting, "ốm nặng"
        )
        await s.attendance.decide_absence(SECRETARY, GROUP, meeting, 3, True)
        clock.set(change.armed[0].due_at)
        await s.reminders.send(change.armed[0].id)
        await s.attendance.answers(SECRETARY, GROUP, meeting)
        await s.meetings.overview(SECRETARY, GROUP)
        await s.meetings.details(SECRETARY, GROUP, meeting)
        await s.meetings.calendar(SECRETARY, GROUP, "vi")
        await s.meetings.edit_agenda(SECRETARY, GROUP, meeting, "add", ["Việc", "khác"])
        await (
            await s.meetings.move(SECRETARY, GROUP, meeting, "06/12/2026 19:30", "vi")
        ).announce()
        await s.meetings.set_recurrence(SECRETARY, GROUP, "ngày 10 hằng tháng 19:30")
        await s.reminders.extend_all_series()
        await s.reminders.set_offsets(SECRETARY, GROUP, "24h 0")
        await s.cells.list_cells()
        await s.members.set_kind(SECRETARY, GROUP, 4, Kind.EXEMPTED)
        # Reports: the cell's, a member's own record, the overview, the alerts' sweep.
        await s.reports.cell_report(SECRETARY, GROUP, "")
        await s.reports.my_record(SECRETARY, GROUP, "Q4 2026")
        await s.reports.overview(None, "")
        clock.set(datetime(2026, 12, 21, 3, 0, tzinfo=UTC))
        await s.reports.send_alerts()
    finally:
        await database.close()

    scans: dict[str, set[str]] = {}
    with closing(sqlite3.connect(path)) as plain:
        for sql in statements:
            head = sql.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH"):
                continue
            for row in plain.execute(f"EXPLAIN QUERY PLAN {sql}"):
                detail = str(row[-1])
                # A subquery's own rows (an aggregate's groups) are no table.
                subquery = detail.startswith("SCAN (subquery")
                if detail.startswith("SCAN ") and "USING" not in detail and not subquery:
                    table = _table(sql, detail.split()[1])
                    scans.setdefault(table, set()).add(" ".join(sql.split())[:120])
    assert len(statements) > 40
    unexpected = {t: q for t, q in scans.items() if t not in WHOLE_TABLE_READS}
    assert unexpected == {}
