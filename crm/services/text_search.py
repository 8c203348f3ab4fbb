"""Search boxes: "contains" matching with LIKE, the user's % and _ taken literally."""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def contains(q: str) -> str:
    """The LIKE pattern for text containing `q` (use with `escape=LIKE_ESCAPE`)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
