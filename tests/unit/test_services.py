"""Services over the ports: the SQLite store, a recording Notifier and Scheduler, a fake clock.

No Telegram object anywhere: what the core decides to send and to arm is read off the fakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.domain.cells import Kind
from bot.domain.identity import ChatRef, Identity
from bot.domain.messages import AnswerSummons, Content, DecideJoin, Group, Letter, Outcome, Person
from bot.domain.reminders import ReminderStatus
from bot.ports import DeliveryState
from bot.services.meetings import RuleSet
from bot.services.registry import Services
from bot.services.reminders import ARM_AHEAD, ARM_JOB, SERIES_JOB, SERIES_JOB_NOW, job_name
from config import Settings
from storage.sqlite.db import Database
from tests.fakes import RecordingNotifier, RecordingScheduler

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
GROUP = ChatRef("telegram", "-1001", False, "Chi bộ 1")
SECRETARY = Identity("telegram", "1", "Lan", language_code="vi")
OFFICIAL = Identity("telegram", "2", "Minh", language_code="en")
PROBATIONARY = Identity("telegram", "3", "Hùng", language_code="vi")
EXEMPTED = Identity("telegram", "4", "Mai", language_code="vi")
NO_PRIVATE_CHAT = Identity("telegram", "5", "Quân", language_code="vi")


@dataclass
class Core:
    """The services and the fakes behind their ports."""

    services: Services
    notifier: RecordingNotifier
    scheduler: RecordingScheduler
    clock: FakeClock


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    database = Database(tmp_path / "core.sqlite3")
    await database.connect()
    notifier, scheduler, clock = RecordingNotifier(), RecordingScheduler(), FakeClock(NOW)
    settings = Settings(database_path=tmp_path / "core.sqlite3")
    try:
        yield Core(
            Services.build(settings, clock, database, notifier, scheduler),
            notifier,
            scheduler,
            clock,
        )
    finally:
        await database.close()


def private(identity: Identity) -> ChatRef:
    return ChatRef(identity.channel, identity.external_id, True)


async def a_cell(core: Core) -> None:
    """A cell: secretary, an official, a probationary and an exempted member reachable
    privately, and an official member who never opened a private chat."""
    s = core.services
    code = await s.cells.create_setup_code("Chi bộ 1")
    for person in (SECRETARY, OFFICIAL, PROBATIONARY, EXEMPTED):
        await s.members.start_private(person, private(person))
    await s.cells.setup_cell(SECRETARY, GROUP, code)
    kinds = {
        OFFICIAL: Kind.OFFICIAL,
        PROBATIONARY: Kind.PROBATIONARY,
        EXEMPTED: Kind.EXEMPTED,
        NO_PRIVATE_CHAT: Kind.OFFICIAL,
    }
    for person, kind in kinds.items():
        request = await s.members.request_join(person, GROUP)
        await s.members.decide_join(SECRETARY, request.membership.id, kind, GROUP)
    core.notifier.sent.clear()


async def user_id(core: Core, identity: Identity) -> int:
    found = await core.services.members.known_user(identity)
    assert found is not None
    return found.id


# --- delivery ----------------------------------------------------------------------------------


async def test_a_fan_out_claims_sends_and_settles_each_letter_once(core: Core) -> None:
    await a_cell(core)
    s = core.services
    cell = await s.cells.cell_of_chat(GROUP)
    official = await s.members.known_user(OFFICIAL)
    assert cell is not None and official is not None
    letters = [
        Letter("test:1", "group", Group(cell), Content("to the group")),
        Letter("test:1", str(official.id), Person(official), Content("to Minh")),
    ]
    report = await s.delivery.fan_out(letters)
    assert report.delivered == letters
    assert [sent.content.text for sent in core.notifier.sent] == ["to the group", "to Minh"]
    again = await s.delivery.fan_out(letters)
    assert again.already == letters and len(core.notifier.sent) == 2
    async with s.store.reading() as uow:
        states = await uow.deliveries.states("test:1")
    assert states == {"group": DeliveryState.DELIVERED, str(official.id): DeliveryState.DELIVERED}


async def test_a_passing_failure_gives_the_claim_back_and_stops_the_fan_out(core: Core) -> None:
    await a_cell(core)
    s = core.services
    cell = await s.cells.cell_of_chat(GROUP)
    assert cell is not None
    core.notifier.outcomes[f"group:{cell.id}"] = [Outcome.FAILED]
    first = Letter("test:2", "group", Group(cell), Content("one"))
    second = Letter("test:2", "other", Group(cell), Content("two"))
    report = await s.delivery.fan_out([first, second])
    assert report.interrupted and report.failed == [first] and core.notifier.sent == []
    async with s.store.reading() as uow:
        assert await uow.deliveries.states("test:2") == {}
    retry = await s.delivery.fan_out([first, second])
    assert retry.delivered == [first, second]


async def test_an_unreachable_person_is_marked_and_never_tried_again(core: Core) -> None:
    await a_cell(core)
    s = core.services
    official = await s.members.known_user(OFFICIAL)
    assert official is not None
    core.notifier.outcomes[f"user:{official.id}"] = [Outcome.UNREACHABLE]
    letter = Letter("test:3", str(official.id), Person(official), Content("hello"))
    assert (await s.delivery.fan_out([letter])).unreachable == [letter]
    refreshed = await s.members.known_user(OFFICIAL)
    assert refreshed is not None and not refreshed.reachable
    later = Letter("test:4", str(official.id), Person(refreshed), Content("again"))
    report = await s.delivery.fan_out([later])
    assert report.unreachable == [later] and core.notifier.sent == []


async def test_a_refusal_for_the_channels_budget_leaves_the_person_reachable(core: Core) -> None:
    await a_cell(core)
    s = core.services
    official = await s.members.known_user(OFFICIAL)
    assert official is not None
    core.notifier.outcomes[f"user:{official.id}"] = [Outcome.REFUSED]
    letter = Letter("test:5", str(official.id), Person(official), Content("hello"))
    assert (await s.delivery.fan_out([letter])).unreachable == [letter]
    again = await s.members.known_user(OFFICIAL)
    assert again is not None and again.reachable
    async with s.store.reading() as uow:
        assert await uow.deliveries.states("test:5") == {str(official.id): DeliveryState.REFUSED}


# --- a whole reminder fan-out ------------------------------------------------------------------


async def test_a_reminder_fan_out_through_the_ports(core: Core) -> None:
    await a_cell(core)
    s = core.services
    change = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Họp tháng 12")
    # The core armed one job per reminder: 24 h, 1 h and at the start.
    armed = {job_name(r.id): r for r in change.armed}
    assert set(core.scheduler.armed) == set(armed)
    assert [r.offset_minutes for r in change.armed] == [1440, 60, 0]
    day = change.armed[0]
    assert core.scheduler.armed[job_name(day.id)] == day.due_at

    core.clock.set(day.due_at)
    await s.reminders.run_job(job_name(day.id))
    cell = await s.cells.cell_of_chat(GROUP)
    assert cell is not None
    group = [m for m in core.notifier.sent if m.where == f"group:{cell.id}"]
    assert len(group) == 1 and group[0].content.text.startswith("⏰")
    summoned = {await user_id(core, p) for p in (SECRETARY, OFFICIAL, PROBATIONARY)}
    reminded = [m for m in core.notifier.sent if isinstance(m.to, Person) and m.content.choices]
    assert {m.to.user.id for m in reminded if isinstance(m.to, Person)} == summoned
    for message in reminded:
        actions = [c.action for row in message.content.choices for c in row]
        assert actions == [
            AnswerSummons(change.meeting.id, True),
            AnswerSummons(change.meeting.id, False),
        ]
    # The member who never opened a private chat is named to the secretary.
    notes = [m for m in core.notifier.sent if "Quân" in m.content.text]
    assert [m.where for m in notes] == [f"user:{await user_id(core, SECRETARY)}"]
    async with s.store.reading() as uow:
        reminder = await uow.reminders.get(day.id)
    assert reminder is not None and reminder.status is ReminderStatus.SENT

    # Run again (a stale job, a restart): nobody gets it twice.
    count = len(core.notifier.sent)
    await s.reminders.run_job(job_name(day.id))
    assert len(core.notifier.sent) == count


async def test_members_who_answered_are_not_reminded_and_a_failure_is_retried(core: Core) -> None:
    await a_cell(core)
    s = core.services
    change = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Họp")
    await s.attendance.will_attend(OFFICIAL, None, change.meeting.id)
    hour = change.armed[1]
    core.clock.set(hour.due_at)
    probationary = await user_id(core, PROBATIONARY)
    core.notifier.outcomes[f"user:{probationary}"] = [Outcome.FAILED]
    assert not await s.reminders.send(hour.id)
    assert job_name(hour.id, 1) in core.scheduler.armed
    await s.reminders.run_job(job_name(hour.id, 1))
    private = [m.to.user.id for m in core.notifier.sent if isinstance(m.to, Person)]
    assert await user_id(core, OFFICIAL) not in private
    assert private.count(probationary) == 1


async def test_a_late_or_voided_reminder_sends_nothing(core: Core) -> None:
    await a_cell(core)
    s = core.services
    change = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Họp")
    day, hour, _ = change.armed
    core.notifier.sent.clear()
    cancelled = await s.meetings.cancel(SECRETARY, GROUP, change.meeting.id)
    assert not any(job_name(r.id) in core.scheduler.armed for r in change.armed)
    assert sorted(cancelled.disarmed) == sorted(r.id for r in change.armed)
    core.clock.set(hour.due_at)
    assert await s.reminders.send(hour.id)
    assert core.notifier.sent == []
    async with s.store.reading() as uow:
        assert (await uow.reminders.get(day.id)).status is ReminderStatus.CANCELLED  # type: ignore[union-attr]


async def test_start_arms_the_reminders_due_soon_and_the_sweep_arms_the_rest_in_time(
    core: Core,
) -> None:
    await a_cell(core)
    s = core.services
    rule = await s.meetings.set_recurrence(SECRETARY, GROUP, "ngày 5 hằng tháng 19:30")
    assert isinstance(rule, RuleSet)  # a first rule cancels nothing: applied at once
    first = rule.changes[0].armed  # 24 h, 1 h and 0 before 5 December 19:30
    # A restart four days ahead of the first meeting: nothing is due within two days.
    core.scheduler.armed.clear()
    assert await s.reminders.start() == 0
    assert not any(n.startswith("reminder:") for n in core.scheduler.armed)
    assert SERIES_JOB_NOW in core.scheduler.armed
    assert {SERIES_JOB, ARM_JOB} <= set(core.scheduler.repeating)
    # The hourly sweep arms each reminder once it is due within two days, before its time.
    core.clock.set(first[0].due_at - ARM_AHEAD + timedelta(minutes=30))
    await s.reminders.run_job(ARM_JOB)
    assert {n for n in core.scheduler.armed if n.startswith("reminder:")} == {
        job_name(first[0].id)
    }
    core.clock.set(first[-1].due_at - ARM_AHEAD + timedelta(minutes=30))
    await s.reminders.run_job(ARM_JOB)
    assert {n for n in core.scheduler.armed if n.startswith("reminder:")} == {
        job_name(r.id) for r in first
    }
    assert core.scheduler.armed[job_name(first[0].id)] == first[0].due_at


async def test_the_series_upkeep_lets_a_user_through_between_short_batches(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upkeep of many rules never holds the store for all of them at once: an action
    that arrives meanwhile is done before the upkeep ends."""
    s = core.services
    for n in range(12):
        chat = ChatRef("telegram", str(-2000 - n), False, f"Chi bộ {n}")
        leader = Identity("telegram", str(3000 + n), f"Bí thư {n}")
        await s.cells.setup_cell(leader, chat, await s.cells.create_setup_code(f"Chi bộ {n}"))
        await s.meetings.set_recurrence(leader, chat, "ngày 5 hằng tháng 19:30")
    monkeypatch.setattr("bot.services.reminders.SERIES_BATCH", 3)
    # A month on, every rule is one occurrence short.
    core.clock.set(datetime(2026, 12, 6, 3, 0, tzinfo=UTC))
    order: list[str] = []
    started = asyncio.Event()
    extend = s.reminders.extend_series

    async def first_rule_noted(*args: Any) -> Any:
        started.set()  # the upkeep holds the store now
        return await extend(*args)

    monkeypatch.setattr(s.reminders, "extend_series", first_rule_noted)

    async def upkeep() -> None:
        order.append(f"upkeep made {await s.reminders.extend_all_series()}")

    async def user() -> None:
        await started.wait()
        await s.dialogs.save(SECRETARY, private(SECRETARY), "schedule", {"step": "type"})
        order.append("user done")

    await asyncio.gather(upkeep(), user())
    assert order == ["user done", "upkeep made 12"]
    assert await s.reminders.extend_all_series() == 0


