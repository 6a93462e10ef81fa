"""Texts and keyboards for meetings, reminders and answers."""

from __future__ import annotations

from bot.domain.cells import Cell
from bot.domain.meetings import (
    MEETING_TYPE_LABELS,
    REPLY_LABELS,
    STATUS_LABELS,
    Document,
    Meeting,
    Reply,
)
from bot.i18n import N_, Translator
from bot.rules.agenda import AgendaItem
from bot.services.attendance import Reach
from bot.texts import when


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


def reply_label(tr: Translator, status: Reply | None) -> str:
    """A member's answer, or 'no answer yet'."""
    if status is None:
        return tr.gettext("no answer yet")
    return tr.gettext(REPLY_LABELS[status])


REACH_NOTES = {
    Reach.UNKNOWN: N_("reminder not confirmed: may have missed it"),
    Reach.UNREACHABLE: N_("cannot get private reminders"),
    Reach.NONE: N_("no reminder reached them"),
}


def reach_note(tr: Translator, reach: Reach) -> str:
    """After a member's answer: whether the reminders may have missed them ("" if reached)."""
    note = REACH_NOTES.get(reach)
    return f" — ⚠️ {tr.gettext(note)}" if note else ""
