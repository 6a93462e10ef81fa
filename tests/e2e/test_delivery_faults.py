"""Delivery under Telegram faults: at most once, never silently lost (issue 2, items 5 and 6).

Faults are injected in the fake Bot API: error answers (429, 5xx), transport faults (no
connection; a reply lost after Telegram delivered the message), outages over a fake clock,
and a crash between claim and settle (a 'claimed' row left behind, then a restart).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from sandbox.fake_api import Call, Fault, JSONDict
from tests.conftest import Bot, make_settings, start_bot, stop_bot
from tests.e2e.cells_support import World, make_cell, person, sent, t
from tests.e2e.meetings_support import (
    TITLE,
    add_members,
    fire,
    fire_reminder,
    messages,
    reminder_ids,
    rows,
    schedule,
)

START = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
DAY_BEFORE_DUE = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)
GENERIC = "Something went wrong; nothing was changed. Please try again later."


def reminders_to(calls: list[Call]) -> list[int]:
    """Chat ids that got a reminder, sorted (a chat twice if it got it twice)."""
    return sorted(int(c["chat_id"]) for c in messages(calls) if str(c["text"]).startswith("⏰"))


def drop_reply_once_to(bot: Bot, chat_id: int) -> None:
    """The next sendMessage to that chat is delivered, and its answer lost (a timeout)."""
    left = [chat_id]

    def rule(method: str, params: JSONDict) -> str | None:
        if method == "sendMessage" and left and int(params.get("chat_id", 0)) == left[0]:
            left.clear()
            return "drop_reply"
        return None

    bot.fake.transport_rule = rule


async def ledger(bot: Bot, topic: str) -> dict[str, str]:
    """recipient -> state of one topic."""
    found = await rows(bot, "SELECT recipient, state FROM deliveries WHERE topic = ?", topic)
    return {r["recipient"]: r["state"] for r in found}


async def user_id(bot: Bot, telegram_id: int) -> int:
    """The bot's own id of a Telegram user."""
    (row,) = await rows(bot, "SELECT id FROM users WHERE external_id = ?", str(telegram_id))
    return int(row[0])


def job_names(bot: Bot, prefix: str) -> list[str]:
    """Names of armed jobs starting with prefix."""
    assert bot.app.job_queue is not None
    return sorted(
        {str(j.name) for j in bot.app.job_queue.jobs() if str(j.name).startswith(prefix)}
    )


async def run_job(bot: Bot, name: str) -> list[Call]:
    """Run a job by name as the scheduler's runner would (the queue is not started in tests,
    so a re-armed name shows twice there); the calls it made."""
    start = bot.fake.next_call_seq
    await bot.app.bot_data.services.reminders.run_job(name)
    return bot.fake.calls_since(start)


def latest_retry(bot: Bot, reminder_id: int, after: int = 0) -> str | None:
    """The newest retry job of a reminder armed after attempt ``after`` (fired jobs stay in
    the queue when run by hand)."""
    attempts = [int(name.rsplit("#", 1)[1]) for name in job_names(bot, f"reminder:{reminder_id}#")]
    newer = [a for a in attempts if a > after]
    return f"reminder:{reminder_id}#{max(newer)}" if newer else None


def delay_of(bot: Bot, name: str) -> timedelta:
    """How far ahead (real time) a job was armed, to the second."""
    assert bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(name)
    ahead = job.job.trigger.run_date - datetime.now(UTC)
    return timedelta(seconds=round(ahead.total_seconds()))


# --- item 5: reminders -----------------------------------------------------------------------


