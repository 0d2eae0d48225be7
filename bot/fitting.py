"""Fitting text into a limit: cut at a word boundary, marked with "…", never mid-escape.

Every front end has limits (Discord's embed fields, a source's name); this is the one way text is
shortened to meet them.
"""

from __future__ import annotations

import re

MARKER = "…"
_TRAILING_BACKSLASHES = re.compile(r"\\+$")


def cut_point(text: str, index: int) -> int:
    """`index`, moved back one if cutting there would separate an escape backslash from its char."""
    match = _TRAILING_BACKSLASHES.search(text[:index])
    if match and len(match.group(0)) % 2 == 1:
        return index - 1
    return index


def fit(text: str, limit: int, *, marker: str = MARKER) -> str:
    """`text` shortened to at most `limit` characters, at a word boundary, ending with `marker`.

    A word is cut only when one word alone fills more than half the room, and then it is marked too.
    """
    if len(text) <= limit:
        return text
    if limit <= len(marker):
        return marker[:limit]
    room = limit - len(marker)
    if text[room].isspace():
        head = text[:room]
    else:
        head = text[:room]
        boundary = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        head = head[:boundary] if boundary > room // 2 else head[: cut_point(head, room)]
    head = head.rstrip()
    head = head[: cut_point(head, len(head))]
    return head + marker