# --- notices -----------------------------------------------------------------------------------


async def test_a_move_tells_the_group_and_the_summoned_and_rearms_the_reminders(
    core: Core,
) -> None:
    await a_cell(core)
    s = core.services
    change = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Họp")
    core.notifier.sent.clear()
    moved = await s.meetings.move(SECRETARY, GROUP, change.meeting.id, "06/12/2026 19:30", "vi")
    await moved.announce()
    assert {job_name(r.id) for r in moved.armed} == set(core.scheduler.armed)
    told = {m.where for m in core.notifier.sent}
    cell = await s.cells.cell_of_chat(GROUP)
    assert cell is not None
    summoned = {f"user:{await user_id(core, p)}" for p in (SECRETARY, OFFICIAL, PROBATIONARY)}
    assert told == {f"group:{cell.id}"} | summoned
    english = [m for m in core.notifier.sent if m.where == f"user:{await user_id(core, OFFICIAL)}"]
    assert english[0].content.text.startswith("📅 Meeting #")


async def test_a_join_request_goes_to_the_leaders_with_the_choices(core: Core) -> None:
    await a_cell(core)
    s = core.services
    applicant = Identity("telegram", "9", "Tâm")
    request = await s.members.request_join(applicant, GROUP)
    assert core.notifier.sent == []  # told once the edge has answered the applicant
    await request.announce()
    (sent,) = core.notifier.sent
    assert sent.where == f"user:{await user_id(core, SECRETARY)}"
    actions = [c.action for row in sent.content.choices for c in row]
    assert actions == [
        DecideJoin(request.membership.id, Kind.OFFICIAL),
        DecideJoin(request.membership.id, Kind.PROBATIONARY),
        DecideJoin(request.membership.id, None),
    ]


