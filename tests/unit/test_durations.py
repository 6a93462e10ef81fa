"""Meeting durations and reminder times as typed, and as shown back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import BadInput, Usage
from bot.rules import durations
from bot.rules.dates import fold
from bot.rules.durations import format_duration, format_offsets, parse_duration, parse_offsets
from tests.unit.test_dates import DETERMINISTIC, assert_localized


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90 phút", 90),
        ("90 phut", 90),
        ("90p", 90),
        ("90'", 90),
        ("2 tiếng", 120),
        ("2 tieng", 120),
        ("2 giờ", 120),
        ("2h", 120),
        ("1h30", 90),
        ("1H30P", 90),
        ("1 giờ 30 phút", 90),
        ("1 giờ 30", 90),
        ("1 tiếng rưỡi", 90),
        ("1h rưỡi", 90),
        ("1.5h", 90),
        ("1.5 giờ", 90),
        ("2 hours", 120),
        ("1 hour 30 minutes", 90),
        ("1 hour and 30 minutes", 90),
        ("45 min", 45),
        ("45m", 45),
        (" 5 ", 5),
        ("10h", 600),
    ],
)
def test_parse_duration(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "message", "named"),
    [
        ("", durations.UNREADABLE_DURATION, None),
        ("abc", durations.NOT_A_DURATION, "abc"),
        ("hai tiếng", durations.NOT_A_DURATION, "hai"),
        ("1h60", durations.NOT_A_DURATION, "1h60"),
        ("-5", durations.NOT_A_DURATION, "-"),
        ("1.5 phút", durations.NOT_A_DURATION, "1.5 phút"),
        ("30 phút 1 giờ", durations.NOT_A_DURATION, "30 phút 1 giờ"),
        ("4", durations.DURATION_RANGE, None),
        ("0", durations.DURATION_RANGE, None),
        ("601", durations.DURATION_RANGE, None),
        ("10h01", durations.DURATION_RANGE, None),
        ("1 ngày", durations.DURATION_RANGE, None),
    ],
)
def test_parse_duration_refusals(text: str, message: str, named: str | None) -> None:
    with pytest.raises(BadInput) as caught:
        parse_duration(text)
    assert caught.value.message == message
    assert caught.value.example == durations.DURATION_EXAMPLE
    if named is not None:
        assert caught.value.params["word"] == named
    assert_localized(caught.value)


@DETERMINISTIC
@given(
    hours=st.integers(min_value=0, max_value=10),
    minutes=st.integers(min_value=0, max_value=59),
    style=st.sampled_from(
        ("{h}h{m:02d}", "{h} giờ {m} phút", "{h} tiếng {m} phút", "{h} hours {m} minutes")
    ),
)
def test_durations_in_hours_and_minutes(hours: int, minutes: int, style: str) -> None:
    total = hours * 60 + minutes
    text = style.format(h=hours, m=minutes)
    if 5 <= total <= 600:
        assert parse_duration(text) == total
        assert parse_duration(fold(text)) == total
    else:
        with pytest.raises(BadInput):
            parse_duration(text)


@DETERMINISTIC
@given(st.integers(min_value=5, max_value=600))
def test_a_shown_duration_is_read_back(minutes: int) -> None:
    for lang in ("vi", "en"):
        assert parse_duration(format_duration(minutes, lang)) == minutes


@pytest.mark.parametrize(
    ("text", "offsets"),
    [
        ("1 ngày, 1 giờ, 15 phút", (1440, 60, 15)),
        ("1 ngay, 1 gio, 15 phut", (1440, 60, 15)),
        ("1d 1h 15m", (1440, 60, 15)),
        ("15p", (15,)),
        ("24h 1h 0", (1440, 60, 0)),
        ("1440,60,0", (1440, 60, 0)),
        ("30m", (30,)),
        ("1h30 0", (90, 0)),  # a number against the unit before it belongs to it
        ("2 tiếng và 30 phút", (120, 30)),
        ("1 day, 2 hours and 0", (1440, 120, 0)),
        ("0 0 60", (60, 0)),
        ("14 ngày", (20160,)),
    ],
)
def test_parse_offsets(text: str, offsets: tuple[int, ...]) -> None:
    assert parse_offsets(text) == offsets


@pytest.mark.parametrize(
    ("text", "message", "params"),
    [
        ("", durations.UNREADABLE_OFFSETS, {}),
        ("mai", durations.NOT_AN_OFFSET, {"word": "mai"}),
        ("1h60", durations.NOT_AN_OFFSET, {"word": "1h60"}),
        ("-5", durations.NOT_AN_OFFSET, {"word": "-"}),
        ("15 ngày", durations.OFFSET_TOO_EARLY, {"word": "15 ngày"}),
        ("20161", durations.OFFSET_TOO_EARLY, {"word": "20161"}),
        ("1 2 3 4 5 6", durations.TOO_MANY_OFFSETS, {"max": 5, "count": 6}),
    ],
)
def test_parse_offsets_refusals(text: str, message: str, params: dict[str, object]) -> None:
    with pytest.raises(BadInput) as caught:
        parse_offsets(text)
    assert caught.value.message == message
    assert caught.value.params == params
    assert caught.value.usage is Usage.REMINDERS
    assert_localized(caught.value)


@pytest.mark.parametrize(
    ("offsets", "vi", "en"),
    [
        ((1440, 60, 15), "1 ngày, 1 giờ và 15 phút trước", "1 day, 1 hour and 15 minutes before"),
        (
            (2880, 90, 0),
            "2 ngày và 1 giờ 30 phút trước và lúc bắt đầu họp",
            "2 days and 1 hour 30 minutes before, and at the start",
        ),
        ((60,), "1 giờ trước", "1 hour before"),
        ((0,), "lúc bắt đầu họp", "at the start"),
    ],
)
def test_format_offsets(offsets: tuple[int, ...], vi: str, en: str) -> None:
    assert format_offsets(offsets, "vi") == vi
    assert format_offsets(offsets, "en") == en


@DETERMINISTIC
@given(
    st.lists(
        st.integers(min_value=0, max_value=durations.MAX_OFFSET_MINUTES),
        min_size=1,
        max_size=durations.MAX_OFFSETS,
        unique=True,
    ),
    st.sampled_from((", ", " ", " và ")),
)
def test_any_valid_reminder_times_are_read_in_words_and_units(
    offsets: list[int], separator: str
) -> None:
    expected = tuple(sorted(offsets, reverse=True))
    for lang in ("vi", "en"):
        # Each time in words, glued where it has several units ("1d2h30m"), so it stays one.
        typed = separator.join(format_duration(o, lang).replace(" ", "") for o in offsets)
        assert parse_offsets(typed) == expected, typed
    assert parse_offsets(",".join(str(o) for o in offsets)) == expected


@DETERMINISTIC
@given(st.integers(min_value=durations.MAX_OFFSET_MINUTES + 1, max_value=10**7))
def test_reminder_times_beyond_14_days_are_refused(minutes: int) -> None:
    with pytest.raises(BadInput) as caught:
        parse_offsets(f"{minutes}")
    assert caught.value.message == durations.OFFSET_TOO_EARLY
