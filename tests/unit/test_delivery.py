"""Delivery over the ports alone: a whole reminder fan-out through ReminderService with a
RecordingNotifier, a RecordingScheduler and the SQLite store on a temporary file (no Telegram
objects); what Telegram errors mean; which reminder supersedes which."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import FakeClock
from bot.domain.cells import Kind, Role, Status, Via
from bot.domain.identity import Identity
from bot.domain.meetings import Meeting, MeetingStatus, MeetingType
from bot.domain.messages import Group, Outcome
from bot.domain.reminders import Reminder, ReminderStatus, Verdict, verdict
from bot.services.registry import Services
from handlers.telegram.notifier import outcome_of
from storage.sqlite.db import Database
from tests.conftest import make_settings
from tests.fakes import RecordingNotifier, RecordingScheduler

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
START = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)


@dataclass
class Core:
    """The services over a real SQLite file, a recording notifier and scheduler."""

    services: Services
    db: Database
    notifier: RecordingNotifier
    scheduler: RecordingScheduler
    clock: FakeClock
    users: dict[str, int]
    cell_id: int


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    db = Database(tmp_path / "cellmeet.sqlite3")
    await db.connect()
    clock = FakeClock(NOW)
    notifier, scheduler = RecordingNotifier(), RecordingScheduler()
    services = Services.build(
        make_settings(tmp_path, reminder_offsets_minutes=(60,)), clock, db, notifier, scheduler
    )
    users: dict[str, int] = {}
    async with db.transaction() as uow:
        cell = await uow.cells.insert(
            name="Chi bộ 1",
            channel="telegram",
            chat_id="-1001",
            chat_title="Chi bộ 1",
            timezone="Asia/Ho_Chi_Minh",
            language="en",
            now=NOW,
        )
        for number, name in enumerate(["Lan", "Minh", "Hoa", "Tâm"], start=1):
            user = await uow.users.upsert(
                Identity("telegram", str(100 + number), name, None, "en"), NOW
            )
            await uow.users.set_private_chat(user.id, str(100 + number))
            await uow.memberships.insert(
                cell_id=cell.id,
                user_id=user.id,
                status=Status.ACTIVE,
                kind=Kind.OFFICIAL,
                role=Role.SECRETARY if number == 1 else Role.MEMBER,
                via=Via.JOIN,
                now=NOW,
            )
            users[name] = user.id
    try:
        yield Core(services, db, notifier, scheduler, clock, users, cell.id)
    finally:
        await db.close()


async def meeting_with_reminder(core: Core) -> int:
    """A meeting of the cell with its one reminder (an hour before); the reminder's id."""
    async with core.db.transaction() as uow:
        cell = await uow.cells.get(core.cell_id)
        assert cell is not None
        meeting = await uow.meetings.insert(
            cell_id=cell.id,
            type=MeetingType.REGULAR,
            title="Sinh hoạt tháng 12",
            starts_at=START,
            duration_minutes=90,
            link=None,
            created_by=None,
            now=NOW,
        )
        (reminder,) = await core.services.reminders.plan_for(uow, cell, meeting)
    return reminder.id


def where(core: Core, name: str) -> str:
    return f"user:{core.users[name]}"


async def test_a_whole_reminder_fan_out_through_the_ports(core: Core) -> None:
    reminder = await meeting_with_reminder(core)
    core.clock.set(START - timedelta(hours=1))
    core.notifier.outcomes = {
        where(core, "Minh"): [Outcome.UNKNOWN],
        where(core, "Hoa"): [Outcome.FAILED],
        where(core, "Tâm"): [Outcome.UNREACHABLE],
    }
    # Minh's send times out (unknown): the run stops there, a retry is armed soon.
    assert not await core.services.reminders.send(reminder)
    assert core.scheduler.armed[f"reminder:{reminder}#1"] == timedelta(seconds=30)
    # The 502 to Hoa stops the retry; the next one waits longer.
    core.clock.set(START - timedelta(minutes=59))
    assert not await core.services.reminders.send(reminder, 1)
    assert core.scheduler.armed[f"reminder:{reminder}#2"] == timedelta(minutes=1)
    core.clock.set(START - timedelta(minutes=58))
    assert await core.services.reminders.send(reminder, 2)
    tried = [(s.where, o) for s, o in core.notifier.tried]
    assert tried == [
        (f"group:{core.cell_id}", Outcome.DELIVERED),
        (where(core, "Lan"), Outcome.DELIVERED),
        (where(core, "Minh"), Outcome.UNKNOWN),
        (where(core, "Hoa"), Outcome.FAILED),
        # The retry: Minh (unknown) is never sent again, Hoa is.
        (where(core, "Hoa"), Outcome.DELIVERED),
        (where(core, "Tâm"), Outcome.UNREACHABLE),
        (where(core, "Lan"), Outcome.DELIVERED),  # the note to the secretary
    ]
    note = core.notifier.sent[-1].content.text
    assert "Tâm" in note and "Minh" in note and "may have missed it" in note
    async with core.db.reading() as uow:
        states = await uow.deliveries.states(f"reminder:{reminder}")
        status = (await uow.reminders.get(reminder)).status  # type: ignore[union-attr]
    assert states[str(core.users["Minh"])] == "unknown"
    assert states[str(core.users["Hoa"])] == "delivered"
    assert status is ReminderStatus.SENT
    assert isinstance(core.notifier.sent[0].to, Group)


