"""The authorization matrix of meetings: every meeting command and button, pressed by every
role, in its own cell and in a foreign one, against the role table of SPEC §2.

The world of test_authorization.py (cells A and B with a full cast each) gets one scheduled
meeting per cell, each with an absence request of the cell's "target" official waiting for
the leaders. The actor of each case is the person with that role in cell A (or an outsider:
a user unknown to the bot, or an operator who belongs to no cell); "own" acts on A's meeting
or in A's group, "foreign" on B's meeting or in B's group.

Commands naming a meeting by number (/meeting N, /move N ...) and the answer/absence buttons
are given in the actor's private chat: there a number is one of the actor's cells' (meetings
are numbered per cell: A's meeting is #1, B's #2, after an earlier one of B's, so that B's
number names nothing in A). An operator, who belongs to no cell, names a meeting in that
cell's group. Commands about "the cell" (/schedule, /meetings ...) and the guided dialog's
buttons are given in the group.

Allowed is checked by its effect (the reply, the database); refused by the localized refusal,
an unchanged database and a reply that shows no member's name, cell name or meeting title.
A meeting of a cell the actor cannot see is answered exactly like a missing one.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import icalendar
import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import build_application
from bot.domain.identity import ChatRef
from bot.rules.durations import format_offsets
from bot.rules.names import vietnamese_order
from bot.texts import OFFER
from handlers.telegram import callback_data as cd
from handlers.telegram import meetings as meetings_handlers
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call, FakeRequest, FakeTelegram
from tests.conftest import Bot, make_settings, stop_bot
from tests.e2e.db import rows
from tests.e2e.world import (
    CELL_LANGUAGE,
    MEETING_EXAMPLES,
    MEETING_EXPECTED,
    MEETING_REFUSALS,
    MISSING,
    OK,
    REASON,
    TITLES,
    CellCast,
    MeetingWorld,
    World,
    alert_text,
    build_meeting_world,
    committee_cases,
    fetch_one,
    identity,
    matrix_cases,
    outgoing_texts,
    snapshot,
    start_world_bot,
    tr_text,
)

SECRET = "members-only"  # Confidential documents go only to members of the cell.
REFUSALS = MEETING_REFUSALS | {SECRET: "Confidential documents go only to members of the cell."}
EXAMPLES = MEETING_EXAMPLES
# Beside the shared table (SPEC §2): /meetingkind manages a meeting; a document button under
# /meeting N, pressed in the actor's private chat, sends a document to whoever may see the
# meeting, a confidential one to its cell's members only (not guests, not operators).
# fmt: off
KIND_ROWS: dict[str, tuple[str, ...]] = {
    "meetingkind/own":               MEETING_EXPECTED["move/own"],
    "meetingkind/foreign":           MEETING_EXPECTED["move/foreign"],
    "press.document/own":            MEETING_EXPECTED["meeting/own"],
    "press.document/foreign":        (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, OK),
    "press.secret-document/own":     (MISSING, SECRET, OK, OK, OK, OK, SECRET),
    "press.secret-document/foreign": (MISSING,) * 6 + (SECRET,),
}
# fmt: on
EXPECTED = MEETING_EXPECTED | KIND_ROWS

NEW_TITLE = "Học tập nghị quyết mới"
NEW_ITEM = "Phát biểu của đảng viên mới"
NEW_LINK = "https://meet.jit.si/ChiBoKiemTraQuyen2026"
MOVED_TO = "2026-12-06T12:30:00+00:00"  # 06/12/2026 19:30 in Hanoi


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells and their meetings built once; every case runs over a copy."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("meeting-world")))


@dataclass
class Case:
    """One matrix cell being run."""

    bot: Bot
    mworld: MeetingWorld
    action: str
    scope: str
    role: str
    confirmation_id: int = 0
    # The chat the action was given in (its answers are written there).
    where: int | None = None

    @property
    def world(self) -> World:
        """The cells and their casts."""
        return self.mworld.world

    @property
    def key(self) -> str:
        """The cell the action touches: A (own) or B (foreign)."""
        return "B" if self.scope == "foreign" else "A"

    @property
    def other_key(self) -> str:
        """The cell the action does not touch."""
        return "A" if self.key == "B" else "B"

    @property
    def cell(self) -> CellCast:
        """The cell the action touches."""
        return self.world.cells[self.key]

    @property
    def meeting_id(self) -> int:
        """The touched cell's meeting."""
        return self.mworld.meeting_ids[self.key]

    @property
    def number(self) -> int:
        """The touched meeting's number in its cell (what users type)."""
        return self.mworld.numbers[self.key]

    @property
    def title(self) -> str:
        """The touched meeting's title."""
        return TITLES[self.key]

    @property
    def actor(self) -> TgUser:
        """Who acts."""
        if self.role == "nonmember":
            return self.world.nonmember
        if self.role == "operator":
            return self.world.operator
        return self.world.cells["A"].people[self.role].user

    @property
    def language(self) -> str:
        """The actor's language (Telegram's code; nobody chose one with /lang)."""
        return self.actor.language_code or "vi"

    @property
    def private(self) -> TgChat:
        """The actor's private chat with the bot."""
        return self.bot.driver.private_chat(self.actor)

    def text(self, msgid: str, **params: object) -> str:
        """A text the bot writes where the action was given: in a cell's group in the cell's
        language, in private (and a button's alert) in the actor's."""
        return tr_text(self.chat_language(self.where), msgid, **params)

    def personal(self, msgid: str, **params: object) -> str:
        """A text for the actor alone (a refusal told privately, a button's alert)."""
        return tr_text(self.language, msgid, **params)

    def chat_language(self, chat_id: int | None) -> str:
        """The language of texts in a chat: a cell's group speaks the cell's language."""
        groups = {cell.chat_id for cell in self.world.cells.values()}
        return CELL_LANGUAGE if chat_id in groups else self.language

    async def cell_id(self) -> int:
        """The touched cell's database id."""
        row = await fetch_one(
            self.bot, "SELECT id FROM cells WHERE chat_id = ?", str(self.cell.chat_id)
        )
        assert row is not None
        return int(row[0])

    async def actor_user_id(self) -> int | None:
        """The actor's users row id, if the bot knows them."""
        row = await fetch_one(
            self.bot, "SELECT id FROM users WHERE external_id = ?", str(self.actor.id)
        )
        return int(row[0]) if row else None

    async def meeting(self, column: str) -> object:
        """A column of the touched meeting."""
        row = await fetch_one(
            self.bot, f"SELECT {column} FROM meetings WHERE id = ?", self.meeting_id
        )
        assert row is not None
        return row[0]

    async def agenda(self) -> list[str]:
        """The touched meeting's agenda items as stored."""
        found = await rows(
            self.bot,
            "SELECT item FROM agenda_items WHERE meeting_id = ? ORDER BY position",
            self.meeting_id,
        )
        return [str(r[0]) for r in found]

    async def dialog(self, chat: TgChat) -> tuple[str, str] | None:
        """(kind, state) of the actor's dialog in a chat."""
        user_id = await self.actor_user_id()
        row = await fetch_one(
            self.bot,
            "SELECT kind, state FROM dialogs WHERE user_id = ? AND chat_id = ?",
            user_id,
            str(chat.id),
        )
        return (str(row[0]), str(row[1])) if row else None

    async def reply_status(self, user_id: int | None) -> str | None:
        """The answer a user gave to the touched meeting's summons."""
        row = await fetch_one(
            self.bot,
            "SELECT status FROM attendance_replies WHERE meeting_id = ? AND user_id = ?",
            self.meeting_id,
            user_id,
        )
        return str(row[0]) if row else None


