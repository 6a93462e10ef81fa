"""Dates and times as cell secretaries type them (day first, in Vietnamese or English, with or
without diacritics), relative to the cell's timezone and the injected clock; and how they are
shown.

Read, in any order before the title:

- a date: ``05/12/2026``, ``05-12-2026``, ``05.12.2026``, ``05/12`` (the next one), ``ngày 5
  tháng 12 [năm 2026]``; ``hôm nay`` / ``nay`` / today, ``mai`` / ``ngày mai`` / tomorrow,
  ``mốt`` / ``ngày kia`` / the day after tomorrow, ``tonight``; a weekday (``thứ 2`` ..
  ``thứ 7``, ``thứ hai`` .. ``thứ bảy``, ``chủ nhật``, ``CN``, ``T5``, ``thursday``): alone or
  with ``này`` / ``tới`` / ``this`` the coming one (today's if its time is still ahead), with
  ``tuần này`` / ``this week`` the one of this week (Monday to Sunday), with ``tuần sau`` /
  ``tuần tới`` / ``next`` the one of next week. A weekday given with a date must match it
  (``thứ Bảy, 05/12/2026``, as the bot shows dates, is read back).
- a time: ``19:30``, ``19h30``, ``19h``, ``19g30``, ``19 giờ 30``, ``19 giờ``, ``7 giờ rưỡi``,
  ``19.30`` (after a date), ``7pm``, ``7:30 pm``; ``sáng`` / ``trưa`` / ``chiều`` / ``tối`` /
  ``đêm`` (morning, noon, afternoon, evening, night, am, pm) before or after it shift the hour:
  ``8h tối`` is 20:00, ``2h chiều`` 14:00, ``tối mai 8h`` tomorrow at 20:00.

A word typed with diacritics must have its own ("một" is never "mốt", "tới" and "tôi" never
"tối"); one typed without any is compared without them ("thu 5 tuan sau", and "toi" is "tối").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

from bot.errors import BadInput
from bot.i18n import N_, translator

MAX_AHEAD = relativedelta(years=2)

# One separator throughout (05/12/2026, 05-12-2026, 05.12.2026); the year may be left out.
_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d+))?", re.ASCII)
# 19:30, 7:05, 19h30, 19h, 19g30, 19gio30, 19h30p, 7pm, 7:30pm; matched on folded text.
_TIME = re.compile(
    r"(\d{1,2})(?::(\d{2})|(?:h|g|gio)(?:(\d{2})(?:p|ph|phut)?)?|(?=[ap]m))([ap]m)?", re.ASCII
)
_NUMBER = re.compile(r"\d{1,2}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_TOKEN = re.compile(r"\S+")
_HOUR_WORDS = ("h", "g", "giờ")
_MINUTE_WORDS = ("p", "ph", "phút")
# Words people put around a date and time: "ngày 05/12/2026 lúc 19:30", "on 05/12 at 19:30".
_FILLERS = ("ngày", "lúc", "vào", "buổi", "hôm", "mùng", "mồng", "on", "at")

_DAYS_AHEAD: tuple[tuple[tuple[str, ...], int], ...] = (
    (("hôm", "nay"), 0),
    (("today",), 0),
    (("nay",), 0),
    (("ngày", "mai"), 1),
    (("mai",), 1),
    (("tomorrow",), 1),
    (("ngày", "kia"), 2),
    (("ngày", "mốt"), 2),
    (("mốt",), 2),
    (("day", "after", "tomorrow"), 2),
)
_VI_WEEKDAYS = ("hai", "ba", "tư", "năm", "sáu", "bảy")
_EN_WEEKDAYS = (
    ("monday", "mon"),
    ("tuesday", "tue", "tues"),
    ("wednesday", "wed"),
    ("thursday", "thur", "thurs"),
    ("friday", "fri"),
    ("saturday", "sat"),
    ("sunday", "sun"),
)
_WEEKDAYS: tuple[tuple[tuple[str, ...], int], ...] = (
    *((("thứ", name), n) for n, name in enumerate(_VI_WEEKDAYS)),
    *((("thứ", str(n + 2)), n) for n in range(6)),
    *(((f"thứ{n + 2}",), n) for n in range(6)),
    *(((f"t{n + 2}",), n) for n in range(6)),
    (("chủ", "nhật"), 6),
    (("cn",), 6),
    *(((name,), n) for n, names in enumerate(_EN_WEEKDAYS) for name in names),
)
# Which week a weekday is in: 0 this one, 1 the next one, None the coming day of that name
# ("thứ 6 này" said on a Saturday is the Friday ahead).
_WEEKS_AFTER: tuple[tuple[tuple[str, ...], int | None], ...] = (
    (("tuần", "sau"), 1),
    (("tuần", "tới"), 1),
    (("tuần", "này"), 0),
    (("next", "week"), 1),
    (("this", "week"), 0),
    (("này",), None),
    (("tới",), None),
)
_WEEKS_BEFORE: tuple[tuple[tuple[str, ...], int | None], ...] = (
    (("next",), 1),
    (("this",), None),
    (("coming",), None),
)
# Parts of the day, by their folded word (recurrence.py passes folded words too).
_PERIODS = {
    "sang": "morning",
    "morning": "morning",
    "am": "morning",
    "trua": "noon",
    "noon": "noon",
    "chieu": "afternoon",
    "afternoon": "afternoon",
    "pm": "afternoon",
    "toi": "evening",
    "evening": "evening",
    "tonight": "evening",
    "dem": "night",
    "night": "night",
}
_PERIOD_WORDS = ("sáng", "trưa", "chiều", "tối", "đêm", *(w for w in _PERIODS if w.isascii()))

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

UNREADABLE_WHEN = N_("Write the date and time as dd/mm/yyyy HH:MM, or like “tomorrow 7pm”.")
MISSING_TIME = N_("The time is missing: write it after the date as HH:MM.")
NOT_A_TIME = N_("«{word}» is not a time: write it as 19:30, 19h30 or 19h.")
MISSING_DATE = N_("The date is missing: write it before the time, as dd/mm/yyyy or “tomorrow”.")
TWO_DIGIT_YEAR = N_("Write the year with four digits.")
NO_SUCH_DAY = N_("There is no day {date}.")
NO_SUCH_TIME = N_("There is no time {time}: hours go from 0 to 23 and minutes from 0 to 59.")
WRONG_WEEKDAY = N_("{date} is not «{weekday}»: check the date or the day of the week.")
PERIOD_MISMATCH = N_("{time} does not fit «{period}»: write 8pm or 20:00.")
WEEK_WITHOUT_DAY = N_("Say which day of that week, e.g. “next thursday”.")
PAST = N_("{when} has already passed.")
TOO_FAR = N_("{when} is more than two years ahead.")


def fold(text: str) -> str:
    """Lowercase text without diacritics ("đ" becomes "d"), to match words typed either way."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def quoted(word: str, limit: int = 30) -> str:
    """A typed word to name in a refusal, cut short if it is long."""
    return word if len(word) <= limit else word[: limit - 1] + "…"