async def test_retries_go_on_until_the_meeting_starts(core: Core) -> None:
    reminder = await meeting_with_reminder(core)
    core.clock.set(START - timedelta(hours=1))
    attempt = 0
    while True:
        core.notifier.outcomes = {f"group:{core.cell_id}": [Outcome.FAILED]}
        done = await core.services.reminders.send(reminder, attempt)
        if done:
            break
        attempt += 1
        delay = core.scheduler.armed[f"reminder:{reminder}#{attempt}"]
        assert isinstance(delay, timedelta) and delay <= timedelta(minutes=2)
        core.clock.set(core.clock.now() + delay)
    # Closed only once the meeting began (not after a fixed count), unsent and logged.
    assert core.clock.now() >= START
    assert attempt > 20
    async with core.db.reading() as uow:
        found = await uow.reminders.get(reminder)
    assert found is not None and found.status is ReminderStatus.SKIPPED


async def test_claims_left_by_a_stopped_bot_become_unknown_at_start(core: Core) -> None:
    async with core.db.transaction() as uow:
        await uow.deliveries.claim("reminder:9", "12", NOW)
    assert await core.services.delivery.start() == 1
    async with core.db.reading() as uow:
        assert await uow.deliveries.states("reminder:9") == {"12": "unknown"}


def raised(error: Exception, cause: BaseException | None = None) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (RetryAfter(3), Outcome.FAILED),
        (raised(NetworkError("Bad Gateway")), Outcome.FAILED),
        (
            raised(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
            Outcome.FAILED,
        ),
        (raised(TimedOut(), httpx.ConnectTimeout("t")), Outcome.FAILED),
        (raised(TimedOut(), httpx.PoolTimeout("t")), Outcome.FAILED),
        (raised(TimedOut(), httpx.ReadTimeout("t")), Outcome.UNKNOWN),
        (raised(TimedOut(), httpx.WriteTimeout("t")), Outcome.UNKNOWN),
        (raised(NetworkError("httpx.ReadError"), httpx.ReadError("reset")), Outcome.UNKNOWN),
        (Forbidden("bot was blocked by the user"), Outcome.UNREACHABLE),
        (BadRequest("Chat not found"), Outcome.UNREACHABLE),
    ],
)
def test_what_a_telegram_error_says_about_delivery(error: Exception, outcome: Outcome) -> None:
    assert outcome_of(error) is outcome  # type: ignore[arg-type]


def reminder(rid: int, offset: int, status: ReminderStatus) -> Reminder:
    return Reminder(rid, 1, 0, offset, START - timedelta(minutes=offset), status)


@pytest.mark.parametrize(
    ("later_status", "expected"),
    [
        (ReminderStatus.PENDING, Verdict.SUPERSEDED),
        (ReminderStatus.SENT, Verdict.SUPERSEDED),
        (ReminderStatus.SKIPPED, Verdict.SEND),
        (ReminderStatus.CANCELLED, Verdict.SEND),
    ],
)
def test_only_a_later_reminder_that_goes_out_supersedes(
    later_status: ReminderStatus, expected: Verdict
) -> None:
    meeting = Meeting(
        id=1,
        cell_id=1,
        type=MeetingType.REGULAR,
        title="x",
        starts_at=START,
        duration_minutes=90,
        link=None,
        status=MeetingStatus.SCHEDULED,
        revision=0,
        series_id=None,
    )
    older = reminder(1, 60, ReminderStatus.PENDING)
    later = reminder(2, 15, later_status)
    assert verdict(older, meeting, [older, later], START - timedelta(minutes=10)) is expected