# --- running an action -------------------------------------------------------------------------

IN_GROUP = {"meetings", "calendar", "schedule", "schedule.guided", "recurring", "reminders"}


async def prepare(case: Case) -> None:
    """What must be in place before the action (done before the "before" snapshot)."""
    services = case.bot.app.bot_data.services
    secretary = identity(case.cell.people["secretary"].user)
    if case.action.endswith("document"):
        # A document comes to the private chat the button is pressed in: the actor opened it.
        case.bot.fake.started_users.add(case.actor.id)
    group = ChatRef("telegram", str(case.cell.chat_id), False, case.cell.name)
    if case.action == "restore":
        # The touched meeting was cancelled; restoring it is the action.
        await services.meetings.cancel(secretary, group, case.meeting_id)
    if case.action == "press.confirm":
        # The cell's secretary was asked "cancel this meeting?"; the actor presses the yes.
        asked = await services.meetings.ask_cancel(secretary, group, case.number, None)
        case.confirmation_id = asked.confirmation_id
    if case.action == "press.step":
        # The actor has the guided dialog open in the group, at its first step.
        services = case.bot.app.bot_data.services
        chat = ChatRef("telegram", str(case.cell.chat_id), False, case.cell.name)
        await services.dialogs.save(identity(case.actor), chat, "schedule", {"step": "type"})
    if case.action == "press.send-absence":
        # The actor typed an absence request in private and was offered this meeting (or
        # forged the offer: the request checks again).
        services = case.bot.app.bot_data.services
        chat = ChatRef("telegram", str(case.actor.id), True)
        await services.dialogs.save(
            identity(case.actor), chat, OFFER, {"meeting": case.meeting_id, "reason": "Đi trực"}
        )


