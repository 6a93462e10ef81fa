"""The report rules on a fixture year whose answers were counted by hand (in the comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.meetings import MeetingType
from bot.domain.reports import (
    Breach,
    Grade,
    MeetingFacts,
    MemberFacts,
    Report,
    RollFacts,
    VoteFacts,
    build_report,
    quality_of,
    tally_of,
    year_period,
)
from bot.errors import BadInput
from bot.rules.periods import parse_period

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
R, T, E, C = (
    MeetingType.REGULAR,
    MeetingType.THEMATIC,
    MeetingType.EXTRAORDINARY,
    MeetingType.COMMITTEE,
)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM).astimezone(UTC)


# The year 2025 of «Chi bộ 5»: 16 meetings held. No regular meeting in June, no thematic one
# in the third quarter. Meeting 1 starts on 1 January at 06:00 local time (still 2024 in UTC);
# meeting 17, at 00:30 on 1 January 2026 local time (still 2025 in UTC), is not 2025's.
SCHEDULE = [
    (1, R, local(2025, 1, 1, 6, 0)),
    (2, R, local(2025, 2, 5, 19, 30)),
    (3, R, local(2025, 3, 5, 19, 30)),
    (4, T, local(2025, 3, 20, 19, 30)),
    (5, R, local(2025, 4, 5, 19, 30)),
    (6, R, local(2025, 5, 5, 19, 30)),
    (7, T, local(2025, 5, 20, 19, 30)),
    (8, R, local(2025, 7, 5, 19, 30)),
    (9, R, local(2025, 8, 5, 19, 30)),
    (10, E, local(2025, 8, 12, 19, 30)),
    (11, R, local(2025, 9, 5, 19, 30)),
    (12, C, local(2025, 9, 15, 19, 30)),
    (13, R, local(2025, 10, 5, 19, 30)),
    (14, R, local(2025, 11, 5, 19, 30)),
    (15, T, local(2025, 11, 20, 19, 30)),
    (16, R, local(2025, 12, 5, 19, 30)),
    (17, R, local(2026, 1, 1, 0, 30)),
]


def fixture_meetings() -> list[MeetingFacts]:
    meetings = []
    for number, kind, start in SCHEDULE:
        if number == 1:
            # Opened 5 minutes late (within the grace), 95 minutes long, 2 speakers, a document
            # sent before, minutes approved; scored good 3, fair 1.
            facts = MeetingFacts(
                number,
                number,
                kind,
                f"#{number}",
                start,
                90,
                opened_at=start + timedelta(minutes=5),
                closed_at=start + timedelta(minutes=100),
                documents_before=1,
                speakers=2,
                minutes_approved=True,
                scores={"good": 3, "fair": 1},
            )
        else:
            # Opened on time, 60 minutes long, nobody recorded speaking, nothing sent before.
            facts = MeetingFacts(
                number,
                number,
                kind,
                f"#{number}",
                start,
                90,
                opened_at=start,
                closed_at=start + timedelta(minutes=60),
                scores={"average": 2, "weak": 2} if number == 2 else {},
            )
        meetings.append(facts)
    return meetings


# Members: 1 An (secretary), 2 Bình, 3 Cường, 4 Dũng (deputy), 5 Em (probationary),
# 6 Phúc (exempted, not summoned; came to meeting 1).
MEMBERS = [
    MemberFacts(1, "Nguyễn Văn An", 1, "official"),
    MemberFacts(2, "Trần Thị Bình", 2, "official"),
    MemberFacts(3, "Lê Văn Cường", 3, "official"),
    MemberFacts(4, "Phạm Văn Dũng", 4, "official"),
    MemberFacts(5, "Hoàng Thị Em", 5, "probationary"),
    MemberFacts(6, "Vũ Văn Phúc", 6, "exempted"),
]
# Bình excused at meetings 2-5 (4 in a row); Cường absent without reason at 1 (January),
# 5 (April) and 8 (July); Dũng always late; Em excused at 14, 15, 16 (3 in a row).
EXCEPTIONS = {
    (2, 2): "excused",
    (2, 3): "excused",
    (2, 4): "excused",
    (2, 5): "excused",
    (3, 1): "absent",
    (3, 5): "absent",
    (3, 8): "absent",
    (5, 14): "excused",
    (5, 15): "excused",
    (5, 16): "excused",
}


def fixture_roll() -> list[RollFacts]:
    roll = []
    for number, kind, _ in SCHEDULE:
        for member in MEMBERS[:5]:
            committee = member.user_id in (1, 4)
            if kind is C and not committee:
                continue
            status = EXCEPTIONS.get((member.user_id, number), "present")
            if member.user_id == 4:
                status = "late"
            roll.append(RollFacts(number, member.user_id, member.kind, True, status))
    roll.append(RollFacts(1, 6, "exempted", False, "present"))
    return roll


def fixture_report() -> Report:
    return build_report(
        cell_name="Chi bộ 5",
        timezone="Asia/Ho_Chi_Minh",
        period=year_period(2025),
        now=local(2026, 1, 15, 9, 0),
        meetings=fixture_meetings(),
        roll=fixture_roll(),
        members=MEMBERS,
        votes=[
            VoteFacts(2, "Nghị quyết tháng 2", "passed 4/5", True),
            VoteFacts(17, "Nghị quyết tháng 1/2026", "passed", True),
        ],
    )


def test_meetings_held_against_required() -> None:
    report = build_report(
        cell_name="Chi bộ 5",
        timezone="Asia/Ho_Chi_Minh",
        period=year_period(2025),
        now=local(2026, 1, 15, 9, 0),
        meetings=fixture_meetings(),
        roll=fixture_roll(),
        members=MEMBERS,
    )
    # 16 meetings in 2025 local time: meeting 1 (2024 in UTC) in, meeting 17 out.
    assert [line.meeting.number for line in report.meetings] == list(range(1, 17))
    # Regular: 12 months over, 11 held (June missing); thematic: 4 quarters, 3 held (Q3).
    assert (report.regular_required, report.regular_held) == (12, 11)
    assert [r.index for r in report.regular if r.missing] == [6]
    assert (report.thematic_required, report.thematic_held) == (4, 3)
    assert [r.index for r in report.thematic if r.missing] == [3]
    assert report.other == {E: 1, C: 1}
    assert report.votes is None  # no votes given: not "no votes taken"


def test_attendance_per_member_and_breaches() -> None:
    report = fixture_report()
    lines = {m.member.user_id: m for m in report.members}
    # An: 16 of 16 (the committee meeting too). Dũng: late 16 times, late counts as present.
    assert (lines[1].tally.summoned, lines[1].tally.attended) == (16, 16)
    assert (lines[4].tally.attended, lines[4].tally.late, lines[4].rate) == (16, 16, 1.0)
    # Bình: 15 summoned (not the committee meeting), 4 excused in a row: 11/15 = 73.3 %.
    assert (lines[2].tally.summoned, lines[2].tally.attended, lines[2].tally.excused) == (
        15,
        11,
        4,
    )
    assert lines[2].longest_excused_run == 4
    assert lines[2].breaches == (Breach.LOW_ATTENDANCE, Breach.EXCUSED_IN_A_ROW)
    # Cường: absent without reason in January, April, July: 12/15 = 80 %, consider removal.
    assert lines[3].rate == pytest.approx(0.8)
    assert lines[3].unexcused_months == ((2025, 1), (2025, 4), (2025, 7))
    assert lines[3].breaches == (
        Breach.LOW_ATTENDANCE,
        Breach.UNEXCUSED,
        Breach.CONSIDER_REMOVAL,
    )
    # Em: excused 3 times in a row (not more than 3): only the rate, 12/15 = 80 %.
    assert lines[5].longest_excused_run == 3
    assert lines[5].breaches == (Breach.LOW_ATTENDANCE,)
    # Phúc came once unsummoned: listed, not counted.
    assert lines[6].tally.summoned == 0 and lines[6].rate is None and lines[6].breaches == ()
    assert lines[1].breaches == lines[4].breaches == ()
    # The gravest first: Cường (removal), then Bình (2 breaches), then Em.
    breaching = [m.member.user_id for m in report.breaching]
    assert breaching == [3, 2, 5]


def test_cell_totals_meeting_lines_and_scores() -> None:
    report = fixture_report()
    # 15 meetings x 5 summoned + the committee meeting's 2 = 77 summons; 10 not attended
    # (Bình 4 excused, Cường 3 absent, Em 3 excused): 67/77 = 87.0 % > 85 %.
    tally = report.tally
    assert (tally.summoned, tally.attended, tally.excused, tally.absent, tally.late) == (
        77,
        67,
        7,
        3,
        16,
    )
    assert report.meets_attendance
    first = report.meetings[0]
    # Meeting 1: 5 summoned, Cường absent: 4/5; Phúc came unsummoned.
    assert (first.tally.summoned, first.tally.attended, first.unsummoned_present) == (5, 4, 1)
    assert first.tally.rate == pytest.approx(0.8)
    # Scores: meeting 1 (4*3 + 3*1)/4 = 3.75; meeting 2 (2*2 + 1*2)/4 = 1.5; all 21/8.
    assert first.score == pytest.approx(3.75)
    assert report.meetings[1].score == pytest.approx(1.5)
    assert report.score == pytest.approx(2.625)
    # Votes of the period's meetings only (meeting 17 is 2026's).
    assert report.votes is not None
    assert [v.subject for v in report.votes] == ["Nghị quyết tháng 2"]
    # Monthly attendance for the chart: June has no meeting; January is meeting 1 (4/5).
    monthly = report.monthly_rates()
    assert len(monthly) == 12
    assert monthly[0] == (2025, 1, pytest.approx(0.8))
    assert monthly[5] == (2025, 6, None)


def test_quality_self_score() -> None:
    report = fixture_report()
    first = report.meetings[0].quality
    # On time 15, 95 minutes 15, 80 % attendance half of 25 = 12, 2 of 5 present spoke
    # (at least a third) 15, a document before 10, minutes approved 20: 87, good.
    assert first.points == {
        "on_time": 15,
        "duration": 15,
        "attendance": 12,
        "spoke": 15,
        "documents": 10,
        "minutes": 20,
    }
    assert (first.total, first.grade) == (87, Grade.GOOD)
    # Meeting 16: on time 15, 60 minutes half 7, 4/5 half 12, nobody spoke, nothing else: 34.
    last = report.meetings[15].quality
    assert (last.total, last.grade) == (34, Grade.WEAK)


def test_quality_edges() -> None:
    start = datetime(2025, 3, 5, 12, 30, tzinfo=UTC)
    late = MeetingFacts(
        1,
        1,
        R,
        "x",
        start,
        90,
        opened_at=start + timedelta(minutes=16),
        closed_at=start + timedelta(minutes=16 + 59),
        speakers=1,
    )
    # 16 minutes late with a grace of 15: no points; 59 minutes: none; 9/10 > 85 %: 25; one
    # of 9 present spoke (less than a third): half of 15 = 7.
    score = quality_of(late, tally_of(["present"] * 9 + ["absent"]), 9)
    assert score.points["on_time"] == 0 and score.points["duration"] == 0
    assert score.points["attendance"] == 25 and score.points["spoke"] == 7
    # Exactly 85 % is not above 85 %: half.
    assert (
        quality_of(late, tally_of(["present"] * 17 + ["absent"] * 3), 17).points["attendance"]
        == 12
    )


def test_exactly_85_percent_breaches_and_expected_counts_as_absent() -> None:
    start = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    meetings = [
        MeetingFacts(i, i, R, "x", start + timedelta(days=14 * i), 90) for i in range(1, 21)
    ]
    # Member 1: 17 of 20 (85 %), the other 3 excused, not in a row. Member 2: 18 of 20
    # (90 %), one excused and one still "expected" (never settled): absent without reason.
    roll = []
    for i in range(1, 21):
        roll.append(RollFacts(i, 1, "official", True, "excused" if i in (2, 9, 15) else "present"))
        status = {3: "excused", 10: "expected"}.get(i, "present")
        roll.append(RollFacts(i, 2, "official", True, status))
    report = build_report(
        cell_name="x",
        timezone="UTC",
        period=year_period(2025),
        now=datetime(2026, 3, 1, tzinfo=UTC),
        meetings=meetings,
        roll=roll,
        members=[MemberFacts(1, "A", 1), MemberFacts(2, "B", 2)],
    )
    one, two = report.members
    assert one.rate == pytest.approx(0.85) and one.breaches == (Breach.LOW_ATTENDANCE,)
    assert two.rate == pytest.approx(0.9)
    assert two.tally.absent == 1 and two.breaches == (Breach.UNEXCUSED,)


def test_the_current_month_and_quarter_are_in_progress() -> None:
    # On 10 November 2026: November and Q4 are not yet required; October is.
    start = local(2026, 10, 5, 19, 30)
    report = build_report(
        cell_name="x",
        timezone="Asia/Ho_Chi_Minh",
        period=year_period(2026),
        now=local(2026, 11, 10, 9, 0),
        meetings=[MeetingFacts(1, 1, R, "x", start, 90)],
        roll=[],
        members=[],
    )
    assert report.regular_required == 10 and report.regular_held == 1
    assert [r.index for r in report.regular if r.missing] == list(range(1, 10))
    assert report.thematic_required == 3
    assert report.tally.rate is None and report.meets_attendance


TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("typed", "label", "start", "end"),
    [
        ("", "2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("2025", "2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("năm 2025", "2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("Q3 2026", "Q3/2026", date(2026, 7, 1), date(2026, 10, 1)),
        ("quý 4/2025", "Q4/2025", date(2025, 10, 1), date(2026, 1, 1)),
        ("quy 2", "Q2/2026", date(2026, 4, 1), date(2026, 7, 1)),
        ("10/2026", "10/2026", date(2026, 10, 1), date(2026, 11, 1)),
        ("2026-12", "12/2026", date(2026, 12, 1), date(2027, 1, 1)),
        ("tháng 3", "03/2026", date(2026, 3, 1), date(2026, 4, 1)),
        ("2026-01..2026-06", "01/2026..06/2026", date(2026, 1, 1), date(2026, 7, 1)),
        ("11/2025..2/2026", "11/2025..02/2026", date(2025, 11, 1), date(2026, 3, 1)),
    ],
)
def test_periods(typed: str, label: str, start: date, end: date) -> None:
    period = parse_period(typed, TODAY)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(
    "typed", ["13/2026", "Q5 2026", "hello", "2026-06..2026-01", "2020-01..2026-01", "1999"]
)
def test_bad_periods_are_refused(typed: str) -> None:
    with pytest.raises(BadInput):
        parse_period(typed, TODAY)
