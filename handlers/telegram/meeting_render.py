"""Texts and keyboards for meetings, reminders and answers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import Cell
from bot.i18n import Translator
from bot.meetings import MEETING_TYPE_LABELS, REPLY_LABELS, STATUS_LABELS, Meeting, Reminder, Reply
from bot.scheduling.agenda import AgendaItem
from bot.scheduling.dates import format_when
from bot.services.meetings import Document
from handlers.telegram import callback_data as cd


def when(tr: Translator, meeting: Meeting, cell: Cell) -> str:
    """The meeting's start in the cell's timezone and the reader's language."""
    return format_when(meeting.starts_at, ZoneInfo(cell.timezone), tr.language)


def meeting_line(tr: Translator, meeting: Meeting, cell: Cell) -> str:
    """#id · time · title (type) · status."""
    return (
        f"#{meeting.id} · {when(tr, meeting, cell)} · {meeting.title} "
        f"({tr.gettext(MEETING_TYPE_LABELS[meeting.type])}) · "
        f"{tr.gettext(STATUS_LABELS[meeting.status])}"
    )


def meeting_text(
    tr: Translator,
    meeting: Meeting,
    cell: Cell,
    items: list[AgendaItem],
    docs: list[Document],
) -> str:
    """A meeting with its agenda, link and documents."""
    lines = [meeting_line(tr, meeting, cell)]
    lines.append(tr.gettext("Duration: {minutes} minutes", minutes=meeting.duration_minutes))
    if meeting.link:
        lines.append(tr.gettext("Link: {link}", link=meeting.link))
    lines += ["", tr.gettext("Agenda:")]
    lines += [f"{n}. {item.render(tr.language)}" for n, item in enumerate(items, start=1)]
    if docs:
        lines += ["", tr.gettext("Documents:")]
        lines += [f"• {d.file_name}" + (" 🔒" if d.confidential else "") for d in docs]
    return "\n".join(lines)


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


def answer_keyboard(tr: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    """'Sẽ tham dự' / 'Xin vắng'."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("Will attend"), callback_data=cd.answer(meeting_id, True)
                ),
                InlineKeyboardButton(
                    tr.gettext("Request absence"), callback_data=cd.answer(meeting_id, False)
                ),
            ]
        ]
    )


def absence_keyboard(tr: Translator, meeting_id: int, user_id: int) -> InlineKeyboardMarkup:
    """Approve or decline an absence request."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("✅ Approve absence"),
                    callback_data=cd.absence(meeting_id, user_id, True),
                ),
                InlineKeyboardButton(
                    tr.gettext("❌ Decline absence"),
                    callback_data=cd.absence(meeting_id, user_id, False),
                ),
            ]
        ]
    )


def reply_label(tr: Translator, status: str | None) -> str:
    """A member's answer, or 'no answer yet'."""
    if status is None:
        return tr.gettext("no answer yet")
    return tr.gettext(REPLY_LABELS[Reply(status)])
