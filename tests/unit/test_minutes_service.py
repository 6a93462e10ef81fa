"""The minutes service over the ports: the agenda, contributions, the queue, closing, the draft,
corrections, approval in versions, conclusions to absentees, anonymous scores, auto-closing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import FakeClock
from bot.domain.cells import Kind, Role
from bot.domain.identity import ChatRef, Identity
from bot.domain.messages import Person, ScoreMeeting
from bot.domain.minutes import Minutes, MinutesState
from bot.domain.proceedings import AUTO_CLOSE_AFTER, ContributionKind
from bot.domain.running import RollStatus
from bot.errors import Conflict, Refused
from bot.services.members import MemberRef
from bot.services.registry import Services
from config import Settings
from storage.sqlite.db import Database
from tests.fakes import RecordingNotifier, RecordingScheduler

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)  # 19:30 in Hà Nội
GROUP = ChatRef("telegram", "-1001", False, "Chi bộ 1")
SECRETARY = Identity("telegram", "1", "Nguyễn Thị Lan", language_code="vi")
OFFICIAL = Identity("telegram", "2", "Trần Văn Minh", language_code="en")
PROBATIONARY = Identity("telegram", "3", "Đỗ Hoài Nam", language_code="vi")
EXEMPTED = Identity("telegram", "4", "Bùi Công Thành", language_code="vi")
ABSENT = Identity("telegram", "5", "Lê Văn Hùng", language_code="vi")
GUEST = Identity("telegram", "6", "Vũ Thị Mai", language_code="vi")


@dataclass
class Core:
    services: Services
    notifier: RecordingNotifier
    clock: FakeClock
    path: Path


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    path = tmp_path / "core.sqlite3"
    database = Database(path)
    await database.connect()
    notifier, clock = RecordingNotifier(), FakeClock(NOW)
    services = Services.build(
        Settings(database_path=path), clock, database, notifier, RecordingScheduler()
    )
    try:
        yield Core(services, notifier, clock, path)
    finally:
        await database.close()


def private(identity: Identity) -> ChatRef:
    return ChatRef(identity.channel, identity.external_id, True)


async def opened(core: Core) -> int:
    """A cell, a meeting at STARTS with the standard agenda, opened by the secretary; the
    official member checks in; the meeting's id."""
    s = core.services
    code = await s.cells.create_setup_code("Chi bộ 1")
    for person in (SECRETARY, OFFICIAL, PROBATIONARY, EXEMPTED, ABSENT, GUEST):
        await s.members.start_private(person, private(person))
    await s.cells.setup_cell(SECRETARY, GROUP, code)
    kinds = {OFFICIAL: Kind.OFFICIAL, PROBATIONARY: Kind.PROBATIONARY, ABSENT: Kind.OFFICIAL}
    kinds |= {EXEMPTED: Kind.OFFICIAL, GUEST: Kind.OFFICIAL}
    for person, kind in kinds.items():
        request = await s.members.request_join(person, GROUP)
        await s.members.decide_join(SECRETARY, request.membership.id, kind, GROUP)
    await s.members.set_kind(SECRETARY, GROUP, MemberRef(external_id="4"), Kind.EXEMPTED)
    await s.members.set_role(SECRETARY, GROUP, MemberRef(external_id="6"), Role.GUEST)
    change = await s.meetings.schedule_text(
        SECRETARY, GROUP, "05/12/2026 19:30 Sinh hoạt chi bộ tháng 12", "vi"
    )
    core.clock.set(STARTS)
    opening = await s.running.open_meeting(
        SECRETARY, GROUP, change.meeting.number, recorder=MemberRef(external_id="2")
    )
    await s.running.check_in(SECRETARY, GROUP, change.meeting.id)
    await s.running.check_in(OFFICIAL, GROUP, change.meeting.id)
    core.notifier.sent.clear()
    return opening.board.meeting.id