async def send(case: Case) -> list[Call]:
    """Give the command of this case where its scope says."""
    d = case.bot.driver
    n = case.number
    texts = {
        "meetings": "/meetings",
        "calendar": "/calendar",
        "meeting": f"/meeting {n}",
        "agenda.show": f"/agenda {n}",
        "schedule": f"/schedule 12/12/2026 19:30 {NEW_TITLE}",
        "schedule.guided": "/schedule",
        "recurring": "/recurring ngày 5 hằng tháng 19:30",
        "reminders": "/reminders 48h 2h 0",
        "move": f"/move {n} 06/12/2026 19:30",
        "cancel": f"/cancel {n}",
        "agenda.add": f"/agenda {n} add {NEW_ITEM}",
        "agenda.remove": f"/agenda {n} remove 1",
        "agenda.move": f"/agenda {n} move 1 2",
        "agenda.edit": f"/agenda {n} edit 1 {NEW_ITEM}",
        "link": f"/link {n} {NEW_LINK}",
        "link.generate": f"/link {n} new",
        "link.show": f"/link {n}",
        "restore": f"/restore {n}",
        "attach": f"/attach {n}",
        "answers": f"/answers {n}",
        "meetingkind": f"/meetingkind {n} chuyên đề",
    }
    if case.action in IN_GROUP:
        case.where = case.cell.chat_id
        return await d.send(case.actor, case.cell.chat, texts[case.action])
    # An operator belongs to no cell: a number names a meeting in that cell's group.
    chat = case.cell.chat if case.role == "operator" else case.private
    case.where = chat.id
    if case.action == "attach":
        document = d._message(
            case.actor,
            chat,
            document={"file_id": "DOC1", "file_unique_id": "DOC1u", "file_name": "baocao.pdf"},
        )
        return await d.send(
            case.actor, chat, texts["attach"], reply_to_message_id=document["message_id"]
        )
    return await d.send(case.actor, chat, texts[case.action])


async def press(case: Case) -> list[Call]:
    """Press the button of this case on a bot message."""
    button = case.action.removeprefix("press.")
    n, target = case.meeting_id, case.mworld.target_user_ids[case.key]
    data = {
        "attend": cd.answer(n, True),
        "absent": cd.answer(n, False),
        "approve-absence": cd.absence(n, target, True),
        "decline-absence": cd.absence(n, target, False),
        "step": cd.dialog_step("type:r"),
        "send-absence": f"as:{n}",
        "confirm": cd.confirm(case.confirmation_id or 1, True),
        "document": cd.fetch_document(n, case.mworld.document_ids[case.key][0]),
        "secret-document": cd.fetch_document(n, case.mworld.document_ids[case.key][1]),
    }[button]
    chat = case.cell.chat if button == "step" else case.private
    case.where = chat.id
    if button == "step":
        # The dialog's first question, as the bot asked it in the group.
        question, label = case.text(STEP_QUESTION), case.text("regular meeting")
        message_id = keyboard_message(case.bot, chat, data, question, label)
    else:
        message_id = keyboard_message(case.bot, chat, data)
    return await case.bot.driver.press_data(case.actor, chat, data, message_id)


