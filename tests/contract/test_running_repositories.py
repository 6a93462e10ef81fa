"""The repositories of running a meeting (uow.runs, uow.roll), as any store must behave."""

from __future__ import annotations

from bot.domain.cells import Kind, Role, Status
from bot.domain.meetings import MeetingStatus
from bot.domain.running import RollKind, RollRules, RollStatus
from bot.ports import Store
from tests.contract.test_repositories import LATER, NOW, a_cell, a_meeting, a_user


async def test_a_run_is_opened_once_changed_and_closed_once(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        meeting = await a_meeting(uow, cell)
        lan, minh = await a_user(uow, 1), await a_user(uow, 2)
        assert await uow.runs.rules(cell.id) == RollRules(None, None)
        run = await uow.runs.insert(
            meeting_id=meeting.id,
            chair_id=lan.id,
            recorder_id=None,
            opened_by=lan.id,
            opened_at=NOW,
            quorum_percent=67,
            grace_minutes=15,
        )
        assert run is not None and run.chair_id == lan.id and not run.closed
        again = await uow.runs.insert(
            meeting_id=meeting.id,
            chair_id=minh.id,
            recorder_id=None,
            opened_by=minh.id,
            opened_at=NOW,
            quorum_percent=50,
            grace_minutes=0,
        )
        assert again is None
        await uow.runs.set_recorder(meeting.id, minh.id)
        await uow.runs.set_chair(meeting.id, minh.id)
        await uow.runs.set_checkin_message(meeting.id, "-1001", 77)
        await uow.runs.set_current_item(meeting.id, 2)
        assert [r.meeting_id for r in await uow.runs.open_of_cell(cell.id)] == [meeting.id]
        assert await uow.runs.close(meeting.id, LATER, lan.id)
        assert not await uow.runs.close(meeting.id, LATER, None, auto=True)
        assert await uow.runs.set_rules(cell.id, quorum_percent=60) == RollRules(60, None)
        assert await uow.runs.set_rules(cell.id, grace_minutes=0) == RollRules(60, 0)
    async with store.reading() as uow:
        found = await uow.runs.get(meeting.id)
        assert found is not None
        assert (found.chair_id, found.recorder_id, found.quorum_percent) == (minh.id, minh.id, 67)
        assert (found.checkin_chat, found.checkin_message, found.current_item) == ("-1001", 77, 2)
        assert found.closed_at == LATER and found.closed_by == lan.id and not found.auto_closed
        assert await uow.runs.open_of_cell(cell.id) == []
        assert (await uow.runs.rules(cell.id)).grace == 0


async def test_the_roll_checks_in_once_marks_and_settles(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        meeting = await a_meeting(uow, cell)
        users = [await a_user(uow, n) for n in range(1, 6)]
        for user in users:
            await uow.memberships.insert(
                cell_id=cell.id,
                user_id=user.id,
                status=Status.ACTIVE,
                kind=Kind.OFFICIAL,
                role=Role.MEMBER,
                via="join",
                now=NOW,
            )
        await uow.runs.insert(
            meeting_id=meeting.id,
            chair_id=users[0].id,
            recorder_id=None,
            opened_by=users[0].id,
            opened_at=NOW,
            quorum_percent=67,
            grace_minutes=15,
        )
        await uow.roll.fix(meeting.id, [(u.id, RollKind.OFFICIAL, True) for u in users[:4]])
        # Not open yet (the meeting's status): nothing is recorded.
        assert not await uow.roll.check_in(
            meeting.id, users[0].id, RollStatus.PRESENT, NOW, kind=RollKind.OFFICIAL
        )
        await uow.meetings.set_status(meeting.id, MeetingStatus.OPEN)
        assert await uow.roll.check_in(
            meeting.id, users[0].id, RollStatus.PRESENT, NOW, kind=RollKind.OFFICIAL
        )
        # Twice: nothing changes.
        assert not await uow.roll.check_in(
            meeting.id, users[0].id, RollStatus.LATE, NOW, kind=RollKind.OFFICIAL
        )
        # Someone not on the roll comes: added unsummoned.
        assert await uow.roll.check_in(
            meeting.id, users[4].id, RollStatus.LATE, NOW, kind=RollKind.EXEMPTED
        )
        await uow.roll.mark(
            meeting.id,
            users[1].id,
            RollStatus.EXCUSED,
            "Trực chốt",
            users[0].id,
            NOW,
            kind=RollKind.OFFICIAL,
        )
        changed = await uow.roll.settle(
            meeting.id, {users[2].id: "Đi viện", users[1].id: "ignored"}, LATER
        )
        assert changed == 2  # users[2] excused, users[3] absent; users[1] was marked
        tally = sorted(await uow.roll.tally(meeting.id))
    async with store.reading() as uow:
        roll = {e.user.id: e for e in await uow.roll.of_meeting(meeting.id)}
    assert roll[users[0].id].status is RollStatus.PRESENT
    assert roll[users[0].id].checked_at == NOW and roll[users[0].id].marked_by is None
    assert (roll[users[1].id].status, roll[users[1].id].reason) == (
        RollStatus.EXCUSED,
        "Trực chốt",
    )
    assert roll[users[1].id].marked_by == users[0].id
    assert (roll[users[2].id].status, roll[users[2].id].reason) == (RollStatus.EXCUSED, "Đi viện")
    assert roll[users[3].id].status is RollStatus.ABSENT
    assert roll[users[3].id].marked_at == LATER
    assert (roll[users[4].id].summoned, roll[users[4].id].kind) == (False, RollKind.EXEMPTED)
    assert tally == sorted(
        [
            (RollKind.OFFICIAL, True, RollStatus.PRESENT, 1),
            (RollKind.OFFICIAL, True, RollStatus.EXCUSED, 2),
            (RollKind.OFFICIAL, True, RollStatus.ABSENT, 1),
            (RollKind.EXEMPTED, False, RollStatus.LATE, 1),
        ]
    )
