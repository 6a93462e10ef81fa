"""The guided /schedule dialog on Zalo, through the real client and the fake platform: the
same steps as Telegram's buttons, its choices numbered, the date, title and link typed; each
question's numbers close when it is answered and expire with the dialog; abandoning it
schedules nothing."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.dialogs import DIALOG_TTL
from bot.rules.agenda import default_agenda
from bot.rules.durations import format_duration
from tests.e2e.cells_support import t
from tests.e2e.db import rows
from tests.e2e.meetings_support import START_UTC
from tests.e2e.zalo_support import BA, SECRETARY, ZALO_TOKEN, ZaloWorld, running, zalo_only_cell
from tests.harness.zalo_server import FakeZalo

TITLE = "Học tập nghị quyết Trung ương"
NO_CHOICE = "There is no open choice with that number. Send /help to see what you can do."


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async for w in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        await zalo_only_cell(w)
        yield w


def number_of(answer: str, label: str) -> str:
    """The number the bot put before a choice's label."""
    found = re.search(rf"^(\d+)\. {re.escape(label)}$", answer, re.MULTILINE)
    assert found is not None, (label, answer)
    return found[1]


async def meetings(world: ZaloWorld) -> list[dict[str, object]]:
    found = await rows(
        world.bot, "SELECT id, type, title, starts_at, duration_minutes, link FROM meetings"
    )
    return [dict(r) for r in found]


async def open_choices(world: ZaloWorld) -> int:
    (row,) = await rows(world.bot, "SELECT COUNT(*) AS n FROM zalo_choices")
    return int(row["n"])


async def test_a_secretary_schedules_a_meeting_step_by_step_in_vietnamese(
    world: ZaloWorld,
) -> None:
    def vi(msgid: str, **params: object) -> str:
        return t("vi", msgid, **params)

    first = await world.said(SECRETARY, "/schedule")
    assert first.startswith(vi("New meeting. What kind of meeting?") + "\n\n1. ")
    assert first.endswith(vi("Reply with the number of your choice."))
    assert "[" not in first and "callback" not in first  # a text, no keyboard
    kind = number_of(first, vi("regular meeting"))

    when = await world.said(SECRETARY, kind)
    assert when == vi("Date and time? Reply with dd/mm/yyyy HH:MM, e.g. 05/12/2026 19:30.")
    # A wrong date leaves the question open.
    wrong = await world.said(SECRETARY, "31/02/2026 19:30")
    assert wrong.startswith("⚠️ ")
    # The kind's number closed when it was answered.
    assert await world.said(SECRETARY, kind) != when
    duration = await world.said(SECRETARY, "05/12/2026 19:30")
    assert duration.startswith(vi("How long? Choose, or reply with minutes or hours (90, 1h30):"))
    number_of(duration, vi("{minutes} min", minutes=120))
    # "90" is no open choice's number: it is the typed duration.
    title = await world.said(SECRETARY, "90")
    assert title.startswith(vi("Title? Reply with the title, or use the standard one:"))
    link = await world.said(SECRETARY, TITLE)
    assert link.startswith(vi("Video link? Reply with a https:// link, or choose:"))
    agenda = await world.said(SECRETARY, number_of(link, vi("Generate a Jitsi link")))
    assert agenda.startswith(vi("Which agenda template?"))
    # A choice-only question wants a number.
    assert await world.said(SECRETARY, "định kỳ") == "⚠️ " + vi(
        "Reply with the number of your choice."
    )
    template = vi("Agenda for the {kind}", kind=vi("regular meeting"))
    summary = await world.said(SECRETARY, number_of(agenda, template))
    assert vi("Title: {title}", title=TITLE) in summary
    assert vi("Duration: {duration}", duration=format_duration(90, "vi")) in summary
    assert vi("Link: a new Jitsi room") in summary
    assert await meetings(world) == []

    before = len(world.platform.texts_to(BA))
    done = await world.says(SECRETARY, number_of(summary, vi("✅ Schedule")))
    (meeting,) = await meetings(world)
    assert (meeting["type"], meeting["title"], meeting["duration_minutes"]) == (
        "regular",
        TITLE,
        90,
    )
    assert meeting["starts_at"] == START_UTC
    assert str(meeting["link"]).startswith("https://meet.jit.si/")
    head = vi(
        "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
        id=meeting["id"],
        kind=vi("regular meeting"),
        title=TITLE,
        when="\0",
    ).split("\0")[0]
    assert done[-1].startswith(head), done
    items = await rows(world.bot, "SELECT item FROM agenda_items WHERE meeting_id = ?", 1)
    assert len(items) == len(default_agenda("regular"))
    # Ba, in a cell with no group, is told privately.
    assert any(TITLE in text for text in world.platform.texts_to(BA)[before:])
    # Nothing of the dialog is left open: a stray number is no answer.
    assert await open_choices(world) == 0
    assert await world.said(SECRETARY, "1") == vi(NO_CHOICE)
    assert len(await meetings(world)) == 1


