"""Texts of a running meeting: the check-in message with its live head count, answers to a
check-in, the roll by name, marks and the cell's quorum and grace period (Telegram and Zalo)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.domain.cells import Cell, normalize_word
from bot.domain.identity import User
from bot.domain.meetings import MEETING_TYPE_LABELS
from bot.domain.messages import AssignRunner, Choice
from bot.domain.running import (
    ATTENDANCE_CRITERION_PERCENT,
    HeadCount,
    RollEntry,
    RollKind,
    RollRules,
    RollStatus,
)
from bot.errors import BadInput
from bot.i18n import N_, Translator
from bot.services.members import MemberRef, parse_member_ref
from bot.services.running import Board, Checked, Marked, Roll
from bot.texts import when

OPEN_EXAMPLE = "/open 3 thư ký @lan_tran"
MARK_EXAMPLE = "/mark 5 vắng Trực chốt biên giới"
ATTENDANCE_EXAMPLE = "/attendance 3"
PICK_MAX = 40
PICK_LABEL_MAX = 40

KIND_COUNT_LABELS = {
    RollKind.OFFICIAL: N_("official {present}/{summoned}"),
    RollKind.PROBATIONARY: N_("probationary {present}/{summoned}"),
    RollKind.VISITING: N_("visiting {present}/{summoned}"),
}

# Words for /open's roles and /mark's statuses, compared after normalize_word.
CHAIR_WORDS = frozenset({"chair", "chutri", "chutoa", "chairman"})
RECORDER_WORDS = frozenset({"recorder", "minutes", "minutetaker", "thuky", "thukycuochop"})
PRESENT_WORDS = frozenset({"present", "comat", "co", "here"})
LATE_WORDS = frozenset({"late", "muon", "dimuon", "tre", "ditre"})
ABSENT_WORDS = frozenset({"absent", "vang", "vangmat"})


def _local(cell: Cell, moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(cell.timezone)):%H:%M}"


def comrade(tr: Translator, user: User | None) -> str:
    """A person as named on the board ("đồng chí Trần Lan"), or "not chosen yet"."""
    if user is None:
        return tr.gettext("not chosen yet")
    return tr.gettext("comrade {name}", name=user.name)


def count_lines(tr: Translator, count: HeadCount) -> list[str]:
    """The head count: the summoned present split by kind, the others apart, the quorum."""
    kinds = " · ".join(
        tr.gettext(KIND_COUNT_LABELS[kind], present=c.present, summoned=c.summoned)
        for kind, c in count.by_kind.items()
        if c.summoned
    )
    lines = [
        tr.gettext(
            "Present: {present} of {summoned} summoned ({share}%)",
            present=count.present,
            summoned=count.summoned,
            share=count.share,
        )
    ]
    if kinds:
        lines.append(kinds)
    extra = []
    if count.late:
        extra.append(tr.gettext("late {n}", n=count.late))
    if count.excused:
        extra.append(tr.gettext("absent with reason {n}", n=count.excused))
    if count.absent:
        extra.append(tr.gettext("absent without reason {n}", n=count.absent))
    if extra:
        lines.append(" · ".join(extra))
    apart = []
    if count.exempted_present:
        apart.append(tr.gettext("exempted members present {n}", n=count.exempted_present))
    if count.others_present:
        apart.append(tr.gettext("others not summoned present {n}", n=count.others_present))
    if count.guests_present:
        apart.append(tr.gettext("guests {n}", n=count.guests_present))
    if apart:
        lines.append(tr.gettext("Not counted: {list}", list=" · ".join(apart)))
    if count.quorate:
        lines.append(
            tr.gettext(
                "✅ Enough members present to hold the meeting (at least {needed} of "
                "{summoned}, {percent}%).",
                needed=count.needed,
                summoned=count.summoned,
                percent=count.quorum_percent,
            )
        )
    else:
        lines.append(
            tr.gettext(
                "⏳ Not yet enough members present: {needed} of {summoned} needed ({percent}%).",
                needed=count.needed,
                summoned=count.summoned,
                percent=count.quorum_percent,
            )
        )
    if count.summoned and not count.meets_criterion:
        lines.append(
            tr.gettext(
                "⚠️ Attendance {share}%: not above {criterion}% (the criterion of a good meeting).",
                share=count.share,
                criterion=ATTENDANCE_CRITERION_PERCENT,
            )
        )
    return lines


def board_text(tr: Translator, board: Board) -> str:
    """The check-in message in the group, with the live head count."""
    meeting, cell = board.meeting, board.cell
    lines = [
        tr.gettext(
            "🟢 Meeting #{id} «{title}» ({kind}) is open.",
            id=meeting.number,
            title=meeting.title,
            kind=tr.gettext(MEETING_TYPE_LABELS[meeting.type]),
        ),
        tr.gettext(
            "Chair: {chair} · Minute-taker: {recorder}",
            chair=comrade(tr, board.chair),
            recorder=comrade(tr, board.recorder),
        ),
    ]
    if meeting.link:
        lines.append("🔗 " + meeting.link)
    if board.run.closed:
        lines.append(tr.gettext("The meeting is closed; check-in has ended."))
    else:
        lines.append(
            tr.gettext(
                "Comrades, please check in with «✅ Present» (on time until {time}).",
                time=_local(cell, board.run.on_time_until(meeting.starts_at)),
            )
        )
    lines.append("")
    lines += count_lines(tr, board.count)
    return "\n".join(lines)


def checked_text(tr: Translator, checked: Checked) -> str:
    """The answer to a check-in (the button's alert, or the Zalo reply)."""
    at = _local(checked.cell, checked.at) if checked.at else ""
    if not checked.recorded:
        return tr.gettext(
            "You have already checked in to meeting #{id} ({time}); nothing changed.",
            id=checked.meeting.number,
            time=at,
        )
    if checked.status is RollStatus.LATE:
        return tr.gettext(
            "Checked in to meeting #{id}: present, late ({time}).",
            id=checked.meeting.number,
            time=at,
        )
    return tr.gettext(
        "Checked in to meeting #{id}: present ({time}).", id=checked.meeting.number, time=at
    )


def opened_text(tr: Translator, board: Board, already: bool) -> str:
    """The answer to /open given elsewhere than the group, or on a meeting already open."""
    number = board.meeting.number
    if already:
        head = tr.gettext("Meeting #{id} is in progress.", id=number)
    elif board.cell.has_group:
        head = tr.gettext(
            "Meeting #{id} is open; the check-in message is in the group.", id=number
        )
    else:
        head = tr.gettext(
            "Meeting #{id} is open; the members summoned were sent the check-in privately.",
            id=number,
        )
    return "\n".join(
        [
            head,
            tr.gettext(
                "Chair: {chair} · Minute-taker: {recorder}",
                chair=comrade(tr, board.chair),
                recorder=comrade(tr, board.recorder),
            ),
            tr.gettext(
                "Change them with /open {id} chair or /open {id} thư ký (buttons), or name the "
                "member: /open {id} chair @member.",
                id=board.meeting.number,
            ),
            *count_lines(tr, board.count),
        ]
    )


STATUS_TITLES = {
    RollStatus.PRESENT: N_("Present ({n})"),
    RollStatus.LATE: N_("Late ({n})"),
    RollStatus.EXCUSED: N_("Absent with reason ({n})"),
    RollStatus.ABSENT: N_("Absent without reason ({n})"),
    RollStatus.EXPECTED: N_("Not checked in yet ({n})"),
}


def _entry_line(tr: Translator, cell: Cell, entry: RollEntry, names: dict[int, str]) -> str:
    line = "• " + entry.user.name
    if entry.status is RollStatus.LATE and entry.checked_at:
        line += f" ({_local(cell, entry.checked_at)})"
    if entry.reason:
        line += " — " + entry.reason
    if entry.marked_by is not None and entry.marked_at is not None:
        line += " " + tr.gettext(
            "(recorded by {name} at {time})",
            name=names.get(entry.marked_by, "?"),
            time=_local(cell, entry.marked_at),
        )
    return line


def attendance_text(tr: Translator, roll: Roll) -> str:
    """/attendance N: the roll by name."""
    cell, meeting = roll.cell, roll.meeting
    names = {e.user.id: e.user.name for e in roll.entries}
    lines = [
        tr.gettext(
            "📋 Attendance of meeting #{id} «{title}», {when}",
            id=meeting.number,
            title=meeting.title,
            when=when(tr, meeting, cell),
        )
    ]
    summoned = [e for e in roll.entries if e.summoned]
    for status in (
        RollStatus.PRESENT,
        RollStatus.LATE,
        RollStatus.EXCUSED,
        RollStatus.ABSENT,
        RollStatus.EXPECTED,
    ):
        group = [e for e in summoned if e.status is status]
        if group:
            lines.append("")
            lines.append(tr.gettext(STATUS_TITLES[status], n=len(group)))
            lines += [_entry_line(tr, cell, e, names) for e in group]
    came = [e for e in roll.entries if not e.summoned and e.attended]
    for title, kinds in (
        (N_("Exempted members present ({n})"), {RollKind.EXEMPTED}),
        (
            N_("Members not summoned here present ({n})"),
            {RollKind.ELSEWHERE, RollKind.OFFICIAL, RollKind.PROBATIONARY, RollKind.VISITING},
        ),
        (N_("Guests ({n})"), {RollKind.GUEST}),
    ):
        group = [e for e in came if e.kind in kinds]
        if group:
            lines.append("")
            lines.append(tr.gettext(title, n=len(group)))
            lines += [_entry_line(tr, cell, e, names) for e in group]
    lines.append("")
    lines += count_lines(tr, roll.count)
    return "\n".join(lines)


def marked_text(tr: Translator, marked: Marked) -> str:
    """The answer to /mark."""
    labels = {
        RollStatus.PRESENT: N_("{name}: recorded present at meeting #{id}."),
        RollStatus.LATE: N_("{name}: recorded present, late, at meeting #{id}."),
        RollStatus.EXCUSED: N_("{name}: recorded absent with reason at meeting #{id}: {reason}"),
        RollStatus.ABSENT: N_("{name}: recorded absent without reason at meeting #{id}."),
    }
    return tr.gettext(
        labels[marked.status],
        name=marked.member.name,
        id=marked.meeting.number,
        reason=marked.reason or "",
    )


def rules_text(tr: Translator, rules: RollRules) -> str:
    """The cell's quorum and grace period."""
    return tr.gettext(
        "Quorum: {quorum}% of the members summoned. A check-in more than {grace} minutes after "
        "the start is late. Leaders change them with /quorum PERCENT and /grace MINUTES.",
        quorum=rules.quorum,
        grace=rules.grace,
    )


# --- parsing ----------------------------------------------------------------------------------


def _number(word: str) -> int | None:
    word = word.lstrip("#")
    if word.isascii() and word.isdigit() and 0 < len(word) <= 9 and int(word) > 0:
        return int(word)
    return None


class OpenArgs(NamedTuple):
    """What /open was given: the meeting's number (None: the one due now), the chair and the
    minute-taker named, and a role named without a member (to choose with buttons)."""

    number: int | None
    chair: MemberRef | None
    recorder: MemberRef | None
    pick: str | None = None  # "chair" or "recorder"


def open_args(text: str, replied: MemberRef | None = None) -> OpenArgs:
    """/open [N] [chair @member] [thư ký @member]; a role without a member takes the member of
    the replied-to message, or (none replied to) is to be chosen with buttons."""
    words = text.split()
    number = _number(words[0]) if words else None
    if number is not None:
        words = words[1:]
    chair: MemberRef | None = None
    recorder: MemberRef | None = None
    role_words: list[str] = []

    def assign(ref: MemberRef) -> None:
        nonlocal chair, recorder
        role = normalize_word("".join(role_words))
        if role in CHAIR_WORDS:
            chair = ref
        elif role in RECORDER_WORDS:
            recorder = ref
        else:
            raise BadInput(
                N_("Write /open N, /open N chair @member or /open N thư ký @member."),
                example=OPEN_EXAMPLE,
            )
        role_words.clear()

    for word in words:
        ref = parse_member_ref(word)
        if ref is not None and role_words:
            assign(ref)
        else:
            role_words.append(word)
    if role_words:
        if replied is not None:
            assign(replied)
        else:
            role = normalize_word("".join(role_words))
            if role in CHAIR_WORDS:
                return OpenArgs(number, chair, recorder, "chair")
            if role in RECORDER_WORDS:
                return OpenArgs(number, chair, recorder, "recorder")
            raise BadInput(
                N_("Write /open N, /open N chair @member or /open N thư ký @member."),
                example=OPEN_EXAMPLE,
            )
    return OpenArgs(number, chair, recorder)


def pick_text(tr: Translator, board: Board, recorder: bool) -> str:
    """The question above the buttons naming the chair or the minute-taker."""
    if recorder:
        return tr.gettext("Choose the minute-taker of meeting #{id}:", id=board.meeting.number)
    return tr.gettext("Choose who chairs meeting #{id}:", id=board.meeting.number)


def pick_choices(
    board: Board, users: list[User], recorder: bool
) -> tuple[tuple[Choice, ...], ...]:
    """One choice per candidate, two a row (at most PICK_MAX)."""
    choices = [
        Choice(u.name[:PICK_LABEL_MAX], AssignRunner(board.meeting.id, recorder, u.id))
        for u in users[:PICK_MAX]
    ]
    return tuple(tuple(choices[i : i + 2]) for i in range(0, len(choices), 2))


def assigned_text(tr: Translator, board: Board, recorder: bool) -> str:
    """Who chairs, or takes the minutes, now."""
    if recorder:
        return tr.gettext(
            "Meeting #{id}: {name} takes the minutes.",
            id=board.meeting.number,
            name=comrade(tr, board.recorder),
        )
    return tr.gettext(
        "Meeting #{id}: {name} chairs.", id=board.meeting.number, name=comrade(tr, board.chair)
    )


def mark_args(text: str, replied: MemberRef | None = None) -> tuple[MemberRef, RollStatus, str]:
    """/mark MEMBER present|late|absent [reason] (or as a reply: /mark absent reason): who,
    the status (absent with a reason is "absent with reason") and the reason."""
    words = text.split()
    ref = parse_member_ref(words[0]) if words else None
    if ref is not None:
        words = words[1:]
    else:
        ref = replied
    status: RollStatus | None = None
    for size in (2, 1):
        word = normalize_word("".join(words[:size]))
        if len(words) >= size and word:
            if word in PRESENT_WORDS:
                status = RollStatus.PRESENT
            elif word in LATE_WORDS:
                status = RollStatus.LATE
            elif word in ABSENT_WORDS:
                status = RollStatus.ABSENT
            if status is not None:
                words = words[size:]
                break
    if ref is None or status is None:
        raise BadInput(
            N_(
                "Write /mark MEMBER present, late or absent with the reason (MEMBER: the "
                "number in /members or @username)."
            ),
            example=MARK_EXAMPLE,
        )
    reason = " ".join(words)
    if status is RollStatus.ABSENT and reason:
        status = RollStatus.EXCUSED
    return ref, status, reason


def percent_arg(text: str) -> int | None:
    """/quorum's argument: "67", "67%" or "2/3"; None when there is none."""
    word = text.strip().rstrip("%").strip()
    if not word:
        return None
    fraction = re.fullmatch(r"([0-9]{1,3})/([0-9]{1,3})", word)
    if fraction and 0 < int(fraction[1]) <= int(fraction[2]):
        return round(100 * int(fraction[1]) / int(fraction[2]))
    if re.fullmatch(r"[0-9]{1,3}", word):
        return int(word)
    raise BadInput(N_("The quorum is a percent from 1 to 100."), example="/quorum 67")


GRACE_UNITS = frozenset({"", "p", "m", "min", "mins", "minute", "minutes", "phut"})


def minutes_arg(text: str) -> int | None:
    """/grace's argument: "15", "15p", "15 phút", "15 min"; None when there is none."""
    word = text.strip()
    if not word:
        return None
    found = re.fullmatch(r"([0-9]{1,3})\s*(\S*)", word)
    if found and normalize_word(found[2]) in GRACE_UNITS:
        return int(found[1])
    raise BadInput(N_("The grace period is from 0 to 240 minutes."), example="/grace 15")
