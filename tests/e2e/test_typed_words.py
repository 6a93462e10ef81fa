"""The words people type: dates and times as Vietnamese secretaries write them, durations,
reminder times echoed back in words, and /agenda with Vietnamese verbs, through the bot.

NOW is Saturday 21/11/2026, 21:00 in Hanoi."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.rules import dates, durations
from bot.rules.agenda import NOT_A_NUMBER, UNKNOWN_EDIT, AgendaItem
from bot.rules.recurrence import RecurrenceRule
from tests.conftest import Bot
from tests.e2e.cells_support import BOTH_LANGUAGES, make_cell, t
from tests.e2e.db import rows
from tests.e2e.meetings_support import START_LOCAL, START_UTC, TITLE, TZ, messages, when
from tests.e2e.zalo_support import SECRETARY, ZALO_TOKEN, ZaloWorld, running, zalo_only_cell
from tests.harness.zalo_server import FakeZalo

SCHEDULED = "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it."
# The right form shown with a refusal of /schedule: a week from now.
SCHEDULE_FORM = "/schedule 28/11/2026 19:30 Sinh hoạt chi bộ"


def utc(local: str) -> str:
    """The stored UTC form of a wall-clock time in Hanoi ("dd/mm/yyyy HH:MM")."""
    moment = datetime.strptime(local, "%d/%m/%Y %H:%M").replace(tzinfo=TZ)
    return moment.astimezone(datetime.fromisoformat(START_UTC).tzinfo).isoformat()


TYPED = [
    ("mai 19h", "22/11/2026 19:00"),
    ("thứ 5 tuần sau 8h tối", "26/11/2026 20:00"),
    ("thu 5 tuan sau 8h toi", "26/11/2026 20:00"),
    ("16/12/2026 19 giờ 30", "16/12/2026 19:30"),
    ("27.12.2026 19.30", "27/12/2026 19:30"),
    ("05/12/2026 19:30", "05/12/2026 19:30"),
    ("07/12 19h30", "07/12/2026 19:30"),
    ("tomorrow 7pm", "22/11/2026 19:00"),
    ("next thursday 20:00", "26/11/2026 20:00"),
]


@BOTH_LANGUAGES
@pytest.mark.parametrize(("typed", "local"), TYPED)
async def test_schedule_reads_dates_as_people_type_them(
    bot: Bot, lang: str, typed: str, local: str
) -> None:
    w = await make_cell(bot, lang)
    text = await w.reply_in_private(w.secretary, f"/schedule {typed} {TITLE}")
    start = utc(local)
    kind = t(lang, "regular meeting")
    assert text == t(lang, SCHEDULED, id=1, kind=kind, title=TITLE, when=when(lang, start))
    (meeting,) = await rows(bot, "SELECT starts_at, title FROM meetings")
    assert tuple(meeting) == (start, TITLE)


@BOTH_LANGUAGES
async def test_move_to_another_hour_of_the_same_day_or_another_day_at_the_same_hour(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    await w.reply_in_private(w.secretary, f"/schedule {START_LOCAL} {TITLE}")
    text = await w.reply_in_private(w.secretary, "/move 1 21:30")
    moved = utc("05/12/2026 21:30")
    assert text == t(lang, "Meeting #{id} moved to {when}.", id=1, when=when(lang, moved))
    text = await w.reply_in_private(w.secretary, "/move 1 thứ 5 tuần sau")
    moved = utc("26/11/2026 21:30")
    assert text == t(lang, "Meeting #{id} moved to {when}.", id=1, when=when(lang, moved))
    (meeting,) = await rows(bot, "SELECT starts_at FROM meetings")
    assert meeting[0] == moved


@BOTH_LANGUAGES
@pytest.mark.parametrize(
    ("typed", "message", "params"),
    [
        ("16/12/2026 19 Họp", dates.NOT_A_TIME, {"word": "19"}),
        ("mai 25h Họp", dates.NO_SUCH_TIME, {"time": "25h"}),
        ("mai 19:61 Họp", dates.NO_SUCH_TIME, {"time": "19:61"}),
        ("31/02/2027 19h Họp", dates.NO_SUCH_DAY, {"date": "31/02/2027"}),
        (
            "thứ 5, 05/12/2026 19:30 Họp",
            dates.WRONG_WEEKDAY,
            {"date": "05/12/2026", "weekday": "thứ 5"},
        ),
        ("sáng mai 20h Họp", dates.PERIOD_MISMATCH, {"time": "20:00", "period": "sáng"}),
        ("19h30 Họp", dates.MISSING_DATE, {}),
        ("mai Họp", dates.MISSING_TIME, {}),
        ("Họp chi bộ", dates.UNREADABLE_WHEN, {}),
    ],
)
async def test_a_refused_date_says_what_is_wrong_and_shows_the_right_form(
    bot: Bot, lang: str, typed: str, message: str, params: dict[str, str]
) -> None:
    w = await make_cell(bot, lang)
    text = await w.reply_in_private(w.secretary, f"/schedule {typed}")
    assert text == w.error(message, example=SCHEDULE_FORM, **params)
    assert await rows(bot, "SELECT id FROM meetings") == []


@BOTH_LANGUAGES
async def test_a_typed_duration_in_the_guided_dialog_is_echoed_in_words(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    chat = w.private(w.secretary)
    await w.d.send(w.secretary, chat, "/schedule")
    await w.d.press(w.secretary, chat, t(lang, "regular meeting"))
    await w.d.send(w.secretary, chat, f"mai 19h {TITLE}")
    calls = await w.d.send(w.secretary, chat, "2 tiếng")
    await w.d.press(w.secretary, chat, t(lang, "No link for now"))
    calls = await w.d.press(
        w.secretary, chat, t(lang, "Agenda for the {kind}", kind=t(lang, "regular meeting"))
    )
    summary = messages(calls)[-1]["text"]
    assert t(lang, "Duration: {duration}", duration=t(lang, "{n} hours", n=2)) in summary
    await w.d.press(w.secretary, chat, t(lang, "✅ Schedule"))
    (meeting,) = await rows(bot, "SELECT starts_at, duration_minutes FROM meetings")
    assert tuple(meeting) == (utc("22/11/2026 19:00"), 120)
    details = await w.reply_in_private(w.secretary, "/meeting 1")
    assert t(lang, "Duration: {duration}", duration=t(lang, "{n} hours", n=2)) in details


@BOTH_LANGUAGES
async def test_a_refused_duration_names_what_was_typed(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    chat = w.private(w.secretary)
    await w.d.send(w.secretary, chat, "/schedule")
    await w.d.press(w.secretary, chat, t(lang, "regular meeting"))
    await w.d.send(w.secretary, chat, f"mai 19h {TITLE}")
    calls = await w.d.send(w.secretary, chat, "hai tiếng")
    assert messages(calls)[0]["text"] == w.error(
        durations.NOT_A_DURATION, example="1h30", word="hai"
    )
    calls = await w.d.send(w.secretary, chat, "90 phút")
    assert messages(calls)[-1]["text"] == t(
        lang, "Video link? Reply with a https:// link, or choose:"
    )


REMINDER_TIMES = [
    ("1 ngày, 1 giờ, 15 phút", "1440,60,15", {"vi": "1 ngày, 1 giờ và 15 phút trước"}),
    ("1d 1h 15m", "1440,60,15", {"en": "1 day, 1 hour and 15 minutes before"}),
    ("15p", "15", {"vi": "15 phút trước", "en": "15 minutes before"}),
    ("2 tiếng và 0", "120,0", {"vi": "2 giờ trước và lúc bắt đầu họp"}),
    ("24h 1h 0", "1440,60,0", {"en": "1 day and 1 hour before, and at the start"}),
]


@BOTH_LANGUAGES
@pytest.mark.parametrize(("typed", "stored", "shown"), REMINDER_TIMES)
async def test_reminder_times_are_read_in_words_and_echoed_in_words(
    bot: Bot, lang: str, typed: str, stored: str, shown: dict[str, str]
) -> None:
    w = await make_cell(bot, lang)
    await w.reply_in_private(w.secretary, f"/schedule {START_LOCAL} {TITLE}")
    text = await w.reply_in_private(w.secretary, f"/reminders {typed}")
    times = durations.format_offsets(tuple(int(o) for o in stored.split(",")), lang)
    if lang in shown:
        assert times == shown[lang]
    assert text == t(lang, "Reminders for each meeting: {times}.", times=times)
    (cell,) = await rows(bot, "SELECT reminder_offsets FROM cells")
    assert cell[0] == stored
    pending = await rows(
        bot, "SELECT offset_minutes FROM reminders WHERE status = 'pending' ORDER BY 1 DESC"
    )
    assert ",".join(str(r[0]) for r in pending) == stored


@BOTH_LANGUAGES
async def test_a_refused_reminder_time_names_it(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    text = await w.reply_in_private(w.secretary, "/reminders 1 ngày, 1 tuần")
    assert text == w.error(durations.NOT_AN_OFFSET, example="/reminders 24h 1h 0", word="tuần")
    text = await w.reply_in_private(w.secretary, "/reminders 15 ngày")
    assert text == w.error(
        durations.OFFSET_TOO_EARLY, example="/reminders 24h 1h 0", word="15 ngày"
    )
    assert (await rows(bot, "SELECT reminder_offsets FROM cells"))[0][0] is None


async def agenda_texts(bot: Bot) -> list[str]:
    """The agenda of meeting 1 as the Vietnamese reader sees it."""
    found = await rows(bot, "SELECT item FROM agenda_items WHERE meeting_id = 1 ORDER BY position")
    return [AgendaItem.from_text(r[0]).render("vi") for r in found]


@BOTH_LANGUAGES
async def test_agenda_takes_vietnamese_verbs_and_move_k_to_p(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    await w.reply_in_private(w.secretary, f"/schedule {START_LOCAL} {TITLE}")
    standard = await agenda_texts(bot)
    await w.reply_in_private(w.secretary, "/agenda 1 thêm Phát biểu của đảng viên mới")
    assert await agenda_texts(bot) == [*standard, "Phát biểu của đảng viên mới"]
    new = len(standard) + 1
    text = await w.reply_in_private(w.secretary, f"/agenda 1 chuyển {new} đến 1")
    assert text.splitlines()[0] == t(lang, "Agenda of meeting #{id}:", id=1)
    assert await agenda_texts(bot) == ["Phát biểu của đảng viên mới", *standard]
    await w.reply_in_private(w.secretary, "/agenda 1 move 1 to 3")
    assert (await agenda_texts(bot))[2] == "Phát biểu của đảng viên mới"
    await w.reply_in_private(w.secretary, "/agenda 1 sửa 3 Phát biểu của đồng chí Minh")
    assert (await agenda_texts(bot))[2] == "Phát biểu của đồng chí Minh"
    await w.reply_in_private(w.secretary, "/agenda 1 xoá 3")
    await w.reply_in_private(w.secretary, "/agenda 1 Xóa 1")
    await w.reply_in_private(w.secretary, "/agenda 1 sua 1 Khai mạc")
    assert await agenda_texts(bot) == ["Khai mạc", *standard[2:]]
    text = await w.reply_in_private(w.secretary, "/agenda 1 bỏ 1")
    assert text == w.error(UNKNOWN_EDIT, example="/agenda 12 add Phát biểu của đảng viên mới")
    text = await w.reply_in_private(w.secretary, "/agenda 1 chuyển một đến 2")
    assert text == w.error(
        NOT_A_NUMBER, example="/agenda 12 add Phát biểu của đảng viên mới", word="một"
    )
    assert len(await agenda_texts(bot)) == len(standard) - 1


async def test_zalo_reads_the_same_words(tmp_path: Path) -> None:
    async for world in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        await zalo_only_cell(world)
        await check_zalo(world)


async def check_zalo(world: ZaloWorld) -> None:
    await world.said(SECRETARY, f"/schedule thu 5 tuan sau 8h toi {TITLE}")
    (row,) = await rows(world.bot, "SELECT id, starts_at FROM meetings")
    assert row["starts_at"] == utc("26/11/2026 20:00")
    moved = await world.says(SECRETARY, f"/move {row['id']} 21:30")
    assert moved[-1] == t(
        "vi",
        "Meeting #{id} moved to {when}.",
        id=row["id"],
        when=when("vi", utc("26/11/2026 21:30")),
    )
    assert await world.said(SECRETARY, "/reminders 1 ngày, 1 giờ, 15 phút") == t(
        "vi", "Reminders for each meeting: {times}.", times="1 ngày, 1 giờ và 15 phút trước"
    )
    agenda = await world.said(SECRETARY, f"/agenda {row['id']} thêm Phát biểu")
    assert agenda.endswith(". Phát biểu")


@BOTH_LANGUAGES
async def test_recurring_reads_times_written_in_words(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    text = await w.reply_in_private(w.secretary, "/recurring thứ 7 đầu tiên 7 giờ rưỡi tối")
    rule = RecurrenceRule.monthly_weekday(1, 5, 19, 30)
    assert text.splitlines()[0] == t(
        lang, "Regular meeting: {rule}. Coming meetings:", rule=rule.describe(lang)
    )
    starts = [r[0] for r in await rows(bot, "SELECT starts_at FROM meetings ORDER BY starts_at")]
    assert starts[0] == utc("05/12/2026 19:30")
