"""Texts and keyboards for meetings, reminders and answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.domain.cells import Cell
from bot.domain.meetings import (
    MEETING_TYPE_LABELS,
    REPLY_LABELS,
    STATUS_LABELS,
    Document,
    Meeting,
    MeetingType,
    Reply,
    parse_meeting_type,
)
from bot.errors import BadInput
from bot.i18n import N_, Translator
from bot.rules.agenda import AgendaItem
from bot.rules.durations import format_duration, format_offsets
from bot.rules.recurrence import RecurrenceRule
from bot.services.attendance import AnswerRow, Reach
from bot.services.meetings import Change, TypeChange
from bot.texts import ABSENCE, when, when_params


def meeting_number(text: str, example: str) -> int:
    """A meeting's number as typed after a command ("12" or "#12")."""
    word = text.lstrip("#")
    # ASCII digits only: isdigit() also takes "²" (int() refuses it) and other scripts' digits.
    if not (word.isascii() and word.isdigit()) or len(word) > 9 or int(word) == 0:
        raise BadInput(N_("Give the meeting's number from /meetings."), example=example)
    return int(word)


MEETINGKIND_EXAMPLE = "/meetingkind 12 chuyên đề"


def meeting_type_args(args: str) -> tuple[int, MeetingType]:
    """/meetingkind N KIND on any channel: the meeting's number and the new kind."""
    words = args.split(maxsplit=1)
    if not words:
        raise BadInput(
            N_("Give the meeting's number from /meetings."), example=MEETINGKIND_EXAMPLE
        )
    meeting_id = meeting_number(words[0], MEETINGKIND_EXAMPLE)
    # Vietnamese kinds are several words ("chuyên đề", "chi ủy"): matched whole.
    meeting_type = parse_meeting_type(words[1]) if len(words) == 2 else None
    if meeting_type is None:
        raise BadInput(
            N_("Choose regular, thematic, extraordinary or committee."),
            example=MEETINGKIND_EXAMPLE,
        )
    return meeting_id, meeting_type


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
    lines.append(
        tr.gettext(
            "Duration: {duration}",
            duration=format_duration(meeting.duration_minutes, tr.language),
        )
    )
    if meeting.link:
        lines.append(tr.gettext("Link: {link}", link=meeting.link))
    lines += ["", tr.gettext("Agenda:")]
    lines += [f"{n}. {item.render(tr.language)}" for n, item in enumerate(items, start=1)]
    if docs:
        lines += ["", tr.gettext("Documents:")]
        lines += [f"• {d.file_name}" + (" 🔒" if d.confidential else "") for d in docs]
    return "\n".join(lines)


def scheduled_text(tr: Translator, change: Change) -> str:
    """A meeting was scheduled: its number, kind, title and time."""
    return tr.gettext(
        "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
        **when_params(tr, change.cell, change.meeting),
    )


def type_change_text(tr: Translator, change: TypeChange) -> str:
    """/meetingkind: the meeting's kind now, and what became of its agenda."""
    meeting = change.meeting
    lines = [
        tr.gettext(
            "Meeting #{id} «{title}» is now a {kind}.",
            id=meeting.id,
            title=meeting.title,
            kind=tr.gettext(MEETING_TYPE_LABELS[meeting.type]),
        )
    ]
    if meeting.type is MeetingType.COMMITTEE:
        lines.append(
            tr.gettext(
                "Only the cell committee (secretary, deputies, committee members) is summoned."
            )
        )
    if change.agenda_followed:
        lines += ["", tr.gettext("Agenda (the standard one of this kind):")]
    else:
        lines += ["", tr.gettext("Agenda kept as edited (change it with /agenda):")]
    lines += [f"{n}. {item.render(tr.language)}" for n, item in enumerate(change.agenda, 1)]
    return "\n".join(lines)


def reply_label(tr: Translator, status: Reply | None) -> str:
    """A member's answer, or 'no answer yet'."""
    if status is None:
        return tr.gettext("no answer yet")
    return tr.gettext(REPLY_LABELS[status])


REACH_NOTES = {
    Reach.UNKNOWN: N_("reminder not confirmed: may have missed it"),
    Reach.UNREACHABLE: N_("cannot get private reminders"),
    Reach.REFUSED: N_("not sent: the monthly message budget of their channel is used up"),
    Reach.NONE: N_("no reminder reached them"),
}


def reach_note(tr: Translator, reach: Reach) -> str:
    """After a member's answer: whether the reminders may have missed them ("" if reached)."""
    note = REACH_NOTES.get(reach)
    return f" — ⚠️ {tr.gettext(note)}" if note else ""


def overview_text(
    tr: Translator, cell: Cell, upcoming: list[Meeting], recent: list[Meeting]
) -> str:
    """/meetings: upcoming and recent meetings of a cell."""
    lines = [tr.gettext("Meetings of «{cell}»", cell=cell.name), "", tr.gettext("Upcoming:")]
    lines += [meeting_line(tr, m, cell) for m in upcoming] or [tr.gettext("none")]
    lines += ["", tr.gettext("Recent:")]
    lines += [meeting_line(tr, m, cell) for m in recent] or [tr.gettext("none")]
    lines += ["", tr.gettext("Details: /meeting N")]
    return "\n".join(lines)


def answers_text(tr: Translator, meeting: Meeting, rows: list[AnswerRow]) -> str:
    """/answers N: each member's answer, and whether the reminders may have missed them."""
    lines = [
        tr.gettext("Answers for meeting #{id} «{title}»:", id=meeting.id, title=meeting.title)
    ]
    for row in rows:
        # One current state: a reason goes with an absence only.
        reason = row.reason if row.status in ABSENCE and row.reason else None
        lines.append(
            f"• {row.user.name}: {reply_label(tr, row.status)}"
            + (f" ({reason})" if reason else "")
            + reach_note(tr, row.reach)
        )
    count = Counter(row.status for row in rows)
    lines.append(
        tr.gettext(
            "In all: {attend} will attend, {excused} excused, {waiting} waiting for a decision, "
            "{declined} absence not accepted, {none} no answer.",
            attend=count[Reply.WILL_ATTEND],
            excused=count[Reply.ABSENT_WITH_REASON],
            waiting=count[Reply.ABSENCE_REQUESTED],
            declined=count[Reply.ABSENCE_DECLINED],
            none=count[None],
        )
    )
    return "\n".join(lines)


def agenda_text(tr: Translator, meeting: Meeting, items: list[AgendaItem]) -> str:
    """The agenda after an edit."""
    lines = [tr.gettext("Agenda of meeting #{id}:", id=meeting.id)]
    lines += [f"{n}. {i.render(tr.language)}" for n, i in enumerate(items, 1)]
    return "\n".join(lines)


def offsets_text(tr: Translator, offsets: Sequence[int]) -> str:
    """The cell's reminder times, as set: "1 ngày, 1 giờ và 15 phút trước"."""
    return tr.gettext(
        "Reminders for each meeting: {times}.", times=format_offsets(offsets, tr.language)
    )


def recurring_text(tr: Translator, rule: RecurrenceRule, changes: list[Change]) -> str:
    """The regular meeting's rule and the coming meetings it made."""
    lines = [
        tr.gettext("Regular meeting: {rule}. Coming meetings:", rule=rule.describe(tr.language))
    ]
    lines += [meeting_line(tr, c.meeting, c.cell) for c in changes]
    return "\n".join(lines)
