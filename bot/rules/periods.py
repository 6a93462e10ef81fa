"""Report periods as leaders type them: a year, a quarter, a month or a range of months.

- nothing: the current year (in the cell's time zone);
- a year: ``2026``, ``năm 2026``;
- a quarter: ``Q3 2026``, ``Q3/2026``, ``quý 3 2026``, ``quy 3/2026``, ``Q3`` (this year);
- a month: ``10/2026``, ``2026-10``, ``tháng 10/2026``, ``tháng 10`` (this year);
- a range of months: ``2026-01..2026-06``, ``01/2026..06/2026``, ``1/2026-6/2026`` (at most
  24 months).
"""

from __future__ import annotations

import re
from datetime import date

from bot.domain.reports import (
    PERIOD_REVERSED,
    PERIOD_TOO_LONG,
    PERIOD_UNREAD,
    Period,
    PeriodKind,
    year_period,
)
from bot.errors import BadInput
from bot.rules.dates import fold

MAX_MONTHS = 24
FIRST_YEAR = 2000
EXAMPLE = "Q3 2026"

_YEAR = re.compile(r"(?:nam|year)?\s*(\d{4})", re.ASCII)
_QUARTER = re.compile(r"(?:q|quy|quarter)\s*([1-4])(?:\s*[/ -]?\s*(\d{4}))?", re.ASCII)
_MONTH = r"(?:(\d{1,2})\s*[/.-]\s*(\d{4})|(\d{4})\s*-\s*(\d{1,2}))"
_ONE_MONTH = re.compile(r"(?:thang|month)?\s*" + _MONTH, re.ASCII)
_MONTH_ALONE = re.compile(r"(?:thang|month)\s*(\d{1,2})", re.ASCII)
_RANGE = re.compile(_MONTH + r"\s*(?:\.\.|-|–|den|to)\s*" + _MONTH, re.ASCII)


def _month(groups: tuple[str | None, ...]) -> tuple[int, int]:
    month, year, year2, month2 = groups
    if month is not None and year is not None:
        return int(year), int(month)
    assert year2 is not None and month2 is not None
    return int(year2), int(month2)


def _first(year: int, month: int, typed: str) -> date:
    if not 1 <= month <= 12 or not FIRST_YEAR <= year <= 2100:
        raise BadInput(PERIOD_UNREAD, period=typed, example=EXAMPLE)
    return date(year, month, 1)


def _after(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(text: str, today: date) -> Period:
    """The period a leader typed (today: the cell's local date, for the defaults)."""
    typed = " ".join(text.split())[:40]
    folded = fold(typed).strip()
    if not folded:
        return year_period(today.year)
    if m := _RANGE.fullmatch(folded):
        start_year, start_month = _month(m.groups()[:4])
        end_year, end_month = _month(m.groups()[4:])
        start = _first(start_year, start_month, typed)
        last = _first(end_year, end_month, typed)
        if last < start:
            raise BadInput(PERIOD_REVERSED, period=typed, example=EXAMPLE)
        if (end_year - start_year) * 12 + end_month - start_month >= MAX_MONTHS:
            raise BadInput(PERIOD_TOO_LONG, period=typed, example=EXAMPLE)
        return Period(PeriodKind.RANGE, start, _after(end_year, end_month))
    if m := _QUARTER.fullmatch(folded):
        quarter = int(m.group(1))
        year = int(m.group(2)) if m.group(2) else today.year
        start = _first(year, quarter * 3 - 2, typed)
        return Period(PeriodKind.QUARTER, start, _after(year, quarter * 3))
    if m := _ONE_MONTH.fullmatch(folded):
        year, month = _month(m.groups())
        return Period(PeriodKind.MONTH, _first(year, month, typed), _after(year, month))
    if m := _MONTH_ALONE.fullmatch(folded):
        month = int(m.group(1))
        return Period(
            PeriodKind.MONTH, _first(today.year, month, typed), _after(today.year, month)
        )
    if m := _YEAR.fullmatch(folded):
        year = int(m.group(1))
        _first(year, 1, typed)
        return year_period(year)
    raise BadInput(PERIOD_UNREAD, period=typed, example=EXAMPLE)
