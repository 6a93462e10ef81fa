"""Scheduling meetings: one line, guided, refusals, recurrence, move/cancel, agenda, link,
documents, /meetings and /calendar."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import icalendar

from bot.rules.agenda import default_agenda
from bot.rules.links import ROOM_PREFIX
from handlers.telegram.meetings import SCHEDULE_EXAMPLE
from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOTH_LANGUAGES,
    alerts,
    answer_to,
    buttons,
    edits,
    make_cell,
    only_text,
    sent,
    t,
)
from tests.e2e.meetings_support import (
    START_LOCAL,
    START_UTC,
    TITLE,
    add_members,
    fire_reminder,
    job_names,
    messages,
    reminder_ids,
    rows,
    run_date,
    schedule,
    when,
)


@BOTH_LANGUAGES
async def test_one_line_schedule_stores_utc_and_arms_reminders(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    text = await w.reply_in_group(w.secretary, f"/schedule {START_LOCAL} {TITLE}")
    assert text == t(
        lang,
        "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
        id=1,
        kind=t(lang, "regular meeting"),
        title=TITLE,
        when=when(lang, START_UTC),
    )
    (meeting,) = await rows(bot, "SELECT starts_at, status, type, title FROM meetings")
    assert tuple(meeting) == (START_UTC, "scheduled", "regular", TITLE)
    ids = await reminder_ids(bot, 1)
    assert sorted(ids) == [0, 60, 1440]
    start = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    for offset, reminder_id in ids.items():
        assert run_date(bot, f"reminder:{reminder_id}") == start - timedelta(minutes=offset)


@BOTH_LANGUAGES
async def test_refusals_show_the_right_form_and_store_nothing(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    await schedule(w)
    example_re = re.compile(r"\n.*\d{2}/\d{2}/\d{4} \d{2}:\d{2}")
    impossible = await w.reply_in_group(w.secretary, "/schedule 31/02/2027 19:30 X")
    past = await w.reply_in_group(w.secretary, "/schedule 01/11/2026 19:30 X")
    overlap = await w.reply_in_group(w.secretary, "/schedule 05/12/2026 20:00 X")
    for text in (impossible, past):
        assert text.startswith("⚠️ ") and example_re.search(text), text
    assert "31/02/2027" in impossible
    assert overlap == w.error(
        "This time overlaps meeting #{id} «{title}» at {when}.",
        example=SCHEDULE_EXAMPLE,
        id=1,
        title=TITLE,
        when=when(lang, START_UTC),
    )
    assert len(await rows(bot, "SELECT id FROM meetings")) == 1
    assert len(await rows(bot, "SELECT id FROM reminders")) == 3


@BOTH_LANGUAGES
async def test_guided_dialog(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    calls = await w.say(w.secretary, "/schedule")
    assert only_text(calls, w.group.id) == t(lang, "New meeting. What kind of meeting?")
    assert t(lang, "thematic meeting") in buttons(calls[-1])
    calls = await w.d.press(w.secretary, w.group, t(lang, "thematic meeting"))
    ask = messages(calls)[-1]
    # The pressed choice stays in the question's place.
    assert edits(calls)[0]["text"] == (
        t(lang, "New meeting. What kind of meeting?") + " — " + t(lang, "thematic meeting")
    )
    # The reply box is the secretary's alone: the prompt mentions him, and is selective.
    name = f"{w.secretary.last_name} {w.secretary.first_name}"  # family name first
    assert ask["text"] == f"{name}, " + t(
        lang, "Date and time? Reply with dd/mm/yyyy HH:MM, e.g. 05/12/2026 19:30."
    )
    assert ask["entities"][0]["type"] == "text_mention"
    assert ask["entities"][0]["user"]["id"] == w.secretary.id
    assert ask["reply_markup"] == {"force_reply": True, "selective": True}
    calls = await w.d.send(
        w.secretary,
        w.group,
        "31/02/2027 19:30",
        reply_to_message_id=ask.response["result"]["message_id"],
    )
    assert answer_to(calls, w.group.id, w.secretary.id).startswith("⚠️ ")
    calls = await w.d.send(
        w.secretary, w.group, START_LOCAL, reply_to_message_id=ask.response["result"]["message_id"]
    )
    duration_ask = messages(calls)[-1]
    assert duration_ask["text"] == t(
        lang, "How long? Choose, or reply with minutes or hours (90, 1h30):"
    )
    # A typed duration out of range keeps the question open; a button answers it.
    calls = await w.d.send(
        w.secretary,
        w.group,
        "12h",
        reply_to_message_id=duration_ask.response["result"]["message_id"],
    )
    assert answer_to(calls, w.group.id, w.secretary.id).startswith("⚠️ ")
    calls = await w.d.press(w.secretary, w.group, t(lang, "{minutes} min", minutes=90))
    title_ask = messages(calls)[-1]
    assert title_ask["text"] == t(lang, "Title? Reply with the title, or use the standard one:")
    calls = await w.d.send(
        w.secretary,
        w.group,
        "Học tập nghị quyết",
        reply_to_message_id=title_ask.response["result"]["message_id"],
    )
    assert messages(calls)[-1]["text"] == t(
        lang, "Video link? Reply with a https:// link, or choose:"
    )
    calls = await w.d.press(w.secretary, w.group, t(lang, "Generate a Jitsi link"))
    assert messages(calls)[-1]["text"] == t(lang, "Which agenda template?")
    calls = await w.d.press(
        w.secretary,
        w.group,
        t(lang, "Agenda for the {kind}", kind=t(lang, "thematic meeting")),
    )
    confirm = messages(calls)[-1]["text"]
    assert t(lang, "Title: {title}", title="Học tập nghị quyết") in confirm
    assert (
        t(
            lang,
            "Duration: {duration}",
            duration=t(lang, "{n} hour", n=1) + " " + t(lang, "{n} minutes", n=30),
        )
        in confirm
    )
    assert t(lang, "Link: a new Jitsi room") in confirm
    assert len(await rows(bot, "SELECT id FROM meetings")) == 0
    calls = await w.d.press(w.secretary, w.group, t(lang, "✅ Schedule"))
    (meeting,) = await rows(
        bot, "SELECT type, title, starts_at, duration_minutes, link FROM meetings"
    )
    assert tuple(meeting)[:4] == ("thematic", "Học tập nghị quyết", START_UTC, 90)
    assert meeting["link"].startswith("https://meet.jit.si/" + ROOM_PREFIX)
    agenda = [r[0] for r in await rows(bot, "SELECT item FROM agenda_items ORDER BY position")]
    assert agenda == [i.to_text() for i in default_agenda("thematic")]
    assert sent(calls, w.group.id)[-1].startswith(
        t(
            lang,
            "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
            id=1,
            kind=t(lang, "thematic meeting"),
            title="Học tập nghị quyết",
            when=when(lang, START_UTC),
        )
    )
    assert len(await reminder_ids(bot, 1)) == 3
    # The dialog is closed: pressing its confirm button again does nothing but say so.
    confirm_id = messages(calls)[0].response["result"]["message_id"]
    again = await w.d.press_data(w.secretary, w.group, "sd:ok", confirm_id)
    assert alerts(again) == ["⚠️ " + t(lang, "This button is no longer valid.")]
    assert len(await rows(bot, "SELECT id FROM meetings")) == 1
    assert bot.fake.unanswered_callback_queries() == set()


async def test_guided_dialog_with_an_empty_agenda_and_the_title_given_with_the_date(
    bot: Bot,
) -> None:
    w = await make_cell(bot, "vi")
    await w.say(w.secretary, "/schedule")
    calls = await w.d.press(w.secretary, w.group, t("vi", "regular meeting"))
    ask = messages(calls)[-1]
    await w.d.send(
        w.secretary,
        w.group,
        f"{START_LOCAL} Họp chi bộ tháng 12",
        reply_to_message_id=ask.response["result"]["message_id"],
    )
    calls = await w.d.press(w.secretary, w.group, t("vi", "{minutes} min", minutes=60))
    # The title came with the date: the next question is the link.
    assert messages(calls)[-1]["text"] == t(
        "vi", "Video link? Reply with a https:// link, or choose:"
    )
    await w.d.press(w.secretary, w.group, t("vi", "No link for now"))
    await w.d.press(w.secretary, w.group, t("vi", "No agenda yet (add items with /agenda)"))
    await w.d.press(w.secretary, w.group, t("vi", "✅ Schedule"))
    (meeting,) = await rows(bot, "SELECT title, duration_minutes, link FROM meetings")
    assert tuple(meeting) == ("Họp chi bộ tháng 12", 60, None)
    assert await rows(bot, "SELECT item FROM agenda_items") == []


async def test_recurring_creates_coming_occurrences_and_rule_change_keeps_the_past(
    bot: Bot,
) -> None:
    w = await make_cell(bot, "vi")
    text = await w.reply_in_group(w.secretary, "/recurring ngày 5 hằng tháng 19:30")
    starts = [r[0] for r in await rows(bot, "SELECT starts_at FROM meetings ORDER BY starts_at")]
    assert starts == [
        "2026-12-05T12:30:00+00:00",
        "2027-01-05T12:30:00+00:00",
        "2027-02-05T12:30:00+00:00",
    ]
    for start in starts:
        assert when("vi", start) in text
    assert len(job_names(bot)) == 9
    # The first occurrence is held; then the rule changes.
    bot.clock.set(datetime(2026, 12, 10, 3, 0, tzinfo=UTC))
    asked = await w.reply_in_group(w.secretary, "/recurring ngày 10 hằng tháng 19:30")
    assert asked.splitlines()[1].startswith("#2 · ") and asked.splitlines()[2].startswith("#3 · ")
    await w.d.press(w.secretary, w.group, t("vi", "✅ Apply the new rule"))
    found = {
        r["starts_at"]: r["status"]
        for r in await rows(bot, "SELECT starts_at, status FROM meetings")
    }
    assert found["2026-12-05T12:30:00+00:00"] == "scheduled"  # the past is untouched
    assert found["2027-01-05T12:30:00+00:00"] == "cancelled"
    assert found["2027-02-05T12:30:00+00:00"] == "cancelled"
    assert found["2026-12-10T12:30:00+00:00"] == "scheduled"
    assert found["2027-01-10T12:30:00+00:00"] == "scheduled"
    cancelled_reminders = await rows(
        bot,
        "SELECT r.id FROM reminders r JOIN meetings m ON m.id = r.meeting_id"
        " WHERE m.status = 'cancelled'",
    )
    for r in cancelled_reminders:
        assert f"reminder:{r['id']}" not in job_names(bot)


@BOTH_LANGUAGES
async def test_move_and_cancel_one_occurrence_alone_notify_group_and_members(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    await w.say(w.secretary, "/recurring ngày 5 hằng tháng 19:30")
    before = {r["id"]: tuple(r) for r in await rows(bot, "SELECT * FROM meetings")}
    old_jobs = {f"reminder:{i}" for i in (await reminder_ids(bot, 2)).values()}

    calls = await w.say(w.secretary, "/move 2 06/01/2027 19:30")
    new_start = "2027-01-06T12:30:00+00:00"
    group_note = t(
        lang,
        "📅 Meeting #{id} «{title}» moved from {old} to {when}.",
        id=2,
        title=t(lang, "Regular cell meeting"),
        old=when(lang, "2027-01-05T12:30:00+00:00"),
        when=when(lang, new_start),
    )
    # Given in the group: one message there, the notice itself (no separate confirmation).
    assert sent(calls, w.group.id) == [group_note]
    for member in members:
        (private,) = sent(calls, member.id)
        assert private == t(
            lang,
            "📅 Meeting #{id} «{title}» moved from {old} to {when}.",
            id=2,
            title=t(lang, "Regular cell meeting"),
            old=when(lang, "2027-01-05T12:30:00+00:00"),
            when=when(lang, new_start),
        )
    after = {r["id"]: tuple(r) for r in await rows(bot, "SELECT * FROM meetings")}
    assert after[1] == before[1] and after[3] == before[3]
    assert not old_jobs & job_names(bot)
    assert len(await reminder_ids(bot, 2)) == 3

    await w.say(w.secretary, "/cancel 3")
    calls = await w.d.press(w.secretary, w.group, t(lang, "❌ Yes, cancel the meeting"))
    (group_notice,) = sent(calls, w.group.id)
    assert group_notice.startswith("❌")
    for member in members:
        (private,) = sent(calls, member.id)
        assert private.startswith("❌")
    statuses = [r[0] for r in await rows(bot, "SELECT status FROM meetings ORDER BY id")]
    assert statuses == ["scheduled", "scheduled", "cancelled"]
    assert await reminder_ids(bot, 3) == {}


@BOTH_LANGUAGES
async def test_agenda_add_remove_move(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    await schedule(w)
    agenda = [r[0] for r in await rows(bot, "SELECT item FROM agenda_items ORDER BY position")]
    n = len(agenda)
    text = await w.reply_in_group(w.secretary, "/agenda 1 add Phát biểu của đảng viên mới")
    assert text.splitlines()[0] == t(lang, "Agenda of meeting #{id}:", id=1)
    assert text.splitlines()[-1].endswith("Phát biểu của đảng viên mới")
    assert len(text.splitlines()) == n + 2
    text = await w.reply_in_group(w.secretary, "/agenda 1 move 1 3")
    lines = text.splitlines()[1:]
    assert len(lines) == n + 1
    first_before = lines[2]
    text = await w.reply_in_group(w.secretary, "/agenda 1 remove 3")
    lines = text.splitlines()[1:]
    assert len(lines) == n and first_before not in lines
    assert len(await rows(bot, "SELECT item FROM agenda_items")) == n


async def test_generated_link_has_at_least_128_random_bits(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    await schedule(w)
    links = []
    for _ in range(2):
        (text,) = sent(await w.say(w.secretary, "/link 1 new"), w.group.id)
        (link,) = re.findall(r"https://\S+", text)
        links.append(link)
    assert links[0] != links[1]
    for link in links:
        token = link.rsplit("/", 1)[1].removeprefix(ROOM_PREFIX)
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
        assert len(raw) * 8 >= 128
    (stored,) = await rows(bot, "SELECT link FROM meetings")
    assert stored[0] == links[1]


@BOTH_LANGUAGES
async def test_confidential_document_goes_only_privately_and_protected(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    await schedule(w)
    # A confidential document is attached in the private chat (in a group it is refused).
    for file_id, name, flag in (("PUB1", "chuong-trinh.pdf", ""), ("SEC1", "mat.pdf", " mat")):
        chat = w.private(w.secretary) if flag else w.group
        document = w.d._message(
            w.secretary,
            chat,
            document={"file_id": file_id, "file_unique_id": file_id + "u", "file_name": name},
        )
        calls = await w.d.send(
            w.secretary, chat, f"/attach 1{flag}", reply_to_message_id=document["message_id"]
        )
        assert name in only_text(calls, chat.id)
    calls = await fire_reminder(bot, (await reminder_ids(bot, 1))[1440])
    docs = messages(calls, "sendDocument")
    group_docs = [c for c in docs if c["chat_id"] == w.group.id]
    assert [c["document"] for c in group_docs] == ["PUB1"]
    secret = [c for c in docs if c["document"] == "SEC1"]
    assert {c["chat_id"] for c in secret} == {w.secretary.id} | {m.id for m in members}
    assert all(c.get("protect_content") is True for c in secret)


@BOTH_LANGUAGES
async def test_meetings_list(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    await schedule(w)
    text = await w.reply_in_group(w.secretary, "/meetings")
    lines = text.splitlines()
    assert lines[0] == t(lang, "Meetings of «{cell}»", cell=w.name)
    assert lines[3] == (
        f"#1 · {when(lang, START_UTC)} · {TITLE} ({t(lang, 'regular meeting')}) · "
        f"{t(lang, 'scheduled')}"
    )


async def test_calendar_is_an_ics_document(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    await schedule(w)
    await schedule(w, f"06/12/2026 19:30 {TITLE} 2")
    await w.say(w.secretary, "/cancel 2")
    await w.d.press(w.secretary, w.group, t("en", "❌ Yes, cancel the meeting"))
    calls = await w.say(w.secretary, "/calendar")
    (call,) = messages(calls, "sendDocument")
    upload = call.files["document"]
    assert upload.filename.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(upload.content)
    events = calendar.walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries[0] == TITLE and summaries[1].endswith(f"{TITLE} 2")
    assert events[0].decoded("DTSTART") == datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    assert str(events[1]["STATUS"]) == "CANCELLED"


async def test_a_running_bot_keeps_the_next_occurrences_of_the_rule_scheduled(bot: Bot) -> None:
    extend_series = bot.app.bot_data.services.reminders.extend_all_series
    w = await make_cell(bot, "vi")
    await w.reply_in_group(w.secretary, "/recurring ngày 5 hằng tháng 19:30")
    assert bot.app.job_queue is not None
    assert bot.app.job_queue.get_jobs_by_name("series:extend")
    # Nothing to add while three occurrences are ahead.
    assert await extend_series() == 0
    # The first is held; the periodic check adds the fourth month and arms its reminders.
    bot.clock.set(datetime(2026, 12, 6, 3, 0, tzinfo=UTC))
    assert await extend_series() == 1
    starts = [r[0] for r in await rows(bot, "SELECT starts_at FROM meetings ORDER BY starts_at")]
    assert starts[-1] == "2027-03-05T12:30:00+00:00"
    assert len(await reminder_ids(bot, 4)) == 3
    assert await extend_series() == 0


async def test_a_failed_group_notice_does_not_undo_or_deny_a_committed_move(bot: Bot) -> None:
    w = await make_cell(bot, "vi")
    await w.say(w.secretary, f"/schedule {START_LOCAL} {TITLE}")
    old_jobs = job_names(bot)
    # The secretary moves it from the private chat, and the bot can no longer post in the
    # group (removed without Telegram telling it yet).
    bot.fake.kicked_from.add(w.group.id)
    private = w.d.private_chat(w.secretary)
    calls = await w.d.send(w.secretary, private, "/move 1 06/12/2026 19:30")
    new_start = "2026-12-06T12:30:00+00:00"
    assert sent(calls, private.id)[0] == t(
        "vi", "Meeting #{id} moved to {when}.", id=1, when=when("vi", new_start)
    )
    assert not any(text.startswith("⚠️") for text in sent(calls, private.id))
    (meeting,) = await rows(bot, "SELECT starts_at, revision FROM meetings")
    assert tuple(meeting) == (new_start, 1)
    assert job_names(bot).isdisjoint(old_jobs)
    assert len(await reminder_ids(bot, 1)) == 3


async def test_changing_reminder_times_re_arms_coming_meetings(bot: Bot) -> None:
    w = await make_cell(bot, "vi")
    await w.say(w.secretary, f"/schedule {START_LOCAL} {TITLE}")
    calls = await w.say(w.secretary, "/reminders 48h 2h")
    assert sent(calls, w.group.id) == [
        t("vi", "Reminders for each meeting: {times}.", times="2 ngày và 2 giờ trước")
    ]

    async def by_offset() -> dict[int, tuple[int, str]]:
        found = await rows(bot, "SELECT id, offset_minutes, status FROM reminders")
        return {r["offset_minutes"]: (r["id"], r["status"]) for r in found}

    state = await by_offset()
    assert {o: s for o, (_, s) in state.items()} == {
        1440: "cancelled",
        60: "cancelled",
        0: "cancelled",
        2880: "pending",
        120: "pending",
    }
    assert job_names(bot) == {f"reminder:{state[o][0]}" for o in (2880, 120)}
    # Back to the default times: the earlier rows come back to life, the new ones go.
    await w.say(w.secretary, "/reminders 24h 1h 0")
    state = await by_offset()
    assert {o: s for o, (_, s) in state.items()} == {
        1440: "pending",
        60: "pending",
        0: "pending",
        2880: "cancelled",
        120: "cancelled",
    }
    assert job_names(bot) == {f"reminder:{state[o][0]}" for o in (1440, 60, 0)}
    # A meeting scheduled later gets the cell's times.
    await w.say(w.secretary, "/reminders 3h")
    await w.say(w.secretary, "/schedule 12/12/2026 19:30 Chuyên đề")
    (offsets,) = await rows(
        bot, "SELECT group_concat(offset_minutes) FROM reminders WHERE meeting_id = 2"
    )
    assert offsets[0] == "180"


async def test_a_move_from_the_private_chat_confirms_there_and_tells_the_group_once(
    bot: Bot,
) -> None:
    w = await make_cell(bot, "en")
    members = await add_members(w, "vi")
    await w.say(w.secretary, f"/schedule {START_LOCAL} {TITLE}")
    private = w.d.private_chat(w.secretary)
    calls = await w.d.send(w.secretary, private, "/move 1 06/12/2026 19:30")
    new_start = "2026-12-06T12:30:00+00:00"
    # The secretary (English) gets one confirmation in the private chat, not also the notice.
    assert sent(calls, private.id) == [
        t("en", "Meeting #{id} moved to {when}.", id=1, when=when("en", new_start))
    ]
    (group_notice,) = sent(calls, w.group.id)
    assert group_notice.startswith("📅")
    for member in members:
        assert len(sent(calls, member.id)) == 1
