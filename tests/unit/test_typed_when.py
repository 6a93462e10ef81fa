"""Dates and times as secretaries type them, in Vietnamese (with or without diacritics) and
English, read against a fixed "now": Saturday 21/11/2026, 21:00 in Hanoi."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.errors import BadInput
from bot.rules import dates
from bot.rules.dates import fold, parse_when
from tests.unit.test_dates import DETERMINISTIC, HCM, LATEST, NOW, local, refusal

TODAY = NOW.astimezone(HCM).date()
assert date(2026, 11, 21) == TODAY and TODAY.weekday() == 5  # a Saturday, 21:00

# (typed, expected local date and time as (day, month, year, hour, minute), rest of the text)
TYPED = [
    # the forms
    ("mai 19h", (22, 11, 2026, 19, 0), ""),
    ("thứ 5 tuần sau 8h tối", (26, 11, 2026, 20, 0), ""),
    ("16/12/2026 19 giờ 30", (16, 12, 2026, 19, 30), ""),
    ("27.12.2026 19.30", (27, 12, 2026, 19, 30), ""),
    # understood before, still
    ("05/12/2026 19:30", (5, 12, 2026, 19, 30), ""),
    ("05/12 19:30 Sinh hoạt", (5, 12, 2026, 19, 30), "Sinh hoạt"),
    ("05/12/2026 19h30", (5, 12, 2026, 19, 30), ""),
    # days
    ("ngày mai 19h30 Sinh hoạt chi bộ", (22, 11, 2026, 19, 30), "Sinh hoạt chi bộ"),
    ("Mai 19:30", (22, 11, 2026, 19, 30), ""),
    ("mốt 8h", (23, 11, 2026, 8, 0), ""),
    ("mot 8h", (23, 11, 2026, 8, 0), ""),
    ("ngày kia 8h sáng", (23, 11, 2026, 8, 0), ""),
    ("hôm nay 22h", (21, 11, 2026, 22, 0), ""),
    ("tối nay 10h", (21, 11, 2026, 22, 0), ""),
    ("toi nay 10h", (21, 11, 2026, 22, 0), ""),
    # weekdays: alone the coming one, "tuần này" this week's, "tuần sau" / "tuần tới" next week's
    ("thu 5 tuan sau 8h toi", (26, 11, 2026, 20, 0), ""),
    ("Thứ Năm tuần sau 20:00", (26, 11, 2026, 20, 0), ""),
    ("T5 tuần tới 20h", (26, 11, 2026, 20, 0), ""),
    ("thứ5 20h", (26, 11, 2026, 20, 0), ""),
    ("thứ 2 19h", (23, 11, 2026, 19, 0), ""),
    ("thứ hai tuần sau 19h", (23, 11, 2026, 19, 0), ""),
    ("chủ nhật 8h", (22, 11, 2026, 8, 0), ""),
    ("chu nhat tuan nay 8 gio", (22, 11, 2026, 8, 0), ""),
    ("CN tuần sau 8h", (29, 11, 2026, 8, 0), ""),
    ("thứ 7 22h", (21, 11, 2026, 22, 0), ""),  # today, still ahead
    ("thứ 7 20h", (28, 11, 2026, 20, 0), ""),  # today's has passed: next week's
    ("thứ bảy tuần này 22h", (21, 11, 2026, 22, 0), ""),
    ("thứ 6 này 19h", (27, 11, 2026, 19, 0), ""),  # "này" alone: the coming one
    ("this friday 19:00", (27, 11, 2026, 19, 0), ""),
    ("tuần sau thứ 3 19h", (24, 11, 2026, 19, 0), ""),
    ("thứ 5 tới 8h", (26, 11, 2026, 8, 0), ""),  # "tới" (coming), not "tối" (evening)
    ("thứ 5 tối 8h", (26, 11, 2026, 20, 0), ""),
    # parts of the day, before or after the time
    ("2h chiều thứ 7", (28, 11, 2026, 14, 0), ""),
    ("tối mai 8h Họp chi ủy", (22, 11, 2026, 20, 0), "Họp chi ủy"),
    ("7 giờ rưỡi tối mai", (22, 11, 2026, 19, 30), ""),
    ("mai 7h rưỡi sáng", (22, 11, 2026, 7, 30), ""),
    ("12h trưa mai", (22, 11, 2026, 12, 0), ""),
    ("1h trưa mai", (22, 11, 2026, 13, 0), ""),
    ("11h đêm mai", (22, 11, 2026, 23, 0), ""),
    # times and dates written out
    ("16/12/2026 19 giờ 30 phút Họp", (16, 12, 2026, 19, 30), "Họp"),
    ("16/12/2026 19 gio", (16, 12, 2026, 19, 0), ""),
    ("16/12/2026 19giờ30", (16, 12, 2026, 19, 30), ""),
    ("ngày 16 tháng 12 năm 2026 lúc 19 giờ", (16, 12, 2026, 19, 0), ""),
    ("16 tháng 12 19h", (16, 12, 2026, 19, 0), ""),
    ("mùng 5 tháng 12 19h30", (5, 12, 2026, 19, 30), ""),
    ("19.30 mai", (22, 11, 2026, 19, 30), ""),
    ("mai 19.30", (22, 11, 2026, 19, 30), ""),
    ("31.12 19h", (31, 12, 2026, 19, 0), ""),  # no year, no date yet: a date
    # the bot's own way of showing a time is read back; the weekday must fit the date
    ("19:30 thứ Bảy, 05/12/2026", (5, 12, 2026, 19, 30), ""),
    ("Thứ 7, 05/12/2026 19:30", (5, 12, 2026, 19, 30), ""),
    # words after the whole date and time start the title
    ("05/12/2026 19:30 Thứ hai là kiểm điểm", (5, 12, 2026, 19, 30), "Thứ hai là kiểm điểm"),
    ("thứ 2 19h Mai phát biểu", (23, 11, 2026, 19, 0), "Mai phát biểu"),
    ("06/12/2026 8h Chủ nhật xanh", (6, 12, 2026, 8, 0), "Chủ nhật xanh"),
    ("mai 19h tối Tôi", (22, 11, 2026, 19, 0), "Tôi"),
    # English
    ("tomorrow 7pm", (22, 11, 2026, 19, 0), ""),
    ("tomorrow at 19:30 Meeting", (22, 11, 2026, 19, 30), "Meeting"),
    ("today 10pm", (21, 11, 2026, 22, 0), ""),
    ("tonight 10pm", (21, 11, 2026, 22, 0), ""),
    ("next thursday 20:00", (26, 11, 2026, 20, 0), ""),
    ("thursday 8pm", (26, 11, 2026, 20, 0), ""),
    ("next monday 7:30 pm", (23, 11, 2026, 19, 30), ""),
    ("monday next week 19:00", (23, 11, 2026, 19, 0), ""),
    ("sunday 8am", (22, 11, 2026, 8, 0), ""),
    ("this sunday 8 am", (22, 11, 2026, 8, 0), ""),
    ("day after tomorrow 7 pm", (23, 11, 2026, 19, 0), ""),
    ("on 05/12/2026 at 7:30pm", (5, 12, 2026, 19, 30), ""),
]


@pytest.mark.parametrize(("text", "expected", "rest"), TYPED)
def test_typed_forms(text: str, expected: tuple[int, int, int, int, int], rest: str) -> None:
    day, month, year, hour, minute = expected
    assert parse_when(text, now=NOW, tz=HCM) == (local(year, month, day, hour, minute), rest)


@pytest.mark.parametrize(("text", "expected", "rest"), TYPED)
def test_typed_forms_without_diacritics(
    text: str, expected: tuple[int, int, int, int, int], rest: str
) -> None:
    day, month, year, hour, minute = expected
    if text == "thứ 5 tới 8h":
        hour += 12  # "toi" without diacritics is "tối" (evening), the more common word
    when, _ = parse_when(fold(text), now=NOW, tz=HCM)
    assert when == local(year, month, day, hour, minute)


@pytest.mark.parametrize(
    ("text", "message", "named"),
    [
        ("mai", dates.MISSING_TIME, None),
        ("19h", dates.MISSING_DATE, None),
        ("19:30 Một buổi", dates.MISSING_DATE, None),  # "một" (one) is not "mốt"
        ("16/12/2026 19", dates.NOT_A_TIME, "19"),
        ("mai 25h", dates.NO_SUCH_TIME, "25h"),
        ("mai 19:61", dates.NO_SUCH_TIME, "19:61"),
        ("mai 25 giờ", dates.NO_SUCH_TIME, "25 giờ"),
        ("16/12/2026 19 giờ 61", dates.NO_SUCH_TIME, "19 giờ 61"),
        ("27.12.2026 24.00", dates.NO_SUCH_TIME, "24:00"),
        ("31/02/2027 19h", dates.NO_SUCH_DAY, "31/02/2027"),
        ("31 tháng 2 năm 2027 19h", dates.NO_SUCH_DAY, "31/02/2027"),
        ("thứ 5, 05/12/2026 19:30", dates.WRONG_WEEKDAY, "thứ 5"),
        ("sáng mai 20h", dates.PERIOD_MISMATCH, "sáng"),
        ("tuần sau 19h", dates.WEEK_WITHOUT_DAY, None),
        ("thứ 5 tuần này 20h", dates.PAST, "19/11/2026 20:00"),
        ("hôm nay 20h", dates.PAST, "21/11/2026 20:00"),
        ("Sinh hoạt chi bộ", dates.UNREADABLE_WHEN, None),
    ],
)
def test_typed_refusals_name_what_is_wrong(text: str, message: str, named: str | None) -> None:
    error = refusal(text)
    assert error.message == message
    if named is not None:
        assert named in {str(v) for v in error.params.values()}
    assert error.example is not None
    parse_when(error.example, now=NOW, tz=HCM)  # the right form shown is itself accepted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:30", (5, 12, 2026, 21, 30)),  # the same day
        ("8h tối", (5, 12, 2026, 20, 0)),
        ("thứ 5 tuần sau", (26, 11, 2026, 19, 30)),  # another day, the same hour
        ("mai", (22, 11, 2026, 19, 30)),
        ("06/12", (6, 12, 2026, 19, 30)),
        ("06/12/2026 20:00", (6, 12, 2026, 20, 0)),
    ],
)
def test_a_date_or_a_time_left_out_is_the_defaults(
    text: str, expected: tuple[int, int, int, int, int]
) -> None:
    day, month, year, hour, minute = expected
    when, rest = parse_when(
        text, now=NOW, tz=HCM, default_date=date(2026, 12, 5), default_time=(19, 30)
    )
    assert (when, rest) == (local(year, month, day, hour, minute), "")


# --- nothing valid is refused ------------------------------------------------------------------


def _part_of_day(hour: int) -> tuple[int, str]:
    """The hour as said with a Vietnamese part of the day: 20 is "8 giờ tối"."""
    if hour < 12:
        return hour, "sáng"
    if hour < 18:
        return hour - 12 or 12, "chiều"
    return hour - 12, "tối"


def _am_pm(hour: int) -> str:
    """The hour on a 12-hour clock with am or pm: 0 is "12am", 20 is "8pm"."""
    return f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"


VI_WEEKDAYS = ("thứ hai", "thứ 3", "thứ tư", "thứ 5", "thứ sáu", "thứ bảy", "chủ nhật")
EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


Style = Callable[[datetime], str]
STYLES: dict[str, Style] = {
    "slashes": lambda t: f"{t:%d/%m/%Y %H:%M}",
    "dashes, h": lambda t: f"{t:%d-%m-%Y %Hh%M}",
    "dots": lambda t: f"{t:%d.%m.%Y %H.%M}",
    "short": lambda t: f"{t.day}/{t.month}/{t.year} {t.hour}:{t:%M}",
    "time first": lambda t: f"{t:%Hh%M %d/%m/%Y}",
    "giờ phút": lambda t: f"{t:%d/%m/%Y} {t.hour} giờ {t.minute} phút",
    "spelled": lambda t: (
        f"ngày {t.day} tháng {t.month} năm {t.year} lúc {t.hour} giờ {t.minute:02d}"
    ),
    "part of the day": lambda t: (
        f"{t:%d/%m/%Y} {_part_of_day(t.hour)[0]}h{t:%M} {_part_of_day(t.hour)[1]}"
    ),
    "part of the day first": lambda t: (
        f"{_part_of_day(t.hour)[1]} {t:%d/%m/%Y} {_part_of_day(t.hour)[0]} giờ {t.minute}"
    ),
    "am pm": lambda t: f"{t:%d/%m/%Y} {_am_pm(t.hour)[:-2]}:{t:%M} {_am_pm(t.hour)[-2:]}",
    "am pm glued": lambda t: (
        f"{t:%d/%m/%Y} {_am_pm(t.hour)}"
        if t.minute == 0
        else (f"{t:%d/%m/%Y} {_am_pm(t.hour)[:-2]}:{t:%M}{_am_pm(t.hour)[-2:]}")
    ),
    "with the weekday": lambda t: f"{t:%H:%M} {VI_WEEKDAYS[t.weekday()]}, {t:%d/%m/%Y}",
    "with the weekday in English": lambda t: (
        f"{EN_WEEKDAYS[t.weekday()]} {t:%d/%m/%Y} at {_am_pm(t.hour)[:-2]}:{t:%M}"
        f"{_am_pm(t.hour)[-2:]}"
    ),
}
MINUTES_AHEAD = int((LATEST - NOW).total_seconds() // 60)


@DETERMINISTIC
@given(
    minutes=st.integers(min_value=0, max_value=MINUTES_AHEAD),
    style=st.sampled_from(sorted(STYLES)),
    plain=st.booleans(),
)
def test_any_valid_date_and_time_is_read_in_every_style(
    minutes: int, style: str, plain: bool
) -> None:
    moment = NOW + timedelta(minutes=minutes)
    text = STYLES[style](moment.astimezone(HCM))
    if plain:
        text = fold(text)
    assert parse_when(f"{text} Sinh hoạt", now=NOW, tz=HCM) == (moment, "Sinh hoạt"), text


VI_DAYS = ("hôm nay", "mai", "mốt")
EN_DAYS = ("today", "tomorrow", "day after tomorrow")


@DETERMINISTIC
@given(
    days=st.integers(min_value=0, max_value=8),  # this week (Saturday, Sunday) or the next
    hour=st.integers(min_value=0, max_value=23),
    minute=st.integers(min_value=0, max_value=59),
    english=st.booleans(),
    plain=st.booleans(),
)
def test_any_day_of_this_week_or_the_next_is_read_by_its_name(
    days: int, hour: int, minute: int, english: bool, plain: bool
) -> None:
    day = TODAY + timedelta(days=days)
    expected = local(day.year, day.month, day.day, hour, minute)
    assume(expected >= NOW)
    time = f"{hour}h{minute:02d}"
    next_week = day.isocalendar().week != TODAY.isocalendar().week
    if english:
        name = EN_WEEKDAYS[day.weekday()]
        forms = [f"{name} {'next' if next_week else 'this'} week {time}"]
        forms += [f"next {name} {time}"] if next_week else [f"this {name} {time}"]
        forms += [f"{EN_DAYS[days]} {time}"] if days < 3 else []
    else:
        name = VI_WEEKDAYS[day.weekday()]
        forms = [f"{name} {'tuần sau' if next_week else 'tuần này'} {time}"]
        forms += [f"{time} {VI_DAYS[days]}"] if days < 3 else []
    for form in forms:
        text = fold(form) if plain else form
        assert parse_when(text, now=NOW, tz=HCM) == (expected, ""), text


# --- nothing invalid is accepted ---------------------------------------------------------------


@DETERMINISTIC
@given(
    year=st.integers(min_value=2027, max_value=2028),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=29, max_value=35),
    style=st.sampled_from(
        ("{d}/{m}/{y} 19:30", "{d}.{m}.{y} 19.30", "ngày {d} tháng {m} năm {y} 19h")
    ),
)
def test_impossible_dates_are_refused_in_every_style(
    year: int, month: int, day: int, style: str
) -> None:
    assume(day > calendar.monthrange(year, month)[1])
    error = refusal(style.format(d=day, m=month, y=year))
    assert error.message == dates.NO_SUCH_DAY
    assert error.params["date"] == f"{day:02d}/{month:02d}/{year}"


@DETERMINISTIC
@given(
    hour=st.integers(min_value=0, max_value=99),
    minute=st.integers(min_value=0, max_value=99),
    style=st.sampled_from(
        ("mai {h}:{m:02d}", "mai {h}h{m:02d}", "27.12.2026 {h}.{m:02d}", "mai {h} giờ {m}")
    ),
)
def test_impossible_times_are_refused_in_every_style(hour: int, minute: int, style: str) -> None:
    text = style.format(h=hour, m=minute)
    if hour <= 23 and minute <= 59:
        when, _ = parse_when(text, now=NOW, tz=HCM)
        assert (when.astimezone(HCM).hour, when.astimezone(HCM).minute) == (hour, minute)
    else:
        assert refusal(text).message == dates.NO_SUCH_TIME


@DETERMINISTIC
@given(st.text(alphabet=st.characters(categories=("L", "P", "Zs")), max_size=60))
def test_text_without_a_digit_is_never_a_meeting_time(text: str) -> None:
    # A time needs a number: words alone ("mai", "tonight", "thứ năm") are never enough.
    with pytest.raises(BadInput):
        parse_when(text, now=NOW, tz=HCM)


@DETERMINISTIC
@given(
    st.lists(
        st.sampled_from(
            [
                "mai",
                "thứ",
                "5",
                "tuần",
                "sau",
                "tối",
                "19h",
                "25h",
                "31/02",
                "27.12.2026",
                "19.30",
                "giờ",
                "30",
                "rưỡi",
                "ngày",
                "tháng",
                "12",
                "năm",
                "2026",
                "next",
                "monday",
                "pm",
                "CN",
                ",",
                "đêm",
                "xyz",
            ]
        ),
        max_size=8,
    )
)
def test_any_mix_of_date_words_is_read_or_refused_within_the_window(words: list[str]) -> None:
    try:
        when, rest = parse_when(" ".join(words), now=NOW, tz=HCM)
    except BadInput as error:
        assert error.example is not None
    else:
        assert NOW.replace(second=0) <= when <= LATEST
        assert when.tzinfo is UTC
        assert rest == rest.strip()