async def test_with_no_leader_reachable_the_request_goes_to_the_group(core: Core) -> None:
    await a_cell(core)
    s = core.services
    cell = await s.cells.cell_of_chat(GROUP)
    assert cell is not None
    core.notifier.outcomes[f"user:{await user_id(core, SECRETARY)}"] = [Outcome.UNREACHABLE]
    request = await s.members.request_join(Identity("telegram", "9", "Tâm"), GROUP)
    await request.announce()
    assert [m.where for m in core.notifier.sent] == [f"group:{cell.id}"]
    assert core.notifier.sent[0].content.choices


async def test_a_meeting_scheduled_in_private_is_announced_in_the_group(core: Core) -> None:
    await a_cell(core)
    s = core.services
    in_group = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Một")
    await in_group.announce()
    assert core.notifier.sent == []
    later = STARTS + timedelta(days=7)
    elsewhere = await s.meetings.schedule(
        SECRETARY, private(SECRETARY), starts_at=later, title="Hai"
    )
    await elsewhere.announce()
    (sent,) = core.notifier.sent
    assert isinstance(sent.to, Group) and "Hai" in sent.content.text


# --- members who cannot read the group ----------------------------------------------------------

ON_ZALO = Identity("zalo", "a1b2c3d4e5f60718293a", "Ba", language_code="vi")


