"""Texts the core sends on its own (reminders, notices), in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.cells import Cell, Kind
from bot.domain.identity import User
from bot.domain.meetings import MEETING_TYPE_LABELS, Meeting, Reply
from bot.domain.messages import AnswerSummons, Choice, DecideAbsence, DecideJoin, SendAbsence
from bot.domain.reminders import Reminder
from bot.i18n import N_, Translator
from bot.rules.dates import format_when
from bot.rules.durations import format_duration


def when(tr: Translator, meeting: Meeting, cell: Cell) -> str:
    """The meeting's start in the cell's timezone and the reader's language."""
    return format_when(meeting.starts_at, ZoneInfo(cell.timezone), tr.language)


def when_params(
    tr: Translator, cell: Cell, meeting: Meeting, previous_start: datetime | None = None
) -> dict[str, str]:
    """The placeholders of a meeting notice."""
    tz = ZoneInfo(cell.timezone)
    params = {
        "id": str(meeting.number),
        "title": meeting.title,
        "when": format_when(meeting.starts_at, tz, tr.language),
        "cell": cell.name,
        "kind": tr.gettext(MEETING_TYPE_LABELS[meeting.type]),
        "link": meeting.link or "",
    }
    if previous_start is not None:
        params["old"] = format_when(previous_start, tz, tr.language)
    return params


def reminder_text(
    tr: Translator, meeting: Meeting, reminder: Reminder, cell: Cell, *, private: bool = False
) -> str:
    """The reminder message (group or private)."""
    if reminder.offset_minutes == 0:
        head = tr.gettext("⏰ The meeting starts now: {title}", title=meeting.title)
    else:
        head = tr.gettext(
            "⏰ Reminder: {title} starts in {duration}",
            title=meeting.title,
            duration=format_duration(reminder.offset_minutes, tr.language),
        )
    lines = [
        head,
        tr.gettext("Cell «{cell}», {when}", cell=cell.name, when=when(tr, meeting, cell)),
    ]
    if meeting.link:
        lines.append(tr.gettext("Link: {link}", link=meeting.link))
    if reminder.offset_minutes == 0:
        return "\n".join(lines)
    if private:
        # Buttons on Telegram, a numbered list on Zalo: the words fit both.
        lines.append(tr.gettext("Please answer with one of the choices below."))
    else:
        lines.append(
            tr.gettext(
                "Members answer (will attend / request absence) in their private chat with the "
                "bot: with the buttons of the reminder, or /meeting {id} there.",
                id=meeting.number,
            )
        )
    return "\n".join(lines)


ABSENCE = (Reply.ABSENCE_REQUESTED, Reply.ABSENT_WITH_REASON, Reply.ABSENCE_DECLINED)


def answer_choices(
    tr: Translator, meeting_id: int, current: Reply | None = None
) -> tuple[tuple[Choice, ...], ...]:
    """'Sẽ tham dự' / 'Xin vắng', the current answer marked: it can be changed until the
    meeting starts."""
    attend = tr.gettext("Will attend")
    absent = tr.gettext("Request absence")
    if current is Reply.WILL_ATTEND:
        attend = "✅ " + attend
    elif current in ABSENCE:
        absent = "✅ " + absent
    return (
        (
            Choice(attend, AnswerSummons(meeting_id, True)),
            Choice(absent, AnswerSummons(meeting_id, False)),
        ),
    )


YOUR_ANSWER = {
    None: N_("You have not answered yet."),
    Reply.WILL_ATTEND: N_("Your answer: you will attend."),
    Reply.ABSENCE_REQUESTED: N_("Your answer: absence requested, waiting for the decision."),
    Reply.ABSENT_WITH_REASON: N_("Your answer: absence approved."),
    Reply.ABSENCE_DECLINED: N_("Your answer: absence not accepted, please attend."),
}
# The line that shows a member's own answer under a message; replaced when it changes.
ANSWER_MARK = "👉 "


def your_answer(tr: Translator, status: Reply | None) -> str:
    """The member's own current answer, as a line under the meeting or the reminder."""
    return ANSWER_MARK + tr.gettext(YOUR_ANSWER[status])


