"""Agenda templates following the standard meeting procedure, and the secretary's edits.

Items are numbered from 1 for people, and every edit takes and returns those numbers; edits
return a new list and leave the given one untouched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import BadInput, Usage
from bot.i18n import N_, translator
from bot.rules.dates import fold, quoted

MAX_ITEMS = 30
MAX_ITEM_LENGTH = 300

# Stored by key, so rewording a text in the catalogs does not orphan saved agendas.
ITEM_TEXTS = {
    "opening": N_("Opening and head count"),
    "current_affairs": N_("Current affairs and new documents from higher levels"),
    "last_month_results": N_("Results of last month's tasks"),
    "next_month_tasks": N_("Tasks for next month"),
    "discussion": N_("Discussion"),
    "resolution_vote": N_("Vote on the resolution"),
    "meeting_scoring": N_("Scoring the meeting"),
    "minutes_approval": N_("Reading and approving the minutes"),
    "theme_presentation": N_("Presentation of the theme"),
    "conclusion": N_("The chair's conclusion"),
    "resolution_vote_if_any": N_("Vote on the resolution, if any"),
    "extraordinary_reason": N_("Reason for the extraordinary meeting"),
    "cell_situation": N_("The cell's situation since the last committee meeting"),
    "meeting_preparation": N_("Preparing the content of the next cell meeting"),
}

MEETING_TYPE_NAMES = {
    "regular": N_("Regular meeting"),
    "thematic": N_("Thematic meeting"),
    "extraordinary": N_("Extraordinary meeting"),
    "committee": N_("Cell committee meeting"),
}

TEMPLATES: dict[str, tuple[str, ...]] = {
    "regular": (
        "opening",
        "current_affairs",
        "last_month_results",
        "next_month_tasks",
        "discussion",
        "resolution_vote",
        "meeting_scoring",
        "minutes_approval",
    ),
    "thematic": (
        "opening",
        "theme_presentation",
        "discussion",
        "conclusion",
        "resolution_vote_if_any",
        "minutes_approval",
    ),
    "extraordinary": (
        "opening",
        "extraordinary_reason",
        "discussion",
        "conclusion",
        "resolution_vote",
        "minutes_approval",
    ),
    "committee": (
        "opening",
        "cell_situation",
        "meeting_preparation",
        "conclusion",
        "minutes_approval",
    ),
}

EMPTY_ITEM = N_("Write the text of the agenda item.")
LONG_ITEM = N_("An agenda item can have at most {max} characters.")
TOO_MANY_ITEMS = N_("An agenda can have at most {max} items.")
EMPTY_AGENDA = N_("The agenda has no items yet.")
NO_SUCH_ITEM = N_("There is no item {number}: the agenda has items 1 to {count}.")
NO_SUCH_POSITION = N_("A new item can go at positions 1 to {count}.")
UNKNOWN_EDIT = N_("Use add TEXT, remove K, move K to P or edit K TEXT.")
NOT_A_NUMBER = N_("«{word}» is not an item number: give the number the agenda shows.")

# The edits by their verbs, in English and in Vietnamese (compared without diacritics, so
# "xóa", "xoá" and "xoa" are one verb).
_VERBS = {
    "add": ("add", "thêm"),
    "remove": ("remove", "delete", "xóa"),
    "move": ("move", "chuyển"),
    "edit": ("edit", "sửa"),
}
# Words between the two numbers of a move: "move 5 to 3", "chuyển 5 lên 3", "chuyển 5 đến 3".
_MOVE_WORDS = ("to", "->", "→", "lên", "xuống", "đến", "tới", "sang", "về", "vào", "vị", "trí")


@dataclass(frozen=True)
class AgendaItem:
    """A template item (key, translated when shown) or the secretary's own text (shown as is)."""

    key: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if (self.key is None) == (self.text is None):
            raise ValueError("an agenda item has either a key or a text")

    @classmethod
    def template(cls, key: str) -> AgendaItem:
        """A standard item by its key in ITEM_TEXTS."""
        if key not in ITEM_TEXTS:
            raise ValueError(f"unknown agenda item key {key!r}")
        return cls(key=key)

    @classmethod
    def free(cls, text: str) -> AgendaItem:
        """An item typed by the secretary, cleaned and checked (BadInput if empty or too long)."""
        return cls(text=_clean(text))

    def render(self, lang: str) -> str:
        """The item's text in a language."""
        if self.text is not None:
            return self.text
        assert self.key is not None
        # A key dropped by a later version still shows something rather than failing.
        if self.key not in ITEM_TEXTS:
            return self.key
        return translator(lang).gettext(ITEM_TEXTS[self.key])

    def to_text(self) -> str:
        """The stored form: ``key:opening`` or ``text:<the secretary's text>``."""
        return f"key:{self.key}" if self.key is not None else f"text:{self.text}"

    @classmethod
    def from_text(cls, stored: str) -> AgendaItem:
        """Read the stored form back (ValueError if it is not one)."""
        kind, sep, value = stored.partition(":")
        if sep and kind == "key" and value:
            return cls(key=value)
        if sep and kind == "text" and value:
            return cls(text=value)
        raise ValueError(f"not a stored agenda item: {stored!r}")