async def test_reply_lost_after_delivery_is_recorded_unknown_never_resent(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    minh, hoa = await add_members(w, "en")
    await schedule(w)
    day = (await reminder_ids(bot, 1))[1440]
    bot.clock.set(DAY_BEFORE_DUE)
    drop_reply_once_to(bot, minh.id)
    calls = await fire_reminder(bot, day)
    # Telegram delivered Minh's reminder, but the bot never heard back.
    assert minh.id in reminders_to(calls)
    minh_id = await user_id(bot, minh.id)
    assert (await ledger(bot, f"reminder:{day}"))[str(minh_id)] == "unknown"
    name = latest_retry(bot, day)
    assert name is not None
    calls += await fire(bot, name)
    assert latest_retry(bot, day, 1) is None
    # Everyone got it once; Minh was not sent it a second time.
    assert reminders_to(calls) == sorted([w.group.id, w.secretary.id, minh.id, hoa.id])
    (status,) = await rows(bot, "SELECT status FROM reminders WHERE id = ?", day)
    assert status[0] == "sent"
    # The leaders are told who may have missed it, and /answers shows it.
    note = t(
        "en",
        "Telegram did not confirm the reminder to these members; they may have missed it:{names}",
        names="\n• Lê Minh",
    )
    assert note in sent(calls, w.secretary.id)
    answers = await w.reply_in_private(w.secretary, "/answers 1")
    (line,) = [line for line in answers.splitlines() if "Lê Minh" in line]
    assert t("en", "reminder not confirmed: may have missed it") in line
    (line,) = [line for line in answers.splitlines() if "Phạm Hoa" in line]
    assert "⚠️" not in line


async def test_connection_refused_and_429_are_retried_and_delivered_once(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    minh, hoa = await add_members(w, "en")
    await schedule(w)
    day = (await reminder_ids(bot, 1))[1440]
    bot.clock.set(DAY_BEFORE_DUE)
    bot.fake.fail_transport("sendMessage", "connect_error")
    calls = await fire_reminder(bot, day)
    assert reminders_to(calls) == []
    bot.fake.fail("sendMessage", 429, retry_after=1)
    bot.fake.fail_transport("sendMessage", "connect_timeout")
    attempt = 0
    while name := latest_retry(bot, day, attempt):
        calls += await fire(bot, name)
        attempt += 1
        assert attempt < 10
    assert reminders_to(calls) == sorted([w.group.id, w.secretary.id, minh.id, hoa.id])
    assert set((await ledger(bot, f"reminder:{day}")).values()) == {"delivered"}


async def test_502_for_13_minutes_then_healthy_still_sends_the_15_minute_reminder(
    tmp_path: Path,
) -> None:
    bot = await start_bot(make_settings(tmp_path, reminder_offsets_minutes=(15,)))
    try:
        w = await make_cell(bot, "en")
        minh, hoa = await add_members(w, "en")
        await schedule(w)
        (quarter,) = (await reminder_ids(bot, 1)).values()
        outage_ends = START - timedelta(minutes=4)

        def outage(method: str, params: JSONDict) -> Fault | None:
            if method == "sendMessage" and bot.clock.now() < outage_ends:
                return Fault(method, 502, "Bad Gateway")
            return None

        bot.clock.set(START - timedelta(minutes=17))
        bot.fake.fault_rule = outage
        bot.clock.set(START - timedelta(minutes=15))
        calls = await fire_reminder(bot, quarter)
        attempts = 0
        while name := latest_retry(bot, quarter, attempts):
            bot.clock.set(bot.clock.now() + delay_of(bot, name))
            assert bot.clock.now() < START, "retries ran past the start of the meeting"
            calls += await fire(bot, name)
            attempts += 1
            assert attempts < 60
        assert reminders_to(calls) == sorted([w.group.id, w.secretary.id, minh.id, hoa.id])
        delivered = [c for c in messages(calls) if str(c["text"]).startswith("⏰")]
        assert all(c.seq > 0 for c in delivered)
        assert bot.clock.now() < START
    finally:
        await stop_bot(bot)


async def test_crash_between_claim_and_settle_is_unknown_after_restart(tmp_path: Path) -> None:
    bot = await start_bot(make_settings(tmp_path))
    w = await make_cell(bot, "vi")
    minh, hoa = await add_members(w, "vi")
    await schedule(w)
    day = (await reminder_ids(bot, 1))[1440]
    minh_id = await user_id(bot, minh.id)
    # The bot was killed after claiming Minh's reminder and before settling it.
    async with bot.app.bot_data.database.raw_transaction() as conn:
        await conn.execute(
            "INSERT INTO deliveries (topic, recipient, state, updated_at)"
            " VALUES (?, ?, 'claimed', '2026-12-04T12:30:00+00:00')",
            (f"reminder:{day}", str(minh_id)),
        )
    await stop_bot(bot)
    bot = await start_bot(make_settings(tmp_path), FakeClock(DAY_BEFORE_DUE))
    bot.fake.started_users.update({101, 201, 202})
    try:
        assert (await ledger(bot, f"reminder:{day}"))[str(minh_id)] == "unknown"
        calls = await fire_reminder(bot, day)
        assert reminders_to(calls) == sorted([w.group.id, w.secretary.id, hoa.id])
        (note,) = [text for text in sent(calls, w.secretary.id) if not text.startswith("⏰")]
        assert "Lê Minh" in note
    finally:
        await stop_bot(bot)


# --- item 6: commit, then tell ---------------------------------------------------------------


async def test_join_reply_502_after_commit_still_tells_the_secretary(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    tam = person(205, "Tâm", "Vũ", lang="en")
    await w.start(tam)
    bot.fake.fail("sendMessage", 502, "Bad Gateway")  # the reply to /join in the group
    calls = await w.say(tam, "/join")
    assert not any(GENERIC in text for text in sent(calls))
    (request,) = sent(calls, w.secretary.id)
    assert "Vũ Tâm" in request
    assert (await w.membership(tam)) is not None


async def test_rsvp_answer_502_after_commit_never_says_nothing_changed(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    minh, _hoa = await add_members(w, "en")
    await schedule(w)
    bot.clock.set(DAY_BEFORE_DUE)
    await fire_reminder(bot, (await reminder_ids(bot, 1))[1440])
    bot.fake.fail("answerCallbackQuery", 502, "Bad Gateway")
    calls = await w.d.press(minh, w.private(minh), t("en", "Will attend"))
    texts = [str(c.get("text")) for c in calls] + sent(calls)
    assert not any(GENERIC in text for text in texts), texts
    found = await rows(bot, "SELECT status FROM attendance_replies")
    assert [r[0] for r in found] == ["will_attend"]


async def test_join_request_to_secretary_is_retried_after_502(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    tam = person(205, "Tâm", "Vũ", lang="en")
    await w.start(tam)

    def secretary_down(method: str, params: JSONDict) -> Fault | None:
        if method == "sendMessage" and int(params.get("chat_id", 0)) == w.secretary.id:
            return Fault(method, 502, "Bad Gateway")
        return None

    bot.fake.fault_rule = secretary_down
    calls = await w.say(tam, "/join")
    assert sent(calls, w.secretary.id) == []
    assert sent(calls, w.group.id) == [
        t("en", "Your request to join «{cell}» was sent to the secretary.", cell=w.name)
    ]
    (name,) = job_names(bot, "notice:join:")
    # Still down: kept, tried again later.
    calls = await run_job(bot, name)
    assert sent(calls, w.secretary.id) == []
    (name,) = job_names(bot, "notice:join:")
    bot.fake.fault_rule = None
    calls = await run_job(bot, name)
    (request,) = sent(calls, w.secretary.id)
    assert "Vũ Tâm" in request
    assert await rows(bot, "SELECT * FROM outbox") == []
    # Nothing twice: the job run again (a stale timer) sends nothing.
    start = bot.fake.next_call_seq
    await bot.app.bot_data.services.reminders.run_job(name)
    assert bot.fake.calls_since(start) == []


async def test_absence_request_to_leaders_is_retried_after_502(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    minh, _hoa = await add_members(w, "en")
    await schedule(w)
    bot.clock.set(DAY_BEFORE_DUE)
    await fire_reminder(bot, (await reminder_ids(bot, 1))[1440])
    calls = await w.d.press(minh, w.private(minh), t("en", "Request absence"))
    ask = messages(calls)[0]
    bot.fake.fail("sendMessage", 502, "Bad Gateway")  # the request to the secretary
    calls = await w.d.send(
        minh,
        w.private(minh),
        "Đi công tác",
        reply_to_message_id=ask.response["result"]["message_id"],
    )
    assert sent(calls, minh.id) == [t("en", "Your request was sent to the secretary.")]
    assert sent(calls, w.secretary.id) == []
    (name,) = job_names(bot, "notice:absence:")
    calls = await fire(bot, name)
    (request,) = sent(calls, w.secretary.id)
    assert "Đi công tác" in request and TITLE in request


async def test_kept_notice_is_retried_after_a_restart(tmp_path: Path) -> None:
    bot = await start_bot(make_settings(tmp_path))
    w: World = await make_cell(bot, "en")
    tam = person(205, "Tâm", "Vũ", lang="en")
    await w.start(tam)

    def secretary_down(method: str, params: JSONDict) -> Fault | None:
        if method == "sendMessage" and int(params.get("chat_id", 0)) == w.secretary.id:
            return Fault(method, 502, "Bad Gateway")
        return None

    # The reply goes out, the request to the secretary fails: kept in the outbox.
    bot.fake.fault_rule = secretary_down
    calls = await w.say(tam, "/join")
    assert sent(calls, w.secretary.id) == []
    await stop_bot(bot)
    bot = await start_bot(make_settings(tmp_path))
    bot.fake.started_users.update({101, 205})
    try:
        (name,) = job_names(bot, "notice:join:")
        calls = await fire(bot, name)
        (request,) = sent(calls, 101)
        assert "Vũ Tâm" in request
    finally:
        await stop_bot(bot)