def with_answer(text: str, tr: Translator, status: Reply | None) -> str:
    """A message's text with its answer line put (or replaced) at the end."""
    head = text.split("\n\n" + ANSWER_MARK, 1)[0]
    return head + "\n\n" + your_answer(tr, status)


# The dialog kind of an offered absence request (the typed reason waits for the member's yes).
OFFER = "absence-offer"


def absence_reply(tr: Translator, status: Reply) -> str:
    """What a member is told once the reason is in."""
    if status is Reply.ABSENT_WITH_REASON:
        return tr.gettext("Your absence is recorded as excused (nobody else decides on it).")
    return tr.gettext("Your request was sent to the secretary.")


def absence_offer(
    tr: Translator, meeting: Meeting, cell: Cell, reason: str
) -> tuple[str, tuple[tuple[Choice, ...], ...]]:
    """Typed words that read as an absence request: the meeting they would excuse, to confirm."""
    text = tr.gettext(
        "Do you ask to be excused from meeting #{id} «{title}» ({when}) for this reason?\n"
        "«{reason}»",
        id=meeting.number,
        title=meeting.title,
        when=when(tr, meeting, cell),
        reason=reason,
    )
    return text, ((Choice(tr.gettext("Send the absence request"), SendAbsence(meeting.id)),),)


def absence_choices(
    tr: Translator, meeting_id: int, user_id: int
) -> tuple[tuple[Choice, ...], ...]:
    """Approve or decline an absence request."""
    return (
        (
            Choice(tr.gettext("✅ Approve absence"), DecideAbsence(meeting_id, user_id, True)),
            Choice(tr.gettext("❌ Decline absence"), DecideAbsence(meeting_id, user_id, False)),
        ),
    )


def join_choices(tr: Translator, membership_id: int) -> tuple[tuple[Choice, ...], ...]:
    """Approve a join request as official or probationary, or decline it."""
    return (
        (
            Choice(tr.gettext("✅ Approve: official"), DecideJoin(membership_id, Kind.OFFICIAL)),
            Choice(
                tr.gettext("✅ Approve: probationary"),
                DecideJoin(membership_id, Kind.PROBATIONARY),
            ),
        ),
        (Choice(tr.gettext("❌ Decline"), DecideJoin(membership_id, None)),),
    )


CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}


def channel_name(channel: str) -> str:
    """A channel as its users know it (a brand: the same in every language)."""
    return CHANNEL_NAMES.get(channel, channel)


def connect_text(tr: Translator, user: User, code: str, minutes: int) -> str:
    """/connect: the person's accounts, and a one-time code for the other channel."""
    channels = ", ".join(channel_name(c) for c in user.channels)
    first = channel_name(user.reached_on()[0].channel)
    lines = [
        tr.gettext("Your accounts: {channels}.", channels=channels),
        tr.gettext(
            "To receive the bot's messages on your other channel too (Telegram or Zalo), send "
            "this to the bot there within {minutes} minutes:",
            minutes=minutes,
        ),
        f"/connect {code}",
        tr.gettext("The code works once. Never give it to anyone else."),
    ]
    if user.accounts:
        lines.insert(
            1,
            tr.gettext(
                "Private messages go to {channel} first. Change with /connect telegram or "
                "/connect zalo.",
                channel=first,
            ),
        )
    return "\n".join(lines)


def connected_text(tr: Translator, user: User, merged_cells: int) -> str:
    """The accounts were connected."""
    channels = ", ".join(channel_name(c) for c in user.channels)
    first = channel_name(user.reached_on()[0].channel)
    lines = [
        tr.gettext("✅ Connected: {channels}. You are one member everywhere.", channels=channels),
        tr.gettext(
            "Private messages go to {channel} first, and to your other account when they "
            "cannot reach you there. Change with /connect telegram or /connect zalo.",
            channel=first,
        ),
    ]
    if merged_cells:
        lines.append(
            tr.gettext("Cells where you had two roster lines, now one each: {n}.", n=merged_cells)
        )
    return "\n".join(lines)


def prefers_text(tr: Translator, user: User) -> str:
    """/connect telegram|zalo: where private messages now go first."""
    first = channel_name(user.reached_on()[0].channel)
    return tr.gettext("✅ Private messages now go to {channel} first.", channel=first)
