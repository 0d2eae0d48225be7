"""The render stage for Discord: briefs, digests and command replies as embeds within Discord's limits.

Everything here returns plain JSON-able dicts in Discord's wire shape (the bot hands them to
`discord.Embed.from_dict`), so the module is testable without Discord. Every number that is a
Discord limit comes from `bot.discord.limits`.

Safety: every string that comes from an article (headline, summary, quotes, speakers, source
names, URL text) goes through `escape` (Markdown escaped, mentions neutralised); footers and
author names, which Discord shows without Markdown, go through `neutralize_mentions` only.
Only http(s) URLs are ever used as an embed `url` or a link target.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import discord

from bot.discord.limits import (
    ALLOWED_MENTIONS_IDS_MAX,
    EMBED_AUTHOR_NAME_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_FOOTER_TEXT_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_CHARS_MAX,
    MESSAGE_CONTENT_MAX,
    MESSAGE_EMBEDS_MAX,
    embeds_total_chars,
)
from bot.fitting import MARKER, cut_point, fit
from bot.ingest.urls import is_http_url
from bot.models import Brief, Change, ChangeBasis, ChangeKind, Changes, Digest, Quote, WordOp
from bot.render import change_label, describe_changes, format_time
from bot.service.filters import describe_rule
from bot.store import SNIPPET_END, SNIPPET_START, FilterRule

Embed = dict[str, Any]

# Accent colours: one for single briefs, and a cycle for digest stories so that the embeds of one
# story share a colour and neighbouring stories differ.
BRIEF_COLOR = 0x3B82F6
STORY_COLORS = (0x3B82F6, 0xF59E0B, 0x10B981, 0xEF4444, 0x8B5CF6, 0x14B8A6)
MORE_COLOR = 0x6B7280
UNTITLED = "(untitled)"
UNATTRIBUTED = "Unattributed"

# A digest item is a style budget, not a Discord limit: a quarter of a message's embed total, so at
# least four items share a message and no item can ever be too big for one.
DIGEST_ITEM_CHARS = EMBED_TOTAL_CHARS_MAX // 4
DIGEST_FOOTER_CHARS = DIGEST_ITEM_CHARS // 8
DIGEST_CHANGES_SHOWN = 3
# Style: a quote cut shorter than this says nothing, so it is left out instead.
MIN_QUOTE_CHARS = 40


def no_mentions() -> dict[str, Any]:
    """The `allowed_mentions` payload for every message the bot sends: nobody is ever pinged."""
    return discord.AllowedMentions.none().to_dict()  # type: ignore[return-value]


# ---- escaping ----------------------------------------------------------------------------------

_ZWSP = "\u200b"
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
# <@id>, <@!id>, <@&role>, <#channel>: a zero-width space after the sigil stops Discord parsing them.
_MENTION_TAG = re.compile(r"<(@[!&]?|#)")
# Links are left alone so they still work (the shape discord.py's escape_markdown uses too).
_URL = re.compile(r"https?://[^\s<]+[^<.,:;\"'\]\s]")
# Escaped wherever they appear: unlike discord.utils.escape_markdown we do not look for a closing
# partner, because the renderer adds its own ** and ~~ around article text, and a lone `*` left
# unescaped would pair with ours.
_INLINE_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")
# Block syntax only counts at the start of a line: quotes, headings, subtext, lists.
_LINE_START_MARKDOWN = re.compile(r"^([ \t]*)([>#+-])", re.MULTILINE)
_NUMBERED_LIST = re.compile(r"^([ \t]*\d+)\.", re.MULTILINE)


def neutralize_mentions(text: str) -> str:
    """Text with @everyone/@here and user, role and channel mentions made inert."""
    return _MENTION_TAG.sub(lambda m: f"<{m.group(1)}{_ZWSP}", _EVERYONE.sub(f"@{_ZWSP}\\1", text))


def _escape_markdown(text: str) -> str:
    text = _INLINE_MARKDOWN.sub(r"\\\1", text)
    text = _LINE_START_MARKDOWN.sub(r"\1\\\2", text)
    return _NUMBERED_LIST.sub(r"\1\\.", text)


def escape(text: str) -> str:
    """Article text made harmless in Discord Markdown: formatting shown literally, no mentions."""
    text = neutralize_mentions(text)
    pieces: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        pieces.append(_escape_markdown(text[position : match.start()]))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(_escape_markdown(text[position:]))
    return "".join(pieces)


def link_target(url: str | None) -> str | None:
    """`url` if Discord may link to it (http or https), made safe inside a Markdown link; else None."""
    if not url or not is_http_url(url):
        return None
    # A raw ")" or space would end a Markdown link early.
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


# ---- fitting and splitting ---------------------------------------------------------------------


def _hard_split(word: str, limit: int, marker: str = MARKER) -> list[str]:
    """A word too long for any chunk, in marked pieces of at most `limit`."""
    if limit <= len(marker):
        return [word[i : i + limit] for i in range(0, len(word), limit)]
    pieces = []
    rest = word
    while len(rest) > limit:
        # Only a room of one character can leave nothing to cut: then the pair has to be split.
        cut = cut_point(rest, limit - len(marker)) or limit - len(marker)
        pieces.append(rest[:cut] + marker)
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


# Coarsest first: paragraphs, lines, sentences, words.
_SPLIT_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\n[ \t]*\n\s*"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (re.compile(r"(?<=[.!?…])\s+"), " "),
    (re.compile(r"\s+"), " "),
)


def split_text(text: str, limit: int) -> list[str]:
    """`text` in chunks of at most `limit`, split on paragraph, line, sentence or word boundaries
    (the coarsest that works); a single word longer than `limit` is cut into marked pieces."""
    text = text.strip()
    if not text:
        return []
    return _split_at_level(text, limit, 0)


def _split_at_level(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level == len(_SPLIT_LEVELS):
        return _hard_split(text, limit)
    pattern, joiner = _SPLIT_LEVELS[level]
    parts: list[str] = []
    for piece in pattern.split(text):
        piece = piece.strip()
        if piece:
            parts.extend(_split_at_level(piece, limit, level + 1))
    return pack(parts, limit, joiner)


def pack(parts: Sequence[str], limit: int, joiner: str = " ") -> list[str]:
    """Consecutive `parts` joined with `joiner` into as few chunks of at most `limit` as greedy
    packing gives; each part must already fit on its own."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{joiner}{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = part
    if current:
        chunks.append(current)
    return chunks


