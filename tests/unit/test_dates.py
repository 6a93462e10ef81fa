"""Typed dates and times; and the scheduling catalogs."""

from __future__ import annotations

import ast
import calendar
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BadInput
from bot.i18n import LANGUAGES, LOCALE_DIR, translator
from bot.rules import dates
from bot.rules.dates import format_when, parse_when, weekday_name

# Same examples on every run: a failure is reproducible and CI never flips.
DETERMINISTIC = settings(derandomize=True)

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 21:00 in Hanoi
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
SCHEDULING_DIR = Path(dates.__file__).parent
LATEST = NOW + relativedelta(years=2)
EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def catalog(lang: str) -> dict[str, str]:
    """The scheduling catalog of a language, msgid to msgstr."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "scheduling.po").open("rb") as po_file:
        return {str(m.id): str(m.string) for m in read_po(po_file) if m.id}


def assert_localized(error: BadInput) -> None:
    """The error's message is in both catalogs and renders with its parameters."""
    for lang in LANGUAGES:
        assert catalog(lang).get(error.message), (lang, error.message)
        assert translator(lang).gettext(error.message, **error.params)
    assert translator("vi").gettext(error.message) != error.message


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in Hanoi, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=HCM).astimezone(UTC)


def refusal(text: str, *, now: datetime = NOW, tz: ZoneInfo = HCM) -> BadInput:
    """The BadInput parse_when raises for text."""
    with pytest.raises(BadInput) as caught:
        parse_when(text, now=now, tz=tz)
    assert_localized(caught.value)
    return caught.value


