"""Translation outside Flask, and the one translate function.

Services mark user-facing messages with N_() (extracted by pybabel) and the
code that shows them translates them in the reader's language: templates and
views through crm.web.i18n (the request's catalog), jobs writing files for a
user through translator(locale). Both end in translate().
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

from babel.support import NullTranslations, Translations

LOCALES = ("id", "en")
LOCALE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
TRANSLATIONS_DIR = Path(__file__).parent / "translations"


def N_(message: str) -> str:
    return message


@functools.lru_cache(maxsize=len(LOCALES) + 1)
def catalog(locale: str | None) -> Translations | NullTranslations:
    """The compiled catalog of `locale` (English msgids when unknown)."""
    return Translations.load(str(TRANSLATIONS_DIR), [locale if locale in LOCALES else "en"])


def translate(catalog: Translations | NullTranslations, message: str, params: dict[str, Any] | None = None) -> str:
    """`message` (a msgid) in the catalog's language, %-formatted with `params`."""
    text = catalog.ugettext(message)
    return text % params if params else text


def translator(locale: str | None) -> Callable[..., str]:
    """gettext for `locale` outside a request (jobs writing files for a user)."""
    translations = catalog(locale)

    def gettext(message: str, **params) -> str:
        return translate(translations, message, params)

    return gettext