def _fit_atoms(atoms: Sequence[str], limit: int, marker: str = MARKER) -> str:
    """Whole atoms (words, or marked runs that must not be cut) up to `limit`, marked if cut short."""
    line = " ".join(atoms)
    if len(line) <= limit:
        return line
    room = limit - len(marker) - 1
    out = ""
    for atom in atoms:
        candidate = f"{out} {atom}" if out else atom
        if len(candidate) > room:
            break
        out = candidate
    if not out:
        return fit(line, limit, marker=marker)
    return f"{out} {marker}"


def _bounded_lines(
    entries: Sequence[Sequence[str]],
    limit: int,
    more: Callable[[int], str],
    *,
    max_entries: int | None = None,
) -> str:
    """Entries (atom lists), one a line, up to `limit` characters; when some do not fit, the last
    line is `more(number left out)`. A first entry too long on its own is cut, with a marker."""
    shown_max = len(entries) if max_entries is None else min(max_entries, len(entries))
    lines: list[str] = []
    used = 0
    for index, atoms in enumerate(entries[:shown_max]):
        left_after = len(entries) - index - 1
        tail = len(more(left_after)) + 1 if left_after else 0
        line = " ".join(atoms)
        separator = 1 if lines else 0
        if used + separator + len(line) + tail <= limit:
            lines.append(line)
            used += separator + len(line)
            continue
        if not lines:
            lines.append(_fit_atoms(atoms, limit - tail))
            used = len(lines[0])
            continue
        lines.append(more(len(entries) - index))
        return "\n".join(lines)
    if shown_max < len(entries):
        lines.append(more(len(entries) - shown_max))
    return "\n".join(lines)


# ---- shared pieces -----------------------------------------------------------------------------


def _timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC; a naive datetime is taken to be UTC already (as the pipeline stores them)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _title(headline: str | None, limit: int = EMBED_TITLE_MAX) -> str:
    text = " ".join((headline or "").split())
    return fit(escape(text), limit) if text else UNTITLED


def _masked_link(text: str, url: str | None) -> str:
    """`text` (already escaped) as a Markdown link when `url` may be linked to, else as it is."""
    target = link_target(url)
    return f"[{text}]({target})" if target else text


