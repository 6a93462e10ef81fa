"""The minutes as text ("Biên bản sinh hoạt chi bộ"), the final attendance and the
conclusions sent to absent members, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.meetings import MEETING_TYPE_LABELS, MeetingType
from bot.domain.minutes import GRADE_LABELS, GRADES, Absentee, Minutes, MinutesState, Person
from bot.i18n import N_, Translator

KIND_HEADS = {
    "official": N_("Official members"),
    "probationary": N_("Probationary members"),
    "exempted": N_("Exempted members"),
    "elsewhere": N_("Temporarily active elsewhere"),
    "visiting": N_("Visiting members"),
}


def _time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def _names(people: tuple[Person, ...]) -> str:
    return ", ".join(p.name for p in people)


def _absentees(tr: Translator, people: tuple[Absentee, ...]) -> str:
    return "; ".join(
        tr.gettext("{name} ({reason})", name=p.name, reason=p.reason) if p.reason else p.name
        for p in people
    )


def attendance_lines(tr: Translator, minutes: Minutes) -> list[str]:
    """Who attended and who did not, by name (the final attendance and the minutes' part)."""
    a = minutes.attendance
    rows: list[tuple[str, int, str]] = [
        (N_("Present"), len(a.present), _names(a.present)),
        (N_("Late"), len(a.late), _names(a.late)),
        (N_("Absent with reason"), len(a.excused), _absentees(tr, a.excused)),
        (N_("Absent without reason"), len(a.absent), _absentees(tr, a.absent)),
        (N_("Exempted members who attended"), len(a.exempted), _names(a.exempted)),
        (N_("Guests"), len(a.guests), _names(a.guests)),
    ]
    # The four that every attendance states; those who came unsummoned only when any did.
    lines = [
        tr.gettext("{head} ({n}): {names}", head=tr.gettext(head), n=n, names=names or "—")
        for index, (head, n, names) in enumerate(rows)
        if index < 4 or n
    ]
    if a.marked:
        lines.append(tr.gettext("Recorded by the chair: {names}", names=_names(a.marked)))
    return lines


def head_count_lines(tr: Translator, minutes: Minutes) -> list[str]:
    """The head counts by kind (official, probationary, exempted, temporarily elsewhere,
    visiting), as the minutes state them (the text and the printable document)."""
    lines: list[str] = []
    for count in minutes.head_counts:
        if not count.on_roll and not count.attended:
            continue
        head = tr.gettext(KIND_HEADS.get(count.kind, count.kind))
        if count.summoned:
            lines.append(
                tr.gettext(
                    "- {head}: {summoned} summoned, {present} present ({late} late), {excused} "
                    "absent with reason, {absent} absent without reason",
                    head=head,
                    summoned=count.summoned,
                    present=count.attended,
                    late=count.late,
                    excused=count.excused,
                    absent=count.absent,
                )
            )
        else:
            lines.append(
                tr.gettext(
                    "- {head}: {n} on the roll, not summoned; {present} attended",
                    head=head,
                    n=count.on_roll,
                    present=count.attended,
                )
            )
    return lines


def final_attendance_text(tr: Translator, minutes: Minutes) -> str:
    """The final attendance posted when the meeting closes."""
    head = tr.gettext(
        "🔴 Meeting #{id} «{title}» is closed. Final attendance: {present} of {summoned} "
        "summoned attended.",
        id=minutes.meeting_number,
        title=minutes.title,
        # The summoned who attended: not those who came unsummoned (exempted members, an
        # official member at a committee meeting), who are listed apart.
        present=minutes.total("summoned") - minutes.total("excused") - minutes.total("absent"),
        summoned=minutes.total("summoned"),
    )
    # The votes' results, also those /close closed (the group saw no result of those yet).
    votes = [
        tr.gettext("Vote «{title}»: {outcome}", title=vote.title, outcome=vote.outcome)
        for vote in minutes.votes
    ]
    return "\n".join([head, *attendance_lines(tr, minutes), *votes])


def minutes_text(tr: Translator, minutes: Minutes, *, numbered: bool = False) -> str:
    """The whole minutes; `numbered` puts each speech's number (2.1, 2.2) for corrections."""
    tz = ZoneInfo(minutes.timezone)
    lines = [tr.gettext("MINUTES OF THE CELL MEETING"), minutes.cell_name]
    kind = MEETING_TYPE_LABELS.get(MeetingType(minutes.meeting_type))
    lines.append(
        tr.gettext(
            "Meeting #{id}: {title} ({kind})",
            id=minutes.meeting_number,
            title=minutes.title,
            kind=tr.gettext(kind) if kind else minutes.meeting_type,
        )
    )
    ended = _time(minutes.ended_at, tz) if minutes.ended_at else "—"
    lines.append(
        tr.gettext("Time: from {start} to {end}", start=_time(minutes.started_at, tz), end=ended)
    )
    if minutes.place:
        lines.append(tr.gettext("Place: {place}", place=minutes.place))
    elif minutes.link:
        lines.append(tr.gettext("Form: online ({link})", link=minutes.link))
    else:
        lines.append(tr.gettext("Form: online"))
    lines.append(tr.gettext("Chair: {name}", name=minutes.chair.name if minutes.chair else "—"))
    lines.append(
        tr.gettext("Minute-taker: {name}", name=minutes.recorder.name if minutes.recorder else "—")
    )
    lines += ["", tr.gettext("Attendance:")]
    lines += head_count_lines(tr, minutes)
    lines += attendance_lines(tr, minutes)
    lines += ["", tr.gettext("Agenda and proceedings:")]
    for item in minutes.items:
        lines.append(f"{item.position}. {item.title}")
        if item.speeches:
            lines.append("   " + tr.gettext("Speeches:"))
            for index, speech in enumerate(item.speeches, start=1):
                mark = f"{item.position}.{index} " if numbered else "- "
                lines.append(f"   {mark}{speech.speaker}: {speech.text}")
        for note in item.notes:
            lines.append("   " + tr.gettext("Note: {text}", text=note))
        if item.conclusion:
            lines.append("   " + tr.gettext("Chair's conclusion: {text}", text=item.conclusion))
    share = round(minutes.speaker_share * 100)
    lines += [
        "",
        tr.gettext(
            "Spoke: {speakers} of {attendees} attendees ({share}%).",
            speakers=minutes.speakers,
            attendees=minutes.attendees,
            share=share,
        ),
    ]
    if minutes.votes:
        lines.append(tr.gettext("Votes:"))
        for vote in minutes.votes:
            counts = ", ".join(f"{label}: {n}" for label, n in vote.counts.items())
            lines.append(
                tr.gettext(
                    "- {title}: {counts}; {denominator}; {threshold}: {outcome}",
                    title=vote.title,
                    counts=counts,
                    denominator=vote.denominator_text or str(vote.denominator),
                    threshold=vote.threshold,
                    outcome=vote.outcome,
                )
            )
            for label, names in vote.open_names.items():
                lines.append(f"   {label}: {', '.join(names)}")
    if minutes.scores is not None and minutes.scores.total:
        grades = ", ".join(
            f"{tr.gettext(GRADE_LABELS[g])} {minutes.scores.count(g)}" for g in GRADES
        )
        lines.append(
            tr.gettext(
                "The meeting as members scored it ({n}): {grades}",
                n=minutes.scores.total,
                grades=grades,
            )
        )
    if minutes.extra_lines:
        lines += ["", tr.gettext("Added by the secretary:"), *minutes.extra_lines]
    lines.append("")
    if minutes.auto_closed:
        lines.append(tr.gettext("The meeting was closed automatically after its planned end."))
    lines.append(
        tr.gettext(
            "Version {version}: {state}.",
            version=minutes.version,
            state=tr.gettext(_STATE[minutes.state]),
        )
    )
    return "\n".join(lines)


_STATE = {
    MinutesState.DRAFT: N_("draft, to be approved"),
    MinutesState.APPROVED: N_("approved"),
    MinutesState.SUPERSEDED: N_("superseded by a later version"),
}


def conclusions_text(tr: Translator, minutes: Minutes) -> str:
    """What an absent member is sent after approval: the conclusions per item."""
    lines = [
        tr.gettext(
            "📋 You were absent from meeting #{id} «{title}». Its conclusions, as approved:",
            id=minutes.meeting_number,
            title=minutes.title,
        )
    ]
    concluded = [i for i in minutes.items if i.conclusion]
    for item in concluded:
        lines.append(f"{item.position}. {item.title}: {item.conclusion}")
    if not concluded:
        lines.append(tr.gettext("No conclusion was recorded."))
    for vote in minutes.votes:
        lines.append(
            tr.gettext("Vote «{title}»: {outcome}", title=vote.title, outcome=vote.outcome)
        )
    return "\n".join(lines)
