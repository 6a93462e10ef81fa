"""The guided /schedule dialog: kind, date and time, duration, title, link, agenda, confirm.

Its state lives in the database (dialogs table), so it survives restarts and needs no
ConversationHandler. Each answer is checked before it is saved; a wrong one gets the error and
the same question stays open. In groups the bot sees only replies to its own messages (privacy
mode), so typed answers are asked for with a reply box.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    User,
)
from telegram.constants import ChatType

from bot.domain.identity import ChatRef, Identity
from bot.domain.meetings import MEETING_TYPE_LABELS, MeetingType
from bot.errors import BadInput, NotFound
from bot.i18n import N_, Translator
from bot.rules.agenda import default_agenda
from bot.rules.dates import format_when, parse_when
from bot.rules.durations import format_duration, parse_duration
from bot.rules.links import validate_meeting_link
from bot.rules.names import vietnamese_order
from bot.services.meetings import Change, meeting_title
from bot.services.registry import Services
from handlers.telegram import callback_data as cd

KIND = "schedule"
TYPE_CODES = {
    "r": MeetingType.REGULAR,
    "t": MeetingType.THEMATIC,
    "e": MeetingType.EXTRAORDINARY,
    "c": MeetingType.COMMITTEE,
}
DURATIONS = (60, 90, 120, 180)
# Each question is answered once its key is in the state (the title may come with the date).
QUESTIONS = ("type", "when", "duration", "title", "link", "agenda")
# The steps answered by typing (the others only by a choice).
TYPED = frozenset({"when", "duration", "title", "link"})
STALE = N_("This button is no longer valid.")
State = dict[str, object]
Rows = list[list[tuple[str, str]]]


def next_step(state: State) -> str:
    """The first question not answered yet, else "confirm"."""
    return next((step for step in QUESTIONS if step not in state), "confirm")


def buttons(rows: Rows) -> InlineKeyboardMarkup:
    """The dialog's choices as buttons."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=cd.dialog_step(v)) for label, v in row]
            for row in rows
        ]
    )


async def start(
    services: Services, identity: Identity, chat: ChatRef, tr: Translator
) -> tuple[str, Rows]:
    """Open the dialog; returns the first question and its choices (label, value)."""
    await services.meetings.check_may_schedule(identity, chat)
    await services.dialogs.save(identity, chat, KIND, {"step": "type"})
    rows: Rows = [
        [(tr.gettext(MEETING_TYPE_LABELS[t]), f"type:{code}")] for code, t in TYPE_CODES.items()
    ]
    rows.append([(tr.gettext("Cancel"), "no")])
    return tr.gettext("New meeting. What kind of meeting?"), rows


def question(tr: Translator, state: State, tz: ZoneInfo) -> tuple[str, Rows]:
    """The question of the dialog's current step and its choices (label, value); the typed
    steps also take a typed answer."""
    step = state["step"]
    if step == "when":
        return tr.gettext("Date and time? Reply with dd/mm/yyyy HH:MM, e.g. 05/12/2026 19:30."), []
    if step == "duration":
        rows = [[(tr.gettext("{minutes} min", minutes=m), f"dur:{m}") for m in DURATIONS]]
        return tr.gettext("How long? Choose, or reply with minutes or hours (90, 1h30):"), rows
    if step == "title":
        return (
            tr.gettext("Title? Reply with the title, or use the standard one:"),
            [[(tr.gettext("Standard title"), "title:d")]],
        )
    if step == "link":
        rows = [
            [(tr.gettext("Generate a Jitsi link"), "link:g")],
            [(tr.gettext("No link for now"), "link:n")],
        ]
        return tr.gettext("Video link? Reply with a https:// link, or choose:"), rows
    if step == "agenda":
        rows = [
            [
                (
                    tr.gettext("Agenda for the {kind}", kind=tr.gettext(MEETING_TYPE_LABELS[t])),
                    f"agenda:{code}",
                )
            ]
            for code, t in TYPE_CODES.items()
        ]
        rows.append([(tr.gettext("No agenda yet (add items with /agenda)"), "agenda:x")])
        return tr.gettext("Which agenda template?"), rows
    return summary(tr, state, tz), [
        [(tr.gettext("✅ Schedule"), "ok"), (tr.gettext("Cancel"), "no")]
    ]


async def ask(
    message: Message, tr: Translator, state: State, services: Services, user: User | None = None
) -> None:
    """Post the question of the dialog's current step, with its buttons; a typed answer gets
    a reply box for the one in the dialog only (selective: in a group the prompt mentions
    them, which is whom Telegram shows a selective box to)."""
    text, rows = question(tr, state, services.settings.tz)
    if rows:
        await message.chat.send_message(text, reply_markup=buttons(rows))
        return
    entities = None
    if user is not None and message.chat.type != ChatType.PRIVATE:
        name = vietnamese_order(user.first_name, user.last_name)
        entities = [MessageEntity(MessageEntity.TEXT_MENTION, 0, utf16_length(name), user=user)]
        text = f"{name}, {text}"
    await message.chat.send_message(
        text, reply_markup=ForceReply(selective=True), entities=entities
    )


