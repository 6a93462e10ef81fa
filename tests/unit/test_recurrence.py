"""Recurring rules of the regular meeting: typed text, stored form, and the dates they give."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BadInput
from bot.rules import recurrence
from bot.rules.dates import NO_SUCH_TIME
from bot.rules.recurrence import RecurrenceRule, occurrences, parse_rule
from tests.unit.test_dates import assert_localized

# Same examples on every run: a failure is reproducible and CI never flips.
DETERMINISTIC = settings(derandomize=True)

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
SATURDAY = calendar.SATURDAY  # 5: the same numbering as date.weekday() and dateutil's SA

rules = st.one_of(
    st.builds(
        RecurrenceRule.monthly_day,
        day=st.integers(1, 31),
        hour=st.integers(0, 23),
        minute=st.integers(0, 59),
    ),
    st.builds(
        RecurrenceRule.monthly_weekday,
        nth=st.sampled_from([1, 2, 3, 4, -1]),
        weekday=st.integers(0, 6),
        hour=st.integers(0, 23),
        minute=st.integers(0, 59),
    ),
    st.builds(
        RecurrenceRule.weekly,
        weekday=st.integers(0, 6),
        hour=st.integers(0, 23),
        minute=st.integers(0, 59),
    ),
)
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
zones = st.sampled_from([HCM, BERLIN, ZoneInfo("America/New_York"), UTC])


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("ngày 5 hằng tháng 19:30", "monthly-day:5@19:30"),
        ("ngay 5 hang thang 19:30", "monthly-day:5@19:30"),
        ("NGÀY 5 HÀNG THÁNG 19H30", "monthly-day:5@19:30"),
        ("19:30 ngày 5 mỗi tháng", "monthly-day:5@19:30"),
        ("mùng 10 hằng tháng, 8h", "monthly-day:10@08:00"),
        ("day 5 monthly 19:30", "monthly-day:5@19:30"),
        ("the 5th of every month at 7:30pm", "monthly-day:5@19:30"),
        ("ngày 31 hằng tháng 19:30", "monthly-day:31@19:30"),
        ("ngày cuối tháng 19:30", "monthly-day:31@19:30"),
        ("last day of the month 19:30", "monthly-day:31@19:30"),
        ("thứ bảy đầu tiên 19:30", "monthly-weekday:1SA@19:30"),
        ("thu bay dau tien 19:30", "monthly-weekday:1SA@19:30"),
        ("thứ 7 đầu tiên hằng tháng 19:30", "monthly-weekday:1SA@19:30"),
        ("t7 đầu tháng 19h30", "monthly-weekday:1SA@19:30"),
        ("thứ bảy tuần đầu tiên của tháng 19:30", "monthly-weekday:1SA@19:30"),
        ("first saturday 19:30", "monthly-weekday:1SA@19:30"),
        ("First Saturday of every month at 19:30", "monthly-weekday:1SA@19:30"),
        ("thứ bảy cuối cùng 19:30", "monthly-weekday:-1SA@19:30"),
        ("thu 7 cuoi thang 7h30 toi", "monthly-weekday:-1SA@19:30"),
        ("last saturday 19:30", "monthly-weekday:-1SA@19:30"),
        ("thứ bảy thứ hai 19:30", "monthly-weekday:2SA@19:30"),
        ("second saturday 19:30", "monthly-weekday:2SA@19:30"),
        ("thứ hai thứ ba hằng tháng 19:30", "monthly-weekday:3MO@19:30"),
        ("thứ sáu tuần thứ tư 20:00", "monthly-weekday:4FR@20:00"),
        ("chủ nhật đầu tiên 8:00", "monthly-weekday:1SU@08:00"),
        ("cn cuối 8h", "monthly-weekday:-1SU@08:00"),
        ("chủ nhật hằng tuần 8:00", "weekly:SU@08:00"),
        ("every sunday 8am", "weekly:SU@08:00"),
        ("thứ 2 19:30", "weekly:MO@19:30"),
        ("thứ tư hằng tuần 19:30", "weekly:WE@19:30"),
        ("thứ năm 19:30", "weekly:TH@19:30"),
        ("weekly on friday 19:30", "weekly:FR@19:30"),
        # times in several words, and every part of the day
        ("ngày 5 hằng tháng 19 giờ 30", "monthly-day:5@19:30"),
        ("ngày 5 hằng tháng 19 giờ 30 phút", "monthly-day:5@19:30"),
        ("mỗi thứ 5 lúc 7 giờ rưỡi tối", "weekly:TH@19:30"),
        ("thứ 7 đầu tiên 7h rưỡi tối", "monthly-weekday:1SA@19:30"),
        ("thứ 7 đầu tiên 12h trưa", "monthly-weekday:1SA@12:00"),
        ("chủ nhật cuối cùng 2 giờ chiều", "monthly-weekday:-1SU@14:00"),
        ("every friday 7 pm", "weekly:FR@19:00"),
        ("ngày 5 hằng tháng buổi tối 8h", "monthly-day:5@20:00"),
    ],
)
def test_parse_rule_examples(text: str, stored: str) -> None:
    assert parse_rule(text).to_text() == stored


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ngày 5 hằng tháng", recurrence.MISSING_RULE_TIME),
        ("first saturday", recurrence.MISSING_RULE_TIME),
        ("thứ bảy hằng tháng 19:30", recurrence.WHICH_WEEK),
        ("saturday every month 19:30", recurrence.WHICH_WEEK),
        ("ngày 32 hằng tháng 19:30", recurrence.DAY_OF_MONTH_RANGE),
        ("ngày 0 hằng tháng 19:30", recurrence.DAY_OF_MONTH_RANGE),
        ("ngày 5 và 20 hằng tháng 19:30", recurrence.UNREADABLE_RULE),
        ("ngày 5 hằng tuần 19:30", recurrence.UNREADABLE_RULE),
        ("thứ bảy thứ năm 19:30", recurrence.UNREADABLE_RULE),
        ("19:30 20:30 thứ bảy", recurrence.UNREADABLE_RULE),
        ("hôm nào rảnh 19:30", recurrence.UNREADABLE_RULE),
        ("19:30", recurrence.UNREADABLE_RULE),
        ("first saturday 25:00", NO_SUCH_TIME),
    ],
)
def test_parse_rule_refusals(text: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_rule(text)
    assert caught.value.message == message
    assert_localized(caught.value)


@DETERMINISTIC
@given(st.text(max_size=40))
def test_arbitrary_rule_text_is_parsed_or_refused_never_crashes(text: str) -> None:
    try:
        rule = parse_rule(text)
    except BadInput as error:
        assert_localized(error)
    else:
        assert RecurrenceRule.from_text(rule.to_text()) == rule


@DETERMINISTIC
@given(rules)
def test_stored_form_round_trips(rule: RecurrenceRule) -> None:
    assert RecurrenceRule.from_text(rule.to_text()) == rule


@pytest.mark.parametrize(
    "stored",
    ["", "monthly-day:32@19:30", "weekly:XX@19:30", "monthly-weekday:5SA@19:30", "weekly:SA"],
)
def test_malformed_stored_forms_are_refused(stored: str) -> None:
    with pytest.raises(ValueError, match="recurrence rule"):
        RecurrenceRule.from_text(stored)


def test_inconsistent_rules_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        RecurrenceRule("weekly", 19, 30, day=5)
    with pytest.raises(ValueError, match="inconsistent"):
        RecurrenceRule.monthly_weekday(0, SATURDAY, 19, 30)
    with pytest.raises(ValueError, match="inconsistent"):
        RecurrenceRule.weekly(SATURDAY, 24, 0)


@pytest.mark.parametrize(
    ("stored", "vi", "en"),
    [
        (
            "monthly-day:5@19:30",
            "Ngày 5 hằng tháng, lúc 19:30",
            "Day 5 of every month at 19:30",
        ),
        (
            "monthly-day:31@19:30",
            "Ngày 31 hằng tháng, lúc 19:30 (tháng không có ngày 31 thì họp vào ngày cuối tháng)",
            "Day 31 of every month at 19:30 (the last day of shorter months)",
        ),
        (
            "monthly-weekday:1SA@19:30",
            "Thứ Bảy đầu tiên hằng tháng, lúc 19:30",
            "First Saturday of every month at 19:30",
        ),
        (
            "monthly-weekday:-1SU@08:00",
            "Chủ nhật cuối cùng hằng tháng, lúc 08:00",
            "Last Sunday of every month at 08:00",
        ),
        ("weekly:MO@07:05", "Thứ Hai hằng tuần, lúc 07:05", "Every Monday at 07:05"),
    ],
)
def test_describe(stored: str, vi: str, en: str) -> None:
    rule = RecurrenceRule.from_text(stored)
    assert rule.describe("vi") == vi
    assert rule.describe("en") == en


def test_first_saturdays_at_half_past_seven_in_hanoi() -> None:
    rule = parse_rule("thứ bảy đầu tiên 19:30")
    starts = occurrences(rule, HCM, NOW, count=3)
    # 19:30 in Hanoi (UTC+7) is 12:30 UTC; checked against the calendar module below.
    assert starts == [
        datetime(2026, 12, 5, 12, 30, tzinfo=UTC),
        datetime(2027, 1, 2, 12, 30, tzinfo=UTC),
        datetime(2027, 2, 6, 12, 30, tzinfo=UTC),
    ]
    for start in starts:
        month = calendar.monthcalendar(start.year, start.month)
        first_saturday = next(week[SATURDAY] for week in month if week[SATURDAY])
        assert start.astimezone(HCM).day == first_saturday


def test_day_31_falls_on_the_last_day_of_shorter_months() -> None:
    starts = occurrences(RecurrenceRule.monthly_day(31, 19, 30), HCM, NOW, count=5)
    assert [s.astimezone(HCM).date().isoformat() for s in starts] == [
        "2026-11-30",
        "2026-12-31",
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
    ]
    leap = occurrences(RecurrenceRule.monthly_day(30, 8, 0), HCM, NOW, count=16)
    assert datetime(2028, 2, 29, 8, 0, tzinfo=HCM) in leap


def test_local_time_stays_across_daylight_saving_changes() -> None:
    after = datetime(2027, 3, 20, tzinfo=UTC)
    starts = occurrences(RecurrenceRule.weekly(calendar.SUNDAY, 8, 0), BERLIN, after, count=3)
    assert [s.astimezone(BERLIN).strftime("%d/%m %H:%M") for s in starts] == [
        "21/03 08:00",
        "28/03 08:00",
        "04/04 08:00",
    ]
    assert [s.hour for s in starts] == [7, 6, 6]  # winter then summer offset


def test_occurrences_are_strictly_after_the_given_instant() -> None:
    at_start = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    rule = RecurrenceRule.monthly_weekday(1, SATURDAY, 19, 30)
    assert occurrences(rule, HCM, at_start, count=1) == [datetime(2027, 1, 2, 12, 30, tzinfo=UTC)]
    just_before = at_start - timedelta(microseconds=1)
    assert occurrences(rule, HCM, just_before, count=1) == [at_start]


def test_count_or_until_exactly_one() -> None:
    rule = RecurrenceRule.weekly(SATURDAY, 19, 30)
    with pytest.raises(ValueError, match="exactly one"):
        occurrences(rule, HCM, NOW)
    with pytest.raises(ValueError, match="exactly one"):
        occurrences(rule, HCM, NOW, count=3, until=NOW + timedelta(days=30))
    with pytest.raises(ValueError, match="tz-aware"):
        occurrences(rule, HCM, NOW.replace(tzinfo=None), count=3)
    assert occurrences(rule, HCM, NOW, count=0) == []
    assert len(occurrences(rule, HCM, NOW, count=10_000)) == recurrence.MAX_OCCURRENCES


def _nth_of_month(day: int) -> int:
    return (day - 1) // 7 + 1


@DETERMINISTIC
@given(rule=rules, after=moments, tz=zones, count=st.integers(1, 14))
def test_occurrences_fall_on_the_rule_in_local_time(
    rule: RecurrenceRule, after: datetime, tz: ZoneInfo, count: int
) -> None:
    starts = occurrences(rule, tz, after, count=count)
    assert len(starts) == count
    assert all(s.tzinfo is UTC for s in starts)
    assert starts == sorted(set(starts))
    assert starts[0] > after
    walls = [s.astimezone(tz) for s in starts]
    for wall in walls:
        days_in_month = calendar.monthrange(wall.year, wall.month)[1]
        # A wall time skipped by a DST jump moves forward by the jump; otherwise it is exact.
        if (
            wall.utcoffset()
            == datetime(
                wall.year, wall.month, wall.day, rule.hour, rule.minute, tzinfo=tz
            ).utcoffset()
        ):
            assert (wall.hour, wall.minute) == (rule.hour, rule.minute)
        if rule.day is not None:
            assert wall.day == min(rule.day, days_in_month)
        else:
            assert wall.weekday() == rule.weekday
        if rule.nth == -1:
            assert wall.day + 7 > days_in_month
        elif rule.nth is not None:
            assert _nth_of_month(wall.day) == rule.nth
    # Nothing is skipped: a monthly rule meets every month, a weekly one every week.
    for previous, current in pairwise(walls):
        if rule.kind == "weekly":
            assert (current.date() - previous.date()).days == 7
        else:
            assert (current.year * 12 + current.month) - (previous.year * 12 + previous.month) == 1


@DETERMINISTIC
@given(rule=rules, after=moments, days=st.integers(0, 400))
def test_until_gives_the_same_starts_as_count_up_to_that_instant(
    rule: RecurrenceRule, after: datetime, days: int
) -> None:
    until = after + timedelta(days=days)
    bounded = occurrences(rule, HCM, after, until=until)
    assert all(after < s <= until for s in bounded)
    assert bounded == occurrences(rule, HCM, after, count=len(bounded) + 1)[: len(bounded)]
    following = occurrences(rule, HCM, after, count=len(bounded) + 1)[-1]
    assert following > until
