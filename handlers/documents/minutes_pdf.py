"""Printable minutes ("biên bản sinh hoạt chi bộ") as PDF, in the usual layout of a cell's
minutes: the party committee and the cell at the left, "ĐẢNG CỘNG SẢN VIỆT NAM" at the right,
place and date, the title, the sections, and the signatures of the chair and the minute-taker.

The font is DejaVu Sans from matplotlib's own data (it has every Vietnamese diacritic),
embedded in the file: nothing is downloaded.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.domain.meetings import MEETING_TYPE_LABELS, MeetingType
from bot.domain.minutes import Minutes
from bot.i18n import Translator
from bot.minutes_text import head_count_lines

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
# The superior committee's name is not kept: a line to fill in by hand.
BLANK = "……………………"


def _cell_line(name: str) -> str:
    words = name.split()
    # "Chi bộ Khu phố 3" -> "KHU PHỐ 3" after the printed "CHI BỘ".
    if len(words) > 2 and " ".join(words[:2]).casefold() in ("chi bộ", "chi bo"):
        name = " ".join(words[2:])
    return name.upper()


def _date_line(tr: Translator, place: str | None, when: datetime) -> str:
    return tr.gettext(
        "{place}, day {day:02d} month {month:02d} year {year}",
        place=place or BLANK,
        day=when.day,
        month=when.month,
        year=when.year,
    )


def minutes_pdf(minutes: Minutes, tr: Translator) -> bytes:
    """The minutes as an A4 PDF."""
    tz = ZoneInfo(minutes.timezone)
    started = minutes.started_at.astimezone(tz)
    ended = minutes.ended_at.astimezone(tz) if minutes.ended_at else None
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, 18)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONTS / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(tr.gettext("MINUTES OF THE CELL MEETING"))
    pdf.add_page()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y()
    # Left: the party committee above and the cell; right: the Party's name, underlined.
    pdf.set_font(FONT, "", 11)
    pdf.cell(half, 6, tr.gettext("PARTY COMMITTEE {name}", name=BLANK), align="C")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(
        half,
        6,
        tr.gettext("COMMUNIST PARTY OF VIETNAM"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.cell(half, 6, tr.gettext("CELL {name}", name=_cell_line(minutes.cell_name)), align="C")
    pdf.set_font(FONT, "I", 10)
    pdf.cell(half, 6, "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.line(
        pdf.l_margin + half * 0.35, pdf.get_y() - 1, pdf.l_margin + half * 0.65, pdf.get_y() - 1
    )
    pdf.line(pdf.l_margin + half * 1.2, top + 12, pdf.l_margin + half * 1.8, top + 12)
    pdf.cell(half, 6, "*", align="C")
    pdf.cell(
        half,
        6,
        _date_line(tr, minutes.place, started),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(6)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(
        0,
        8,
        tr.gettext("MINUTES OF THE CELL MEETING"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, "I", 11)
    kind = MEETING_TYPE_LABELS.get(MeetingType(minutes.meeting_type))
    subtitle = f"{tr.gettext(kind) if kind else ''}: {minutes.title}".strip(": ")
    pdf.multi_cell(0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 11)

    def line(text: str) -> None:
        pdf.multi_cell(0, 6, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def names(people: tuple[object, ...]) -> str:
        return ", ".join(getattr(p, "name", str(p)) for p in people) or "—"

    heading(tr.gettext("I. Time, place and participants"))
    time_text = started.strftime("%H:%M %d/%m/%Y")
    if ended is not None:
        time_text += " – " + ended.strftime("%H:%M %d/%m/%Y")
    line(tr.gettext("Time: {time}", time=time_text))
    line(tr.gettext("Place: {place}", place=minutes.place or minutes.link or tr.gettext("online")))
    line(tr.gettext("Chair: {name}", name=minutes.chair.name if minutes.chair else BLANK))
    line(
        tr.gettext(
            "Minute-taker: {name}", name=minutes.recorder.name if minutes.recorder else BLANK
        )
    )
    if minutes.guests:
        line(tr.gettext("Guests: {names}", names=names(minutes.guests)))
    for text in head_count_lines(tr, minutes):
        line(text)
    attendance = minutes.attendance
    if attendance.excused:
        line(
            tr.gettext(
                "Absent with reason: {names}",
                names=", ".join(
                    f"{a.name} ({a.reason})" if a.reason else a.name for a in attendance.excused
                ),
            )
        )
    if attendance.absent:
        line(tr.gettext("Absent without reason: {names}", names=names(attendance.absent)))

    heading(tr.gettext("II. Proceedings"))
    for item in minutes.items:
        pdf.set_font(FONT, "B", 11)
        line(f"{item.position}. {item.title}")
        pdf.set_font(FONT, "", 11)
        for speech in item.speeches:
            line(f"- {speech.speaker}: {speech.text}")
        for note in item.notes:
            line(f"- {note}")
        if item.conclusion:
            pdf.set_font(FONT, "I", 11)
            line(tr.gettext("Conclusion: {text}", text=item.conclusion))
            pdf.set_font(FONT, "", 11)
    if minutes.votes:
        heading(tr.gettext("III. Votes"))
        for vote in minutes.votes:
            counts = ", ".join(f"{k}: {n}" for k, n in vote.counts.items())
            text = f"- {vote.title}: {counts}"
            if vote.denominator_text:
                text += f" ({vote.denominator_text})"
            if vote.outcome:
                text += f" — {vote.outcome}"
            line(text)
    for extra in minutes.extra_lines:
        line(extra)
    if ended is not None:
        pdf.ln(2)
        line(
            tr.gettext(
                "The meeting ended at {time}; the minutes were read to the meeting and approved.",
                time=ended.strftime("%H:%M %d/%m/%Y"),
            )
        )

    # Signatures: the minute-taker at the left, the chair at the right.
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(half, 6, tr.gettext("MINUTE-TAKER"), align="C")
    pdf.cell(half, 6, tr.gettext("CHAIR"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "I", 9)
    pdf.cell(half, 5, tr.gettext("(signature, full name)"), align="C")
    pdf.cell(
        half,
        5,
        tr.gettext("(signature, full name)"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(20)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(half, 6, minutes.recorder.name if minutes.recorder else "", align="C")
    pdf.cell(
        half,
        6,
        minutes.chair.name if minutes.chair else "",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())
