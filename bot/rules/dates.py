"""Day-first dates, times and durations as cell secretaries type them, and how they are shown."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

from bot.errors import BadInput
from bot.i18n import N_, translator

MAX_AHEAD = relativedelta(years=2)
MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 600
DURATION_EXAMPLE = "1h30"

# One separator throughout (05/12/2026, 05-12-2026, 05.12.2026); the year may be left out.
_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d+))?", re.ASCII)
# 19:30, 7:05, 19h30, 19h, 19g30 ("giờ"), 7pm, 7:30pm; matched on folded text ("H" is "h").
_TIME = re.compile(r"(\d{1,2})(?::(\d{2})|[hg](\d{2})?|(?=[ap]m))([ap]m)?", re.ASCII)
_DURATION = re.compile(
    r"(?:(\d{1,2})\s*(?:h|g|gio)\s*)?(?:(\d{1,3})\s*(?:p|ph|phut|m|min|mins|minutes?)?)?", re.ASCII
)
_TOKEN = re.compile(r"\S+")
# Words people put around a date and time: "ngày 05/12/2026 lúc 19:30", "on 05/12 at 19:30".
_FILLERS = frozenset({"ngay", "luc", "vao", "on", "at"})
# "7h30 tối" is 19:30; "sáng" and "am" only confirm the morning (and make "12h am" midnight).
_AFTERNOON = frozenset({"chieu", "toi", "pm"})
_MORNING = frozenset({"sang", "am"})

WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
# Whole phrases per weekday, because Vietnamese writes "thứ Bảy" in the middle of a sentence.
_WHEN_FORMATS = (
    N_("{time} Monday, {date}"),
    N_("{time} Tuesday, {date}"),
    N_("{time} Wednesday, {date}"),
    N_("{time} Thursday, {date}"),
    N_("{time} Friday, {date}"),
    N_("{time} Saturday, {date}"),
    N_("{time} Sunday, {date}"),
)

UNREADABLE_WHEN = N_("Write the date and time as dd/mm/yyyy HH:MM.")
MISSING_TIME = N_("The time is missing: write it after the date as HH:MM.")
TWO_DIGIT_YEAR = N_("Write the year with four digits.")
NO_SUCH_DAY = N_("There is no day {date}.")
NO_SUCH_TIME = N_("There is no time {time}: hours go from 0 to 23 and minutes from 0 to 59.")
PAST = N_("{when} has already passed.")
TOO_FAR = N_("{when} is more than two years ahead.")
UNREADABLE_DURATION = N_("Write the duration in minutes (90) or in hours and minutes (1h30).")
DURATION_RANGE = N_("The duration must be between {min} and {max} minutes.")


def fold(text: str) -> str:
    """Lowercase text without diacritics ("đ" becomes "d"), to match words typed either way."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_time(word: str, *, example: str) -> tuple[int, int] | None:
    """Hour and minute of a folded time word (19:30, 19h30, 19h), or None if it is not one."""
    match = _TIME.fullmatch(word)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2] or match[3] or 0)
    if hour > 23 or minute > 59 or (match[4] and not 1 <= hour <= 12):
        raise BadInput(NO_SUCH_TIME, example=example, time=match[0])
    if match[4]:
        hour = hour % 12 + (12 if match[4] == "pm" else 0)
    return hour, minute


def apply_period(hour: int, word: str) -> int | None:
    """The 24-hour hour after a folded period word ("tối", "chiều", "sáng", pm, am), else None.

    None too when the word contradicts the hour, so "19:30 Sáng kiến..." keeps "Sáng" in the title.
    """
    if word in _AFTERNOON and hour >= 1:
        return hour + 12 if hour < 12 else hour
    if word in _MORNING and hour <= 12:
        return 0 if hour == 12 and word == "am" else hour
    return None


def example_when(now: datetime, tz: tzinfo) -> str:
    """A valid date and time a week from now, to show in error messages."""
    return f"{_aware(now).astimezone(tz) + timedelta(days=7):%d/%m/%Y} 19:30"


