"""The regular meeting's recurring rule: parsed from typed text, stored as a short string.

Stored forms (``RecurrenceRule.to_text``), weekdays named as in python-dateutil and RFC 5545:

- ``monthly-day:5@19:30``      day 5 of every month at 19:30
- ``monthly-weekday:1SA@19:30`` first Saturday of every month (1..4, or -1 for the last)
- ``weekly:SA@19:30``          every Saturday

Day 29, 30 or 31 falls on the last day of months that are shorter: a cell that meets "on the
31st" still meets in February rather than skipping it, and meets once a month as it must.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from itertools import islice
from typing import Literal, cast

from dateutil.rrule import MO, MONTHLY, WEEKLY, rrule, weekday, weekdays

from bot.errors import BadInput
from bot.i18n import N_, translator
from bot.rules.dates import apply_period, fold, join_spaced_times, parse_time, weekday_name

RuleKind = Literal["monthly-day", "monthly-weekday", "weekly"]
MAX_OCCURRENCES = 500
RULE_EXAMPLE = "ngày 5 hằng tháng 19:30"

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = date.weekday()

_STORED = re.compile(
    r"(?P<kind>monthly-day|monthly-weekday|weekly):"
    r"(?:(?P<day>\d{1,2})|(?P<nth>-1|[1-4])?(?P<weekday>MO|TU|WE|TH|FR|SA|SU))"
    r"@(?P<hour>\d{2}):(?P<minute>\d{2})",
    re.ASCII,
)

# Typed words, compared after dates.fold(), so with or without diacritics.
_WEEKDAY_WORDS = (
    ("thu hai", "thu 2", "t2", "monday", "mon"),
    ("thu ba", "thu 3", "t3", "tuesday", "tues", "tue"),
    ("thu tu", "thu 4", "t4", "wednesday", "wed"),
    ("thu nam", "thu 5", "t5", "thursday", "thurs", "thur"),
    ("thu sau", "thu 6", "t6", "friday", "fri"),
    ("thu bay", "thu 7", "t7", "saturday", "sat"),
    ("chu nhat", "cn", "sunday", "sun"),
)
# Vietnamese puts the ordinal after the weekday ("thứ bảy thứ hai" is the second Saturday), so
# ordinals are looked for only once the weekday has been taken out of the text.
_ORDINAL_WORDS = {
    1: ("dau tien", "thu nhat", "thu 1", "dau", "first", "1st"),
    2: ("thu hai", "thu 2", "second", "2nd"),
    3: ("thu ba", "thu 3", "third", "3rd"),
    4: ("thu tu", "thu 4", "fourth", "4th"),
    -1: ("cuoi cung", "cuoi", "last"),
}
_LAST_DAY = re.compile(r"\b(?:ngay cuoi(?: cung)?|last day)\b")
_DAY = re.compile(r"\b(?:(?:ngay|mung|mong|day)\s+(\d{1,2})|(\d{1,2})(?:st|nd|rd|th))\b", re.ASCII)
_WEEK_WORDS = frozenset({"tuan", "week", "weekly"})
_MONTH_WORDS = frozenset({"thang", "month", "monthly"})
_FILLERS = (
    _WEEK_WORDS
    | _MONTH_WORDS
    | {"hang", "moi", "every", "each", "of", "the", "a", "cua", "trong", "luc", "vao"}
    | {"at", "on", "in", "dinh", "ky", "buoi", "sang", "trua", "am", "chieu", "toi", "dem", "pm"}
)

_WEEKDAY_BY_WORD = {word: i for i, words in enumerate(_WEEKDAY_WORDS) for word in words}
_ORDINAL_BY_WORD = {word: n for n, words in _ORDINAL_WORDS.items() for word in words}


def _any_of(words: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so that "cuoi cung" is taken whole rather than as "cuoi" and a leftover.
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b")


_WEEKDAY = _any_of(_WEEKDAY_BY_WORD)
_ORDINAL = _any_of(_ORDINAL_BY_WORD)

UNREADABLE_RULE = N_(
    "I could not understand this rule. Examples: “day 5 monthly 19:30”, "
    "“first saturday 19:30”, “last sunday 8:00”, “every saturday 19:30”."
)
MISSING_RULE_TIME = N_("Add the time of the meeting, for example 19:30.")
DAY_OF_MONTH_RANGE = N_("The day of the month must be between 1 and 31.")
WHICH_WEEK = N_("Say which one in the month: first, second, third, fourth or last.")

_DESCRIPTIONS = {
    1: N_("First {weekday} of every month at {time}"),
    2: N_("Second {weekday} of every month at {time}"),
    3: N_("Third {weekday} of every month at {time}"),
    4: N_("Fourth {weekday} of every month at {time}"),
    -1: N_("Last {weekday} of every month at {time}"),
}
_DAY_DESCRIPTION = N_("Day {day} of every month at {time}")
_LATE_DAY_DESCRIPTION = N_("Day {day} of every month at {time} (the last day of shorter months)")
_WEEKLY_DESCRIPTION = N_("Every {weekday} at {time}")


@dataclass(frozen=True)
class RecurrenceRule:
    """When the regular meeting recurs, in the cell's local time."""

    kind: RuleKind
    hour: int
    minute: int
    day: int | None = None  # monthly-day: 1..31
    weekday: int | None = None  # 0 Monday .. 6 Sunday, as date.weekday() and dateutil's MO..SU
    nth: int | None = None  # monthly-weekday: 1..4, or -1 for the last one

    def __post_init__(self) -> None:
        wanted = {
            "monthly-day": (True, False, False),
            "monthly-weekday": (False, True, True),
            "weekly": (False, True, False),
        }[self.kind]
        given = (self.day is not None, self.weekday is not None, self.nth is not None)
        if (
            given != wanted
            or not (0 <= self.hour <= 23 and 0 <= self.minute <= 59)
            or (self.day is not None and not 1 <= self.day <= 31)
            or (self.weekday is not None and not 0 <= self.weekday <= 6)
            or (self.nth is not None and self.nth not in _ORDINAL_WORDS)
        ):
            raise ValueError(f"inconsistent recurrence rule: {self!r}")

    @classmethod
    def monthly_day(cls, day: int, hour: int, minute: int) -> RecurrenceRule:
        """Day N of every month."""
        return cls("monthly-day", hour, minute, day=day)

    @classmethod
    def monthly_weekday(cls, nth: int, weekday: int, hour: int, minute: int) -> RecurrenceRule:
        """The nth (1..4, -1 for last) given weekday of every month."""
        return cls("monthly-weekday", hour, minute, weekday=weekday, nth=nth)

    @classmethod
    def weekly(cls, weekday: int, hour: int, minute: int) -> RecurrenceRule:
        """Every given weekday."""
        return cls("weekly", hour, minute, weekday=weekday)

    def to_text(self) -> str:
        """The short stored form, e.g. ``monthly-weekday:1SA@19:30``."""
        if self.day is not None:
            what = str(self.day)
        else:
            assert self.weekday is not None
            what = f"{self.nth or ''}{WEEKDAY_CODES[self.weekday]}"
        return f"{self.kind}:{what}@{self.hour:02d}:{self.minute:02d}"

    @classmethod
    def from_text(cls, text: str) -> RecurrenceRule:
        """Read the stored form back (ValueError if it is not one)."""
        match = _STORED.fullmatch(text)
        if match is None:
            raise ValueError(f"not a stored recurrence rule: {text!r}")
        code = match["weekday"]
        return cls(
            cast(RuleKind, match["kind"]),  # the pattern allows only RuleKind values
            int(match["hour"]),
            int(match["minute"]),
            day=int(match["day"]) if match["day"] else None,
            weekday=WEEKDAY_CODES.index(code) if code else None,
            nth=int(match["nth"]) if match["nth"] else None,
        )

    def describe(self, lang: str) -> str:
        """The rule in words: "Thứ Bảy đầu tiên hằng tháng, lúc 19:30"."""
        t = translator(lang)
        time = f"{self.hour:02d}:{self.minute:02d}"
        if self.day is not None:
            template = _DAY_DESCRIPTION if self.day <= 28 else _LATE_DAY_DESCRIPTION
            return t.gettext(template, day=self.day, time=time)
        assert self.weekday is not None
        name = weekday_name(self.weekday, lang)
        template = _WEEKLY_DESCRIPTION if self.nth is None else _DESCRIPTIONS[self.nth]
        return t.gettext(template, weekday=name, time=time)