def utf16_length(text: str) -> int:
    """A text's length as Telegram counts entity offsets."""
    return len(text.encode("utf-16-le")) // 2


CANCEL_WORDS = {"huy", "hủy", "huỷ", "thoi", "thôi", "cancel", "stop", "/cancel"}


def abandons(text: str) -> bool:
    """Whether typed words give up the dialog ("hủy", "thôi", "cancel")."""
    return text.strip().lower().rstrip(".!") in CANCEL_WORDS


def summary(tr: Translator, state: State, tz: ZoneInfo) -> str:
    """What the dialog will schedule, to confirm."""
    meeting_type = MeetingType(str(state["type"]))
    starts = datetime.fromisoformat(str(state["when"]))
    lines = [
        tr.gettext("Kind: {kind}", kind=tr.gettext(MEETING_TYPE_LABELS[meeting_type])),
        tr.gettext("Time: {when}", when=format_when(starts, tz, tr.language)),
        tr.gettext(
            "Duration: {duration}",
            duration=format_duration(int(str(state["duration"])), tr.language),
        ),
    ]
    if state.get("title"):
        lines.append(tr.gettext("Title: {title}", title=str(state["title"])))
    if state.get("link"):
        lines.append(tr.gettext("Link: {link}", link=str(state["link"])))
    elif state.get("generate"):
        lines.append(tr.gettext("Link: a new Jitsi room"))
    lines += ["", tr.gettext("Agenda:")]
    template = str(state["agenda"])
    if template:
        items = default_agenda(template)
        lines += [f"{n}. {i.render(tr.language)}" for n, i in enumerate(items, 1)]
    else:
        lines.append(tr.gettext("none"))
    return "\n".join(lines)


async def answer_text(
    services: Services, identity: Identity, chat: ChatRef, state: State, text: str
) -> State:
    """Check and record a typed answer; returns the new state (saved)."""
    meetings = services.meetings
    cell = await meetings.check_may_schedule(identity, chat)
    step = state.get("step")
    if step == "when":
        starts, rest = parse_when(text, now=services.clock.now(), tz=ZoneInfo(cell.timezone))
        state["when"] = starts.isoformat()
        if rest:
            state["title"] = meeting_title(rest)
    elif step == "duration":
        state["duration"] = parse_duration(text)
    elif step == "title":
        state["title"] = meeting_title(text)
    elif step == "link":
        state.update(link=validate_meeting_link(text), generate=False)
    else:
        raise BadInput(N_("Please answer with a button above."))
    state["step"] = next_step(state)
    await services.dialogs.save(identity, chat, KIND, state)
    return state


async def answer_button(
    services: Services, identity: Identity, chat: ChatRef, state: State, value: str
) -> State:
    """Check and record a button answer; returns the new state (saved)."""
    step = state.get("step")
    if value.startswith("type:") and step == "type":
        state["type"] = TYPE_CODES[value[-1]].value
    elif value.startswith("dur:") and step == "duration":
        state["duration"] = int(value[4:])
    elif value == "title:d" and step == "title":
        state["title"] = None
    elif value.startswith("link:") and step == "link":
        state.update(link=None, generate=value == "link:g")
    elif value.startswith("agenda:") and step == "agenda":
        code = value[-1]
        state["agenda"] = TYPE_CODES[code].value if code in TYPE_CODES else ""
    else:
        raise NotFound(STALE)
    await services.meetings.check_may_schedule(identity, chat)
    state["step"] = next_step(state)
    await services.dialogs.save(identity, chat, KIND, state)
    return state


async def create(
    services: Services, identity: Identity, chat: ChatRef, state: State, lang: str
) -> Change:
    """Schedule the meeting the dialog describes, and close the dialog."""
    if state.get("step") != "confirm":
        raise NotFound(STALE)
    meetings = services.meetings
    template = str(state["agenda"])
    change = await meetings.schedule(
        identity,
        chat,
        starts_at=datetime.fromisoformat(str(state["when"])),
        title=str(state["title"]) if state.get("title") else None,
        meeting_type=MeetingType(str(state["type"])),
        duration_minutes=int(str(state["duration"])),
        link=str(state["link"]) if state.get("link") else None,
        generate_link=bool(state.get("generate")),
        agenda_template=MeetingType(template) if template else None,
        empty_agenda=not template,
        lang=lang,
    )
    await services.dialogs.end(identity, chat)
    return change


def describe_answer(tr: Translator, value: str) -> str | None:
    """What a pressed button chose, to leave in place of the question's buttons."""
    if value.startswith("type:") and value[-1] in TYPE_CODES:
        return tr.gettext(
            "Kind: {kind}", kind=tr.gettext(MEETING_TYPE_LABELS[TYPE_CODES[value[-1]]])
        )
    return None
