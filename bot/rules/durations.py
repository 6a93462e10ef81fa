"""Durations and reminder times as people type them, and as they are shown.

A meeting's duration is one amount: ``90``, ``90 phút``, ``2 tiếng``, ``1h30``, ``1 giờ 30``,
``1 tiếng rưỡi``, ``1.5h``, ``2 hours``, ``1 hour 30 minutes``. Reminder times are a list:
``1 ngày, 1 giờ, 15 phút``, ``1d 1h 15m``, ``24h 1h 0``, ``1440,60,0``, ``15p``; each amount with
its unit is one reminder, and only a number written against the unit before it (``1h30``)
belongs to that one. A number without a unit is minutes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.errors import BadInput, Usage
from bot.i18n import N_, translator
from bot.rules.dates import fold, quoted

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 600
DURATION_EXAMPLE = "1h30"
MAX_OFFSETS = 5
MAX_OFFSET_MINUTES = 14 * 24 * 60

DAY, HOUR, MINUTE = 24 * 60, 60, 1
# Folded unit words and the minutes they stand for.
_UNITS = {
    **dict.fromkeys(("ngay", "d", "day", "days"), DAY),
    **dict.fromkeys(("gio", "g", "h", "tieng", "hour", "hours", "hr", "hrs"), HOUR),
    **dict.fromkeys(("phut", "p", "ph", "m", "min", "mins", "minute", "minutes", "'"), MINUTE),
}
_AND = frozenset({"va", "and"})
_HALF = "ruoi"  # "rưỡi": and a half
_LEXEME = re.compile(
    r"(?P<space>\s*)(?:(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<word>[^\W\d_]+|')|(?P<sep>[,;+&])|(?P<other>\S))"
)

UNREADABLE_DURATION = N_("Write the duration, e.g. 90 minutes, 2 hours or 1h30.")
NOT_A_DURATION = N_("«{word}» is not a duration: write it as 90 minutes, 2 hours or 1h30.")
DURATION_RANGE = N_("The duration must be between {min} and {max} minutes.")
UNREADABLE_OFFSETS = N_("Give reminder times before the meeting, like 24h 1h 0.")
NOT_AN_OFFSET = N_(
    "«{word}» is not a reminder time: write the times before the meeting like 1d 1h 15m, "
    "and 0 for the start."
)
TOO_MANY_OFFSETS = N_("At most {max} reminder times: {count} were given.")
OFFSET_TOO_EARLY = N_(
    "«{word}» is too early: a reminder can be at most 14 days before the meeting."
)

_PARTS = (
    (DAY, N_("{n} day"), N_("{n} days")),
    (HOUR, N_("{n} hour"), N_("{n} hours")),
    (MINUTE, N_("{n} minute"), N_("{n} minutes")),
)
AND_LAST = N_("{items} and {last}")
BEFORE = N_("{times} before")
BEFORE_AND_AT_START = N_("{times} before, and at the start")
AT_START = N_("at the start")


@dataclass
class _Amount:
    """Numbers with their units, read as one duration: "1 giờ 30", "1h30p"."""

    parts: list[tuple[Fraction, int | None]]
    text: str


def _refusal(message: str, usage: Usage | None, word: str) -> BadInput:
    """A refusal naming the word; a duration shows its example, reminder times their command."""
    example = DURATION_EXAMPLE if usage is None else None
    return BadInput(message, usage=usage, example=example, word=quoted(word.strip()))


def _amounts(text: str, *, not_one: str, usage: Usage | None) -> list[_Amount]:
    """The amounts of a typed text; a number not glued to the unit before it starts a new one.

    BadInput(not_one) names a word that is not part of any amount."""
    typed = unicodedata.normalize("NFC", text).casefold()
    amounts: list[_Amount] = []
    glued_to_unit = False  # the previous word is a unit, with no space or comma since
    for lexeme in _LEXEME.finditer(typed):
        number, word = lexeme["number"], lexeme["word"]
        if number is not None:
            if len(number) > 9:  # beyond any duration; int() refuses 4300 digits and more
                raise _refusal(not_one, usage, number)
            if amounts and glued_to_unit and not lexeme["space"]:
                amounts[-1].parts.append((Fraction(number), None))
                amounts[-1].text += number
            else:
                amounts.append(_Amount([(Fraction(number), None)], number))
            glued_to_unit = False
            continue
        glued_to_unit = False
        if lexeme["sep"] is not None:
            continue
        plain = fold(word) if word is not None else ""
        last = amounts[-1] if amounts else None
        if plain in _AND:
            continue
        if last is not None and plain in _UNITS and last.parts[-1][1] is None:
            last.parts[-1] = (last.parts[-1][0], _UNITS[plain])
            last.text += lexeme[0]
            glued_to_unit = True
            continue
        if last is not None and plain == _HALF and last.parts[-1][1] in (DAY, HOUR):
            last.parts.append((Fraction(1, 2), last.parts[-1][1]))
            last.text += lexeme[0]
            continue
        raise _refusal(not_one, usage, word or lexeme["other"])
    return amounts


def _minutes(amount: _Amount, *, not_one: str, usage: Usage | None) -> int:
    """The minutes of one amount; units from the largest down, a bare number after hours is
    minutes ("1h30"), a fraction only of hours or days ("1.5 giờ")."""
    total = Fraction(0)
    previous: int | None = None
    for index, (value, unit) in enumerate(amount.parts):
        half = index > 0 and value == Fraction(1, 2) and unit == previous
        if unit is None:
            unit = MINUTE if previous in (None, HOUR) else None
        wrong_order = unit is None or (previous is not None and unit >= previous and not half)
        if (
            wrong_order
            or (value.denominator != 1 and unit == MINUTE)
            or (previous == HOUR and unit == MINUTE and value >= 60)
            or (half and index != len(amount.parts) - 1)
        ):
            raise _refusal(not_one, usage, amount.text)
        total += value * (unit or MINUTE)
        previous = unit
    if total.denominator != 1:
        raise _refusal(not_one, usage, amount.text)
    return int(total)


def parse_duration(text: str) -> int:
    """Minutes of a typed meeting duration: "90", "2 tiếng", "90 phút", "1h30", "2 hours"."""
    amounts = _amounts(text, not_one=NOT_A_DURATION, usage=None)
    if not amounts:
        raise BadInput(UNREADABLE_DURATION, example=DURATION_EXAMPLE)
    if len(amounts) > 1:
        # "1 giờ 30 phút" is one duration: the list rule of reminder times does not apply.
        amounts = [_Amount([p for a in amounts for p in a.parts], text.strip())]
    total = _minutes(amounts[0], not_one=NOT_A_DURATION, usage=None)
    if not MIN_DURATION_MINUTES <= total <= MAX_DURATION_MINUTES:
        raise BadInput(
            DURATION_RANGE,
            example=DURATION_EXAMPLE,
            min=MIN_DURATION_MINUTES,
            max=MAX_DURATION_MINUTES,
        )
    return total


def parse_offsets(text: str) -> tuple[int, ...]:
    """Reminder times before a meeting, largest first: "1 ngày, 1 giờ, 15 phút", "1d 1h 15m",
    "24h 1h 0", "1440,60,0"; at most five, each up to 14 days (0 is the start)."""
    amounts = _amounts(text, not_one=NOT_AN_OFFSET, usage=Usage.REMINDERS)
    if not amounts:
        raise BadInput(UNREADABLE_OFFSETS, usage=Usage.REMINDERS)
    values: set[int] = set()
    for amount in amounts:
        minutes = _minutes(amount, not_one=NOT_AN_OFFSET, usage=Usage.REMINDERS)
        if minutes > MAX_OFFSET_MINUTES:
            raise _refusal(OFFSET_TOO_EARLY, Usage.REMINDERS, amount.text)
        values.add(minutes)
    if len(values) > MAX_OFFSETS:
        raise BadInput(TOO_MANY_OFFSETS, usage=Usage.REMINDERS, max=MAX_OFFSETS, count=len(values))
    return tuple(sorted(values, reverse=True))


def format_duration(minutes: int, lang: str) -> str:
    """A duration in words: "1 giờ 30 phút", "1 day 2 hours"."""
    tr = translator(lang)
    words = []
    left = minutes
    for size, one, many in _PARTS:
        count, left = divmod(left, size)
        if count:
            words.append(tr.gettext(one if count == 1 else many, n=count))
    return " ".join(words) or tr.gettext(_PARTS[-1][2], n=0)


def format_list(items: Sequence[str], lang: str) -> str:
    """ "a, b và c" / "a, b and c"."""
    if len(items) < 2:
        return "".join(items)
    return translator(lang).gettext(AND_LAST, items=", ".join(items[:-1]), last=items[-1])


def format_offsets(offsets: Sequence[int], lang: str) -> str:
    """Reminder times in words: "1 ngày, 1 giờ và 15 phút trước", "… trước và lúc bắt đầu"."""
    tr = translator(lang)
    before = format_list([format_duration(o, lang) for o in offsets if o], lang)
    if not before:
        return tr.gettext(AT_START)
    return tr.gettext(BEFORE_AND_AT_START if 0 in offsets else BEFORE, times=before)