# Times written in several words, on folded text: "19 gio 30 phut", "7 gio ruoi", "7h ruoi",
# "7 pm"; each becomes one word parse_time reads ("19h30", "7h30", "7pm").
_SPACED_TIME = re.compile(
    r"\b(\d{1,2})(?:\s*(?:gio|h|g)(?:\s*(\d{1,2})(?:\s*(?:phut|p)\b)?|\s*(ruoi))?|\s+([ap]m))\b",
    re.ASCII,
)


def join_spaced_times(folded: str) -> str:
    """Folded text with each time written in several words made one word (for parse_time)."""

    def joined(match: re.Match[str]) -> str:
        hour, minute, half, am_pm = match.groups()
        if am_pm:
            return hour + am_pm
        return f"{hour}h{minute or ('30' if half else '')}"

    return _SPACED_TIME.sub(joined, folded)


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
    period = _PERIODS.get(word)
    if period == "morning" and hour <= 12:
        return 0 if hour == 12 and word == "am" else hour
    if period == "noon" and (10 <= hour <= 14 or 1 <= hour <= 2):
        return hour + 12 if hour <= 2 else hour
    if period == "afternoon" and 1 <= hour <= 23:
        return hour + 12 if hour < 12 else hour
    if period == "evening" and (1 <= hour <= 11 or hour >= 13):
        return hour + 12 if hour < 12 else hour
    if period == "night" and (hour <= 4 or 9 <= hour <= 11 or hour >= 21):
        return hour + 12 if 9 <= hour <= 11 else hour
    return None


def example_when(now: datetime, tz: tzinfo) -> str:
    """A valid date and time a week from now, to show in error messages."""
    return f"{_aware(now).astimezone(tz) + timedelta(days=7):%d/%m/%Y} 19:30"


@dataclass(frozen=True)
class _Word:
    typed: str  # lowercased, composed (NFC), without the commas around it
    plain: str  # folded: without diacritics
    end: int  # where it ends in the text