def _footer_text(parts: Sequence[str | None], limit: int = EMBED_FOOTER_TEXT_MAX) -> str | None:
    """Footer text: Discord shows footers without Markdown, so only mentions are neutralised."""
    text = " · ".join(" ".join(part.split()) for part in parts if part and part.strip())
    return fit(neutralize_mentions(text), limit) if text else None


def _brief_footer(brief: Brief, limit: int = EMBED_FOOTER_TEXT_MAX) -> str | None:
    # A file:// (local source) location cannot be an embed url; show it as text instead.
    local = brief.url if brief.url and not is_http_url(brief.url) else None
    return _footer_text((brief.source, local), limit)


def _set_common(embed: Embed, *, footer: str | None, when: datetime | None, color: int) -> Embed:
    if footer:
        embed["footer"] = {"text": footer}
    stamp = _timestamp(when)
    if stamp:
        embed["timestamp"] = stamp
    embed["color"] = color
    return embed


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


# ---- what changed ------------------------------------------------------------------------------

_STRUCK = ("~~", "~~")
_ADDED = ("**", "**")
_PLAIN = ("", "")
_WORD_MARKS = {WordOp.DELETED: _STRUCK, WordOp.INSERTED: _ADDED, WordOp.SAME: _PLAIN}


def _run_atoms(marks: tuple[str, str], raw: str | None, limit: int) -> list[str]:
    """One run of article text as atoms no longer than `limit`: plain text word by word, marked
    text as whole marked runs (split into several marked runs only when too long)."""
    text = " ".join(escape(raw or "").split())
    if not text:
        return []
    opening, closing = marks
    if not opening:
        return [piece for word in text.split(" ") for piece in _hard_split(word, limit)]
    room = limit - len(opening) - len(closing)
    return [f"{opening}{piece}{closing}" for piece in split_text(text, room)]


def change_atoms(change: Change, limit: int = EMBED_FIELD_VALUE_MAX) -> list[str]:
    """One change as Discord Markdown atoms (join with spaces): a bullet and label, then the text
    with changed words marked ~~removed~~ **added**; no atom is longer than `limit`."""
    runs: list[tuple[tuple[str, str], str | None]]
    kind = change.kind
    if kind in (ChangeKind.SENTENCE_EDITED, ChangeKind.HEADLINE_CHANGED) and change.words:
        runs = [(_WORD_MARKS[part.op], part.text) for part in change.words]
    elif kind in (ChangeKind.SENTENCE_EDITED, ChangeKind.HEADLINE_CHANGED, ChangeKind.NUMBER_CHANGED):
        runs = [(_STRUCK, change.before), (_PLAIN, "→"), (_ADDED, change.after)]
    elif kind in (ChangeKind.SENTENCE_REMOVED, ChangeKind.QUOTE_REMOVED):
        runs = [(_PLAIN, change.before)]
    else:
        runs = [(_PLAIN, change.after)]
    atoms = [f"• *{change_label(kind)}:*"]
    for marks, text in runs:
        atoms.extend(_run_atoms(marks, text, limit))
    return atoms


def _changes_entries(changes: Changes, limit: int) -> list[list[str]]:
    if not changes.items:
        # First report, or nothing changed: the plain renderer's wording, which has no article text.
        return [[f"• {line}"] for line in describe_changes(changes)]
    return [change_atoms(change, limit) for change in changes.items]


def _changes_heading(changes: Changes) -> str:
    if changes.basis is ChangeBasis.STORY:
        return "New in this story"
    return "What changed"


def _changes_intro(changes: Changes) -> str:
    if changes.basis is ChangeBasis.FIRST_REPORT:
        return "First report: there is nothing earlier to compare with."
    if changes.basis is ChangeBasis.STORY:
        return f"Compared with earlier coverage of the story ({_plural(len(changes.against), 'article')})."
    return "Compared with the previous version of the article."


