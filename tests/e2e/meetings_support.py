"""Shared scenery for the end-to-end tests of meetings and reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.rules.dates import format_when
from bot.services.reminders import job_name
from sandbox.driver import TgUser
from sandbox.fake_api import Call
from tests.conftest import Bot
from tests.e2e.cells_support import World, person, sent
from tests.e2e.db import rows as rows

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "Sinh hoạt chi bộ tháng 12"
# 05/12/2026 19:30 in Hanoi is 12:30 UTC; NOW is 21/11/2026 14:00 UTC.
START_LOCAL = "05/12/2026 19:30"
START_UTC = "2026-12-05T12:30:00+00:00"


def when(lang: str, start_iso: str) -> str:
    """A start time as the bot renders it in the cell's timezone."""
    return format_when(datetime.fromisoformat(start_iso), TZ, lang)


async def add_members(world: World, lang: str, *, unreachable: bool = False) -> list[TgUser]:
    """Two official members who started the bot, and (optionally) one who did not."""
    members = [
        person(201, "Minh", "Lê", lang=lang),
        person(202, "Hoa", "Phạm", lang=lang),
    ]
    for member in members:
        await world.join(member)
    if unreachable:
        silent = person(203, "Tâm", "Vũ", lang=lang)
        await world.join(silent, start=False)
        members.append(silent)
    return members


async def schedule(world: World, text: str = f"{START_LOCAL} {TITLE}") -> int:
    """The secretary schedules a meeting in one line; returns its id."""
    calls = await world.say(world.secretary, f"/schedule {text}")
    assert sent(calls, world.group.id), calls
    found = await rows(world.bot, "SELECT max(id) FROM meetings")
    return int(found[0][0])


async def reminder_ids(bot: Bot, meeting_id: int) -> dict[int, int]:
    """offset (minutes) -> reminder id of a meeting's pending reminders."""
    found = await rows(
        bot,
        "SELECT id, offset_minutes FROM reminders WHERE meeting_id = ? AND status = 'pending'",
        meeting_id,
    )
    return {r["offset_minutes"]: r["id"] for r in found}


async def fire(bot: Bot, name: str) -> list[Call]:
    """Run a scheduled job now, as the JobQueue would; returns the calls it made."""
    jobs = bot.app.job_queue.get_jobs_by_name(name) if bot.app.job_queue else ()
    assert len(jobs) == 1, f"no single job {name!r}: {jobs}"
    start = bot.fake.next_call_seq
    await jobs[0].run(bot.app)
    return bot.fake.calls_since(start)


async def fire_reminder(bot: Bot, reminder_id: int) -> list[Call]:
    """Run the job of one reminder."""
    return await fire(bot, job_name(reminder_id))


def job_names(bot: Bot) -> set[str]:
    """Names of every reminder job in the queue."""
    assert bot.app.job_queue is not None
    return {str(j.name) for j in bot.app.job_queue.jobs() if str(j.name).startswith("reminder:")}


def run_date(bot: Bot, name: str) -> Any:
    """When a (not yet started) job is due."""
    assert bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(name)
    return job.job.trigger.run_date


def messages(calls: list[Call], method: str = "sendMessage") -> list[Call]:
    """Accepted calls of one method."""
    return [c for c in calls if c.method == method and c.ok]