async def test_the_dialog_in_english_with_the_title_given_with_the_date(
    world: ZaloWorld,
) -> None:
    def en(msgid: str, **params: object) -> str:
        return t("en", msgid, **params)

    assert await world.said(SECRETARY, "/lang en") == "Language: English."
    first = await world.said(SECRETARY, "/schedule")
    assert first.startswith(en("New meeting. What kind of meeting?"))
    await world.said(SECRETARY, number_of(first, en("thematic meeting")))
    duration = await world.said(SECRETARY, f"05/12/2026 19:30 {TITLE}")
    # The title came with the date: the title question is skipped.
    link = await world.said(SECRETARY, number_of(duration, en("{minutes} min", minutes=120)))
    assert link.startswith(en("Video link? Reply with a https:// link, or choose:"))
    agenda = await world.said(SECRETARY, "https://meet.jit.si/ChiBoZaloChuyenDe")
    summary = await world.said(
        SECRETARY, number_of(agenda, en("No agenda yet (add items with /agenda)"))
    )
    assert en("Link: {link}", link="https://meet.jit.si/ChiBoZaloChuyenDe") in summary
    done = await world.says(SECRETARY, number_of(summary, en("✅ Schedule")))
    assert done[-1].startswith("Meeting #1 (thematic meeting) scheduled: "), done
    (meeting,) = await meetings(world)
    assert meeting == {
        "id": 1,
        "type": "thematic",
        "title": TITLE,
        "starts_at": START_UTC,
        "duration_minutes": 120,
        "link": "https://meet.jit.si/ChiBoZaloChuyenDe",
    }
    assert await rows(world.bot, "SELECT item FROM agenda_items") == []


async def test_a_member_cannot_open_the_dialog(world: ZaloWorld) -> None:
    refused = await world.said(BA, "/schedule")
    assert refused == "⚠️ " + t(
        "vi", "Only the secretary or deputy secretary of this cell can do this."
    )
    assert await rows(world.bot, "SELECT * FROM dialogs") == []
    assert await open_choices(world) == 0


async def test_abandoning_the_dialog_schedules_nothing(world: ZaloWorld) -> None:
    # By /cancel alone, halfway through.
    first = await world.said(SECRETARY, "/schedule")
    await world.said(SECRETARY, number_of(first, t("vi", "regular meeting")))
    assert await world.said(SECRETARY, "/cancel") == t("vi", "Cancelled; nothing was scheduled.")
    assert await rows(world.bot, "SELECT * FROM dialogs") == []
    assert await open_choices(world) == 0
    # The date typed afterwards is no answer to anything.
    assert await world.said(SECRETARY, "05/12/2026 19:30") == t(
        "vi", "I did not understand. Send /help to see what you can do here."
    )
    # By the "Cancel" number; a number of the closed question is then no answer.
    first = await world.said(SECRETARY, "/schedule")
    kind = number_of(first, t("vi", "regular meeting"))
    assert await world.said(SECRETARY, number_of(first, t("vi", "Cancel"))) == t(
        "vi", "Cancelled; nothing was scheduled."
    )
    assert await world.said(SECRETARY, kind) == t("vi", NO_CHOICE)
    assert await meetings(world) == []
    # /cancel with no dialog open still wants a meeting's number.
    assert (await world.said(SECRETARY, "/cancel")).startswith("⚠️ ")


async def test_a_stray_number_after_the_dialog_expired_is_not_taken(world: ZaloWorld) -> None:
    first = await world.said(SECRETARY, "/schedule")
    kind = number_of(first, t("vi", "regular meeting"))
    (choice,) = await rows(
        world.bot, "SELECT expires_at FROM zalo_choices WHERE number = ?", int(kind)
    )
    # The numbers expire with the dialog, not a week later like a reminder's.
    assert choice["expires_at"] == (world.bot.clock.now() + DIALOG_TTL).isoformat()

    world.bot.clock.advance(DIALOG_TTL + timedelta(minutes=1))
    assert await world.said(SECRETARY, kind) == t("vi", NO_CHOICE)
    assert await world.said(SECRETARY, "05/12/2026 19:30") == t(
        "vi", "I did not understand. Send /help to see what you can do here."
    )
    (dialog,) = await rows(world.bot, "SELECT state FROM dialogs")
    assert dialog["state"] == '{"step": "type"}'
    assert await meetings(world) == []
    # A new dialog starts afresh.
    again = await world.said(SECRETARY, "/schedule")
    assert again.startswith(t("vi", "New meeting. What kind of meeting?"))


async def test_careless_answers_leave_each_question_open(world: ZaloWorld) -> None:
    """Wrong, hostile or oversized answers get a clear error within Zalo's 2000 characters;
    the question stays open and nothing is scheduled."""

    async def step() -> object:
        (dialog,) = await rows(world.bot, "SELECT state FROM dialogs")
        return json.loads(dialog["state"])["step"]

    async def refused(text: str) -> None:
        before = await step()
        (answer,) = await world.says(SECRETARY, text)
        assert answer.startswith("⚠️ ") and len(answer) <= 2000, (text, answer)
        assert (
            t("vi", "Something went wrong; nothing was changed. Please try again later.")
            not in answer
        )
        assert await step() == before, text

    first = await world.said(SECRETARY, "/schedule")
    for text in ("x" * 5000, "định kỳ", "\x00\x01", "1 2"):
        await refused(text)
    await world.said(SECRETARY, number_of(first, t("vi", "regular meeting")))
    for text in (
        "31/02/2026 19:30",
        "05/12/1999 19:30",
        "٠٥/١٢/٢٠٢٦ ١٩:٣٠",
        "\u202e05/12/2026 19:30",
        "99999999999999999999",
        "x" * 5000,
    ):
        await refused(text)
    await world.said(SECRETARY, "05/12/2026 19:30")
    for text in ("0", "100000", "1h99", "-5"):
        await refused(text)
    await world.said(SECRETARY, "90")
    await refused("T" * 300)
    await world.said(SECRETARY, TITLE)
    for text in ("javascript:alert(1)", "not a link", "https://" + "a" * 3000):
        await refused(text)
    assert await step() == "link"
    assert await meetings(world) == []