def _is(word: _Word, form: str) -> bool:
    """Whether a typed word is form, written with its diacritics or with none at all."""
    return word.typed == form or (word.typed == word.plain and word.plain == fold(form))


def _phrase_at(words: Sequence[_Word], i: int, phrase: Sequence[str]) -> bool:
    return i + len(phrase) <= len(words) and all(
        _is(words[i + k], form) for k, form in enumerate(phrase)
    )


def _longest(
    words: Sequence[_Word], i: int, table: Sequence[tuple[tuple[str, ...], int | None]]
) -> tuple[int, int | None] | None:
    """(words taken, value) of the longest phrase of the table that starts at i, else None."""
    found = [(len(p), v) for p, v in table if _phrase_at(words, i, p)]
    return max(found, key=lambda f: f[0]) if found else None


@dataclass
class _Reading:
    """What the words read so far say."""

    now_local: datetime
    example: str
    clock: tuple[int, int] | None = None
    date_match: re.Match[str] | None = None
    spelled: tuple[int, int, str | None] | None = None  # day, month, year of "5 tháng 12"
    days_ahead: int | None = None
    weekday: int | None = None
    weekday_text: str = ""
    week: int | None = None
    week_given: bool = False
    period: str | None = None  # folded, given before the time
    period_text: str = ""
    last: str = ""  # what the previous words were: "time", "weekday"...

    @property
    def has_date(self) -> bool:
        """Whether a date (not only a weekday) was given."""
        return (
            self.date_match is not None or self.spelled is not None or self.days_ahead is not None
        )

    @property
    def dated(self) -> bool:
        """Whether a date or a weekday was given."""
        return self.has_date or self.weekday is not None

    def take(self, words: Sequence[_Word], i: int) -> int:
        """How many words from i belong to the date and time (0: the rest is the title)."""
        word = words[i]
        if not word.typed:  # a lone comma
            return 1
        for step in (
            self._time,
            self._period,
            self._date,
            self._spelled_date,
            self._days,
            self._weekday,
            self._week,
        ):
            taken = step(words, i)
            if taken:
                return taken
        if any(_is(word, f) for f in _FILLERS) and not (self.dated and self.clock):
            self.last = "filler"
            return 1
        return 0

    # --- times -------------------------------------------------------------------------------

    def _set_clock(self, clock: tuple[int, int], taken: int) -> int:
        self.clock, self.last = clock, "time"
        return taken

    def _time(self, words: Sequence[_Word], i: int) -> int:
        if self.clock is not None:
            return 0
        word, after = words[i], words[i + 1 : i + 4]
        half = bool(after) and _is(after[0], "rưỡi")
        clock = parse_time(word.plain, example=self.example)
        if clock is not None:
            if half and clock[1] == 0 and not word.plain[-1].isdigit():
                return self._set_clock((clock[0], 30), 2)
            return self._set_clock(clock, 1)
        dotted = _DATE.fullmatch(word.plain)
        if (
            dotted is not None
            and dotted[2] == "."
            and dotted[4] is None
            and len(dotted[3]) == 2
            and (self.has_date or int(dotted[3]) > 12)
        ):
            clock = parse_time(f"{dotted[1]}:{dotted[3]}", example=self.example)
            assert clock is not None  # the pattern of a time, out of range or not
            return self._set_clock(clock, 1)
        if not _NUMBER.fullmatch(word.plain) or not after:
            return 0
        if after[0].plain in ("am", "pm"):
            clock = parse_time(word.plain + after[0].plain, example=self.example)
            assert clock is not None
            return self._set_clock(clock, 2)
        if not any(_is(after[0], h) for h in _HOUR_WORDS):
            return 0
        # "19 giờ", "19 giờ 30", "19 giờ 30 phút", "7 giờ rưỡi"
        hour, minute, taken = int(word.plain), 0, 2
        if len(after) > 1 and _is(after[1], "rưỡi"):
            minute, taken = 30, 3
        elif len(after) > 1 and _NUMBER.fullmatch(after[1].plain):
            minute, taken = int(after[1].plain), 3
            if len(after) > 2 and any(_is(after[2], m) for m in _MINUTE_WORDS):
                taken = 4
        text = " ".join(w.typed for w in words[i : i + taken])
        if hour > 23 or minute > 59:
            raise BadInput(NO_SUCH_TIME, example=self.example, time=text)
        return self._set_clock((hour, minute), taken)

    def _period(self, words: Sequence[_Word], i: int) -> int:
        word = words[i]
        if not any(_is(word, p) for p in _PERIOD_WORDS):
            return 0
        if self.clock is not None:
            # After the time it must fit it ("7h30 tối"); otherwise it opens the title.
            shifted = apply_period(self.clock[0], word.plain)
            if self.last != "time" or shifted is None:
                return 0
            self.clock, self.last = (shifted, self.clock[1]), "period"
            return 1
        if self.period is not None:
            return 0
        self.period, self.period_text, self.last = word.plain, word.typed, "period"
        if word.plain == "tonight" and self.days_ahead is None and not self.has_date:
            self.days_ahead = 0
        return 1

    # --- dates -------------------------------------------------------------------------------

    def _date(self, words: Sequence[_Word], i: int) -> int:
        match = _DATE.fullmatch(words[i].plain)
        if match is None or self.date_match is not None or self.spelled is not None:
            return 0
        if self.days_ahead is not None:
            return 0
        self.date_match, self.last = match, "date"
        return 1

    def _spelled_date(self, words: Sequence[_Word], i: int) -> int:
        # "5 tháng 12", "5 tháng 12 năm 2026"
        if self.has_date or not _NUMBER.fullmatch(words[i].plain):
            return 0
        if not (_phrase_at(words, i + 1, ("tháng",)) and i + 2 < len(words)):
            return 0
        month = words[i + 2].plain
        if not _NUMBER.fullmatch(month):
            return 0
        year, taken = None, 3
        if (
            _phrase_at(words, i + 3, ("năm",))
            and i + 4 < len(words)
            and _YEAR.fullmatch(words[i + 4].plain)
        ):
            year, taken = words[i + 4].plain, 5
        self.spelled, self.last = (int(words[i].plain), int(month), year), "date"
        return taken

    def _days(self, words: Sequence[_Word], i: int) -> int:
        if self.dated:
            return 0
        found = _longest(words, i, _DAYS_AHEAD)
        if found is None:
            return 0
        taken, days = found
        self.days_ahead, self.last = days, "date"
        return taken

    def _weekday(self, words: Sequence[_Word], i: int) -> int:
        # After the whole date and time, a weekday opens the title ("Chủ nhật xanh").
        if self.weekday is not None or (self.has_date and self.clock is not None):
            return 0
        found = _longest(words, i, _WEEKDAYS)
        if found is None:
            before = _longest(words, i, _WEEKS_BEFORE)
            if before is None or self.week_given:
                return 0
            after = _longest(words, i + before[0], _WEEKDAYS)
            if after is None:
                return 0
            self.week, self.week_given = before[1], True
            taken, weekday = before[0] + after[0], after[1]
        else:
            taken, weekday = found
        assert weekday is not None
        text = " ".join(w.typed for w in words[i : i + taken])
        self.weekday, self.weekday_text, self.last = weekday, text, "weekday"
        return taken

    def _week(self, words: Sequence[_Word], i: int) -> int:
        if self.week_given:
            return 0
        found = _longest(words, i, _WEEKS_AFTER)
        if found is None:
            return 0
        taken, week = found
        if taken == 1 and self.last != "weekday":
            return 0  # "này" and "tới" alone qualify only the weekday before them
        self.week, self.week_given, self.last = week, True, "week"
        return taken

    # --- the result --------------------------------------------------------------------------

    def resolve_date(self) -> date:
        """The local date the words name (needs the clock for "the next one")."""
        today = self.now_local.date()
        clock = self.clock or (0, 0)
        if self.date_match is not None or self.spelled is not None:
            found = self._explicit_date(clock)
        elif self.days_ahead is not None:
            found = today + timedelta(days=self.days_ahead)
        else:
            assert self.weekday is not None
            monday = today - timedelta(days=today.weekday())
            if self.week is not None:
                found = monday + timedelta(days=7 * self.week + self.weekday)
            else:
                found = today + timedelta(days=(self.weekday - today.weekday()) % 7)
                if found == today and clock < (self.now_local.hour, self.now_local.minute):
                    found += timedelta(days=7)
        if self.weekday is not None and found.weekday() != self.weekday:
            raise BadInput(
                WRONG_WEEKDAY,
                example=self.example,
                date=f"{found:%d/%m/%Y}",
                weekday=self.weekday_text,
            )
        return found

    def _explicit_date(self, clock: tuple[int, int]) -> date:
        if self.date_match is not None:
            day, month = int(self.date_match[1]), int(self.date_match[3])
            year_text = self.date_match[4]
        else:
            assert self.spelled is not None
            day, month, year_text = self.spelled
        now = self.now_local
        if year_text is None:
            year = now.year
            if (month, day, *clock) < (now.month, now.day, now.hour, now.minute):
                year += 1
        elif len(year_text) != 4:
            raise BadInput(TWO_DIGIT_YEAR, example=self.example)
        else:
            year = int(year_text)
        try:
            found = date(year, month, day)
        except ValueError:
            raise BadInput(
                NO_SUCH_DAY, example=self.example, date=f"{day:02d}/{month:02d}/{year:04d}"
            ) from None
        if year > now.year + 3:  # refused before any UTC conversion can overflow year 9999
            shown = f"{found:%d/%m/%Y} {clock_of(clock)}"
            raise BadInput(TOO_FAR, example=self.example, when=shown)
        return found