def placeholders(text: str) -> set[str]:
    """The {names} in a format string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# The votes' rules live beside the scheduling rules; their texts have their own catalog.
VOTING_RULES = {"tally.py", "vote_forms.py", "sealing.py"}


def scheduling_msgids() -> set[str]:
    """Every N_("...") in bot/scheduling."""
    found = set()
    for path in SCHEDULING_DIR.glob("*.py"):
        if path.name in VOTING_RULES:
            continue  # their texts are in voting.po (tests/unit/test_tally.py)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str)
                found.add(first.value)
    return found


def test_every_scheduling_msgid_is_in_both_catalogs_with_the_same_placeholders() -> None:
    msgids = scheduling_msgids()
    assert len(msgids) > 50
    vi, en = catalog("vi"), catalog("en")
    for msgid in msgids:
        assert en.get(msgid) == msgid
        assert vi.get(msgid), msgid
        assert vi[msgid] != msgid, msgid
        assert placeholders(vi[msgid]) == placeholders(msgid), msgid


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        (
            "05/12/2026 19:30 Sinh hoạt chi bộ tháng 12",
            local(2026, 12, 5, 19, 30),
            "Sinh hoạt chi bộ tháng 12",
        ),
        ("05-12-2026 19h30", local(2026, 12, 5, 19, 30), ""),
        ("05.12.2026 19h  Họp  chi ủy ", local(2026, 12, 5, 19, 0), "Họp  chi ủy"),
        ("5/1/2027 7:05 Họp", local(2027, 1, 5, 7, 5), "Họp"),
        ("5/1/2027 7:05 sáng Họp", local(2027, 1, 5, 7, 5), "Họp"),
        ("05/12/2026 19H30", local(2026, 12, 5, 19, 30), ""),
        ("05/12/2026 19g30", local(2026, 12, 5, 19, 30), ""),
        ("ngày 05/12/2026 lúc 19:30 Chuyên đề", local(2026, 12, 5, 19, 30), "Chuyên đề"),
        ("Ngày 05/12/2026, 19:30", local(2026, 12, 5, 19, 30), ""),
        ("19:30 05/12/2026 Tiêu đề", local(2026, 12, 5, 19, 30), "Tiêu đề"),
        ("05/12/2026 7h30 tối Tiêu đề", local(2026, 12, 5, 19, 30), "Tiêu đề"),
        ("05/12/2026 7:30pm", local(2026, 12, 5, 19, 30), ""),
        ("05/12/2026 12am", local(2026, 12, 5, 0, 0), ""),
        ("on 05/12/2026 at 19:30 Meeting", local(2026, 12, 5, 19, 30), "Meeting"),
        ("05/12/2026 19:30 ngày hội", local(2026, 12, 5, 19, 30), "ngày hội"),
        ("05/12/2026 19:30 Sáng kiến mới", local(2026, 12, 5, 19, 30), "Sáng kiến mới"),
        ("05/12/2026 19:30 tối Họp", local(2026, 12, 5, 19, 30), "Họp"),
        ("05/12 19:30", local(2026, 12, 5, 19, 30), ""),
        ("21/11 21:00 now", local(2026, 11, 21, 21, 0), "now"),
        ("21/11 20:59", local(2027, 11, 21, 20, 59), ""),  # this year's is past: next year
        ("01/01 08:00", local(2027, 1, 1, 8, 0), ""),
        ("29/02/2028 19:30", local(2028, 2, 29, 19, 30), ""),
        ("21/11/2028 20:59", local(2028, 11, 21, 20, 59), ""),
    ],
)
def test_parse_when_examples(text: str, expected: datetime, rest: str) -> None:
    when, title = parse_when(text, now=NOW, tz=HCM)
    assert when == expected
    assert when.tzinfo is UTC
    assert title == rest


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", dates.UNREADABLE_WHEN),
        ("Sinh hoạt chi bộ", dates.UNREADABLE_WHEN),
        ("19:30 Sinh hoạt", dates.MISSING_DATE),
        ("05/12-2026 19:30", dates.UNREADABLE_WHEN),
        ("05/12/2026", dates.MISSING_TIME),
        ("05/12/2026 Sinh hoạt 19:30", dates.MISSING_TIME),
        ("05/12/2026 19", dates.NOT_A_TIME),
        ("05/12/2026 19:5", dates.NOT_A_TIME),
        ("05/12/26 19:30", dates.TWO_DIGIT_YEAR),
        ("05/12/02027 19:30", dates.TWO_DIGIT_YEAR),
        ("31/02/2027 19:30", dates.NO_SUCH_DAY),
        ("29/02/2027 19:30", dates.NO_SUCH_DAY),
        ("31/04/2027 19:30", dates.NO_SUCH_DAY),
        ("05/13/2027 19:30", dates.NO_SUCH_DAY),
        ("00/12/2027 19:30", dates.NO_SUCH_DAY),
        ("29/02 19:30", dates.NO_SUCH_DAY),  # the next 29 February asked for would be 2027's
        ("05/12/2026 24:00", dates.NO_SUCH_TIME),
        ("05/12/2026 19:60", dates.NO_SUCH_TIME),
        ("05/12/2026 13pm", dates.NO_SUCH_TIME),
        ("21/11/2026 20:59", dates.PAST),
        ("01/01/2020 08:00", dates.PAST),
        ("21/11/2028 21:01", dates.TOO_FAR),
        ("05/12/9999 19:30", dates.TOO_FAR),
    ],
)
def test_parse_when_refusals(text: str, message: str) -> None:
    error = refusal(text)
    assert error.message == message
    assert error.example is not None
    # The example shown with every refusal is itself accepted.
    parse_when(error.example, now=NOW, tz=HCM)


def test_refusal_names_the_impossible_day_and_the_past_time() -> None:
    no_day = refusal("31/02/2027 19:30")
    assert translator("vi").gettext(no_day.message, **no_day.params) == "Không có ngày 31/02/2027."
    past = refusal("21/11/2026 20:59")
    assert translator("en").gettext(past.message, **past.params) == (
        "21/11/2026 20:59 has already passed."
    )


def test_nonexistent_and_repeated_local_times_resolve_with_fold_0() -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    # 02:30 does not exist in Berlin on 28/03/2027: it lands one hour later, in summer time.
    skipped, _ = parse_when("28/03/2027 02:30", now=now, tz=BERLIN)
    assert skipped == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    # 02:30 happens twice on 31/10/2027: the first (summer time) one is taken.
    repeated, _ = parse_when("31/10/2027 02:30", now=now, tz=BERLIN)
    assert repeated == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        parse_when("05/12/2026 19:30", now=NOW.replace(tzinfo=None), tz=HCM)


MINUTES_AHEAD = int((LATEST - NOW).total_seconds() // 60)


@DETERMINISTIC
@given(st.integers(min_value=0, max_value=MINUTES_AHEAD))
def test_any_valid_local_date_time_round_trips(minutes: int) -> None:
    moment = NOW + timedelta(minutes=minutes)
    text = f"{moment.astimezone(HCM):%d/%m/%Y %H:%M} Sinh hoạt"
    assert parse_when(text, now=NOW, tz=HCM) == (moment, "Sinh hoạt")


@DETERMINISTIC
@given(st.integers(min_value=0, max_value=364 * 24 * 60))
def test_a_date_without_year_is_the_next_one_not_in_the_past(minutes: int) -> None:
    moment = NOW + timedelta(minutes=minutes)
    text = f"{moment.astimezone(HCM):%d/%m %H:%M}"
    assert parse_when(text, now=NOW, tz=HCM) == (moment, "")


@DETERMINISTIC
@given(
    day=st.integers(min_value=1, max_value=31),
    month=st.integers(min_value=1, max_value=12),
    year=st.integers(min_value=2024, max_value=2030),
    hour=st.integers(min_value=0, max_value=23),
    minute=st.integers(min_value=0, max_value=59),
)
def test_any_typed_date_is_accepted_exactly_when_it_exists_and_is_in_the_window(
    day: int, month: int, year: int, hour: int, minute: int
) -> None:
    text = f"{day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d}"
    if day > calendar.monthrange(year, month)[1]:
        assert refusal(text).message == dates.NO_SUCH_DAY
        return
    expected = local(year, month, day, hour, minute)
    if expected < NOW:
        assert refusal(text).message == dates.PAST
    elif expected > LATEST:
        assert refusal(text).message == dates.TOO_FAR
    else:
        assert parse_when(text, now=NOW, tz=HCM) == (expected, "")


@DETERMINISTIC
@given(hour=st.integers(min_value=0, max_value=99), minute=st.integers(min_value=0, max_value=99))
def test_hours_and_minutes_out_of_range_are_refused(hour: int, minute: int) -> None:
    text = f"05/12/2026 {hour:02d}:{minute:02d}"
    if hour > 23 or minute > 59:
        assert refusal(text).message == dates.NO_SUCH_TIME
    else:
        assert parse_when(text, now=NOW, tz=HCM)[0] == local(2026, 12, 5, hour, minute)


@DETERMINISTIC
@given(st.text(max_size=40))
def test_arbitrary_text_is_parsed_or_refused_never_crashes(text: str) -> None:
    try:
        when, rest = parse_when(text, now=NOW, tz=HCM)
    except BadInput as error:
        assert_localized(error)
    else:
        assert NOW.replace(second=0) <= when <= LATEST
        assert rest == rest.strip()


@pytest.mark.parametrize(
    ("moment", "vi", "en"),
    [
        (local(2026, 12, 5, 19, 30), "19:30 thứ Bảy, 05/12/2026", "19:30 Saturday, 05/12/2026"),
        (local(2026, 12, 6, 8, 0), "08:00 Chủ nhật, 06/12/2026", "08:00 Sunday, 06/12/2026"),
        (local(2026, 12, 7, 0, 5), "00:05 thứ Hai, 07/12/2026", "00:05 Monday, 07/12/2026"),
    ],
)
def test_format_when(moment: datetime, vi: str, en: str) -> None:
    assert format_when(moment, HCM, "vi") == vi
    assert format_when(moment, HCM, "en") == en


@DETERMINISTIC
@given(st.integers(min_value=0, max_value=MINUTES_AHEAD))
def test_format_when_names_the_local_weekday_and_date(minutes: int) -> None:
    moment = NOW + timedelta(minutes=minutes)
    wall = moment.astimezone(HCM)
    shown = format_when(moment, HCM, "en")
    assert shown == f"{wall:%H:%M} {EN_DAYS[wall.weekday()]}, {wall:%d/%m/%Y}"


def test_weekday_names() -> None:
    assert [weekday_name(i, "vi") for i in range(7)] == [
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
        "Chủ nhật",
    ]
    assert tuple(weekday_name(i, "en") for i in range(7)) == EN_DAYS
