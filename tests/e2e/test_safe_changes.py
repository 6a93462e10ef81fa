"""Safe changes to meetings (issue 10, items 5-9), on Telegram, in both languages: /link N
shows the link and a new room is an explicit choice, the calendar's SEQUENCE follows every
change, /recurring with the same rule changes nothing and a changed rule asks first and keeps
edited meetings, /cancel asks with the meeting and passes a reason on, /restore, an edited
/schedule amends its meeting, /meetings says how many more, meetings are numbered per cell.
The same on Zalo: tests/e2e/test_zalo_safe_changes.py."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import icalendar

from bot.rules.durations import format_offsets
from bot.rules.recurrence import parse_rule
from bot.services.notices import (
    AMENDED,
    CANCELLED,
    CANCELLED_WITH_REASON,
    LINK_CHANGED,
    RESTORED,
)
from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOTH_LANGUAGES,
    World,
    alerts,
    buttons,
    error,
    make_cell,
    sent,
    t,
)
from tests.e2e.meetings_support import (
    START_LOCAL,
    START_UTC,
    TITLE,
    add_members,
    job_names,
    messages,
    reminder_ids,
    rows,
    schedule,
    when,
)

MEET = "https://meet.google.com/abc-defg-hij"
REASON = "Trùng lịch họp Đảng ủy phường"
NEW_ROOM = "🔄 A new Jitsi room"
CANCEL_YES = "❌ Yes, cancel the meeting"
CANCEL_NO = "Keep the meeting"
RULE_YES = "✅ Apply the new rule"
RULE_NO = "Keep the former rule"
CANCEL_QUESTION = "Cancel this meeting? The group and the members will be told."
FIFTH = "ngày 5 hằng tháng 19:30"
TENTH = "ngày 10 hằng tháng 19:30"


async def meeting_rows(bot: Bot) -> list[tuple[object, ...]]:
    """Every meeting as stored, by id."""
    return [tuple(r) for r in await rows(bot, "SELECT * FROM meetings ORDER BY id")]


async def link_of(bot: Bot, number: int = 1) -> str | None:
    """The stored link of a meeting of the (only) cell."""
    (row,) = await rows(bot, "SELECT link FROM meetings WHERE number = ?", number)
    return row[0]


def line_of(lang: str, number: int, start: str, title: str, status: str = "scheduled") -> str:
    """A meeting's line in /meetings and in the bot's questions."""
    return (
        f"#{number} · {when(lang, start)} · {title} ({t(lang, 'regular meeting')}) · "
        f"{t(lang, status)}"
    )


# --- 5. /link -----------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_link_without_a_url_shows_it_and_a_new_room_is_an_explicit_choice(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    await schedule(w)
    private = w.private(w.secretary)
    calls = await w.d.send(w.secretary, private, f"/link 1 {MEET}")
    assert sent(calls, private.id) == [t(lang, "Link of meeting #{id}: {link}", id=1, link=MEET)]
    # The members are told of the changed link, each in their language; the group once.
    for member in members:
        assert sent(calls, member.id) == [
            t(
                lang,
                LINK_CHANGED,
                id=1,
                title=TITLE,
                when=when(lang, START_UTC),
                link=MEET,
            )
        ]
    (group_notice,) = sent(calls, w.group.id)
    assert group_notice.startswith("🔗") and MEET in group_notice

    # /link N without a URL only shows it, however often it is sent.
    for _ in range(2):
        calls = await w.d.send(w.secretary, private, "/link 1")
        (shown,) = sent(calls, private.id)
        assert shown.splitlines()[0] == t(lang, "Link of meeting #{id}: {link}", id=1, link=MEET)
        assert buttons(messages(calls)[-1]) == [t(lang, NEW_ROOM)]
        assert all(not sent(calls, m.id) for m in members) and not sent(calls, w.group.id)
        assert await link_of(bot) == MEET

    # The new room is the leader's explicit choice: the button, or /link N new (mới).
    calls = await w.d.press(w.secretary, private, t(lang, NEW_ROOM))
    room = await link_of(bot)
    assert room is not None and room.startswith("https://meet.jit.si/") and room != MEET
    assert sent(calls, private.id) == [t(lang, "Link of meeting #{id}: {link}", id=1, link=room)]
    for member in members:
        (told,) = sent(calls, member.id)
        assert room in told
    calls = await w.d.send(w.secretary, private, "/link 1 mới")
    again = await link_of(bot)
    assert again != room and again is not None and again.startswith("https://meet.jit.si/")
    # The same link twice: nothing changed, nobody is told.
    calls = await w.d.send(w.secretary, private, f"/link 1 {again}")
    assert all(not sent(calls, m.id) for m in members)
    # A cancelled meeting's link is only shown: no new room is offered.
    await w.d.send(w.secretary, private, "/cancel 1")
    await w.d.press(w.secretary, private, t(lang, "❌ Yes, cancel the meeting"))
    calls = await w.d.send(w.secretary, private, "/link 1")
    assert sent(calls, private.id) == [t(lang, "Link of meeting #{id}: {link}", id=1, link=again)]
    assert buttons(messages(calls)[-1]) == []


async def sequence_numbers(w: World) -> list[int]:
    """The SEQUENCE of each event in the /calendar file, by meeting."""
    calls = await w.say(w.secretary, "/calendar")
    (call,) = messages(calls, "sendDocument")
    calendar = icalendar.Calendar.from_ical(call.files["document"].content)
    return [int(str(e["SEQUENCE"])) for e in calendar.walk("VEVENT")]


@BOTH_LANGUAGES
async def test_the_calendar_sequence_grows_with_every_change_that_matters(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    update = w.d.message_update(w.secretary, w.group, f"/schedule {START_LOCAL} {TITLE}")
    await w.d.deliver(update)
    (uid,) = [
        str(e["UID"])
        for e in icalendar.Calendar.from_ical(
            messages(await w.say(w.secretary, "/calendar"), "sendDocument")[0]
            .files["document"]
            .content
        ).walk("VEVENT")
    ]
    seen = [await sequence_numbers(w)]
    await w.say(w.secretary, f"/link 1 {MEET}")
    seen.append(await sequence_numbers(w))
    await w.say(w.secretary, "/move 1 06/12/2026 19:30")
    seen.append(await sequence_numbers(w))
    edited = copy.deepcopy(update["message"])
    edited["text"] = f"/schedule 06/12/2026 19:30 {TITLE} (bổ sung)"
    edited["edit_date"] = edited["date"] + 60
    await w.d.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    seen.append(await sequence_numbers(w))
    await w.say(w.secretary, "/cancel 1")
    await w.d.press(w.secretary, w.group, t(lang, CANCEL_YES))
    seen.append(await sequence_numbers(w))
    await w.say(w.secretary, "/restore 1")
    seen.append(await sequence_numbers(w))
    await w.say(w.secretary, "/agenda 1 add Phát biểu của đảng viên mới")
    seen.append(await sequence_numbers(w))
    assert seen == [[0], [1], [2], [3], [4], [5], [6]]
    # The UID stays: a phone calendar replaces its copy instead of adding one.
    calls = await w.say(w.secretary, "/calendar")
    calendar = icalendar.Calendar.from_ical(
        messages(calls, "sendDocument")[0].files["document"].content
    )
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [uid]


# --- 6. /recurring and /reminders ---------------------------------------------------------------


@BOTH_LANGUAGES
async def test_the_same_rule_again_changes_nothing_and_without_a_rule_it_is_shown(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    none_yet = await w.reply_in_group(w.secretary, "/recurring")
    assert none_yet == t(
        lang,
        "There is no rule for the regular meeting yet. Set one: /recurring {example}",
        example=FIFTH,
    )
    await w.say(w.secretary, f"/recurring {FIFTH}")
    before = await meeting_rows(bot)
    jobs = job_names(bot)
    for _ in range(3):
        text = await w.reply_in_group(w.secretary, f"/recurring {FIFTH}")
        assert text.splitlines()[0] == t(
            lang,
            "The regular meeting already follows this rule: {rule}. Nothing was changed.",
            rule=parse_rule(FIFTH).describe(lang),
        )
    assert await meeting_rows(bot) == before and job_names(bot) == jobs
    assert [r[0] for r in await rows(bot, "SELECT count(*) FROM meeting_series")] == [1]
    shown = (await w.reply_in_group(w.secretary, "/recurring")).splitlines()
    assert shown[0] == t(
        lang, "Regular meeting: {rule}. Coming meetings:", rule=parse_rule(FIFTH).describe(lang)
    )
    assert [line.split(" · ")[0] for line in shown[1:4]] == ["#1", "#2", "#3"]
    # /reminders without times shows them, and changes nothing.
    await w.say(w.secretary, "/reminders 48h 2h 0")
    offsets = await w.reply_in_group(w.secretary, "/reminders")
    assert offsets.splitlines()[0] == t(
        lang,
        "Reminders for each meeting: {times}.",
        times=format_offsets((2880, 120, 0), lang),
    )
    assert (await rows(bot, "SELECT reminder_offsets FROM cells"))[0][0] == "2880,120,0"


@BOTH_LANGUAGES
async def test_a_changed_rule_lists_what_it_cancels_asks_and_keeps_edited_meetings(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    await w.say(w.secretary, f"/recurring {FIFTH}")  # #1 05/12, #2 05/01, #3 05/02
    await w.say(w.secretary, "/agenda 2 add Kết nạp đảng viên mới")
    before = await meeting_rows(bot)
    asked = (await w.reply_in_group(w.secretary, f"/recurring {TENTH}")).splitlines()
    assert asked[0] == t(
        lang,
        "New rule: {rule}. It cancels these coming meetings of the former rule:",
        rule=parse_rule(TENTH).describe(lang),
    )
    assert asked[1] == line_of(
        lang, 1, "2026-12-05T12:30:00+00:00", t(lang, "Regular cell meeting")
    )
    assert asked[2] == line_of(
        lang, 3, "2027-02-05T12:30:00+00:00", t(lang, "Regular cell meeting")
    )
    assert not any(line.startswith("#2 ") for line in asked)
    assert await meeting_rows(bot) == before  # nothing yet

    calls = await w.d.press(w.secretary, w.group, t(lang, RULE_NO))
    assert sent(calls, w.group.id) == [t(lang, "Nothing was changed.")]
    assert await meeting_rows(bot) == before

    question = messages(await w.say(w.secretary, f"/recurring {TENTH}"))[-1]
    calls = await w.d.press(w.secretary, w.group, t(lang, RULE_YES))
    done, *notices = sent(calls, w.group.id)
    assert t(lang, "Cancelled: {numbers}.", numbers="#1, #3") in done
    # The group and the members are told of each meeting the new rule cancelled.
    title = t(lang, "Regular cell meeting")
    for number, start in ((1, "2026-12-05T12:30:00+00:00"), (3, "2027-02-05T12:30:00+00:00")):
        assert t(lang, CANCELLED, id=number, title=title, when=when(lang, start)) in notices
        for member in members:
            told = t(lang, CANCELLED, id=number, title=title, when=when(lang, start))
            assert told in sent(calls, member.id)
    found = {
        r["number"]: (r["starts_at"], r["status"])
        for r in await rows(bot, "SELECT number, starts_at, status FROM meetings")
    }
    assert found == {
        1: ("2026-12-05T12:30:00+00:00", "cancelled"),
        2: ("2027-01-05T12:30:00+00:00", "scheduled"),  # its own agenda: kept
        3: ("2027-02-05T12:30:00+00:00", "cancelled"),
        4: ("2026-12-10T12:30:00+00:00", "scheduled"),
        5: ("2027-01-10T12:30:00+00:00", "scheduled"),
        6: ("2027-02-10T12:30:00+00:00", "scheduled"),
    }
    agenda = await rows(
        bot,
        "SELECT item FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id"
        " WHERE m.number = 2 ORDER BY position DESC LIMIT 1",
    )
    assert "Kết nạp đảng viên mới" in agenda[0][0]
    # The yes works once (a second press, e.g. a double tap, finds it used).
    yes = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    again = await w.d.press_data(
        w.secretary, w.group, yes, question.response["result"]["message_id"]
    )
    assert alerts(again) == ["⚠️ " + t(lang, "This button is no longer valid.")]
    assert len(await meeting_rows(bot)) == 6


@BOTH_LANGUAGES
async def test_a_changed_rule_keeps_the_occurrences_it_also_has_under_their_numbers(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    await w.say(w.secretary, f"/recurring {FIFTH}")
    (first,) = await rows(bot, "SELECT id FROM meetings WHERE number = 1")
    # 05/12/2026 is the first Saturday of December: that meeting stays as it is.
    asked = await w.reply_in_group(w.secretary, "/recurring thứ bảy đầu tiên 19:30")
    assert [line.split(" · ")[0] for line in asked.splitlines()[1:3]] == ["#2", "#3"]
    await w.d.press(w.secretary, w.group, t(lang, RULE_YES))
    found = {
        r["number"]: (r["id"], r["starts_at"], r["status"])
        for r in await rows(bot, "SELECT id, number, starts_at, status FROM meetings")
    }
    assert found[1] == (first[0], "2026-12-05T12:30:00+00:00", "scheduled")
    assert found[4][1:] == ("2027-01-02T12:30:00+00:00", "scheduled")
    assert len(found) == 5  # no duplicate of 05/12
    assert len(await reminder_ids(bot, first[0])) == 3


# --- 7. /cancel and /restore --------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_cancel_shows_the_meeting_asks_and_passes_the_reason_on(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    await schedule(w)
    private = w.private(w.secretary)
    jobs = job_names(bot)
    calls = await w.d.send(w.secretary, private, f"/cancel 1 {REASON}")
    (asked,) = sent(calls, private.id)
    assert asked.splitlines() == [
        line_of(lang, 1, START_UTC, TITLE),
        t(lang, "Reason: {reason}", reason=REASON),
        "",
        t(lang, CANCEL_QUESTION),
    ]
    assert buttons(messages(calls)[-1]) == [t(lang, CANCEL_YES), t(lang, CANCEL_NO)]
    assert not sent(calls, w.group.id) and all(not sent(calls, m.id) for m in members)

    calls = await w.d.press(w.secretary, private, t(lang, CANCEL_NO))
    assert sent(calls, private.id) == [t(lang, "Nothing was changed.")]
    assert (await rows(bot, "SELECT status FROM meetings"))[0][0] == "scheduled"
    assert job_names(bot) == jobs

    await w.d.send(w.secretary, private, f"/cancel 1 {REASON}")
    calls = await w.d.press(w.secretary, private, t(lang, CANCEL_YES))
    assert sent(calls, private.id) == [t(lang, "Meeting #{id} cancelled.", id=1)]
    params = {"id": 1, "title": TITLE, "reason": REASON}
    assert sent(calls, w.group.id) == [
        t(lang, CANCELLED_WITH_REASON, when=when(lang, START_UTC), **params)
    ]
    for member in members:
        assert sent(calls, member.id) == [
            t(lang, CANCELLED_WITH_REASON, when=when(lang, START_UTC), **params)
        ]
    assert (await rows(bot, "SELECT status FROM meetings"))[0][0] == "cancelled"
    assert job_names(bot) == set()


@BOTH_LANGUAGES
async def test_a_cancelled_meeting_is_restored_while_it_is_still_ahead(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    await schedule(w)
    private = w.private(w.secretary)
    not_cancelled = await w.d.send(w.secretary, private, "/restore 1")
    assert sent(not_cancelled, private.id) == [
        error(lang, "Only a cancelled meeting can be restored.")
    ]
    await w.d.send(w.secretary, private, "/cancel 1")
    await w.d.press(w.secretary, private, t(lang, CANCEL_YES))
    assert job_names(bot) == set()
    # /meetings keeps showing it while it is ahead: its number is there to restore it.
    (listed,) = sent(await w.d.send(w.secretary, private, "/meetings"), private.id)
    assert line_of(lang, 1, START_UTC, TITLE, "cancelled") in listed.splitlines()

    calls = await w.d.send(w.secretary, private, "/restore 1")
    assert sent(calls, private.id) == [
        t(
            lang,
            "Meeting #{id} restored: {title}, {when}. Reminders will be sent before it.",
            id=1,
            title=TITLE,
            when=when(lang, START_UTC),
        )
    ]
    for member in members:
        assert sent(calls, member.id) == [
            t(lang, RESTORED, id=1, title=TITLE, when=when(lang, START_UTC))
        ]
    assert (await rows(bot, "SELECT status FROM meetings"))[0][0] == "scheduled"
    (meeting_id,) = (await rows(bot, "SELECT id FROM meetings"))[0]
    assert len(await reminder_ids(bot, meeting_id)) == 3
    assert len(job_names(bot)) == 3

    # Once its time has come, a cancelled meeting stays cancelled.
    await w.d.send(w.secretary, private, "/cancel 1")
    await w.d.press(w.secretary, private, t(lang, CANCEL_YES))
    bot.clock.set(datetime(2026, 12, 5, 13, 0, tzinfo=UTC))
    calls = await w.d.send(w.secretary, private, "/restore 1")
    assert sent(calls, private.id) == [
        error(lang, "This meeting's time has passed: schedule a new one.")
    ]
    assert (await rows(bot, "SELECT status FROM meetings"))[0][0] == "cancelled"


# --- 8. an edited /schedule ---------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_an_edited_schedule_message_amends_the_meeting_it_made(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    update = w.d.message_update(w.secretary, w.group, f"/schedule {START_LOCAL} {TITLE}")
    await w.d.deliver(update)
    old_jobs = job_names(bot)
    edited = copy.deepcopy(update["message"])
    new_title = f"{TITLE} (bổ sung)"
    edited["text"] = f"/schedule 06/12/2026 20:00 {new_title}"
    edited["edit_date"] = edited["date"] + 60
    calls = await w.d.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    new_start = "2026-12-06T13:00:00+00:00"
    found = [tuple(r) for r in await rows(bot, "SELECT number, starts_at, title FROM meetings")]
    assert found == [(1, new_start, new_title)]
    # Given in the group: the group is told once, in the cell's language (no second answer).
    assert sent(calls, w.group.id) == [
        t(lang, AMENDED, id=1, title=new_title, when=when(lang, new_start))
    ]
    for member in members:
        assert sent(calls, member.id) == [
            t(lang, AMENDED, id=1, title=new_title, when=when(lang, new_start))
        ]
    (meeting_id,) = (await rows(bot, "SELECT id FROM meetings"))[0]
    assert len(await reminder_ids(bot, meeting_id)) == 3
    assert job_names(bot).isdisjoint(old_jobs)

    # Edited in a private chat: the secretary is answered there.
    private = w.private(w.secretary)
    update = w.d.message_update(w.secretary, private, f"/schedule 12/12/2026 19:30 {TITLE}")
    await w.d.deliver(update)
    edited = copy.deepcopy(update["message"])
    edited["text"] = f"/schedule 12/12/2026 19:30 {TITLE} (2)"
    edited["edit_date"] = edited["date"] + 60
    calls = await w.d.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    assert sent(calls, private.id) == [
        t(
            lang,
            "Meeting #{id} amended: {title}, {when}.",
            id=2,
            title=f"{TITLE} (2)",
            when=when(lang, "2026-12-12T12:30:00+00:00"),
        )
    ]
    assert [r[0] for r in await rows(bot, "SELECT count(*) FROM meetings")] == [2]


# --- 9. /meetings and numbers per cell ----------------------------------------------------------


@BOTH_LANGUAGES
async def test_meetings_says_how_many_more_there_are_and_shows_them_all(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    for day in range(1, 13):
        await schedule(w, f"{day + 1:02d}/12/2026 19:30 Họp {day}")
    lines = (await w.reply_in_group(w.secretary, "/meetings")).splitlines()
    numbered = [line for line in lines if line.startswith("#")]
    assert [line.split(" · ")[0] for line in numbered] == [f"#{n}" for n in range(1, 11)]
    assert t(lang, "…and {n} more: send /meetings all to see every one.", n=2) in lines
    every = (await w.reply_in_group(w.secretary, "/meetings all")).splitlines()
    assert [line.split(" · ")[0] for line in every if line.startswith("#")] == [
        f"#{n}" for n in range(1, 13)
    ]
    assert not any("…" in line for line in every)
    bad = await w.reply_in_group(w.secretary, "/meetings 3")
    assert bad == error(lang, "Send /meetings, or /meetings all to see every meeting.")


@BOTH_LANGUAGES
async def test_meetings_are_numbered_per_cell_and_the_calendar_uid_stays_internal(
    bot: Bot, lang: str
) -> None:
    a = await make_cell(bot, lang)
    b = await make_cell(bot, lang, secretary=a.secretary, group_id=-1002, name="Chi bộ 2")
    await schedule(a)
    await schedule(a, f"06/12/2026 19:30 {TITLE} A2")
    await schedule(b, "07/12/2026 19:30 Họp chi bộ 2")
    assert [tuple(r) for r in await rows(bot, "SELECT id, number FROM meetings")] == [
        (1, 1),
        (2, 2),
        (3, 1),
    ]
    # The second cell's first meeting is #1 there, in every text and command.
    shown = await b.reply_in_group(b.secretary, "/meeting 1")
    assert shown.startswith("#1 · ") and "Họp chi bộ 2" in shown
    assert (await a.reply_in_group(a.secretary, "/meeting 1")).startswith(
        f"#1 · {when(lang, START_UTC)} · {TITLE}"
    )
    asked = await b.reply_in_group(b.secretary, "/cancel 1")
    assert asked.startswith("#1 · ") and "Họp chi bộ 2" in asked
    calendar = icalendar.Calendar.from_ical(
        messages(await b.say(b.secretary, "/calendar"), "sendDocument")[0]
        .files["document"]
        .content
    )
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == ["meeting-3@cellmeet"]
    # In private, a number is one of the caller's cells': one that only A has is A's; one
    # both have needs the group.
    private = a.private(a.secretary)
    only_a = sent(await a.d.send(a.secretary, private, "/meeting 2"), private.id)
    assert only_a[0].startswith("#2 · ") and f"{TITLE} A2" in only_a[0]
    both = sent(await a.d.send(a.secretary, private, "/meeting 1"), private.id)
    assert both == [
        error(lang, "You belong to several cells: use this command in the cell's group.")
    ]


@BOTH_LANGUAGES
async def test_help_and_the_command_menus_name_restore_for_leaders_only(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    members = await add_members(w, lang)
    line = f"/restore {t(lang, 'N')} — {t(lang, 'restore a cancelled meeting that has not begun')}"
    assert line in (await w.reply_in_private(w.secretary, "/help")).splitlines()
    assert "/restore" not in await w.reply_in_private(members[0], "/help")
    menus = [c for c in bot.fake.calls if c.method == "setMyCommands"]
    assert menus and any(
        any(command["command"] == "restore" for command in c["commands"]) for c in menus
    )
