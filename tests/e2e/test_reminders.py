"""Reminders: who gets them, answering them, restarts, downtime and Telegram faults."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.domain.cells import Kind
from bot.domain.identity import ChatRef, Identity
from bot.services.reminders import ARM_JOB
from sandbox.fake_api import Call
from tests.conftest import Bot, make_settings, start_bot, stop_bot
from tests.e2e.cells_support import BOTH_LANGUAGES, World, buttons, make_cell, sent, t
from tests.e2e.meetings_support import (
    TITLE,
    add_members,
    fire,
    fire_reminder,
    job_names,
    messages,
    reminder_ids,
    rows,
    schedule,
)

START = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
DAY_BEFORE_DUE = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)


def reminder_messages(calls: list[Call]) -> list[Call]:
    """Accepted sendMessage calls that are reminders."""
    return [c for c in messages(calls) if str(c["text"]).startswith("⏰")]


def recipients(calls: list[Call]) -> list[int]:
    """Chat ids that got a reminder, in order."""
    return sorted(int(c["chat_id"]) for c in reminder_messages(calls))


@BOTH_LANGUAGES
async def test_reminder_goes_to_group_and_members_who_have_not_answered(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    minh, hoa, _tam = await add_members(w, lang, unreachable=True)
    await schedule(w)
    ids = await reminder_ids(bot, 1)
    calls = await fire_reminder(bot, ids[1440])
    group = [c for c in reminder_messages(calls) if c["chat_id"] == w.group.id]
    assert len(group) == 1 and "reply_markup" not in group[0].params
    # The group reads the cell's language (the world's: its secretary chose it there).
    assert group[0]["text"].startswith(
        t(
            lang,
            "⏰ Reminder: {title} starts in {duration}",
            title=TITLE,
            duration="1 ngày" if lang == "vi" else "1 day",
        )
    )
    private = {c["chat_id"]: c for c in reminder_messages(calls) if c["chat_id"] != w.group.id}
    assert set(private) == {w.secretary.id, minh.id, hoa.id}
    for call in private.values():
        assert call["text"].startswith(
            t(
                lang,
                "⏰ Reminder: {title} starts in {duration}",
                title=TITLE,
                duration="1 ngày" if lang == "vi" else "1 day",
            )
        )
        assert buttons(call) == [t(lang, "Will attend"), t(lang, "Request absence")]
    if lang == "vi":
        assert buttons(private[minh.id]) == ["Sẽ tham dự", "Xin vắng"]
    unreachable = [
        c["text"]
        for c in messages(calls)
        if c["chat_id"] == w.secretary.id and not c["text"].startswith("⏰")
    ]
    assert len(unreachable) == 1 and "Vũ Tâm" in unreachable[0]
    assert unreachable[0] == t(
        lang,
        "These members cannot get private reminders (they must open the bot and press Start):"
        "{names}",
        names="\n• Vũ Tâm",
    )

    # Minh answers; the next reminder skips him but still reaches the group and Hoa.
    await w.d.press(minh, w.private(minh), t(lang, "Will attend"))
    bot.clock.set(datetime(2026, 12, 5, 11, 30, tzinfo=UTC))
    calls = await fire_reminder(bot, ids[60])
    assert recipients(calls) == sorted([w.group.id, w.secretary.id, hoa.id])
    # The same jobs again send nothing.
    assert messages(await fire_reminder(bot, ids[60])) == []
    assert messages(await fire_reminder(bot, ids[1440])) == []


@BOTH_LANGUAGES
async def test_absence_request_reason_and_leader_decision(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    minh, hoa = await add_members(w, lang)
    await schedule(w)
    await fire_reminder(bot, (await reminder_ids(bot, 1))[1440])

    calls = await w.d.press(minh, w.private(minh), t(lang, "Request absence"))
    (ask,) = messages(calls)
    assert ask["text"] == t(lang, "Please reply with the reason for your absence.")
    assert ask["reply_markup"]["force_reply"] is True
    calls = await w.d.send(
        minh,
        w.private(minh),
        "Đi công tác Hà Nội",
        reply_to_message_id=ask.response["result"]["message_id"],
    )
    assert sent(calls, minh.id) == [t(lang, "Your request was sent to the secretary.")]
    (to_leader,) = sent(calls, w.secretary.id)
    assert to_leader == t(
        lang,
        "{name} asks to be excused from meeting #{id} «{title}»: {reason}",
        name="Lê Minh",
        id=1,
        title=TITLE,
        reason="Đi công tác Hà Nội",
    )
    calls = await w.d.press(w.secretary, w.private(w.secretary), t(lang, "✅ Approve absence"))
    assert sent(calls, minh.id) == [
        t(lang, "Your absence from meeting #{id} «{title}» is approved.", id=1, title=TITLE)
    ]

    # Hoa asks too and is declined.
    calls = await w.d.press(hoa, w.private(hoa), t(lang, "Request absence"))
    calls = await w.d.send(
        hoa,
        w.private(hoa),
        "Bận việc nhà",
        reply_to_message_id=messages(calls)[0].response["result"]["message_id"],
    )
    calls = await w.d.press(w.secretary, w.private(w.secretary), t(lang, "❌ Decline absence"))
    assert sent(calls, hoa.id) == [
        t(
            lang,
            "Your absence from meeting #{id} «{title}» was not accepted; please attend.",
            id=1,
            title=TITLE,
        )
    ]
    await w.d.press(w.secretary, w.private(w.secretary), t(lang, "Will attend"))

    text = await w.reply_in_group(w.secretary, "/answers 1")
    lines = text.splitlines()
    assert lines[0] == t(lang, "Answers for meeting #{id} «{title}»:", id=1, title=TITLE)
    assert f"• Trần Lan: {t(lang, 'will attend')}" in lines
    assert f"• Lê Minh: {t(lang, 'absent with reason')} (Đi công tác Hà Nội)" in lines
    assert f"• Phạm Hoa: {t(lang, 'absence not accepted')} (Bận việc nhà)" in lines
    stored = {
        r["user_id"]: (r["status"], r["reason"])
        for r in await rows(bot, "SELECT user_id, status, reason FROM attendance_replies")
    }
    assert sorted(s for s, _ in stored.values()) == [
        "absence_declined",
        "absent_with_reason",
        "will_attend",
    ]


# --- restarts ------------------------------------------------------------------------------


async def _scheduled_cell(tmp_path: Path) -> tuple[Bot, list[int], World]:
    bot = await start_bot(make_settings(tmp_path))
    w = await make_cell(bot, "vi")
    await add_members(w, "vi")
    await schedule(w)
    ids = await reminder_ids(bot, 1)
    return bot, [ids[1440], ids[60], ids[0]], w


async def _restart(tmp_path: Path, now: datetime) -> Bot:
    bot = await start_bot(make_settings(tmp_path), FakeClock(now))
    # Telegram still knows who started the bot before the restart.
    bot.fake.started_users.update({101, 201, 202})
    return bot


async def test_restart_rearms_pending_reminders_as_named_jobs(tmp_path: Path) -> None:
    bot, ids, _ = await _scheduled_cell(tmp_path)
    await stop_bot(bot)
    # Ten days ahead: the reminders wait in the database; the hourly sweep arms them.
    bot = await _restart(tmp_path, datetime(2026, 11, 25, 0, 0, tzinfo=UTC))
    try:
        assert not {f"reminder:{i}" for i in ids} & job_names(bot)
        assert bot.app.job_queue is not None
        assert bot.app.job_queue.get_jobs_by_name(ARM_JOB)
    finally:
        await stop_bot(bot)
    # Two days ahead of the first reminder, a restart arms them all as named jobs.
    bot = await _restart(tmp_path, datetime(2026, 12, 3, 13, 0, tzinfo=UTC))
    try:
        assert {f"reminder:{i}" for i in ids} <= job_names(bot)
        assert bot.app.job_queue is not None
        for reminder_id in ids:
            (job,) = bot.app.job_queue.get_jobs_by_name(f"reminder:{reminder_id}")
            assert job.job.misfire_grace_time >= 3600
        assert messages(bot.fake.calls) == []
    finally:
        await stop_bot(bot)


async def test_reminder_due_during_downtime_is_sent_exactly_once(tmp_path: Path) -> None:
    bot, (day, hour, _), _w = await _scheduled_cell(tmp_path)
    await stop_bot(bot)
    # Down across the 24 h reminder; back 3 hours later, well before the meeting.
    bot = await _restart(tmp_path, datetime(2026, 12, 4, 15, 30, tzinfo=UTC))
    try:
        calls = await fire_reminder(bot, day)
        assert len(reminder_messages(calls)) == 4  # group, secretary and two members
        assert messages(await fire_reminder(bot, day)) == []
    finally:
        await stop_bot(bot)
    bot = await _restart(tmp_path, datetime(2026, 12, 4, 16, 0, tzinfo=UTC))
    try:
        assert f"reminder:{day}" not in job_names(bot)
        assert f"reminder:{hour}" in job_names(bot)
        assert messages(bot.fake.calls) == []
    finally:
        await stop_bot(bot)


@pytest.mark.parametrize("order", ["earliest_first", "latest_first"])
async def test_when_both_reminders_were_missed_only_the_latest_goes_out(
    tmp_path: Path, order: str
) -> None:
    bot, (day, hour, start), _w = await _scheduled_cell(tmp_path)
    await stop_bot(bot)
    bot = await _restart(tmp_path, datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    try:
        first, second = (day, hour) if order == "earliest_first" else (hour, day)
        calls = await fire_reminder(bot, first)
        calls += await fire_reminder(bot, second)
        texts = {c["text"].splitlines()[0] for c in reminder_messages(calls)}
        assert texts == {
            t("vi", "⏰ Reminder: {title} starts in {duration}", title=TITLE, duration="1 giờ")
        }
        assert len(reminder_messages(calls)) == 4
        assert f"reminder:{start}" in job_names(bot)
    finally:
        await stop_bot(bot)


async def test_cancelled_meeting_sends_nothing(tmp_path: Path) -> None:
    bot, ids, w = await _scheduled_cell(tmp_path)
    await w.say(w.secretary, "/cancel 1")
    await w.d.press(w.secretary, w.group, w.t("❌ Yes, cancel the meeting"))
    assert not {f"reminder:{i}" for i in ids} & job_names(bot)
    await stop_bot(bot)
    bot = await _restart(tmp_path, datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    try:
        assert not {f"reminder:{i}" for i in ids} & job_names(bot)
        # Even a stale job (one that missed its removal) sends nothing.
        for reminder_id in ids:
            assert await bot.app.bot_data.services.reminders.send(reminder_id)
        assert messages(bot.fake.calls) == []
    finally:
        await stop_bot(bot)


# --- faults --------------------------------------------------------------------------------


async def test_429_and_5xx_still_deliver_every_reminder_exactly_once(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    minh, hoa = await add_members(w, "en")
    await schedule(w)
    document = w.d._message(
        w.secretary,
        w.group,
        document={"file_id": "PUB1", "file_unique_id": "PUB1u", "file_name": "nq.pdf"},
    )
    await w.d.send(w.secretary, w.group, "/attach 1", reply_to_message_id=document["message_id"])
    day = (await reminder_ids(bot, 1))[1440]
    bot.clock.set(DAY_BEFORE_DUE)
    # The group message hits a 429; the whole job is tried again later.
    bot.fake.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    calls = await fire_reminder(bot, day)
    assert reminder_messages(calls) == []
    assert f"reminder:{day}#1" in job_names(bot)
    # The retry reaches the group, then the document gets a 502.
    bot.fake.fail("sendDocument", 502, "Bad Gateway")
    calls += await fire(bot, f"reminder:{day}#1")
    assert recipients(calls) == [w.group.id]
    assert f"reminder:{day}#2" in job_names(bot)
    # Then one member's message gets a 500; the third attempt finishes.
    bot.fake.fail("sendMessage", 500, "Internal Server Error")
    calls += await fire(bot, f"reminder:{day}#2")
    assert f"reminder:{day}#3" in job_names(bot)
    calls += await fire(bot, f"reminder:{day}#3")
    assert recipients(calls) == sorted([w.group.id, w.secretary.id, minh.id, hoa.id])
    assert [c["chat_id"] for c in messages(calls, "sendDocument")] == [w.group.id]
    (status,) = await rows(bot, "SELECT status FROM reminders WHERE id = ?", day)
    assert status[0] == "sent"
    assert messages(await fire_reminder(bot, day)) == []
    assert messages(await fire(bot, f"reminder:{day}#3")) == []


async def test_restart_after_the_meeting_started_sends_nothing(tmp_path: Path) -> None:
    bot, ids, _w = await _scheduled_cell(tmp_path)
    await stop_bot(bot)
    bot = await _restart(tmp_path, datetime(2026, 12, 5, 14, 0, tzinfo=UTC))
    try:
        calls: list[Call] = []
        for reminder_id in ids:
            calls += await fire_reminder(bot, reminder_id)
        assert messages(calls) == []
        statuses = [r[0] for r in await rows(bot, "SELECT status FROM reminders ORDER BY id")]
        assert statuses == ["skipped"] * 3
    finally:
        await stop_bot(bot)


async def test_a_long_list_of_unreachable_members_reaches_the_secretary_in_pieces(
    bot: Bot,
) -> None:
    w = await make_cell(bot, "vi")
    services = bot.app.bot_data.services
    group = ChatRef("telegram", str(w.group.id), False, w.name)
    secretary = Identity("telegram", str(w.secretary.id), "Lan")
    names = [f"Đảng viên số {n:03d} Nguyễn Văn" for n in range(300)]
    for n, name in enumerate(names):
        request = await services.members.request_join(
            Identity("telegram", str(70_000 + n), name), group
        )
        await services.members.decide_join(secretary, request.membership.id, Kind.OFFICIAL, group)
    await schedule(w)
    ids = await reminder_ids(bot, 1)
    calls = await fire_reminder(bot, ids[1440])
    to_secretary = [str(c["text"]) for c in messages(calls) if c["chat_id"] == w.secretary.id]
    notice = [t for t in to_secretary if not t.startswith("⏰")]
    assert len(notice) > 1  # one message holds at most 4096 characters
    assert all(name in "\n".join(notice) for name in names)
