"""Running a meeting in the core: the head count and quorum, and the service over real SQLite
(opening fixes the roll, check-ins on time and late, double presses, marks, settling)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.domain.identity import User
from bot.domain.meetings import MeetingStatus
from bot.domain.running import (
    HeadCount,
    RollEntry,
    RollKind,
    RollStatus,
    percent,
    quorum_needed,
)
from bot.errors import BadInput, Conflict, NotFound, Refused
from bot.services.members import MemberRef
from bot.services.registry import Services
from bot.services.running import settle_roll
from storage.sqlite.db import Database
from tests.conftest import make_settings
from tests.e2e.world import (
    REASON,
    STARTS_AT,
    MeetingWorld,
    build_meeting_world,
    cell_chat,
    identity,
)
from tests.fakes import RecordingNotifier, RecordingScheduler


def _user(n: int) -> User:
    return User(n, "telegram", str(n), f"U{n}", None, None, None, None, None, False)


def _entry(n: int, kind: RollKind, summoned: bool, status: RollStatus) -> RollEntry:
    return RollEntry(1, _user(n), kind, summoned, status)


def test_quorum_two_thirds_by_default() -> None:
    assert [quorum_needed(n, 67) for n in (1, 2, 3, 6, 9, 10)] == [1, 2, 2, 4, 6, 7]
    assert quorum_needed(4, 50) == 2
    assert quorum_needed(0, 67) == 0
    assert percent(2, 3) == 67 and percent(1, 8) == 13 and percent(0, 0) == 0


def test_head_count_splits_kinds_and_keeps_others_apart() -> None:
    P, L, X, A, E = (
        RollStatus.PRESENT,
        RollStatus.LATE,
        RollStatus.EXCUSED,
        RollStatus.ABSENT,
        RollStatus.EXPECTED,
    )
    entries = [
        _entry(1, RollKind.OFFICIAL, True, P),
        _entry(2, RollKind.OFFICIAL, True, L),
        _entry(3, RollKind.OFFICIAL, True, X),
        _entry(4, RollKind.PROBATIONARY, True, P),
        _entry(5, RollKind.VISITING, True, A),
        _entry(6, RollKind.OFFICIAL, True, E),
        _entry(7, RollKind.EXEMPTED, False, P),
        _entry(8, RollKind.GUEST, False, P),
        _entry(9, RollKind.ELSEWHERE, False, E),
    ]
    count = HeadCount.of(entries, 67)
    assert (count.present, count.summoned, count.late) == (3, 6, 1)
    assert count.by_kind[RollKind.OFFICIAL].present == 2
    assert count.by_kind[RollKind.OFFICIAL].summoned == 4
    assert count.by_kind[RollKind.PROBATIONARY].present == 1
    assert count.by_kind[RollKind.VISITING].summoned == 1
    assert (count.exempted_present, count.guests_present) == (1, 1)
    assert (count.excused, count.absent) == (1, 1)
    assert count.needed == 4 and not count.quorate and not count.meets_criterion
    more = HeadCount.of([*entries[:2], _entry(4, RollKind.PROBATIONARY, True, P)], 67)
    assert more.quorate and more.meets_criterion  # 3 of 3: 100 % > 85 %


async def _services(tmp_path: Path) -> tuple[Services, Database, FakeClock, MeetingWorld]:
    mworld = await build_meeting_world(tmp_path / "world")
    clock = FakeClock(STARTS_AT - timedelta(minutes=30))
    db = Database(mworld.world.db_path)
    await db.connect()
    services = Services.build(
        make_settings(tmp_path), clock, db, RecordingNotifier(), RecordingScheduler()
    )
    return services, db, clock, mworld


async def test_open_check_in_mark_settle(tmp_path: Path) -> None:
    services, db, clock, mworld = await _services(tmp_path)
    world = mworld.world
    cast = world.cells["A"]
    people = cast.people
    chat = cell_chat("telegram", "A", cast.chat_id, cast.name)
    running = services.running
    try:
        official = identity(people["official"].user)
        # Not open yet: refused without effect.
        with pytest.raises(Conflict):
            await running.check_in(official, chat, mworld.meeting_ids["A"])
        # Only leaders open.
        with pytest.raises(Refused):
            await running.open_meeting(official, chat)
        # The target's absence request is approved before the meeting.
        await services.attendance.decide_absence(
            identity(people["secretary"].user),
            None,
            mworld.meeting_ids["A"],
            mworld.target_user_ids["A"],
            True,
        )
        opening = await running.open_meeting(identity(people["secretary"].user), chat)
        board = opening.board
        assert board.meeting.status is MeetingStatus.OPEN
        assert board.chair is not None and board.chair.external_id == "101"
        # Summoned: secretary, deputy, official, probationary, target, committee (6).
        assert board.count.summoned == 6 and board.count.present == 0
        assert board.count.by_kind[RollKind.PROBATIONARY].summoned == 1
        meeting_id = board.meeting.id
        first = await running.check_in(official, chat, meeting_id)
        assert first.recorded and first.status is RollStatus.PRESENT
        again = await running.check_in(official, chat, meeting_id)
        assert not again.recorded and again.status is RollStatus.PRESENT
        # The guest comes: on the roll, unsummoned.
        await running.check_in(identity(people["guest"].user), chat, meeting_id)
        clock.advance(timedelta(minutes=46))  # 15 min after the start and then some
        late = await running.check_in(identity(people["probationary"].user), chat, meeting_id)
        assert late.status is RollStatus.LATE
        # A non-member, a removed member, another cell's member: refused.
        with pytest.raises(Refused):
            await running.check_in(identity(world.nonmember), chat, meeting_id)
        with pytest.raises(Refused):
            await running.check_in(identity(people["former"].user), chat, meeting_id)
        other = world.cells["B"].people["official"].user
        with pytest.raises(Refused):
            await running.check_in(identity(other), None, meeting_id)
        with pytest.raises(NotFound):
            await running.check_in(identity(people["official"].user), chat, 999)
        # The deputy marks the committee member absent with a reason.
        marked = await running.mark(
            identity(people["deputy"].user),
            chat,
            MemberRef(number=people["committee"].number),
            RollStatus.EXCUSED,
            "Trực chốt biên giới, mất sóng",
        )
        assert marked.status is RollStatus.EXCUSED
        with pytest.raises(Refused):
            await running.mark(
                official, chat, MemberRef(number=people["deputy"].number), RollStatus.PRESENT
            )
        async with db.transaction() as uow:
            meeting = await uow.meetings.get(meeting_id)
            assert meeting is not None
            changed = await settle_roll(uow, meeting, clock.now())
        roll = await running.attendance(
            identity(people["official"].user), chat, board.meeting.number
        )
        by_name = {e.user.external_id: e for e in roll.entries}
        assert by_name["106"].status is RollStatus.EXCUSED  # approved before the meeting
        assert by_name["106"].reason == REASON
        assert by_name["109"].status is RollStatus.EXCUSED
        assert by_name["109"].marked_by is not None
        assert by_name["101"].status is RollStatus.ABSENT  # the secretary never checked in
        assert by_name["105"].kind is RollKind.GUEST and by_name["105"].attended
        assert changed == 3  # the secretary, the deputy and the target
        assert by_name["102"].status is RollStatus.ABSENT
    finally:
        await db.close()


async def test_what_can_be_opened_and_when(tmp_path: Path) -> None:
    services, db, clock, mworld = await _services(tmp_path)
    cast = mworld.world.cells["A"]
    chat = cell_chat("telegram", "A", cast.chat_id, cast.name)
    secretary = identity(cast.people["secretary"].user)
    running = services.running
    try:
        # Two hours before the start: nothing is due, and #1 cannot be opened yet.
        clock.set(STARTS_AT - timedelta(hours=2))
        with pytest.raises(NotFound):
            await running.open_meeting(secretary, chat)
        with pytest.raises(Conflict):
            await running.open_meeting(secretary, chat, 1)
        # Within the hour it is the meeting due now; opened twice, it is opened once.
        clock.set(STARTS_AT - timedelta(minutes=50))
        first = await running.open_meeting(secretary, chat)
        assert first.board.meeting.number == 1 and not first.already_open
        again = await running.open_meeting(secretary, chat)
        assert again.already_open and again.board.run.opened_at == first.board.run.opened_at
        # A guest neither chairs nor takes the minutes.
        guest = MemberRef(number=cast.people["guest"].number)
        with pytest.raises(NotFound):
            await running.open_meeting(secretary, chat, 1, chair=guest)
        # The late rule runs from the opening when the meeting opens after its start.
        assert first.board.run.on_time_until(STARTS_AT) == STARTS_AT + timedelta(minutes=15)
        # The cell's rules apply to meetings opened afterwards.
        rules = await running.set_rules(secretary, chat, quorum_percent=50, grace_minutes=5)
        assert (rules.quorum, rules.grace) == (50, 5)
        with pytest.raises(BadInput):
            await running.set_rules(secretary, chat, quorum_percent=0)
        assert (await running.head_count(first.board.meeting.id)).quorum_percent == 67  # type: ignore[union-attr]
    finally:
        await db.close()