async def a_zalo_member(core: Core, secretary: Identity = SECRETARY) -> int:
    """Ba, on Zalo, joins the secretary's cell by invite code; his user id."""
    s = core.services
    created = await s.members.create_invite(secretary, private(secretary), [])
    await s.members.start_private(ON_ZALO, private(ON_ZALO))
    request = await s.members.redeem_invite(ON_ZALO, created.code)
    decision = await s.members.decide_join(secretary, request.membership.id, Kind.OFFICIAL, None)
    await decision.announce()
    core.notifier.sent.clear()
    return await user_id(core, ON_ZALO)


async def test_what_the_group_reads_reaches_a_member_on_another_channel_privately(
    core: Core,
) -> None:
    await a_cell(core)
    ba = await a_zalo_member(core)
    s = core.services
    # Scheduled in the group: the group saw it; Ba, on Zalo, is told privately, once.
    change = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Họp tháng 12")
    await change.announce()
    await change.announce()
    (sent,) = core.notifier.sent
    assert sent.where == f"user:{ba}" and "Họp tháng 12" in sent.content.text
    assert sent.content.text.startswith("📅")

    # Ba answered: the day-before reminder that the group reads reaches him privately (no
    # choices); the Telegram members who have not answered get theirs with choices.
    await s.attendance.will_attend(ON_ZALO, None, change.meeting.id)
    core.notifier.sent.clear()
    day = change.armed[0]
    core.clock.set(day.due_at)
    await s.reminders.run_job(job_name(day.id))
    to_ba = [m for m in core.notifier.sent if m.where == f"user:{ba}"]
    assert len(to_ba) == 1 and to_ba[0].content.text.startswith("⏰")
    assert to_ba[0].content.choices == ()
    cell = await s.cells.cell_of_chat(GROUP)
    assert cell is not None
    assert len([m for m in core.notifier.sent if m.where == f"group:{cell.id}"]) == 1


