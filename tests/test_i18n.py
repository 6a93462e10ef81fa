"""Every user-facing text exists in Vietnamese and English, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, resolve_language, translator

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"N_": None, "gettext": None, "ngettext": (1, 2)}


def source_messages() -> set[str]:
    """Every message id marked in the code (N_, gettext, ngettext)."""
    found: set[str] = set()
    for folder in ("bot", "handlers", "sandbox"):
        for _, _, message, _, _ in extract_from_dir(ROOT / folder, keywords=KEYWORDS):
            found.update([message] if isinstance(message, str) else message)
    return found


def placeholders(text: str) -> set[str]:
    """The {names} a text fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_extraction_finds_the_texts() -> None:
    messages = source_messages()
    # A sanity floor so an extraction that silently finds nothing cannot pass the tests below.
    assert len(messages) > 80
    assert "Only members of this cell can do this." in messages


def catalog_entries(language: str) -> dict[str, str]:
    """msgid -> msgstr over every catalog file of a language."""
    entries: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as po_file:
            for message in read_po(po_file, locale=language):
                if message.id and isinstance(message.id, str):
                    assert isinstance(message.string, str)
                    entries[message.id] = message.string
    return entries


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_message_is_translated(language: str) -> None:
    entries = catalog_entries(language)
    missing = sorted(m for m in source_messages() if not entries.get(m))
    assert missing == [], f"{language}: {len(missing)} texts lack a translation: {missing[:5]}"


def test_vietnamese_texts_are_not_left_in_english() -> None:
    entries = catalog_entries("vi")
    # Texts made only of commands, names or symbols may stay the same; sentences may not.
    same = sorted(
        m for m in source_messages() if entries.get(m) == m and re.search(r"[a-z]{3} [a-z]{3}", m)
    )
    assert same == []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_placeholders_match(language: str) -> None:
    tr = translator(language)
    wrong = [
        m
        for m in source_messages()
        if placeholders(tr._translations.gettext(m)) != placeholders(m)
    ]
    assert wrong == []


def test_vietnamese_is_really_vietnamese() -> None:
    vi = translator("vi")
    assert vi.gettext("Only members of this cell can do this.") != (
        "Only members of this cell can do this."
    )
    assert "đảng viên" in vi.gettext("Only members of this cell can do this.")


def test_catalog_files_exist_for_both_languages() -> None:
    for language in ("vi", "en"):
        assert list((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


@pytest.mark.parametrize(
    ("chosen", "telegram", "default", "expected"),
    [
        ("en", "vi", "vi", "en"),
        (None, "en-US", "vi", "en"),
        (None, "ru", "vi", "vi"),
        (None, None, "en", "en"),
        ("xx", None, "vi", "vi"),
    ],
)
def test_language_resolution(
    chosen: str | None, telegram: str | None, default: str, expected: str
) -> None:
    assert resolve_language(chosen, telegram, default) == expected
