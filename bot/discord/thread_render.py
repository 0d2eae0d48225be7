"""The render stage for story threads: thread names, and the follow-ups posted into a thread.

A follow-up says what a later item of the story brings: for a new version of an article, what
changed (sentences, quotes, numbers, the headline; the PNG redline is attached when it is
posted); for another outlet's article, what it adds to the earlier coverage; for anything else,
the item's digest entry. Same safety rules as bot.discord.render: article text is escaped there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from bot.discord.limits import EMBED_AUTHOR_NAME_MAX, MESSAGE_EMBEDS_MAX, THREAD_NAME_MAX
from bot.discord.render import (
    STORY_COLORS,
    DigestMessage,
    Embed,
    changes_embeds,
    digest_item_embed,
    fits_one_message,
    neutralize_mentions,
)
from bot.fitting import fit
from bot.models import Brief, ChangeBasis

UNNAMED_THREAD = "Story"
REDLINE_FILENAME = "redline.png"


def thread_name(headline: str | None) -> str:
    """A thread's name: the story's headline on one line, within Discord's 100 characters.
    Discord shows names as plain text (no Markdown), and a name never pings."""
    text = " ".join((headline or "").split())
    return fit(neutralize_mentions(text), THREAD_NAME_MAX) if text else UNNAMED_THREAD


def continued_line(old_thread_id: int) -> str:
    """The first line of a thread that replaces one Discord would not reopen: a link to the old."""
    return f"Continued from <#{old_thread_id}>: that thread is locked or gone, so the story goes on here."


def is_edit(brief: Brief) -> bool:
    return brief.changes.basis is ChangeBasis.PREVIOUS_VERSION and bool(brief.changes.items)


def _group(embeds: Sequence[Embed]) -> list[list[Embed]]:
    """Embeds in order, as few messages as fit Discord's per-message limits."""
    groups: list[list[Embed]] = [[]]
    for embed in embeds:
        if groups[-1] and (
            len(groups[-1]) >= MESSAGE_EMBEDS_MAX or not fits_one_message([*groups[-1], embed])
        ):
            groups.append([])
        groups[-1].append(embed)
    return [group for group in groups if group]


def followup_messages(brief: Brief, *, story_id: int, summary_sentences: int = 2) -> list[DigestMessage]:
    """The follow-up of one item of a story that has a thread: one or more messages, in order.

    The route says where they go (the story's thread) and, for an edit, which version's redline
    the first one carries."""
    source = " ".join((brief.source or "").split())
    basis = brief.changes.basis
    if basis is ChangeBasis.PREVIOUS_VERSION and brief.changes.items:
        embeds = changes_embeds(brief.changes, headline=brief.headline, url=brief.url)
        label = f"New version{f' · {source}' if source else ''}"
    elif basis is ChangeBasis.STORY and brief.changes.items:
        embeds = changes_embeds(brief.changes, headline=brief.headline, url=brief.url)
        label = f"{source or 'Another report'} adds to the story"
    else:
        color = STORY_COLORS[0]
        embeds = [digest_item_embed(brief, sentences=summary_sentences, color=color, author_room=0)]
        label = f"More on the story{f' · {source}' if source else ''}"
    first = dict(embeds[0])
    first["author"] = {"name": fit(neutralize_mentions(label), EMBED_AUTHOR_NAME_MAX)}
    embeds = [first, *embeds[1:]]
    identity = f"followup:{story_id}:{brief.version_id or brief.id}"
    messages: list[DigestMessage] = []
    for number, group in enumerate(_group(embeds)):
        key = "thread-" + hashlib.sha256(f"{identity}:{number}".encode()).hexdigest()[:32]
        route: dict[str, object] = {"kind": "thread", "story_id": story_id}
        if number == 0 and is_edit(brief) and brief.version_id is not None:
            route["redline_version_id"] = brief.version_id
        messages.append(DigestMessage("", tuple(group), key, route=route))
    return messages
