"""Attendance alerts of the hourly sweep, privately to the leaders and each once: a member's
third absence with reason in a row, a member's second month with an absence without reason,
and (from the 20th) a month without a regular meeting scheduled. Meetings are held through the
services over a real database (the world of build_world), the sweep run as the scheduler
runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.domain.identity import ChatRef
from bot.domain.messages import Person
from bot.domain.running import RollStatus
from bot.services.members import MemberRef
from bot.services.registry import Services
from bot.services.reminders import ARM_JOB
from storage.sqlite.db import Database
from tests.conftest import make_settings
from tests.e2e.world import CellCast, World, build_world, identity, tr_text
from tests.fakes import RecordingNotifier, RecordingScheduler

# 19:30 in Hanoi, a month apart from 5 February 2027: 5/2, 8/3, 8/4, 9/5 (the rules count
# within a calendar year).
MEETINGS = [datetime(2027, 2, 5, 12, 30, tzinfo=UTC) + timedelta(days=31 * i) for i in range(4)]


@dataclass
class Scene:
    world: World
    services: Services
    clock: FakeClock
    notifier: RecordingNotifier
    cast: CellCast

    @property
    def group(self) -> ChatRef:
        return ChatRef("telegram", str(self.cast.chat_id), False, self.cast.name)

    async def hold(self, starts: datetime, statuses: dict[str, RollStatus]) -> None:
        """A regular meeting at `starts`, held: everyone of the summoned cast present but
        those given another status (marked by the secretary), then closed."""
        secretary = identity(self.cast.people["secretary"].user)
        self.clock.set(starts - timedelta(days=10))
        change = await self.services.meetings.schedule(
            secretary, self.group, starts_at=starts, title="Sinh hoạt chi bộ", lang="vi"
        )
        self.clock.set(starts)
        await self.services.running.open_meeting(secretary, self.group, change.meeting.number)
        for role in ("secretary", "deputy", "official", "probationary", "target", "committee"):
            status = statuses.get(role)
            if status is None:
                await self.services.running.check_in(
                    identity(self.cast.people[role].user), self.group, change.meeting.id
                )
            elif status is RollStatus.EXCUSED:
                await self.services.running.mark(
                    secretary,
                    self.group,
                    MemberRef(number=self.cast.people[role].number),
                    status,
                    reason="Đi công tác biển đảo",
                )
        # Those not checked in nor marked are settled absent without reason at closing.
        self.clock.set(starts + timedelta(minutes=95))
        await self.services.minutes.close(secretary, self.group)

    async def sweep(self) -> list[str]:
        """The hourly sweep as the scheduler runs it; the alerts it sent (to whom: text)."""
        before = len(self.notifier.sent)
        await self.services.reminders.run_job(ARM_JOB)
        return [
            f"{s.to.user.id}: {s.content.text}"
            for s in self.notifier.sent[before:]
            if isinstance(s.to, Person) and s.content.text.startswith("⚠️")
        ]


@pytest.fixture
async def scene(tmp_path: Path) -> AsyncIterator[Scene]:
    world = await build_world(tmp_path)
    clock = FakeClock(MEETINGS[0] - timedelta(days=20))
    notifier = RecordingNotifier()
    db = Database(world.db_path)
    services = Services.build(make_settings(tmp_path), clock, db, notifier, RecordingScheduler())
    await db.connect()
    try:
        yield Scene(world, services, clock, notifier, world.cells["A"])
    finally:
        await db.close()


async def leader_ids(scene: Scene) -> set[int]:
    """The user ids of A's secretary and deputy."""
    found = set()
    for role in ("secretary", "deputy"):
        user = await scene.services.members.known_user(identity(scene.cast.people[role].user))
        assert user is not None
        found.add(user.id)
    return found


async def test_third_absence_with_reason_in_a_row_is_told_once(scene: Scene) -> None:
    target = scene.cast.people["target"]
    excused = {"target": RollStatus.EXCUSED}
    await scene.hold(MEETINGS[0], excused)
    await scene.hold(MEETINGS[1], excused)
    assert await scene.sweep() == []  # two in a row: nothing yet
    await scene.hold(MEETINGS[2], excused)
    alerts = await scene.sweep()
    name = target.name
    # The secretary reads Vietnamese, the deputy English (their Telegram languages).
    expected = {
        tr_text(
            language,
            "⚠️ {cell}: {name} has been absent with reason 3 times in a row. A fourth time "
            "breaches the attendance rules.",
            cell=scene.cast.name,
            name=name,
        )
        for language in ("vi", "en")
    }
    assert {a.split(": ", 1)[1] for a in alerts} == expected
    assert {int(a.split(":")[0]) for a in alerts} == await leader_ids(scene)
    # The next sweeps tell nothing again.
    scene.clock.set(scene.clock.now() + timedelta(hours=1))
    assert await scene.sweep() == []


async def test_second_month_with_an_absence_without_reason(scene: Scene) -> None:
    official = scene.cast.people["official"]
    absent = {"official": RollStatus.ABSENT}
    await scene.hold(MEETINGS[0], absent)  # February
    assert await scene.sweep() == []
    await scene.hold(MEETINGS[1], absent)  # March: the second month
    alerts = await scene.sweep()
    assert len(alerts) == 2 and all(official.name in a for a in alerts), alerts
    assert any(
        tr_text(
            "vi",
            "⚠️ {cell}: {name} has been absent without reason in a second month this year. A "
            "third month means considering removal from the Party.",
            cell=scene.cast.name,
            name=official.name,
        )
        in a
        for a in alerts
    )
    assert await scene.sweep() == []


async def test_a_month_without_a_regular_meeting_from_the_20th(scene: Scene) -> None:
    # The cells were made on 21 November 2026: that month is left alone.
    scene.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    assert await scene.sweep() == []
    # February has its regular meeting (A's); March has none scheduled.
    await scene.hold(MEETINGS[0], {})
    scene.clock.set(datetime(2027, 3, 19, 10, 0, tzinfo=UTC))
    assert [a for a in await scene.sweep() if scene.cast.name in a] == []  # before the 20th
    scene.clock.set(datetime(2027, 3, 20, 10, 0, tzinfo=UTC))
    alerts = await scene.sweep()
    mine = [a for a in alerts if scene.cast.name in a]
    assert {int(a.split(":")[0]) for a in mine} == await leader_ids(scene)
    assert any(
        tr_text(
            "vi",
            "⚠️ {cell}: no regular meeting is scheduled for {month}. Cells meet at least once "
            "a month: schedule it with /schedule.",
            cell=scene.cast.name,
            month="03/2027",
        )
        in a
        for a in mine
    )
    scene.clock.set(datetime(2027, 3, 20, 11, 0, tzinfo=UTC))
    assert await scene.sweep() == []  # told once
    # A meeting scheduled for March: April's 20th tells of April only.
    secretary = identity(scene.cast.people["secretary"].user)
    await scene.services.meetings.schedule(
        secretary,
        scene.group,
        starts_at=datetime(2027, 3, 25, 12, 30, tzinfo=UTC),
        title="Sinh hoạt chi bộ tháng 3",
        lang="vi",
    )
    scene.clock.set(datetime(2027, 4, 20, 10, 0, tzinfo=UTC))
    later = [a for a in await scene.sweep() if scene.cast.name in a]
    assert later and all("04/2027" in a for a in later)
