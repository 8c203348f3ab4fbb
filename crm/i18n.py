"""Translation markers usable outside Flask.

Services mark user-facing messages with N_() (extracted by pybabel, translated
by the view that shows them, in the reader's language).
"""


def N_(message: str) -> str:
    return message


LOCALES = ("id", "en")
LOCALE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
