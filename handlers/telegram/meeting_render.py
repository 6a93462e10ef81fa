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
from bot.domain.messages import Choice, Confirm
from bot.errors import BadInput
from bot.i18n import N_, Translator
from bot.rules.agenda import AgendaItem
from bot.rules.durations import format_duration, format_offsets
from bot.services.attendance import AnswerRow, Reach
from bot.services.meetings import (
    Change,
    CurrentRule,
    Overview,
    Question,
    RuleQuestion,
    RuleSet,
    TypeChange,
)
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
    """#number · time · title (type) · status."""
    return (
        f"#{meeting.number} · {when(tr, meeting, cell)} · {meeting.title} "
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
            id=meeting.number,
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


MORE = N_("…and {n} more: send /meetings all to see every one.")


def overview_text(tr: Translator, overview: Overview) -> str:
    """/meetings: upcoming and recent meetings of a cell, and how many more are not shown."""
    cell = overview.cell
    lines = [tr.gettext("Meetings of «{cell}»", cell=cell.name), "", tr.gettext("Upcoming:")]
    lines += [meeting_line(tr, m, cell) for m in overview.upcoming] or [tr.gettext("none")]
    if overview.more_upcoming:
        lines.append(tr.gettext(MORE, n=overview.more_upcoming))
    lines += ["", tr.gettext("Recent:")]
    lines += [meeting_line(tr, m, cell) for m in overview.recent] or [tr.gettext("none")]
    if overview.more_recent:
        lines.append(tr.gettext(MORE, n=overview.more_recent))
    lines += ["", tr.gettext("Details: /meeting N")]
    return "\n".join(lines)


def overview_everything(words: str) -> bool:
    """/meetings [all]: whether every meeting is asked for."""
    word = words.strip().lower()
    if word in ("", "all", "tất cả", "tat ca", "hết", "het"):
        return bool(word)
    raise BadInput(N_("Send /meetings, or /meetings all to see every meeting."))


def answers_text(tr: Translator, meeting: Meeting, rows: list[AnswerRow]) -> str:
    """/answers N: each member's answer, and whether the reminders may have missed them."""
    lines = [
        tr.gettext("Answers for meeting #{id} «{title}»:", id=meeting.number, title=meeting.title)
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
    lines = [tr.gettext("Agenda of meeting #{id}:", id=meeting.number)]
    lines += [f"{n}. {i.render(tr.language)}" for n, i in enumerate(items, 1)]
    return "\n".join(lines)


def offsets_text(tr: Translator, offsets: Sequence[int]) -> str:
    """The cell's reminder times, as set: "1 ngày, 1 giờ và 15 phút trước"."""
    return tr.gettext(
        "Reminders for each meeting: {times}.", times=format_offsets(offsets, tr.language)
    )


def current_offsets_text(tr: Translator, offsets: Sequence[int]) -> str:
    """/reminders without times: the setting, and how to change it."""
    return (
        offsets_text(tr, offsets)
        + "\n"
        + tr.gettext("To change them: /reminders {example}", example="24h 1h 0")
    )


def question_choices(
    tr: Translator, question: int, yes: str, no: str
) -> tuple[tuple[Choice, ...], ...]:
    """The two answers to a question asked before a change."""
    return (
        (Choice(tr.gettext(yes), Confirm(question, True)),),
        (Choice(tr.gettext(no), Confirm(question, False)),),
    )


CANCEL_YES = N_("❌ Yes, cancel the meeting")
CANCEL_NO = N_("Keep the meeting")
RULE_YES = N_("✅ Apply the new rule")
RULE_NO = N_("Keep the former rule")
NEW_ROOM = N_("🔄 A new Jitsi room")
NOT_NOW = N_("Keep this link")
NOTHING_CHANGED = N_("Nothing was changed.")


def cancel_question_text(tr: Translator, question: Question) -> str:
    """/cancel N [reason]: the meeting, the reason, and the question."""
    lines = [meeting_line(tr, question.meeting, question.cell)]
    if question.reason:
        lines.append(tr.gettext("Reason: {reason}", reason=question.reason))
    lines += ["", tr.gettext("Cancel this meeting? The group and the members will be told.")]
    return "\n".join(lines)


def cancelled_text(tr: Translator, change: Change) -> str:
    """A meeting cancelled, as told to the leader who confirmed it."""
    return tr.gettext("Meeting #{id} cancelled.", id=change.meeting.number)


def restored_text(tr: Translator, change: Change) -> str:
    """/restore N: the meeting takes place after all."""
    return tr.gettext(
        "Meeting #{id} restored: {title}, {when}. Reminders will be sent before it.",
        id=change.meeting.number,
        title=change.meeting.title,
        when=when(tr, change.meeting, change.cell),
    )


def link_text(tr: Translator, meeting: Meeting) -> str:
    """The meeting's link as it now is."""
    return tr.gettext("Link of meeting #{id}: {link}", id=meeting.number, link=meeting.link)


def link_question_text(tr: Translator, question: Question) -> str:
    """/link N: the link as it is, how to change it, and the choice of a new room."""
    meeting = question.meeting
    head = (
        link_text(tr, meeting)
        if meeting.link
        else tr.gettext("Meeting #{id} has no link yet.", id=meeting.number)
    )
    if not question.confirmation_id:
        return head  # cancelled or held: nothing to change
    return "\n".join(
        [
            head,
            tr.gettext(
                "To change it, send /link {id} followed by the new link, or /link {id} new "
                "for a new Jitsi room.",
                id=meeting.number,
            ),
        ]
    )


def recurring_text(tr: Translator, rules: RuleSet) -> str:
    """The regular meeting's rule and its coming meetings; what the change cancelled."""
    if rules.unchanged:
        lines = [
            tr.gettext(
                "The regular meeting already follows this rule: {rule}. Nothing was changed.",
                rule=rules.rule.describe(tr.language),
            )
        ]
    else:
        lines = [
            tr.gettext(
                "Regular meeting: {rule}. Coming meetings:", rule=rules.rule.describe(tr.language)
            )
        ]
    lines += [meeting_line(tr, c.meeting, c.cell) for c in rules.changes]
    if rules.cancelled:
        lines.append(
            tr.gettext(
                "Cancelled: {numbers}.",
                numbers=", ".join(f"#{m.number}" for m in rules.cancelled),
            )
        )
    return "\n".join(lines)


def rule_question_text(tr: Translator, question: RuleQuestion) -> str:
    """A changed rule that cancels coming meetings: what it cancels, and the question."""
    lines = [
        tr.gettext(
            "New rule: {rule}. It cancels these coming meetings of the former rule:",
            rule=question.rule.describe(tr.language),
        )
    ]
    lines += [meeting_line(tr, m, question.cell) for m in question.cancelling]
    lines += [
        "",
        tr.gettext(
            "Meetings with their own agenda, link or documents stay as they are. "
            "Apply the new rule?"
        ),
    ]
    return "\n".join(lines)


def current_rule_text(tr: Translator, current: CurrentRule) -> str:
    """/recurring without a rule: the rule in force and its coming meetings."""
    if current.rule is None:
        return tr.gettext(
            "There is no rule for the regular meeting yet. Set one: /recurring {example}",
            example="ngày 5 hằng tháng 19:30",
        )
    lines = [
        tr.gettext(
            "Regular meeting: {rule}. Coming meetings:", rule=current.rule.describe(tr.language)
        )
    ]
    lines += [meeting_line(tr, m, current.cell) for m in current.coming]
    lines.append(
        tr.gettext("To change it: /recurring {example}", example="thứ bảy đầu tiên 19:30")
    )
    return "\n".join(lines)
