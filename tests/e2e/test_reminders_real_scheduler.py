"""One reminder fired by the real JobQueue (APScheduler on the real clock), not run by hand:
the job id, trigger and misfire settings the bot uses really deliver, once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application
from bot.domain.identity import ChatRef, Identity
from sandbox.driver import Driver, TgUser
from sandbox.fake_api import FakeRequest, FakeTelegram
from tests.conftest import make_settings

SECRETARY = TgUser(101, "Lan", "Trần", language_code="vi")
MEMBER = TgUser(102, "Minh", "Lê", language_code="en")
GROUP = -100555


async def test_the_real_job_queue_sends_a_due_reminder_exactly_once(tmp_path: Path) -> None:
    # One minute before the start, for a meeting 62 s ahead: due in about 2 s.
    settings = dataclasses.replace(make_settings(tmp_path), reminder_offsets_minutes=(1,))
    fake = FakeTelegram()
    app = build_application(settings, request=FakeRequest(fake), rate_limiter=False)
    driver = Driver(app, fake)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    try:
        services = app.bot_data.services
        code = await services.cells.create_setup_code("Chi bộ 1")
        group = driver.group(GROUP, "Chi bộ 1")
        for user in (SECRETARY, MEMBER):
            await driver.send(user, driver.private_chat(user), "/start")
        await driver.send(SECRETARY, group, f"/setup {code}")
        await driver.send(MEMBER, group, "/join")
        await driver.press(SECRETARY, driver.private_chat(SECRETARY), "✅ Duyệt: chính thức")
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=62)
        change = await services.meetings.schedule(
            Identity("telegram", str(SECRETARY.id), "Trần Lan"),
            ChatRef("telegram", str(GROUP), False, "Chi bộ 1"),
            starts_at=starts,
            title="Họp thử",
        )
        (reminder,) = change.armed
        assert app.job_queue is not None
        (job,) = app.job_queue.get_jobs_by_name(f"reminder:{reminder.id}")
        assert job.job.misfire_grace_time is not None and job.job.misfire_grace_time > 60

        def reminders_to(chat_id: int) -> list[str]:
            return [
                str(c["text"])
                for c in fake.sent(chat_id=chat_id)
                if str(c["text"]).startswith("⏰")
            ]

        for _ in range(200):
            if reminders_to(GROUP) and reminders_to(MEMBER.id):
                break
            await asyncio.sleep(0.05)
        assert len(reminders_to(GROUP)) == 1
        assert len(reminders_to(MEMBER.id)) == 1
        assert reminders_to(MEMBER.id)[0].startswith("⏰ Reminder: Họp thử starts in 1 minute")
        # The job is gone and the reminder closed: nothing more will come.
        assert app.job_queue.get_jobs_by_name(f"reminder:{reminder.id}") == ()
        await asyncio.sleep(0.3)
        assert len(reminders_to(GROUP)) == 1
        fake.assert_no_violations()
    finally:
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