def parse_when(text: str, *, now: datetime, tz: tzinfo) -> tuple[datetime, str]:
    """The UTC instant of the local day-first date and time opening text, and the rest of text."""
    now = _aware(now)
    example = example_when(now, tz)
    date_match: re.Match[str] | None = None
    clock: tuple[int, int] | None = None
    rest_start = 0
    after_time = False
    for token in _TOKEN.finditer(text):
        word = fold(token[0]).strip(",;")
        parsed_date = _DATE.fullmatch(word) if date_match is None else None
        parsed_time = parse_time(word, example=example) if clock is None else None
        hour = apply_period(clock[0], word) if clock is not None and after_time else None
        if parsed_date is not None:
            date_match = parsed_date
        elif parsed_time is not None:
            clock = parsed_time
        elif clock is not None and hour is not None:
            clock = (hour, clock[1])
        elif not (word in _FILLERS and (date_match is None or clock is None)):
            break
        after_time = parsed_time is not None
        rest_start = token.end()
    if date_match is None:
        raise BadInput(UNREADABLE_WHEN, example=example)
    if clock is None:
        raise BadInput(MISSING_TIME, example=example)
    local = _local(date_match, clock, now.astimezone(tz), example)
    when = local.astimezone(UTC)
    shown = f"{local:%d/%m/%Y %H:%M}"
    # A meeting may start in the current minute; anything earlier is a typo or a stale draft.
    if when < now.replace(second=0, microsecond=0):
        raise BadInput(PAST, example=example, when=shown)
    if when > now + MAX_AHEAD:
        raise BadInput(TOO_FAR, example=example, when=shown)
    return when, text[rest_start:].strip()


def _local(
    date_match: re.Match[str], clock: tuple[int, int], now_local: datetime, example: str
) -> datetime:
    day, month, year_text = int(date_match[1]), int(date_match[3]), date_match[4]
    hour, minute = clock
    if year_text is None:
        year = now_local.year
        if (month, day, hour, minute) < (
            now_local.month,
            now_local.day,
            now_local.hour,
            now_local.minute,
        ):
            year += 1
    elif len(year_text) != 4:
        raise BadInput(TWO_DIGIT_YEAR, example=example)
    else:
        year = int(year_text)
    try:
        # fold=0: a time skipped by a DST jump moves forward, a repeated one takes the first.
        local = datetime(year, month, day, hour, minute, tzinfo=now_local.tzinfo)
    except ValueError:
        raise BadInput(
            NO_SUCH_DAY, example=example, date=f"{day:02d}/{month:02d}/{year:04d}"
        ) from None
    if year > now_local.year + 3:  # refused before any UTC conversion can overflow year 9999
        raise BadInput(TOO_FAR, example=example, when=f"{local:%d/%m/%Y %H:%M}")
    return local


def format_when(dt_utc: datetime, tz: tzinfo, lang: str) -> str:
    """A meeting time as people read it, in the cell's timezone: "19:30 thứ Bảy, 05/12/2026"."""
    local = _aware(dt_utc).astimezone(tz)
    return translator(lang).gettext(
        _WHEN_FORMATS[local.weekday()], time=f"{local:%H:%M}", date=f"{local:%d/%m/%Y}"
    )


def weekday_name(weekday: int, lang: str) -> str:
    """The name of a weekday, 0 for Monday to 6 for Sunday ("Thứ Hai" ... "Chủ Nhật")."""
    return translator(lang).gettext(WEEKDAY_NAMES[weekday])


def parse_duration(text: str) -> int:
    """Minutes in a typed duration: "90", "1h30", "2h", "45p", "45m", "1 giờ 30 phút"."""
    match = _DURATION.fullmatch(fold(text).strip())
    if match is None or not (match[1] or match[2]):
        raise BadInput(UNREADABLE_DURATION, example=DURATION_EXAMPLE)
    hours, minutes = int(match[1] or 0), int(match[2] or 0)
    if match[1] and minutes > 59:
        raise BadInput(UNREADABLE_DURATION, example=DURATION_EXAMPLE)
    total = hours * 60 + minutes
    if not MIN_DURATION_MINUTES <= total <= MAX_DURATION_MINUTES:
        raise BadInput(
            DURATION_RANGE,
            example=DURATION_EXAMPLE,
            min=MIN_DURATION_MINUTES,
            max=MAX_DURATION_MINUTES,
        )
    return total


def _aware(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"expected a tz-aware datetime, got {moment!r}")
    return moment
