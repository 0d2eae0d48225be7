"""The render stage for people at a terminal: briefs and digests as readable plain text.

Discord rendering (embeds within Discord's limits) lives beside the bot; both read the same
`Brief`, so what a moderator previews offline is what a channel gets. The `_rich` forms carry
the styles a terminal shows (headlines in bold); the `_text` forms are the same text, plain.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import datetime

from rich.text import Text

from bot.models import Brief, Change, ChangeBasis, ChangeKind, Changes, Digest, WordOp

_WIDTH = 96


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """ "1 article", "3 articles", "2 stories"."""
    return f"{count} {word if count == 1 else plural_form or word + 's'}"


def format_time(value: datetime | None) -> str | None:
    return f"{value:%d %b %Y %H:%M} UTC" if value else None


def mark_words(change: Change) -> str:
    """An edit with its changed words marked: [-removed-] {+added+}, one space between runs."""
    if not change.words:
        return f"{change.before} → {change.after}"
    parts = []
    for part in change.words:
        text = " ".join(part.text.split())  # a run carries the spacing that follows it
        if not text:
            continue
        if part.op is WordOp.DELETED:
            parts.append(f"[-{text}-]")
        elif part.op is WordOp.INSERTED:
            parts.append(f"{{+{text}+}}")
        else:
            parts.append(text)
    return " ".join(parts)


_CHANGE_LABELS = {
    ChangeKind.SENTENCE_ADDED: "added",
    ChangeKind.SENTENCE_REMOVED: "removed",
    ChangeKind.SENTENCE_EDITED: "edited",
    ChangeKind.HEADLINE_CHANGED: "headline",
    ChangeKind.QUOTE_ADDED: "quote added",
    ChangeKind.QUOTE_REMOVED: "quote removed",
    ChangeKind.NUMBER_CHANGED: "number",
    ChangeKind.NEW_IN_STORY: "new",
}


def change_label(kind: ChangeKind) -> str:
    """The word a change is listed under ("added", "edited", ...), shared with the Discord renderer."""
    return _CHANGE_LABELS[kind]


def describe_change(change: Change) -> str:
    label = change_label(change.kind)
    if change.kind in (ChangeKind.SENTENCE_EDITED, ChangeKind.HEADLINE_CHANGED):
        return f"{label}: {mark_words(change)}"
    if change.kind is ChangeKind.NUMBER_CHANGED:
        return f"{label}: {change.before} → {change.after}"
    if change.kind in (ChangeKind.SENTENCE_REMOVED, ChangeKind.QUOTE_REMOVED):
        return f"{label}: {change.before}"
    return f"{label}: {change.after}"


def describe_changes(changes: Changes) -> list[str]:
    """What changed, one line a change; a first report or a story with nothing new says so."""
    if changes.basis is ChangeBasis.FIRST_REPORT:
        return ["first report"]
    if not changes.items:
        if changes.basis is ChangeBasis.STORY:
            return [f"nothing new since earlier coverage ({len(changes.against)} article(s))"]
        return ["no change in the text"]
    return [describe_change(c) for c in changes.items]


def _wrapped(text: str, indent: str, bullet: str = "") -> str:
    return textwrap.fill(
        text, width=_WIDTH, initial_indent=indent + bullet, subsequent_indent=indent + " " * len(bullet)
    )


def brief_byline(brief: Brief) -> str:
    return " · ".join(
        x for x in (brief.source, format_time(brief.updated or brief.published), brief.url) if x
    )


def _brief_lines(brief: Brief, *, max_quotes: int, max_changes: int | None) -> list[Text]:
    byline = brief_byline(brief)
    lines: list[str | Text] = [Text(brief.headline, style="bold"), *([byline] if byline else []), ""]
    if brief.summary:
        lines.append("Summary")
        lines.extend(_wrapped(s, "  ", "• ") for s in brief.summary)
    if brief.quotes:
        lines.append("Quotes")
        for quote in brief.quotes[:max_quotes]:
            lines.append(_wrapped(f"“{quote.text}” — {quote.speaker or 'unattributed'}", "  ", "• "))
        if len(brief.quotes) > max_quotes:
            lines.append(f"  … and {len(brief.quotes) - max_quotes} more")
    lines.append("What changed")
    changes = describe_changes(brief.changes)
    shown = changes if max_changes is None else changes[:max_changes]
    lines.extend(_wrapped(line, "  ", "• ") for line in shown)
    if len(shown) < len(changes):
        lines.append(f"  … and {len(changes) - len(shown)} more")
    return [line if isinstance(line, Text) else Text(line) for line in lines]


def _joined(lines: Iterable[Text]) -> Text:
    text = Text("\n").join(lines)
    text.rstrip()
    return text.append("\n")


def render_brief_rich(brief: Brief, *, max_quotes: int = 5, max_changes: int | None = None) -> Text:
    return _joined(_brief_lines(brief, max_quotes=max_quotes, max_changes=max_changes))


def render_brief_text(brief: Brief, *, max_quotes: int = 5, max_changes: int | None = None) -> str:
    return render_brief_rich(brief, max_quotes=max_quotes, max_changes=max_changes).plain


def render_digest_rich(digest: Digest, *, max_quotes: int = 3, max_changes: int = 4) -> Text:
    """The digest for a terminal: every brief in full (summary, key quotes, what changed), by story."""
    if not digest.stories:
        return Text("Nothing new since the last digest.\n")
    stories = plural(len(digest.stories), "story", "stories")
    out = [Text(f"Newsbrief digest — {plural(digest.items_total, 'article')} in {stories}"), Text()]
    for number, story in enumerate(digest.stories, start=1):
        out.append(Text(f"Story {number}" + (f" · {len(story)} articles" if len(story) > 1 else "")))
        for item in story:
            brief = render_brief_rich(item.brief, max_quotes=max_quotes, max_changes=max_changes)
            # Each brief indented under its story, its headline marked; a blank line after it.
            for i, line in enumerate(brief.split("\n", allow_blank=True)):
                indented = Text.assemble("  ■ " if i == 0 else "    ", line)
                out.append(indented if line.plain.strip() else Text())
    if digest.more:
        out.append(Text(f"… and {digest.more} more (find them with `newsbrief search`)"))
    return _joined(out)


def render_digest_text(digest: Digest, *, max_quotes: int = 3, max_changes: int = 4) -> str:
    return render_digest_rich(digest, max_quotes=max_quotes, max_changes=max_changes).plain