async def test_from_the_agenda_to_approved_minutes_in_versions(core: Core) -> None:
    s = core.services.minutes
    meeting_id = await opened(core)
    first = await s.next_item(SECRETARY, GROUP)
    assert first.position == 1 and first.total >= 5
    await s.contribute(OFFICIAL, GROUP, meeting_id, 1, "Tôi đề nghị bổ sung", ("-1001", 50))
    again = await s.contribute(
        OFFICIAL, GROUP, meeting_id, 1, "Tôi đề nghị bổ sung", ("-1001", 50)
    )
    assert not again.recorded  # the same message twice is recorded once
    with pytest.raises(Refused):
        await s.record(PROBATIONARY, GROUP, ContributionKind.CONCLUSION, "Không được")
    await s.record(OFFICIAL, GROUP, ContributionKind.CONCLUSION, "Nhất trí bổ sung")
    await s.next_item(SECRETARY, GROUP)
    queue = await s.raise_hand(PROBATIONARY, GROUP, meeting_id, 2)
    assert queue.added and queue.waiting == ["Đỗ Hoài Nam"]
    assert not (await s.raise_hand(PROBATIONARY, GROUP, meeting_id, 2)).added
    with pytest.raises(Refused):
        await s.next_speaker(PROBATIONARY, GROUP, meeting_id)
    called = await s.next_speaker(SECRETARY, GROUP, meeting_id)
    assert called.speaking == "Đỗ Hoài Nam" and called.waiting == []
    await s.contribute(PROBATIONARY, GROUP, meeting_id, 2, "Em xin phát biểu")
    await s.contribute(GUEST, GROUP, meeting_id, 2, "Ý kiến của khách")

    closed = await s.close(SECRETARY, GROUP)
    with pytest.raises(Conflict):
        await s.close(SECRETARY, GROUP, closed.meeting.number)
    minutes = closed.minutes
    assert [p.name for p in minutes.attendance.present] == ["Nguyễn Thị Lan", "Trần Văn Minh"]
    assert minutes.chair is not None and minutes.chair.name == "Nguyễn Thị Lan"
    assert minutes.recorder is not None and minutes.recorder.name == "Trần Văn Minh"
    assert [a.name for a in minutes.attendance.absent] == ["Đỗ Hoài Nam", "Lê Văn Hùng"]
    assert minutes.items[0].speeches[0].speaker == "Trần Văn Minh"
    assert minutes.items[0].conclusion == "Nhất trí bổ sung"
    # The probationary member spoke without checking in: not an attendee; the guest neither.
    assert (minutes.speakers, minutes.attendees) == (1, 2)
    await closed.announce()
    drafts = [m for m in core.notifier.sent if m.content.choices and "#1" in m.content.text]
    assert {m.to.user.external_id for m in drafts if isinstance(m.to, Person)} >= {"1", "2"}

    draft = await s.correct(SECRETARY, GROUP, 1, "edit", "2", "Giao chi ủy chuẩn bị")
    assert draft.minutes.items[1].conclusion == "Giao chi ủy chuẩn bị" and not draft.new_version
    with pytest.raises(Refused):
        await s.correct(PROBATIONARY, GROUP, 1, "add", "", "Dòng của đảng viên")
    approved = await s.approve(SECRETARY, GROUP, number=1)
    assert approved.minutes.version == 1 and approved.minutes.state is MinutesState.APPROVED
    core.notifier.sent.clear()
    await approved.announce()
    told = {m.to.user.external_id for m in core.notifier.sent if isinstance(m.to, Person)}
    assert {"3", "5"} <= told and "2" not in told  # the absent get the conclusions

    second = await s.correct(SECRETARY, GROUP, 1, "edit", "1.1", "Tôi đề nghị bổ sung mục 3")
    assert second.new_version and second.minutes.version == 2
    shown = await s.show(OFFICIAL, GROUP, 1)
    assert shown.version == 1  # the approved one until the new version is approved
    await s.approve(SECRETARY, GROUP, number=1, version=2)
    assert (await s.show(OFFICIAL, GROUP, 1)).items[0].speeches[0].text.endswith("mục 3")
    old = await s.show(OFFICIAL, GROUP, 1, 1)
    assert old.state is MinutesState.SUPERSEDED


async def test_scores_are_anonymous_and_once(core: Core) -> None:
    s = core.services.minutes
    meeting_id = await opened(core)
    with pytest.raises(Conflict):
        await s.score(OFFICIAL, None, meeting_id, "good")  # not closed yet
    closed = await s.close(SECRETARY, GROUP)
    await closed.announce()
    asked = [
        m
        for m in core.notifier.sent
        if any(isinstance(c.action, ScoreMeeting) for row in m.content.choices for c in row)
    ]
    assert sorted(m.to.user.external_id for m in asked if isinstance(m.to, Person)) == ["1", "2"]
    await s.score(OFFICIAL, None, meeting_id, "good")
    await s.score(SECRETARY, None, meeting_id, "fair")
    with pytest.raises(Conflict):
        await s.score(OFFICIAL, None, meeting_id, "weak")
    with pytest.raises(Refused):
        await s.score(ABSENT, None, meeting_id, "weak")
    shown = await s.show(SECRETARY, GROUP, closed.meeting.number)
    assert shown.scores is not None and (shown.scores.good, shown.scores.fair) == (1, 1)
    # No table holds a user next to a grade.
    async with aiosqlite.connect(core.path) as db:
        tables = [
            r[0]
            for r in await db.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        ]
        for table in tables:
            columns = {r[1] for r in await db.execute_fetchall(f"PRAGMA table_info({table})")}
            assert not ({"user_id", "grade"} <= columns), table
        rows = await db.execute_fetchall("SELECT * FROM score_register")
        assert all(len(r) == 2 for r in rows)


async def test_a_meeting_left_open_is_closed_hours_after_its_end(core: Core) -> None:
    s = core.services
    meeting_id = await opened(core)
    meeting = await s.minutes.open_meeting_of(OFFICIAL)
    assert meeting is not None
    end = meeting[1].ends_at
    core.clock.set(end + AUTO_CLOSE_AFTER - timedelta(minutes=1))
    assert await s.minutes.auto_close_due() == 0
    core.clock.set(end + AUTO_CLOSE_AFTER)
    await s.reminders.run_job("reminders:arm")
    assert await s.minutes.open_meeting_of(OFFICIAL) is None
    async with s.store.reading() as uow:
        versions = await uow.minutes.versions(meeting_id)
        roll = {e.user.external_id: e.status for e in await uow.roll.of_meeting(meeting_id)}
    assert [v.state for v in versions] == [MinutesState.DRAFT]
    assert Minutes.from_json(versions[0].body).auto_closed
    assert roll["5"] is RollStatus.ABSENT
    texts = [m.content.text for m in core.notifier.sent]
    assert any("#1" in t and "Lê Văn Hùng" in t for t in texts)
