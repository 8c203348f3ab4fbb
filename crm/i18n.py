"""Translation markers usable outside Flask.

Services mark user-facing messages with N_() (extracted by pybabel, translated
by the view that shows them, in the reader's language).
"""


def N_(message: str) -> str:
    return message


LOCALES = ("id", "en")
LOCALE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def translator(locale: str | None):
    """gettext for `locale` outside a request (jobs writing files for a user)."""
    from functools import lru_cache
    from pathlib import Path

    from babel.support import Translations

    @lru_cache(maxsize=4)
    def load(code: str):
        return Translations.load(str(Path(__file__).parent / "translations"), [code])

    translations = load(locale if locale in LOCALES else "en")

    def gettext(message: str, **params) -> str:
        text = translations.gettext(message)
        return text % params if params else text

    return gettext