def changes_embeds(changes: Changes, *, headline: str, url: str | None = None) -> list[Embed]:
    """/changes: every change, with changed words marked, paged over as many embeds as it takes
    (one embed per page; each is within every limit on its own)."""
    title = _title(f"What changed: {headline}")
    target = link_target(url)
    intro = _changes_intro(changes)
    room = EMBED_DESCRIPTION_MAX
    lines = [intro]
    for change in changes.items:
        # A change longer than a page continues on the next one, cut between words or marked runs.
        lines.extend(pack(change_atoms(change, room), room))
    if not changes.items and changes.basis is not ChangeBasis.FIRST_REPORT:
        lines.extend(f"• {line}" for line in describe_changes(changes))
    pages = pack(lines, room, "\n")
    embeds: list[Embed] = []
    for number, page in enumerate(pages, start=1):
        embed: Embed = {"title": title, "description": page}
        if target:
            embed["url"] = target
        footer = f"Page {number}/{len(pages)} · {_plural(len(changes.items), 'change')}"
        embeds.append(_set_common(embed, footer=footer, when=None, color=BRIEF_COLOR))
    return embeds


# ---- quotes ------------------------------------------------------------------------------------


def _quote_value(quote: Quote, limit: int, context: str = "") -> str:
    """A quote in curly quotes, cut to fit `limit` together with its `context` line."""
    suffix = f"\n{context}" if context else ""
    inner = " ".join(escape(quote.text).split())
    room = max(limit - len(suffix) - 2, 1)
    return f"“{fit(inner, room)}”{suffix}"


def _speaker(quote: Quote) -> str:
    name = " ".join((quote.speaker or "").split())
    return fit(escape(name), EMBED_FIELD_NAME_MAX) if name else UNATTRIBUTED