def parse_rule(text: str) -> RecurrenceRule:
    """A rule typed in Vietnamese or English, with or without diacritics (BadInput if unclear)."""
    words = join_spaced_times(re.sub(r"[,;.()]", " ", fold(text))).split()
    clocks = [(i, c) for i, w in enumerate(words) if (c := parse_time(w, example=RULE_EXAMPLE))]
    if len(clocks) != 1:
        message = MISSING_RULE_TIME if not clocks else UNREADABLE_RULE
        raise BadInput(message, example=RULE_EXAMPLE)
    clock_at, (hour, minute) = clocks[0]
    del words[clock_at]
    # "7h30 tối": a period word anywhere turns the hour into the afternoon one.
    for word in words:
        if (afternoon := apply_period(hour, word)) is not None:
            hour = afternoon
    rest = " ".join(words)

    rule: RecurrenceRule | None = None
    if found := _WEEKDAY.search(rest):
        day_of_week = _WEEKDAY_BY_WORD[found[0]]
        rest = _cut(rest, found)
        if ordinal := _ORDINAL.search(rest):
            nth = _ORDINAL_BY_WORD[ordinal[0]]
            rest = _cut(rest, ordinal)
            rule = RecurrenceRule.monthly_weekday(nth, day_of_week, hour, minute)
        elif _MONTH_WORDS & set(rest.split()) and not _WEEK_WORDS & set(rest.split()):
            raise BadInput(WHICH_WEEK, example="thứ bảy đầu tiên 19:30")
        else:
            rule = RecurrenceRule.weekly(day_of_week, hour, minute)
    elif last := _LAST_DAY.search(rest):
        rest = _cut(rest, last)
        rule = RecurrenceRule.monthly_day(31, hour, minute)
    elif day := _DAY.search(rest):
        number = int(day[1] or day[2])
        if not 1 <= number <= 31:
            raise BadInput(DAY_OF_MONTH_RANGE, example=RULE_EXAMPLE)
        rest = _cut(rest, day)
        rule = RecurrenceRule.monthly_day(number, hour, minute)
    leftover = set(rest.split())
    if rule is None or not leftover <= _FILLERS or (rule.day and _WEEK_WORDS & leftover):
        raise BadInput(UNREADABLE_RULE, example=RULE_EXAMPLE)
    return rule


