"""The documents hold what the report says: the workbook's numbers, the chart's size, the
minutes' Vietnamese words unchanged in the PDF's text."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.domain.minutes import (
    Absentee,
    Attendance,
    Item,
    KindCount,
    Minutes,
    MinutesState,
    Person,
    Speech,
)
from bot.domain.reports import CellRef, CellTotals, build_overview, year_period
from bot.i18n import translator
from handlers.documents.chart import HEIGHT, WIDTH, attendance_chart
from handlers.documents.minutes_pdf import minutes_pdf
from handlers.documents.workbook import overview_workbook, report_workbook
from tests.unit.test_reports import fixture_report, local

VI = translator("vi")


def test_the_workbook_holds_the_reports_numbers() -> None:
    report = fixture_report()
    book = load_workbook(io.BytesIO(report_workbook(report, VI)))
    assert book.sheetnames == ["Tổng hợp", "Đảng viên", "Cuộc họp", "Vi phạm", "Biểu quyết"]
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Chi bộ"] == "Chi bộ 5"
    assert summary["Sinh hoạt định kỳ đã tổ chức"] == 11
    assert summary["Sinh hoạt định kỳ phải tổ chức"] == 12
    assert summary["Sinh hoạt chuyên đề đã tổ chức"] == 3
    assert summary["Lượt triệu tập (mọi cuộc họp)"] == 77
    assert summary["Lượt dự họp (kể cả đến muộn)"] == 67
    assert summary["Tỷ lệ dự họp"] == pytest.approx(67 / 77)
    members = list(book["Đảng viên"].iter_rows(min_row=2, values_only=True))
    cuong = next(row for row in members if row[1] == "Lê Văn Cường")
    assert cuong[3:9] == (15, 12, 0, 0, 3, 0.8)
    assert "xem xét đưa ra khỏi Đảng" in str(cuong[9])
    meetings = list(book["Cuộc họp"].iter_rows(min_row=2, values_only=True))
    assert len(meetings) == 16
    assert meetings[0][0] == 1 and meetings[0][4:6] == (5, 4) and meetings[0][11] == 87
    breaches = list(book["Vi phạm"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in breaches].count("Lê Văn Cường") == 3
    votes = list(book["Biểu quyết"].iter_rows(min_row=2, values_only=True))
    assert votes[0][:2] == (2, "Nghị quyết tháng 2")


def test_the_chart_is_a_png_of_the_expected_size() -> None:
    data = attendance_chart(fixture_report(), VI)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, HEIGHT) == (1000, 500)


def test_the_minutes_pdf_keeps_the_vietnamese_words() -> None:
    start = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    minutes = Minutes(
        cell_name="Chi bộ Khu phố 3",
        meeting_id=7,
        meeting_number=7,
        meeting_type="regular",
        title="Sinh hoạt chi bộ tháng 12",
        timezone="Asia/Ho_Chi_Minh",
        scheduled_at=start,
        started_at=start,
        ended_at=datetime(2026, 12, 5, 14, 20, tzinfo=UTC),
        place="Hà Nội",
        chair=Person(1, "Nguyễn Thị Lan"),
        recorder=Person(2, "Trần Văn Minh"),
        head_counts=(KindCount("official", 5, 5, 3, 1, 1, 0), KindCount("exempted", 1, 0, 1)),
        attendance=Attendance(
            present=(Person(1, "Nguyễn Thị Lan"), Person(2, "Trần Văn Minh")),
            late=(Person(3, "Lê Văn Hùng"),),
            excused=(Absentee(4, "Phạm Thị Hoa", "official", "ốm nặng"),),
        ),
        items=(
            Item(
                1,
                "Đánh giá kết quả tháng 11",
                speeches=(Speech(3, "Lê Văn Hùng", "Đồng ý với báo cáo, đề nghị bổ sung."),),
                conclusion="Thống nhất thông qua.",
            ),
        ),
        state=MinutesState.APPROVED,
    )
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(minutes_pdf(minutes, VI))).pages
    )
    flat = " ".join(text.split())
    for words in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "BIÊN BẢN SINH HOẠT CHI BỘ",
        "CHI BỘ KHU PHỐ 3",
        "Hà Nội, ngày 05 tháng 12 năm 2026",
        "Nguyễn Thị Lan",
        "Trần Văn Minh",
        "Phạm Thị Hoa (ốm nặng)",
        "Lê Văn Hùng: Đồng ý với báo cáo, đề nghị bổ sung.",
        "Thống nhất thông qua.",
        # The head counts by kind (SPEC §1), the exempted member who came apart.
        "Đảng viên chính thức: triệu tập 5, có mặt 4 (đi muộn 1), vắng có lý do 1",
        "Đảng viên miễn sinh hoạt: 1 đồng chí, không triệu tập; 1 đồng chí dự họp",
        "CHỦ TRÌ",
        "THƯ KÝ",
    ):
        assert words in flat, words


def test_the_overview_workbook_puts_breaching_cells_first() -> None:
    now = local(2026, 1, 15, 9, 0)
    cells = [
        CellRef(1, "Chi bộ Tốt", "Asia/Ho_Chi_Minh"),
        CellRef(2, "Chi bộ Kém", "UTC"),
        CellRef(3, "Chi bộ Mới", "UTC"),
    ]
    # Cell 1: every month and quarter, all attended. Cell 2: one regular meeting (March),
    # 8 of 10, one member absent without reason in 3 months. Cell 3: nothing held.
    totals = [
        CellTotals(
            1,
            16,
            160,
            160,
            0,
            frozenset(f"2025{m:02d}" for m in range(1, 13)),
            frozenset(f"2025{m:02d}" for m in (3, 6, 9, 12)),
        ),
        CellTotals(2, 1, 10, 8, 1, frozenset({"202503"}), frozenset(), 3, 1, 1),
    ]
    lines = build_overview(cells=cells, period=year_period(2025), now=now, totals=totals)
    assert [line.cell.cell_id for line in lines] == [2, 3, 1]
    assert (lines[2].regular_held, lines[2].regular_required, lines[2].breaches) == (12, 12, ())
    assert (lines[2].thematic_held, lines[2].thematic_required) == (4, 4)
    assert (lines[0].regular_held, lines[0].tally.rate, lines[0].removal_members) == (1, 0.8, 1)
    assert len(lines[0].breaches) == 5 and len(lines[1].breaches) == 2
    book = load_workbook(io.BytesIO(overview_workbook(lines, "2025", VI)))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in rows] == ["Chi bộ Kém", "Chi bộ Mới", "Chi bộ Tốt"]
    assert rows[0][2:4] == (1, 12) and rows[2][2:6] == (12, 12, 4, 4)
    assert rows[0][9] == pytest.approx(0.8) and rows[0][11] == 1


def test_nothing_is_required_of_a_cell_before_it_was_set_up_in_cellmeet() -> None:
    # A cell set up on 20 August 2025 (Hanoi time): of 2025, August to December are required
    # (5 months) and the fourth quarter (the third began before it); one held in September.
    now = local(2026, 1, 15, 9, 0)
    since = datetime(2025, 8, 20, 3, 0, tzinfo=UTC)
    cells = [CellRef(1, "Chi bộ Mới lập", "Asia/Ho_Chi_Minh", since)]
    totals = [CellTotals(1, 1, 10, 10, 0, frozenset({"202509"}), frozenset())]
    (line,) = build_overview(cells=cells, period=year_period(2025), now=now, totals=totals)
    assert (line.regular_held, line.regular_required) == (1, 5)
    assert (line.thematic_held, line.thematic_required) == (0, 1)
    # Without the date, the whole year is required.
    (old,) = build_overview(
        cells=[CellRef(1, "Chi bộ Mới lập", "Asia/Ho_Chi_Minh")],
        period=year_period(2025),
        now=now,
        totals=totals,
    )
    assert (old.regular_required, old.thematic_required) == (12, 4)
