"""Reports as messages, the same on Telegram and Zalo: a cell's report, a member's own
record, the operators' overview."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.meetings import MEETING_TYPE_LABELS, REPLY_LABELS, MeetingType, Reply
from bot.domain.reports import (
    BREACH_LABELS,
    CELL_BREACH_LABELS,
    GRADE_LABELS,
    QUALITY_CHECKLIST,
    QUALITY_TABLE,
    CellLine,
    Report,
)
from bot.i18n import N_, Translator
from bot.services.reports import MyRecord, Overview, criterion_met, percent

ROLL_LABELS = {
    "present": N_("present"),
    "late": N_("late"),
    "excused": N_("absent with reason"),
    "absent": N_("absent without reason"),
    "expected": N_("not recorded"),
}


def pct(tr: Translator, rate: float | None) -> str:
    """A rate as the reader writes it: 87,0% in Vietnamese, 87.0% in English."""
    text = percent(rate)
    return text.replace(".", ",") if tr.language == "vi" else text


# The overview's message names this many cells; the workbook has them all.
OVERVIEW_LINES = 40


def _missing(tr: Translator, indexes: Sequence[int], quarter: bool) -> str:
    if not indexes:
        return ""
    named = ", ".join(str(i) for i in indexes)
    if quarter:
        return " " + tr.gettext("(missing: quarter {list})", list=named)
    return " " + tr.gettext("(missing: month {list})", list=named)


def report_text(report: Report, tr: Translator) -> str:
    """/report: the cell's report as a readable message."""
    lines = [
        tr.gettext(
            "📊 Report of {cell}, {period}", cell=report.cell_name, period=report.period.label
        ),
        "",
        tr.gettext(
            "Regular meetings: {held} of {required} months{missing}",
            held=report.regular_held,
            required=report.regular_required,
            missing=_missing(tr, [r.index for r in report.regular if r.missing], False),
        ),
        tr.gettext(
            "Thematic meetings: {held} of {required} quarters{missing}",
            held=report.thematic_held,
            required=report.thematic_required,
            missing=_missing(tr, [r.index for r in report.thematic if r.missing], True),
        ),
        tr.gettext(
            "Extraordinary meetings: {extraordinary}; cell committee meetings: {committee}",
            extraordinary=report.other[MeetingType.EXTRAORDINARY],
            committee=report.other[MeetingType.COMMITTEE],
        ),
    ]
    if report.since is not None:
        lines.append(
            tr.gettext(
                "Required from {month:02d}/{year}, when the cell began using cellmeet.",
                month=report.since[1],
                year=report.since[0],
            )
        )
    tally = report.tally
    verdict = (
        tr.gettext("✅ above 85%") if report.meets_attendance else tr.gettext("⚠️ at or below 85%")
    )
    lines.append(
        tr.gettext(
            "Attendance: {rate} ({attended} of {summoned} summons; late counted as present) "
            "{verdict}",
            rate=pct(tr, tally.rate),
            attended=tally.attended,
            summoned=tally.summoned,
            verdict=verdict if tally.summoned else "",
        ).rstrip()
    )
    if report.score is not None:
        lines.append(
            tr.gettext(
                "Average score: {score} of 4",
                score=f"{report.score:.2f}".replace(".", "," if tr.language == "vi" else "."),
            )
        )
    breaching = report.breaching
    lines.append("")
    if breaching:
        lines.append(tr.gettext("Members breaching the attendance rules:"))
        for member in breaching:
            lines.append(
                f"• {member.member.name} ({pct(tr, member.rate)}): "
                + "; ".join(tr.gettext(BREACH_LABELS[b]) for b in member.breaches)
            )
    else:
        lines.append(tr.gettext("No member breaches the attendance rules."))
    lines.append("")
    lines.append(tr.gettext("Attendance per member (attended / summoned):"))
    for member in report.members:
        if member.tally.summoned:
            lines.append(
                f"{member.member.number or '–'}. {member.member.name}: "
                f"{member.tally.attended}/{member.tally.summoned} ({pct(tr, member.rate)})"
            )
    lines.append("")
    if report.meetings:
        lines.append(tr.gettext("Meetings held (attendance, self-score):"))
    else:
        lines.append(tr.gettext("No meeting was held in this period."))
    for ml in report.meetings:
        lines.append(
            tr.gettext(
                "#{number} {date} {kind}: {attended}/{summoned} ({rate}), self-score {points} "
                "({grade})",
                number=ml.meeting.number,
                date=ml.local_start.strftime("%d/%m"),
                kind=tr.gettext(MEETING_TYPE_LABELS[ml.meeting.type]),
                attended=ml.tally.attended,
                summoned=ml.tally.summoned,
                rate=pct(tr, ml.tally.rate),
                points=ml.quality.total,
                grade=tr.gettext(GRADE_LABELS[ml.quality.grade]),
            )
        )
    if report.votes is None:
        lines += ["", tr.gettext("Votes are not recorded yet.")]
    elif report.votes:
        numbers = {ml.meeting.meeting_id: ml.meeting.number for ml in report.meetings}
        lines += ["", tr.gettext("Votes:")]
        for vote in report.votes:
            lines.append(f"#{numbers.get(vote.meeting_id, '?')} {vote.subject}: {vote.result}")
    if report.meetings:
        lines += ["", tr.gettext("The self-score (100 points) counts what the bot records:")]
        lines += [f"• {tr.gettext(c.label)}: {c.points}" for c in QUALITY_TABLE]
        lines.append(tr.gettext("Left for the cell committee to judge:"))
        lines += [f"☐ {tr.gettext(item)}" for item in QUALITY_CHECKLIST]
    return "\n".join(lines)