def _cut(text: str, match: re.Match[str]) -> str:
    return f"{text[: match.start()]} {text[match.end() :]}"


def occurrences(
    rule: RecurrenceRule,
    tz: tzinfo,
    after_utc: datetime,
    *,
    count: int | None = None,
    until: datetime | None = None,
) -> list[datetime]:
    """The rule's next start times strictly after after_utc, in UTC: count of them, or until.

    Computed on the local wall clock, so 19:30 stays 19:30 across DST changes; at most
    MAX_OCCURRENCES are returned.
    """
    if (count is None) == (until is None):
        raise ValueError("give exactly one of count and until")
    if after_utc.utcoffset() is None or (until is not None and until.utcoffset() is None):
        raise ValueError("after_utc and until must be tz-aware")
    if count is not None and count < 0:
        raise ValueError("count must not be negative")
    limit = min(count if count is not None else MAX_OCCURRENCES, MAX_OCCURRENCES)
    # until is checked here in UTC rather than handed to rrule, which compares wall clocks.
    starts = (
        start.astimezone(UTC)
        for start in _rrule(rule, after_utc.astimezone(tz))
        if start.astimezone(UTC) > after_utc
    )
    found: list[datetime] = []
    for start in islice(starts, limit):
        if until is not None and start > until:
            break
        found.append(start)
    return found


def _rrule(rule: RecurrenceRule, dtstart: datetime) -> rrule:
    if rule.weekday is not None:
        day: weekday = weekdays[rule.weekday]
        if rule.nth is None:
            return rrule(
                WEEKLY,
                dtstart=dtstart,
                wkst=MO,
                byweekday=day,
                byhour=rule.hour,
                byminute=rule.minute,
                bysecond=0,
            )
        return rrule(
            MONTHLY,
            dtstart=dtstart,
            wkst=MO,
            byweekday=day(rule.nth),
            byhour=rule.hour,
            byminute=rule.minute,
            bysecond=0,
        )
    assert rule.day is not None
    # Days 28..N of each month, keeping the last that exists: day 31 in April is the 30th.
    month_days = tuple(range(28, rule.day + 1)) if rule.day > 28 else (rule.day,)
    return rrule(
        MONTHLY,
        dtstart=dtstart,
        wkst=MO,
        bymonthday=month_days,
        bysetpos=-1,
        byhour=rule.hour,
        byminute=rule.minute,
        bysecond=0,
    )