class QuoteOriginView(Protocol):
    """Where a quote comes from, as a /quote reply shows it: a Brief fits, so does QuoteOrigin."""

    @property
    def headline(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class QuoteOrigin:
    headline: str
    url: str | None = None
    source: str | None = None


def _quote_context(brief: QuoteOriginView | None, limit: int) -> str:
    """ "— headline, source" linked to the article, within `limit`."""
    if brief is None:
        return ""
    target = link_target(brief.url)
    source = escape(" ".join(brief.source.split())) if brief.source else ""
    tail = f" · {fit(source, limit // 4)}" if source else ""
    link_chars = len(target) + 4 if target else 0
    headline_room = limit - len("— ") - len(tail) - link_chars
    if headline_room < len(UNTITLED):
        # A pathological URL length: drop the link rather than the headline.
        target, link_chars = None, 0
        headline_room = limit - len("— ") - len(tail)
    headline = _title(brief.headline, max(headline_room, 1))
    return f"— {_masked_link(headline, target)}{tail}"


def quotes_embeds(
    quotes: Sequence[tuple[Quote, QuoteOriginView | None]], *, title: str, empty: str = "No quotes found."
) -> list[Embed]:
    """/quote: quotes with their speakers, each optionally with the article it is from (linked), as
    pages of embeds: at most `EMBED_FIELDS_MAX` quotes and `EMBED_TOTAL_CHARS_MAX` characters each."""
    page_title = fit(escape(" ".join(title.split())), EMBED_TITLE_MAX) or UNTITLED
    fields: list[dict[str, Any]] = []
    for quote, brief in quotes:
        context = _quote_context(brief, EMBED_FIELD_VALUE_MAX // 2)
        fields.append(
            {
                "name": _speaker(quote),
                "value": _quote_value(quote, EMBED_FIELD_VALUE_MAX, context),
                "inline": False,
            }
        )
    if not fields:
        return [
            _set_common(
                {"title": page_title, "description": empty}, footer=None, when=None, color=BRIEF_COLOR
            )
        ]
    # Room for the footer ("Page 12/34 · 200 quotes") is kept in every page's budget.
    footer_room = len(f"Page {len(fields)}/{len(fields)} · {_plural(len(fields), 'quote')}")
    budget = EMBED_TOTAL_CHARS_MAX - len(page_title) - footer_room
    pages: list[list[dict[str, Any]]] = [[]]
    used = 0
    for embed_field in fields:
        size = len(embed_field["name"]) + len(embed_field["value"])
        if pages[-1] and (len(pages[-1]) == EMBED_FIELDS_MAX or used + size > budget):
            pages.append([])
            used = 0
        pages[-1].append(embed_field)
        used += size
    embeds = []
    for number, page_fields in enumerate(pages, start=1):
        footer = f"Page {number}/{len(pages)} · {_plural(len(fields), 'quote')}"
        embed: Embed = {"title": page_title, "fields": page_fields}
        embeds.append(_set_common(embed, footer=footer, when=None, color=BRIEF_COLOR))
    return embeds


# ---- one brief ---------------------------------------------------------------------------------


def _changes_field(changes: Changes, limit: int = EMBED_FIELD_VALUE_MAX) -> dict[str, Any]:
    value = _bounded_lines(
        _changes_entries(changes, limit), limit, lambda left: f"…and {left} more — see /changes"
    )
    return {"name": _changes_heading(changes), "value": value, "inline": False}


def brief_embed(brief: Brief, *, max_quotes: int = 3) -> Embed:
    """/brief: the headline linked to the article, the summary, key quotes with their speakers
    and what changed; source in the footer and the article's time as the embed timestamp.

    Within the 6000-character total the summary comes first, then what changed, then quotes
    (cut shorter, or left out, when the rest fills the embed)."""
    embed: Embed = {"title": _title(brief.headline)}
    target = link_target(brief.url)
    if target:
        embed["url"] = target
    footer = _brief_footer(brief)
    changes_field = _changes_field(brief.changes)
    used = len(embed["title"]) + len(footer or "") + len(changes_field["name"]) + len(changes_field["value"])
    summary = " ".join(" ".join(escape(sentence).split()) for sentence in brief.summary)
    if summary:
        embed["description"] = fit(summary, min(EMBED_DESCRIPTION_MAX, EMBED_TOTAL_CHARS_MAX - used))
        used += len(embed["description"])
    fields: list[dict[str, Any]] = []
    for quote in brief.quotes[: min(max_quotes, EMBED_FIELDS_MAX - 1)]:
        name = _speaker(quote)
        room = min(EMBED_FIELD_VALUE_MAX, EMBED_TOTAL_CHARS_MAX - used - len(name))
        if room < MIN_QUOTE_CHARS:
            break
        value = _quote_value(quote, room)
        fields.append({"name": name, "value": value, "inline": False})
        used += len(name) + len(value)
    embed["fields"] = [*fields, changes_field]
    return _set_common(embed, footer=footer, when=brief.updated or brief.published, color=BRIEF_COLOR)


# ---- search ------------------------------------------------------------------------------------


class SearchHitView(Protocol):
    """What a search result page needs of a hit (`bot.store.SearchHit` has all of it)."""

    @property
    def article_id(self) -> int: ...
    @property
    def title(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def snippet(self) -> str: ...
    @property
    def seen_at(self) -> datetime: ...


def _snippet_atoms(snippet: str) -> list[str]:
    """The store's snippet escaped, as atoms: plain words, and each matched run bold and whole
    (so fitting the snippet never leaves a ** open)."""
    atoms: list[str] = []
    rest = snippet
    while rest:
        start = rest.find(SNIPPET_START)
        end = rest.find(SNIPPET_END, start + len(SNIPPET_START)) if start >= 0 else -1
        if start < 0 or end < 0:
            atoms.extend(escape(rest).split())
            break
        atoms.extend(escape(rest[:start]).split())
        matched = " ".join(escape(rest[start + len(SNIPPET_START) : end]).split())
        if matched:
            atoms.append(f"**{matched}**")
        rest = rest[end + len(SNIPPET_END) :]
    return atoms


def _search_entry(number: int, hit: SearchHitView, source: str | None, limit: int) -> str:
    meta = " · ".join(x for x in (escape(source) if source else None, format_time(hit.seen_at)) if x)
    target = link_target(hit.url)
    head_room = limit // 2 - len(f"**{number}.** ") - (len(target) + 4 if target else 0)
    if head_room < len(UNTITLED):
        target = None
        head_room = limit // 2 - len(f"**{number}.** ")
    headline = _masked_link(_title(hit.title, head_room), target)
    first_line = f"**{number}.** {headline}"
    meta_line = fit(meta, limit // 4) if meta else ""
    snippet_room = limit - len(first_line) - len(meta_line) - 2
    atoms = _snippet_atoms(hit.snippet)
    snippet_line = _fit_atoms(atoms, snippet_room) if atoms and snippet_room > 0 else ""
    return "\n".join(line for line in (first_line, meta_line, snippet_line) if line)


def search_page(
    hits: Sequence[SearchHitView],
    *,
    page: int,
    pages: int,
    query: str,
    per_page: int | None = None,
    sources: Mapping[int, str] | None = None,
) -> Embed:
    """/search: one page of results: linked headlines, source and date, and the matching snippet.

    `page` is 1-based (results are numbered from `(page - 1) * per_page + 1`); `sources` maps
    article ids to source names when the caller has them."""
    title = fit(f"Search: {escape(' '.join(query.split()))}", EMBED_TITLE_MAX)
    embed: Embed = {"title": title}
    if not hits:
        embed["description"] = "No stored article matches."
    else:
        first = (max(page, 1) - 1) * (per_page or len(hits)) + 1
        entry_room = (EMBED_DESCRIPTION_MAX - 2 * (len(hits) - 1)) // len(hits)
        entries = [
            _search_entry(first + index, hit, (sources or {}).get(hit.article_id), entry_room)
            for index, hit in enumerate(hits)
        ]
        embed["description"] = "\n\n".join(entries)
    return _set_common(embed, footer=f"Page {page}/{max(pages, 1)}", when=None, color=BRIEF_COLOR)


# ---- digest ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One message of a digest, to be posted in order.

    `key` is stable for the same article versions (and different for different ones), so a
    delivery log can post each message exactly once even when a digest is rendered again."""

    content: str
    embeds: tuple[Embed, ...]
    key: str
    mention_roles: tuple[int, ...] = ()  # the only pings: roles a filter asked for, in `content`
    stories: tuple[int, ...] = ()  # the stories whose first item is in this message
    route: Mapping[str, Any] | None = None  # a story thread's, when not for the channel (bot.discord.threads)

    def payload(self) -> dict[str, Any]:
        """The message body for Discord's create-message endpoint."""
        mentions = no_mentions()
        if self.mention_roles:
            mentions["roles"] = [str(role) for role in self.mention_roles]
        body: dict[str, Any] = {"allowed_mentions": mentions}
        if self.content:
            body["content"] = self.content
        if self.embeds:
            body["embeds"] = [dict(embed) for embed in self.embeds]
        return body


def brief_identity(brief: Brief) -> str:
    """What makes a brief the same one across renders: its version id, else its content."""
    if brief.version_id is not None:
        return f"version:{brief.version_id}"
    content = json.dumps(
        [
            brief.id,
            brief.article_id,
            brief.url,
            brief.headline,
            list(brief.summary),
            _timestamp(brief.updated),
            _timestamp(brief.published),
        ]
    )
    return "brief:" + hashlib.sha256(content.encode()).hexdigest()


def _message_key(parts: Sequence[str]) -> str:
    return "digest-" + hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()[:32]


def digest_item_embed(brief: Brief, *, sentences: int, color: int, author_room: int) -> Embed:
    """A digest entry: linked headline, a sentence or two, the top quote and what changed, in
    at most DIGEST_ITEM_CHARS together with a story header of `author_room` characters."""
    embed: Embed = {"title": _title(brief.headline)}
    target = link_target(brief.url)
    if target:
        embed["url"] = target
    footer = _brief_footer(brief, DIGEST_FOOTER_CHARS)
    room = min(
        DIGEST_ITEM_CHARS - len(embed["title"]) - len(footer or "") - author_room, EMBED_DESCRIPTION_MAX
    )
    changes_limit = room // 4
    changes_text = "**What changed:**\n" + _bounded_lines(
        _changes_entries(brief.changes, changes_limit),
        changes_limit,
        lambda left: f"…and {left} more",
        max_entries=DIGEST_CHANGES_SHOWN,
    )
    quote_text = ""
    if brief.quotes:
        top = brief.quotes[0]
        speaker = fit(_speaker(top), room // 16)
        quote_text = f"> {_quote_value(top, room // 4 - len(speaker) - 5)} — {speaker}"
    summary_room = room - len(changes_text) - len(quote_text) - 4
    summary = " ".join(" ".join(escape(s).split()) for s in brief.summary[:sentences])
    blocks = [fit(summary, summary_room) if summary else "", quote_text, changes_text]
    embed["description"] = "\n\n".join(block for block in blocks if block)
    return _set_common(embed, footer=footer, when=brief.updated or brief.published, color=color)


def fits_one_message(embeds: Sequence[Embed]) -> bool:
    return len(embeds) <= MESSAGE_EMBEDS_MAX and embeds_total_chars(embeds) <= EMBED_TOTAL_CHARS_MAX


def _story_author(number: int, count: int, *, continued: bool) -> dict[str, str]:
    label = f"Story {number} (continued)" if continued else f"Story {number} · {_plural(count, 'article')}"
    return {"name": fit(label, EMBED_AUTHOR_NAME_MAX)}


def _digest_header(digest: Digest) -> str:
    shown = sum(len(story) for story in digest.stories)
    total = max(digest.items_total, shown + digest.more)
    parts = [
        "**Newsbrief digest**",
        f"{_plural(total, 'new article')} in {_plural(len(digest.stories), 'story', 'stories')}",
    ]
    if digest.generated_at is not None:
        stamp = digest.generated_at
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        parts.append(f"<t:{int(stamp.timestamp())}:f>")  # Discord shows it in each reader's time zone
    return fit(" · ".join(parts), MESSAGE_CONTENT_MAX)


@dataclass
class _MessageBuilder:
    """Accumulates embeds (and the identities of the briefs in them) into messages."""

    messages: list[tuple[list[Embed], list[str]]]
    stories: list[list[int]]

    def current(self) -> tuple[list[Embed], list[str]]:
        return self.messages[-1]

    def room_for(self, embeds: Sequence[Embed]) -> bool:
        return fits_one_message([*self.current()[0], *embeds])

    def start_new(self) -> None:
        if self.current()[0]:
            self.messages.append(([], []))
            self.stories.append([])

    def add(self, embed: Embed, identity: str | None) -> None:
        embeds, identities = self.current()
        embeds.append(embed)
        if identity is not None:
            identities.append(identity)


def digest_messages(
    digest: Digest, *, summary_sentences: int = 2, story_per_message: bool = False
) -> list[DigestMessage]:
    """The digest as messages to post in order, each within every message and embed limit.

    One embed per article, coloured by story; the first embed of a story carries a "Story N"
    header, and a story starts a new message when it would fit whole there but not in the
    current one (with `story_per_message`, always: a thread can hang on its message). "…and N
    more — use /search" ends the digest when items were left out."""
    header = _digest_header(digest)
    if not digest.stories:
        stamp = _timestamp(digest.generated_at) or ""
        return [DigestMessage("Nothing new since the last digest.", (), _message_key(["empty", stamp]))]
    builder = _MessageBuilder([([], [])], [[]])
    every_identity: list[str] = []
    longest_story = max(len(story) for story in digest.stories)
    author_room = max(
        len(_story_author(len(digest.stories), longest_story, continued=continued)["name"])
        for continued in (False, True)
    )
    for index, story in enumerate(digest.stories):
        number = index + 1
        color = STORY_COLORS[index % len(STORY_COLORS)]
        items = [
            (
                digest_item_embed(
                    item.brief, sentences=summary_sentences, color=color, author_room=author_room
                ),
                brief_identity(item.brief),
            )
            for item in story
        ]
        every_identity.extend(identity for _, identity in items)
        items[0][0]["author"] = _story_author(number, len(story), continued=False)
        story_embeds = [embed for embed, _ in items]
        if story_per_message or (not builder.room_for(story_embeds) and fits_one_message(story_embeds)):
            builder.start_new()
        builder.stories[-1].append(story[0].story_id)
        for position, (embed, identity) in enumerate(items):
            if not builder.room_for([embed]):
                builder.start_new()
                if position > 0:
                    embed = {**embed, "author": _story_author(number, len(story), continued=True)}
            builder.add(embed, identity)
    if digest.more:
        more_embed: Embed = {
            "description": f"…and {digest.more} more — use /search to find them.",
            "color": MORE_COLOR,
        }
        if not builder.room_for([more_embed]):
            builder.start_new()
        builder.add(more_embed, None)
    messages = []
    for number, (embeds, identities) in enumerate(builder.messages):
        key_parts = identities or ["more", str(digest.more), *every_identity]
        content = header if number == 0 else ""
        roles: tuple[int, ...] = ()
        if number == 0 and digest.mention_roles:
            # Role mentions go in the text, the only part of a message that pings; only these
            # roles are allowed to, so article text (in embeds anyway) still pings nobody.
            roles = digest.mention_roles[:ALLOWED_MENTIONS_IDS_MAX]
            content = " ".join(f"<@&{role}>" for role in roles) + "\n" + content
        stories = tuple(builder.stories[number])
        messages.append(DigestMessage(content, tuple(embeds), _message_key(key_parts), roles, stories))
    return messages


def shown_rule(rule: FilterRule) -> str:
    """A filter in a reply: its value escaped, its role a mention (which replies never ping)."""
    return describe_rule(replace(rule, value=escape(rule.value)))
