"""Two languages through gettext catalogs: Vietnamese (default) and English.

Every ``*.po`` file under ``bot/locale/<lang>/LC_MESSAGES`` is read with Babel and merged, so
feature areas keep their own catalogs. Message ids are English source texts marked with ``N_``
or translated with ``Translator.gettext``; placeholders use ``{name}`` and ``str.format``.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def N_(message: str) -> str:
    """Mark a message id for extraction without translating it here."""
    return message


class Translator:
    """Texts of one language."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def gettext(self, message: str, /, **params: object) -> str:
        """Translate a message id and fill its ``{placeholders}``."""
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """Translate with a count; ``{n}`` is always available."""
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **params)


@cache
def translator(language: str) -> Translator:
    """The translator for a language (unknown languages get the default)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return Translator(language, _load(language))


def _load(language: str) -> gettext.NullTranslations:
    merged: gettext.NullTranslations | None = None
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = gettext.GNUTranslations(buffer)
        if merged is None:
            merged = translations
        else:
            merged.add_fallback(translations)
    return merged or gettext.NullTranslations()


def resolve_language(
    chosen: str | None, telegram_code: str | None, default: str = DEFAULT_LANGUAGE
) -> str:
    """The user's /lang choice, else Telegram's language code, else the default."""
    if chosen in LANGUAGES:
        return chosen
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else DEFAULT_LANGUAGE