def record_text(record: MyRecord, name: str, tr: Translator) -> str:
    """/me: a member's own attendance and answers."""
    lines = [
        tr.gettext(
            "📋 Attendance of {name} in {cell}, {period}",
            name=name,
            cell=record.cell.name,
            period=record.period.label,
        )
    ]
    summoned = record.summoned
    attended = sum(1 for line in summoned if line.status in ("present", "late"))
    if not record.lines:
        lines.append(tr.gettext("No meeting you were on the roll of was held in this period."))
        return "\n".join(lines)
    mark = "✅" if criterion_met(record.rate) else "⚠️"
    lines.append(
        tr.gettext(
            "Attended {attended} of {summoned} meetings you were summoned to: {rate} {mark}",
            attended=attended,
            summoned=len(summoned),
            rate=pct(tr, record.rate),
            mark=mark if summoned else "",
        ).rstrip()
    )
    lines.append("")
    for line in record.lines:
        status = tr.gettext(ROLL_LABELS.get(line.status, line.status))
        answer = ""
        if line.reply:
            answer = tr.gettext(REPLY_LABELS[Reply(line.reply)])
            if line.reason:
                answer += f": {line.reason}"
            answer = " — " + tr.gettext("your answer: {answer}", answer=answer)
        when = line.starts_at.astimezone(record.zone).strftime("%d/%m")
        kind = tr.gettext(MEETING_TYPE_LABELS[line.type])
        extra = "" if line.summoned else " " + tr.gettext("(not summoned)")
        lines.append(f"#{line.number} {when} {kind}: {status}{extra}{answer}")
    return "\n".join(lines)


def overview_text(overview: Overview, tr: Translator, limit: int = OVERVIEW_LINES) -> str:
    """The operators' overview: the cells breaching the rules first."""
    lines = [
        tr.gettext(
            "🗂 Cells in {period}: {count}, of which {breaching} breach the rules",
            period=overview.period.label,
            count=len(overview.lines),
            breaching=sum(1 for line in overview.lines if line.breaches),
        ),
        "",
    ]
    lines += [cell_line_text(line, tr) for line in overview.lines[:limit]]
    if len(overview.lines) > limit:
        lines.append(
            tr.gettext(
                "… and {count} more cells (see the workbook).", count=len(overview.lines) - limit
            )
        )
    return "\n".join(lines)


def cell_line_text(line: CellLine, tr: Translator) -> str:
    """One cell of the overview."""
    text = tr.gettext(
        "{mark} {cell}: regular {regular_held}/{regular_required}, thematic "
        "{thematic_held}/{thematic_required}, attendance {rate}",
        mark="⚠️" if line.breaches else "✅",
        cell=line.cell.name,
        regular_held=line.regular_held,
        regular_required=line.regular_required,
        thematic_held=line.thematic_held,
        thematic_required=line.thematic_required,
        rate=pct(tr, line.tally.rate),
    )
    if line.breaches:
        text += " — " + "; ".join(tr.gettext(CELL_BREACH_LABELS[b]) for b in line.breaches)
    return text