def default_agenda(meeting_type: str) -> list[AgendaItem]:
    """The standard agenda of a meeting type: regular, thematic, extraordinary or committee."""
    if meeting_type not in TEMPLATES:
        raise ValueError(f"unknown meeting type {meeting_type!r}")
    return [AgendaItem(key=key) for key in TEMPLATES[meeting_type]]


def render_agenda(items: Sequence[AgendaItem], lang: str) -> list[str]:
    """Numbered lines: "1. Khai mạc, ..."."""
    return [f"{number}. {item.render(lang)}" for number, item in enumerate(items, start=1)]


def add_item(
    items: Sequence[AgendaItem], text: str, *, number: int | None = None
) -> list[AgendaItem]:
    """The agenda with the secretary's text added as item number (default: at the end)."""
    if len(items) >= MAX_ITEMS:
        raise BadInput(TOO_MANY_ITEMS, max=MAX_ITEMS)
    item = AgendaItem.free(text)
    position = len(items) + 1 if number is None else number
    if not 1 <= position <= len(items) + 1:
        raise BadInput(NO_SUCH_POSITION, number=position, count=len(items) + 1)
    result = list(items)
    result.insert(position - 1, item)
    return result


def edit_item(items: Sequence[AgendaItem], number: int, text: str) -> list[AgendaItem]:
    """The agenda with item number's text replaced by the secretary's text."""
    _check_number(items, number)
    result = list(items)
    result[number - 1] = AgendaItem.free(text)
    return result


def remove_item(items: Sequence[AgendaItem], number: int) -> list[AgendaItem]:
    """The agenda without item number."""
    _check_number(items, number)
    result = list(items)
    del result[number - 1]
    return result


def move_item(items: Sequence[AgendaItem], number: int, to: int) -> list[AgendaItem]:
    """The agenda with item number moved so that it becomes item to."""
    _check_number(items, number)
    _check_number(items, to)
    result = list(items)
    result.insert(to - 1, result.pop(number - 1))
    return result


_VERB_BY_WORD = {fold(word): verb for verb, words in _VERBS.items() for word in words}
_MOVE_FILLERS = frozenset(fold(word) for word in _MOVE_WORDS)


def _item_number(word: str) -> int:
    if not (word.isascii() and word.isdigit()) or len(word) > 3:
        raise BadInput(NOT_A_NUMBER, usage=Usage.AGENDA, word=quoted(word))
    return int(word)


def edit_operation(verb: str) -> str | None:
    """add, remove, move or edit for a typed verb ("xoá", "Thêm", "sua"...), else None."""
    return _VERB_BY_WORD.get(fold(verb))


def apply_edit(items: Sequence[AgendaItem], verb: str, args: Sequence[str]) -> list[AgendaItem]:
    """The agenda after a typed edit: add TEXT, remove K, move K to P, edit K TEXT, or their
    Vietnamese verbs thêm, xóa, chuyển, sửa (with or without diacritics)."""
    operation = edit_operation(verb)
    if operation == "add" and args:
        return add_item(items, " ".join(args))
    if operation == "remove" and len(args) == 1:
        return remove_item(items, _item_number(args[0]))
    numbers = [a for a in args if fold(a) not in _MOVE_FILLERS]
    if operation == "move" and len(numbers) == 2:
        return move_item(items, _item_number(numbers[0]), _item_number(numbers[1]))
    if operation == "edit" and len(args) >= 2:
        return edit_item(items, _item_number(args[0]), " ".join(args[1:]))
    raise BadInput(UNKNOWN_EDIT, usage=Usage.AGENDA)


def _check_number(items: Sequence[AgendaItem], number: int) -> None:
    if not items:
        raise BadInput(EMPTY_AGENDA)
    if not 1 <= number <= len(items):
        raise BadInput(NO_SUCH_ITEM, number=number, count=len(items))


def _clean(text: str) -> str:
    # One line per item: control and invisible format characters (bidi overrides, zero-width)
    # go, any run of whitespace becomes one space.
    visible = "".join(
        c for c in text if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf")
    )
    cleaned = " ".join(visible.split())
    if not cleaned:
        raise BadInput(EMPTY_ITEM)
    if len(cleaned) > MAX_ITEM_LENGTH:
        raise BadInput(LONG_ITEM, max=MAX_ITEM_LENGTH)
    return cleaned
