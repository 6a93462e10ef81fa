"""Texts the core sends on its own (reminders, notices), in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.cells import Cell, Kind
from bot.domain.identity import User
from bot.domain.meetings import MEETING_TYPE_LABELS, Meeting
from bot.domain.messages import AnswerSummons, Choice, DecideAbsence, DecideJoin
from bot.domain.reminders import Reminder
from bot.i18n import Translator
from bot.rules.dates import format_when


def when(tr: Translator, meeting: Meeting, cell: Cell) -> str:
    """The meeting's start in the cell's timezone and the reader's language."""
    return format_when(meeting.starts_at, ZoneInfo(cell.timezone), tr.language)


def when_params(
    tr: Translator, cell: Cell, meeting: Meeting, previous_start: datetime | None = None
) -> dict[str, str]:
    """The placeholders of a meeting notice."""
    tz = ZoneInfo(cell.timezone)
    params = {
        "id": str(meeting.id),
        "title": meeting.title,
        "when": format_when(meeting.starts_at, tz, tr.language),
        "cell": cell.name,
        "kind": tr.gettext(MEETING_TYPE_LABELS[meeting.type]),
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
    elif reminder.offset_minutes % 60 == 0:
        head = tr.gettext(
            "⏰ Reminder: {title} in {hours} h",
            title=meeting.title,
            hours=reminder.offset_minutes // 60,
        )
    else:
        head = tr.gettext(
            "⏰ Reminder: {title} in {minutes} min",
            title=meeting.title,
            minutes=reminder.offset_minutes,
        )
    lines = [
        head,
        tr.gettext("Cell «{cell}», {when}", cell=cell.name, when=when(tr, meeting, cell)),
    ]
    if meeting.link:
        lines.append(tr.gettext("Link: {link}", link=meeting.link))
    if private:
        lines.append(tr.gettext("Please answer with a button below."))
    return "\n".join(lines)


def answer_choices(tr: Translator, meeting_id: int) -> tuple[tuple[Choice, ...], ...]:
    """'Sẽ tham dự' / 'Xin vắng'."""
    return (
        (
            Choice(tr.gettext("Will attend"), AnswerSummons(meeting_id, True)),
            Choice(tr.gettext("Request absence"), AnswerSummons(meeting_id, False)),
        ),
    )


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


def connect_text(tr: Translator, user: User, code: str, minutes: int) -> str:
    """/connect: the person's accounts, and a one-time code for the other channel."""
    channels = ", ".join(CHANNEL_NAMES.get(c, c) for c in user.channels)
    first = CHANNEL_NAMES.get(user.reached_on()[0].channel, user.channel)
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
    channels = ", ".join(CHANNEL_NAMES.get(c, c) for c in user.channels)
    first = CHANNEL_NAMES.get(user.reached_on()[0].channel, user.channel)
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
    first = CHANNEL_NAMES.get(user.reached_on()[0].channel, user.channel)
    return tr.gettext("✅ Private messages now go to {channel} first.", channel=first)