async def test_a_member_who_has_not_answered_gets_one_reminder_not_two(core: Core) -> None:
    await a_cell(core)
    ba = await a_zalo_member(core)
    s = core.services
    change = await s.meetings.schedule(SECRETARY, GROUP, starts_at=STARTS, title="Họp")
    day = change.armed[0]
    core.clock.set(day.due_at)
    core.notifier.sent.clear()
    await s.reminders.run_job(job_name(day.id))
    (to_ba,) = [m for m in core.notifier.sent if m.where == f"user:{ba}"]
    assert to_ba.content.choices


async def test_in_a_cell_without_a_group_every_member_is_told_privately(core: Core) -> None:
    s = core.services
    leader = Identity("zalo", "5ec5ec5ec5ec5ec5ec5e", "Hà", language_code="vi")
    await s.members.start_private(leader, private(leader))
    code = await s.cells.create_setup_code("Chi bộ Zalo")
    await s.cells.setup_cell(leader, ChatRef("zalo", "zalo-cell:0123456789abcdef", False), code)
    ba = await a_zalo_member(core, leader)
    change = await s.meetings.schedule(leader, private(leader), starts_at=STARTS, title="Họp")
    await change.announce()
    # No group letter (there is no group); Ba is told; the secretary saw her confirmation.
    (sent,) = core.notifier.sent
    assert sent.where == f"user:{ba}"

    day = change.armed[0]
    core.clock.set(day.due_at)
    core.notifier.sent.clear()
    await s.attendance.will_attend(leader, None, change.meeting.id)
    await s.reminders.run_job(job_name(day.id))
    assert not [m for m in core.notifier.sent if isinstance(m.to, Group)]
    # The secretary answered: she gets the group's reminder privately; Ba his with choices.
    leader_id = await user_id(core, leader)
    assert {m.where for m in core.notifier.sent} == {f"user:{ba}", f"user:{leader_id}"}