def clock_of(clock: tuple[int, int]) -> str:
    """HH:MM of an hour and minute."""
    return f"{clock[0]:02d}:{clock[1]:02d}"


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: tzinfo,
    default_date: date | None = None,
    default_time: tuple[int, int] | None = None,
) -> tuple[datetime, str]:
    """The UTC instant of the local date and time opening text, and the rest of text.

    A date or a time left out is taken from default_date / default_time when given (a meeting
    moved to another hour of its day, or to another day at its hour), else refused.
    """
    now = _aware(now)
    example = example_when(now, tz)
    words = [
        _Word(typed, fold(typed), m.end())
        for m in _TOKEN.finditer(text)
        for typed in [unicodedata.normalize("NFC", m[0]).casefold().strip(",;")]
    ]
    reading = _Reading(now.astimezone(tz), example)
    rest_start, i = 0, 0
    while i < len(words):
        taken = reading.take(words, i)
        if not taken:
            break
        i += taken
        rest_start = words[i - 1].end
    stopped_at = words[i].typed if i < len(words) else None
    when = _instant(reading, stopped_at, default_date, default_time, now)
    return when, text[rest_start:].strip()


def _instant(
    reading: _Reading,
    stopped_at: str | None,
    default_date: date | None,
    default_time: tuple[int, int] | None,
    now: datetime,
) -> datetime:
    example = reading.example
    dated = reading.dated
    if reading.week_given and reading.weekday is None:
        raise BadInput(WEEK_WITHOUT_DAY, example=example)
    if not dated and reading.clock is None:
        raise BadInput(UNREADABLE_WHEN, example=example)
    if reading.clock is None:
        if default_time is None:
            if stopped_at and stopped_at[0].isdigit():
                raise BadInput(NOT_A_TIME, example=example, word=quoted(stopped_at))
            raise BadInput(MISSING_TIME, example=example)
        reading.clock = default_time
    hour, minute = reading.clock
    if reading.period is not None:
        shifted = apply_period(hour, reading.period)
        if shifted is None:
            raise BadInput(
                PERIOD_MISMATCH,
                example=example,
                time=clock_of(reading.clock),
                period=reading.period_text,
            )
        reading.clock = hour, minute = shifted, minute
    if dated:
        day = reading.resolve_date()
    elif default_date is not None:
        day = default_date
    else:
        raise BadInput(MISSING_DATE, example=example)
    # fold=0: a time skipped by a DST jump moves forward, a repeated one takes the first.
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=reading.now_local.tzinfo)
    when = local.astimezone(UTC)
    shown = f"{local:%d/%m/%Y %H:%M}"
    # A meeting may start in the current minute; anything earlier is a typo or a stale draft.
    if when < now.replace(second=0, microsecond=0):
        raise BadInput(PAST, example=example, when=shown)
    if when > now + MAX_AHEAD:
        raise BadInput(TOO_FAR, example=example, when=shown)
    return when


def format_when(dt_utc: datetime, tz: tzinfo, lang: str) -> str:
    """A meeting time as people read it, in the cell's timezone: "19:30 thứ Bảy, 05/12/2026"."""
    local = _aware(dt_utc).astimezone(tz)
    return translator(lang).gettext(
        _WHEN_FORMATS[local.weekday()], time=f"{local:%H:%M}", date=f"{local:%d/%m/%Y}"
    )


def weekday_name(weekday: int, lang: str) -> str:
    """The name of a weekday, 0 for Monday to 6 for Sunday ("Thứ Hai" ... "Chủ nhật")."""
    return translator(lang).gettext(WEEKDAY_NAMES[weekday])


def _aware(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"expected a tz-aware datetime, got {moment!r}")
    return moment
