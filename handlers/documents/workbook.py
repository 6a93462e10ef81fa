"""The report as an XLSX workbook, one sheet per topic; the operator's overview as one."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.cells import KIND_LABELS, Kind
from bot.domain.meetings import MEETING_TYPE_LABELS, MeetingType
from bot.domain.reports import (
    BREACH_LABELS,
    CELL_BREACH_LABELS,
    GRADE_LABELS,
    CellLine,
    Report,
)
from bot.i18n import Translator

PERCENT = "0.0%"


def _sheet(book: Workbook, title: str, header: Sequence[str], first: bool = False) -> Worksheet:
    sheet = book.active if first else book.create_sheet()
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def _percent(sheet: Worksheet, columns: Iterable[int]) -> None:
    for column in columns:
        for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            row[0].number_format = PERCENT


def _widths(book: Workbook) -> None:
    for sheet in book.worksheets:
        for index, column in enumerate(sheet.columns, start=1):
            longest = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(60, max(8, longest + 2))


def _kind(tr: Translator, kind: str) -> str:
    try:
        return tr.gettext(KIND_LABELS[Kind(kind)])
    except ValueError:
        return kind


def report_workbook(report: Report, tr: Translator) -> bytes:
    """Sheets: summary, members, meetings, breaches, votes."""
    book = Workbook()
    summary = _sheet(book, tr.gettext("Summary"), [tr.gettext("item"), tr.gettext("value")], True)
    rows: list[tuple[str, object]] = [
        (tr.gettext("cell"), report.cell_name),
        (tr.gettext("period"), report.period.label),
        (tr.gettext("regular meetings held"), report.regular_held),
        (tr.gettext("regular meetings required"), report.regular_required),
        (tr.gettext("thematic meetings held"), report.thematic_held),
        (tr.gettext("thematic meetings required"), report.thematic_required),
        (tr.gettext("extraordinary meetings"), report.other[MeetingType.EXTRAORDINARY]),
        (tr.gettext("cell committee meetings"), report.other[MeetingType.COMMITTEE]),
        (tr.gettext("summoned (all meetings)"), report.tally.summoned),
        (tr.gettext("attended (late included)"), report.tally.attended),
        (tr.gettext("attendance rate"), report.tally.rate),
        (tr.gettext("average score (good 4 … weak 1)"), report.score),
        (tr.gettext("members breaching the rules"), len(report.breaching)),
    ]
    for row in rows:
        summary.append(list(row))
    summary.cell(row=12, column=2).number_format = PERCENT

    members = _sheet(
        book,
        tr.gettext("Members"),
        [
            tr.gettext("number"),
            tr.gettext("name"),
            tr.gettext("kind"),
            tr.gettext("summoned"),
            tr.gettext("attended"),
            tr.gettext("late"),
            tr.gettext("absent with reason"),
            tr.gettext("absent without reason"),
            tr.gettext("attendance rate"),
            tr.gettext("breaches"),
        ],
    )
    for line in report.members:
        members.append(
            [
                line.member.number or None,
                line.member.name,
                _kind(tr, line.member.kind),
                line.tally.summoned,
                line.tally.attended,
                line.tally.late,
                line.tally.excused,
                line.tally.absent,
                line.rate,
                "; ".join(tr.gettext(BREACH_LABELS[b]) for b in line.breaches),
            ]
        )
    _percent(members, [9])

    meetings = _sheet(
        book,
        tr.gettext("Meetings"),
        [
            tr.gettext("number"),
            tr.gettext("date"),
            tr.gettext("kind"),
            tr.gettext("title"),
            tr.gettext("summoned"),
            tr.gettext("attended"),
            tr.gettext("late"),
            tr.gettext("absent with reason"),
            tr.gettext("absent without reason"),
            tr.gettext("attendance rate"),
            tr.gettext("average score"),
            tr.gettext("self-score"),
            tr.gettext("self-score tier"),
        ],
    )
    for ml in report.meetings:
        meetings.append(
            [
                ml.meeting.number,
                ml.local_start.strftime("%d/%m/%Y %H:%M"),
                tr.gettext(MEETING_TYPE_LABELS[ml.meeting.type]),
                ml.meeting.title,
                ml.tally.summoned,
                ml.tally.attended,
                ml.tally.late,
                ml.tally.excused,
                ml.tally.absent,
                ml.tally.rate,
                ml.score,
                ml.quality.total,
                tr.gettext(GRADE_LABELS[ml.quality.grade]),
            ]
        )
    _percent(meetings, [10])

    breaches = _sheet(book, tr.gettext("Breaches"), [tr.gettext("name"), tr.gettext("breach")])
    for line in report.breaching:
        for breach in line.breaches:
            breaches.append([line.member.name, tr.gettext(BREACH_LABELS[breach])])

    votes = _sheet(
        book,
        tr.gettext("Votes"),
        [tr.gettext("meeting"), tr.gettext("subject"), tr.gettext("counts"), tr.gettext("result")],
    )
    numbers = {ml.meeting.meeting_id: ml.meeting.number for ml in report.meetings}
    if report.votes is None:
        votes.append(["", tr.gettext("Votes are not recorded yet.")])
    for vote in report.votes or ():
        counts = ", ".join(f"{k}: {n}" for k, n in vote.counts.items())
        votes.append([numbers.get(vote.meeting_id), vote.subject, counts, vote.result])
    _widths(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def overview_workbook(lines: Sequence[CellLine], period: str, tr: Translator) -> bytes:
    """One sheet: every cell, those breaching the rules first."""
    book = Workbook()
    sheet = _sheet(
        book,
        tr.gettext("Overview {period}", period=period).replace("/", "-"),
        [
            tr.gettext("cell id"),
            tr.gettext("cell"),
            tr.gettext("regular meetings held"),
            tr.gettext("regular meetings required"),
            tr.gettext("thematic meetings held"),
            tr.gettext("thematic meetings required"),
            tr.gettext("meetings held"),
            tr.gettext("summoned (all meetings)"),
            tr.gettext("attended (late included)"),
            tr.gettext("attendance rate"),
            tr.gettext("members absent without reason"),
            tr.gettext("members to consider for removal"),
            tr.gettext("breaches"),
        ],
        True,
    )
    for line in lines:
        sheet.append(
            [
                line.cell.cell_id,
                line.cell.name,
                line.regular_held,
                line.regular_required,
                line.thematic_held,
                line.thematic_required,
                line.meetings,
                line.tally.summoned,
                line.tally.attended,
                line.tally.rate,
                line.unexcused_members,
                line.removal_members,
                "; ".join(tr.gettext(CELL_BREACH_LABELS[b]) for b in line.breaches),
            ]
        )
    _percent(sheet, [10])
    _widths(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