STEP_QUESTION = "New meeting. What kind of meeting?"


def keyboard_message(bot: Bot, chat: TgChat, data: str, text: str = "…", label: str = "…") -> int:
    """A message from the bot in `chat` with one button carrying `data`; its id."""
    fake = bot.fake
    message_id = fake.next_message_id(chat.id)
    fake.store_message(
        {
            "message_id": message_id,
            "from": fake.bot_user(),
            "chat": chat.to_dict(),
            "date": fake.now(),
            "text": text,
            "reply_markup": {"inline_keyboard": [[{"text": label, "callback_data": data}]]},
        }
    )
    return message_id


# --- what allowed looks like -------------------------------------------------------------------


def replies(calls: list[Call]) -> list[str]:
    """Texts of the messages the bot sent."""
    return [str(c["text"]) for c in calls if c.method == "sendMessage" and c.ok]


def first_reply(calls: list[Call]) -> str:
    """The bot's first message, the answer to the actor."""
    sent = replies(calls)
    assert sent, f"no reply; calls: {[c.method for c in calls]}"
    return sent[0]


async def check_meetings(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    assert reply.startswith(case.text("Meetings of «{cell}»", cell=case.cell.name)), reply
    assert f"#{case.number} · " in reply and case.title in reply, reply


async def check_calendar(case: Case, calls: list[Call]) -> None:
    (call,) = [c for c in calls if c.method == "sendDocument" and c.ok]
    assert call["caption"] == case.text(
        "Open this file to add the meetings to your phone's calendar."
    )
    calendar = icalendar.Calendar.from_ical(call.files["document"].content)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert summaries == {case.title}, summaries


async def check_details(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    assert reply.startswith(f"#{case.number} · "), reply
    assert case.title in reply and case.text("Agenda:") in reply, reply


async def check_schedule(case: Case, calls: list[Call]) -> None:
    row = await fetch_one(
        case.bot,
        "SELECT id, number FROM meetings WHERE cell_id = ? AND title = ?",
        await case.cell_id(),
        NEW_TITLE,
    )
    assert row is not None and row[0] not in case.mworld.meeting_ids.values()
    assert row[1] == case.number + 1  # the next number of that cell
    head = case.text(
        "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
        id=row[1],
        kind=case.text("regular meeting"),
        title=NEW_TITLE,
        when="\0",
    )
    assert first_reply(calls).startswith(head.split("\0")[0]), first_reply(calls)


async def check_guided(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls) == case.text("New meeting. What kind of meeting?")
    assert await case.dialog(case.cell.chat) == ("schedule", '{"step": "type"}')


async def check_recurring(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    head = case.text("Regular meeting: {rule}. Coming meetings:", rule="\0").split("\0")[0]
    assert reply.startswith(head), reply
    row = await fetch_one(
        case.bot,
        "SELECT COUNT(*) FROM meeting_series WHERE cell_id = ? AND active = 1",
        await case.cell_id(),
    )
    assert row == (1,)


async def check_reminders(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls) == case.text(
        "Reminders for each meeting: {times}.",
        times=format_offsets((2880, 120, 0), case.chat_language(case.where)),
    )
    row = await fetch_one(
        case.bot, "SELECT reminder_offsets FROM cells WHERE id = ?", await case.cell_id()
    )
    assert row == ("2880,120,0",)


async def check_move(case: Case, calls: list[Call]) -> None:
    head = case.text("Meeting #{id} moved to {when}.", id=case.number, when="\0")
    assert first_reply(calls).startswith(head.split("\0")[0])
    assert await case.meeting("starts_at") == MOVED_TO


async def check_cancel(case: Case, calls: list[Call]) -> None:
    # Asked first; the leader's yes cancels it.
    assert case.text("Cancel this meeting? The group and the members will be told.") in (
        first_reply(calls)
    )
    assert await case.meeting("status") == "scheduled"
    chat = case.cell.chat if case.role == "operator" else case.private
    calls = await case.bot.driver.press(case.actor, chat, case.text("❌ Yes, cancel the meeting"))
    assert first_reply(calls) == case.text("Meeting #{id} cancelled.", id=case.number)
    assert await case.meeting("status") == "cancelled"


async def check_restore(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls).startswith(
        case.text(
            "Meeting #{id} restored: {title}, {when}. Reminders will be sent before it.",
            id=case.number,
            title=case.title,
            when="\0",
        ).split("\0")[0]
    )
    assert await case.meeting("status") == "scheduled"


async def check_link_shown(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls).startswith(
        case.text("Meeting #{id} has no link yet.", id=case.number)
    )
    assert await case.meeting("link") is None


async def check_agenda(case: Case, calls: list[Call], before: list[str]) -> None:
    lines = first_reply(calls).splitlines()
    assert lines[0] == case.text("Agenda of meeting #{id}:", id=case.meeting_id)
    after = await case.agenda()
    operation = case.action.removeprefix("agenda.")
    if operation == "add":
        assert after[:-1] == before and NEW_ITEM in after[-1], after
    elif operation == "remove":
        assert after == before[1:], after
    elif operation == "move":
        assert after == [before[1], before[0], *before[2:]], after
    else:
        assert NEW_ITEM in after[0] and after[1:] == before[1:], after
    assert len(lines) == len(after) + 1


async def check_link(case: Case, calls: list[Call]) -> None:
    link = await case.meeting("link")
    if case.action == "link":
        assert link == NEW_LINK
    else:
        assert isinstance(link, str) and link.startswith("https://meet.jit.si/"), link
    assert first_reply(calls) == case.text(
        "Link of meeting #{id}: {link}", id=case.number, link=link
    )


async def check_attach(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls) == case.text(
        "Document «{name}» attached to meeting #{id}: it goes out with the reminders.",
        name="baocao.pdf",
        id=case.number,
    )
    row = await fetch_one(
        case.bot,
        "SELECT ref, confidential FROM documents WHERE meeting_id = ? AND ref = 'DOC1'",
        case.meeting_id,
    )
    assert row == ("DOC1", 0)


async def check_answers(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    assert reply.startswith(
        case.text("Answers for meeting #{id} «{title}»:", id=case.number, title=case.title)
    )
    target = case.cell.people["target"].name
    assert f"• {target}: " in reply and f"({REASON})" in reply, reply
    # Guests and the removed member are not summoned; the applicant is not a member yet.
    for role in ("guest", "former", "applicant"):
        assert case.cell.people[role].name not in reply, (role, reply)


async def check_meetingkind(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls).startswith(
        case.text(
            "Meeting #{id} «{title}» is now a {kind}.",
            id=case.number,
            title=case.title,
            kind=case.text("thematic meeting"),
        )
    )
    assert await case.meeting("type") == "thematic"


async def check_button(case: Case, calls: list[Call]) -> None:
    button = case.action.removeprefix("press.")
    target_id = case.mworld.target_user_ids[case.key]
    if button in ("document", "secret-document"):
        secret = button == "secret-document"
        (call,) = [c for c in calls if c.method == "sendDocument" and c.ok]
        assert call["chat_id"] == case.actor.id
        assert call["document"] == f"{case.key}-{'secret' if secret else 'public'}"
        assert call.get("protect_content") is secret
        return
    if button in ("approve-absence", "decline-absence"):
        # The decided request loses its buttons.
        assert [c.method for c in calls if c.method.startswith("edit")] == [
            "editMessageReplyMarkup"
        ]
    if button == "attend":
        # The answered message shows the answer, its button marked: it can still change.
        (edit,) = [c for c in calls if c.method.startswith("edit")]
        assert edit.method == "editMessageText"
        assert str(edit["text"]).endswith(case.text("Your answer: you will attend."))
        labels = [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["✅ " + case.text("Will attend"), case.text("Request absence")]
    if button == "attend":
        assert alert_text(calls) == case.personal("Recorded: you will attend.")
        assert await case.reply_status(await case.actor_user_id()) == "will_attend"
    elif button == "absent":
        assert replies(calls) == [case.text("Please reply with the reason for your absence.")]
        dialog = await case.dialog(case.private)
        assert dialog is not None and dialog[0] == "absence", dialog
        assert json.loads(dialog[1])["meeting"] == case.meeting_id, dialog
    elif button == "send-absence":
        (edit,) = [c for c in calls if c.method.startswith("edit")]
        assert edit["text"] == case.text("Your request was sent to the secretary.")
        assert await case.reply_status(await case.actor_user_id()) == "absence_requested"
        assert await case.dialog(case.private) is None
    elif button in ("approve-absence", "decline-absence"):
        approve = button == "approve-absence"
        status = "absent_with_reason" if approve else "absence_declined"
        label = case.text("absent with reason" if approve else "absence not accepted")
        target = case.cell.people["target"]
        assert first_reply(calls) == case.text("{name}: {status}.", name=target.name, status=label)
        assert await case.reply_status(target_id) == status
        told = [
            str(c["text"])
            for c in calls
            if c.method == "sendMessage" and c.get("chat_id") == target.user.id
        ]
        assert len(told) == 1 and case.title in told[0], told
    elif button == "confirm":
        assert replies(calls)[0] == case.text("Meeting #{id} cancelled.", id=case.number)
        assert await case.meeting("status") == "cancelled"
    else:
        # The choice is echoed into the question; the next question follows, in the group's
        # language (the cell's), naming whose dialog it is.
        echoed = case.text(STEP_QUESTION) + " — " + case.text("regular meeting")
        assert [str(c["text"]) for c in calls if c.method == "editMessageText"] == [echoed]
        when = case.text("Date and time? Reply with dd/mm/yyyy HH:MM, e.g. 05/12/2026 19:30.")
        assert replies(calls) == [f"{_name(case.actor)}, {when}"], replies(calls)
        dialog = await case.dialog(case.cell.chat)
        assert dialog is not None and '"step": "when"' in dialog[1], dialog


CHECKS: dict[str, Callable[[Case, list[Call]], Awaitable[None]]] = {
    "meetings": check_meetings,
    "calendar": check_calendar,
    "meeting": check_details,
    "agenda.show": check_details,
    "schedule": check_schedule,
    "schedule.guided": check_guided,
    "recurring": check_recurring,
    "reminders": check_reminders,
    "move": check_move,
    "cancel": check_cancel,
    "link": check_link,
    "link.generate": check_link,
    "link.show": check_link_shown,
    "restore": check_restore,
    "attach": check_attach,
    "answers": check_answers,
    "meetingkind": check_meetingkind,
}


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"), matrix_cases(EXPECTED) + committee_cases(EXPECTED)
)
async def test_meeting_authorization(
    mworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bot = await start_world_bot(mworld.world, tmp_path)
    try:
        case = Case(bot, mworld, action, scope, role)
        await prepare(case)
        before = await snapshot(bot)
        agenda_before = await case.agenda()
        button = action.startswith("press.")
        calls = await (press(case) if button else send(case))
        texts = outgoing_texts(calls)
        if outcome == OK:
            assert not any(t.startswith("⚠️") for t in texts), texts
            if button:
                await check_button(case, calls)
            elif action.startswith("agenda.") and action != "agenda.show":
                await check_agenda(case, calls, agenda_before)
            else:
                await CHECKS[action](case, calls)
            # Nothing of the other cell shows, whatever was allowed here.
            other = mworld.world.cells[case.other_key]
            secrets = (other.names() - {_name(case.actor)}) | {TITLES[case.other_key], other.name}
            leaked = {s for s in secrets if any(s in t for t in texts)}
            assert not leaked, (leaked, texts)
            return
        # A refusal is the actor's: told privately (or as an alert) in their language; said in
        # a group (the bot cannot write to them) in the cell's.
        told = None if button else calls[0].get("chat_id")
        language = case.chat_language(told)
        refusal = "⚠️ " + tr_text(language, REFUSALS[outcome])
        if outcome in EXAMPLES:
            refusal += "\n" + tr_text(language, "Example: {example}", example=EXAMPLES[outcome])
        if button:
            assert [c.method for c in calls] == ["answerCallbackQuery"], calls
            assert alert_text(calls) == refusal
            assert calls[0].get("show_alert") is True
        else:
            assert [c.method for c in calls] == ["sendMessage"], [c.method for c in calls]
            assert texts == [refusal]
        assert await snapshot(bot) == before, "a refused action changed the database"
        world = mworld.world
        secrets = world.all_member_names() | set(TITLES.values())
        secrets |= {c.name for c in world.cells.values()}
        leaked = {s for s in secrets if any(s in t for t in texts)}
        assert not leaked, (leaked, texts)
    finally:
        await stop_bot(bot)


def _name(user: TgUser) -> str:
    return vietnamese_order(user.first_name, user.last_name)


BUTTON_PREFIXES = {
    "attend": "at",
    "absent": "at",
    "approve-absence": "ab",
    "decline-absence": "ab",
    "step": "sd",
    "send-absence": "as",
    "confirm": "cf",
    "document": "dc",
    "secret-document": "dc",
}


def test_the_matrix_covers_every_meeting_command_and_button(tmp_path: Path) -> None:
    app = build_application(
        make_settings(tmp_path), request=FakeRequest(FakeTelegram()), rate_limiter=False
    )
    registered = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        and getattr(handler.callback, "__module__", "") == meetings_handlers.__name__
        for command in handler.commands
    }
    actions = {key.split("/")[0].split(".")[0] for key in EXPECTED}
    assert registered and registered <= actions, registered - actions
    buttons = {
        prefix
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CallbackQueryHandler)
        and handler.callback is meetings_handlers.on_button
        and isinstance(handler.pattern, re.Pattern)
        for prefix in re.findall(r"\w+", handler.pattern.pattern)
    }
    assert set(BUTTON_PREFIXES.values()) == buttons
    assert {f"press.{b}" for b in BUTTON_PREFIXES} <= {k.split("/")[0] for k in EXPECTED}
    for key in EXPECTED:
        action, scope = key.split("/")
        assert scope in ("own", "foreign")
        assert f"{action}/own" in EXPECTED and f"{action}/foreign" in EXPECTED, key


@pytest.mark.parametrize("data", ["attend", "approve-absence"])
async def test_a_second_press_of_a_meeting_button_is_harmless(
    mworld: MeetingWorld, tmp_path: Path, data: str
) -> None:
    """A double tap: both presses carry the message with its buttons; the second finds the
    answer recorded (or the request decided) and the buttons gone, and fails nothing."""
    bot = await start_world_bot(mworld.world, tmp_path)
    try:
        cast = mworld.world.cells["A"]
        meeting_id = mworld.meeting_ids["A"]
        user = cast.people["official" if data == "attend" else "secretary"].user
        chat = bot.driver.private_chat(user)
        pressed = (
            cd.answer(meeting_id, True)
            if data == "attend"
            else cd.absence(meeting_id, mworld.target_user_ids["A"], True)
        )
        message_id = keyboard_message(bot, chat, pressed)
        message = bot.fake.message(chat.id, message_id)
        assert message is not None
        original = dict(message)
        first = await bot.driver.press_data(user, chat, pressed, message_id)
        after_first = await snapshot(bot)
        second = await bot.driver.deliver(
            bot.driver.callback_update(user, chat, pressed, original)
        )
        assert not any(t.startswith("⚠️") for t in outgoing_texts(first))
        assert await snapshot(bot) == after_first
        if data == "attend":
            assert alert_text(second) == tr_text("vi", "Recorded: you will attend.")
        else:
            assert alert_text(second) == "⚠️ " + tr_text("vi", "This request was already decided.")
        assert not bot.fake.unanswered_callback_queries()
    finally:
        await stop_bot(bot)
