"""Discord rendering: every limit holds on huge inputs, article text is inert, digests group and key."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.discord import limits
from bot.discord.render import (
    DigestMessage,
    brief_embed,
    change_atoms,
    changes_embeds,
    digest_messages,
    escape,
    link_target,
    no_mentions,
    quotes_embeds,
    search_page,
    split_text,
)
from bot.fitting import fit
from bot.models import (
    Brief,
    Change,
    ChangeBasis,
    ChangeKind,
    Changes,
    Digest,
    DigestItem,
    Quote,
    WordDiffPart,
    WordOp,
)
from bot.store import SNIPPET_END, SNIPPET_START
from tests.fakediscord import OpenApiIndex
from tests.fakediscord.validate import check_embed, check_message, describe

pytest_plugins = ["tests.fakediscord.fixtures"]

WHEN = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
HOSTILE = "@everyone @here <@123> <@!456> <@&789> <#321> **bold** __under__ [link](http://x) `tick` ```code``` ||spoiler|| ~~gone~~"
# Every Discord mention form the hostile text contains, exactly as Discord would parse it.
MENTIONS = ("@everyone", "@here", "<@123>", "<@!456>", "<@&789>", "<#321>")
MARKDOWN_CHARS = "*_~`|[]"


def words(count: int, stem: str = "word") -> str:
    return " ".join(f"{stem}{i}" for i in range(count))


def unescaped_markdown(text: str) -> list[str]:
    """Markdown characters in `text` not preceded by an escaping backslash."""
    found = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in MARKDOWN_CHARS:
            found.append(char)
        index += 1
    return found


def assert_embed_ok(embed: Mapping[str, Any]) -> None:
    problems = check_embed(embed, ("embed",))
    assert not problems, describe(problems)
    assert limits.embed_total_chars(embed) <= limits.EMBED_TOTAL_CHARS_MAX
    url = embed.get("url")
    assert url is None or url.startswith(("http://", "https://"))


def assert_message_ok(message: DigestMessage) -> None:
    body = message.payload()
    problems = check_message(body, creating=True, ephemeral_allowed=False)
    assert not problems, describe(problems)
    assert len(message.content) <= limits.MESSAGE_CONTENT_MAX
    assert len(message.embeds) <= limits.MESSAGE_EMBEDS_MAX
    assert limits.embeds_total_chars(message.embeds) <= limits.EMBED_TOTAL_CHARS_MAX
    for embed in message.embeds:
        assert_embed_ok(embed)


def edited(before: str, after: str, same: str = "The vote was") -> Change:
    return Change(
        ChangeKind.SENTENCE_EDITED,
        before=f"{same} {before}",
        after=f"{same} {after}",
        words=(
            WordDiffPart(WordOp.SAME, same),
            WordDiffPart(WordOp.DELETED, before),
            WordDiffPart(WordOp.INSERTED, after),
        ),
    )


def make_brief(
    headline: str = "Council approves the new library",
    *,
    summary: tuple[str, ...] = ("The council approved the library on Tuesday.", "Building starts in May."),
    quotes: tuple[Quote, ...] = (Quote("We waited ten years for this", "Mayor Ana Ruiz"),),
    changes: Changes | None = None,
    url: str | None = "https://news.example/library",
    source: str | None = "Example News",
    version_id: int | None = 1,
) -> Brief:
    return Brief(
        headline=headline,
        summary=summary,
        quotes=quotes,
        changes=changes or Changes(ChangeBasis.PREVIOUS_VERSION, (edited("4-3", "5-2"),)),
        url=url,
        source=source,
        published=WHEN,
        version_id=version_id,
    )


# ---- escape -----------------------------------------------------------------------------------


def test_escape_neutralises_every_mention_form() -> None:
    escaped = escape(HOSTILE)
    for mention in MENTIONS:
        assert mention not in escaped
    # The words are still there for a reader (only a zero-width space was added).
    assert escaped.replace("\u200b", "").count("everyone") == 1


def test_escape_shows_markdown_literally() -> None:
    escaped = escape(HOSTILE)
    assert unescaped_markdown(escaped) == []
    assert "\\*\\*bold\\*\\*" in escaped
    assert "\\[link\\](http://x)" in escaped  # a masked link no longer forms
    assert "\\`tick\\`" in escaped
    assert "\\|\\|spoiler\\|\\|" in escaped


def test_escape_block_syntax_at_line_starts_only() -> None:
    escaped = escape("# Heading\n> quoted\n- item\n1. first\n-# small\nprices rose 5-2 # not a heading")
    assert escaped.splitlines() == [
        "\\# Heading",
        "\\> quoted",
        "\\- item",
        "1\\. first",
        "\\-# small",
        "prices rose 5-2 # not a heading",
    ]


def test_escape_leaves_links_working_and_escapes_backslashes() -> None:
    escaped = escape("see https://news.example/a_b_c?x=1 and snake_case \\*")
    assert "https://news.example/a_b_c?x=1" in escaped
    assert "snake\\_case" in escaped
    assert escaped.endswith("\\\\\\*")


def test_escape_keeps_a_lone_asterisk_from_pairing_with_our_markup() -> None:
    # discord.utils.escape_markdown leaves a lone "*" alone; next to our ** it would turn into italics.
    assert escape("5 * 3") == "5 \\* 3"


def test_no_mentions_payload() -> None:
    assert no_mentions()["parse"] == [] and not no_mentions().get("replied_user")
    assert no_mentions() is not no_mentions()  # a fresh dict each time: callers may mutate theirs


def test_link_target_only_http() -> None:
    assert link_target("file:///srv/news/a.txt") is None
    assert link_target("javascript:alert(1)") is None
    assert link_target(None) is None
    assert link_target("https://x.example/a (b)") == "https://x.example/a%20%28b%29"


# ---- fit and split_text -------------------------------------------------------------------------


def test_fit_leaves_short_text_alone() -> None:
    assert fit("short text", 10) == "short text"


def test_fit_cuts_at_a_word_boundary_with_a_marker() -> None:
    text = "alpha beta gamma delta epsilon"
    assert fit(text, 20) == "alpha beta gamma…"
    assert fit(text, 20, marker=" [more]") == "alpha beta [more]"


@pytest.mark.parametrize("limit", [*range(1, 40), 57, 100, 333])
def test_fit_never_exceeds_and_never_cuts_silently(limit: int) -> None:
    text = words(60) + " " + "x" * 200
    result = fit(text, limit)
    assert len(result) <= limit
    assert result == text or result.endswith("…")
    kept = result.removesuffix("…")
    assert text.startswith(kept)
    # Cut mid-word only when a single word fills more than half the room.
    if limit > 20 and kept and len(kept) < len(words(60)):
        assert text[len(kept)] == " "


def test_fit_does_not_separate_an_escape_from_its_character() -> None:
    escaped = escape("*" * 100)
    for limit in range(2, 40):
        kept = fit(escaped, limit).removesuffix("…")
        assert len(kept) - len(kept.rstrip("\\")) in (0, 2)  # never one dangling backslash
        assert unescaped_markdown(kept) == []


def test_split_text_prefers_paragraphs_then_sentences() -> None:
    paragraphs = [
        "First paragraph here. It has two sentences.",
        "Second one.",
        "Third paragraph, quite long too.",
    ]
    # Whole paragraphs are packed together while they fit, and never broken when they fit alone.
    assert split_text("\n\n".join(paragraphs), 50) == [paragraphs[0], "\n\n".join(paragraphs[1:])]
    assert split_text("\n\n".join(paragraphs), 44) == paragraphs
    assert split_text("One sentence here. Another sentence there. A third.", 30) == [
        "One sentence here.",
        "Another sentence there.",
        "A third.",
    ]


def test_split_text_huge_input_keeps_every_word() -> None:
    text = words(5000)
    chunks = split_text(text, 1000)
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert " ".join(chunks).split() == text.split()
    assert len(chunks) == pytest.approx(len(text) / 1000, abs=2)


def test_split_text_cuts_a_giant_word_into_marked_pieces() -> None:
    word = "x" * 2500
    pieces = split_text(word, 1000)
    assert [len(p) for p in pieces] == [1000, 1000, 502]
    assert all(p.endswith("…") for p in pieces[:-1])
    assert "".join(p.removesuffix("…") for p in pieces) == word
    assert split_text("   ", 10) == []


# ---- brief_embed ------------------------------------------------------------------------------


def test_brief_embed_shape() -> None:
    brief = make_brief(changes=Changes(ChangeBasis.PREVIOUS_VERSION, (edited("4-3", "5-2"),)))
    embed = brief_embed(brief)
    assert_embed_ok(embed)
    assert embed["title"] == "Council approves the new library"
    assert embed["url"] == "https://news.example/library"
    assert embed["description"] == "The council approved the library on Tuesday. Building starts in May."
    assert embed["fields"][0] == {
        "name": "Mayor Ana Ruiz",
        "value": "“We waited ten years for this”",
        "inline": False,
    }
    assert embed["fields"][-1]["name"] == "What changed"
    assert embed["fields"][-1]["value"] == "• *edited:* The vote was ~~4-3~~ **5-2**"
    assert embed["footer"] == {"text": "Example News"}
    assert datetime.fromisoformat(embed["timestamp"]) == WHEN


def test_brief_embed_escapes_every_article_string() -> None:
    brief = make_brief(
        HOSTILE,
        summary=(HOSTILE,),
        quotes=(Quote(HOSTILE, HOSTILE),),
        changes=Changes(ChangeBasis.PREVIOUS_VERSION, (Change(ChangeKind.SENTENCE_ADDED, after=HOSTILE),)),
        source="@everyone <@123> news",
    )
    embed = brief_embed(brief)
    texts = [embed["title"], embed["description"], embed["footer"]["text"]]
    texts += [part for f in embed["fields"] for part in (f["name"], f["value"])]
    for text in texts:
        for mention in MENTIONS:
            assert mention not in text
    for text in (
        embed["title"],
        embed["description"],
        embed["fields"][0]["name"],
        embed["fields"][0]["value"],
    ):
        assert unescaped_markdown(text) == []
    # The changes field: the only unescaped Markdown is our own label.
    assert unescaped_markdown(embed["fields"][-1]["value"].replace("*added:*", "")) == []


def test_brief_embed_local_file_url_is_text_not_an_embed_url() -> None:
    embed = brief_embed(make_brief(url="file:///srv/news/council_vote.txt"))
    assert "url" not in embed
    assert "file:///srv/news/council_vote.txt" in embed["footer"]["text"]


def test_brief_embed_huge_inputs_stay_within_every_limit() -> None:
    huge_sentence = words(2500) + "."  # ~20,000 characters in one sentence
    assert len(huge_sentence) > 20_000
    quotes = tuple(Quote(words(300, f"q{i}-"), f"Speaker {i} " + "x" * 300) for i in range(200))
    changes = Changes(
        ChangeBasis.PREVIOUS_VERSION,
        tuple(edited(words(50, f"old{i}-"), words(50, f"new{i}-")) for i in range(300)),
    )
    brief = make_brief(
        "Headline " * 100, summary=(huge_sentence,), quotes=quotes, changes=changes, source="S" * 5000
    )
    for max_quotes in (0, 3, 24, 200):
        embed = brief_embed(brief, max_quotes=max_quotes)
        assert_embed_ok(embed)
        assert embed["title"].endswith("…")
        assert embed["description"].endswith("…")
        assert len(embed["fields"]) <= min(max_quotes, limits.EMBED_FIELDS_MAX - 1) + 1
        changes_value = embed["fields"][-1]["value"]
        shown = changes_value.count("• *edited:*")
        assert changes_value.endswith(f"…and {300 - shown} more — see /changes")


def test_brief_embed_first_report_and_story_basis() -> None:
    first = brief_embed(make_brief(changes=Changes.first_report()))
    assert first["fields"][-1] == {"name": "What changed", "value": "• first report", "inline": False}
    story = brief_embed(make_brief(changes=Changes(ChangeBasis.STORY, (), ("https://a", "https://b"))))
    assert story["fields"][-1]["name"] == "New in this story"
    assert "2 article(s)" in story["fields"][-1]["value"]


# ---- changes_embeds ---------------------------------------------------------------------------


def test_change_atoms_mark_removed_and_added_words() -> None:
    change = edited("*four* to three", "five to two")
    assert (
        " ".join(change_atoms(change)) == "• *edited:* The vote was ~~\\*four\\* to three~~ **five to two**"
    )
    number = Change(ChangeKind.NUMBER_CHANGED, before="40", after="45")
    assert " ".join(change_atoms(number)) == "• *number:* ~~40~~ → **45**"


def test_a_number_changed_inside_an_edit_reads_as_the_edit_then_the_number_alone() -> None:
    from bot.brief.changes import diff_versions
    from bot.render import describe_changes

    old = "The ferry carried 40 passengers on its last crossing."
    new = "The late ferry carried 45 passengers on its last crossing."
    changes = Changes(ChangeBasis.PREVIOUS_VERSION, diff_versions(None, old, [], None, new, []))

    assert describe_changes(changes) == [
        "edited: The {+late+} ferry carried [-40-] {+45+} passengers on its last crossing.",
        "number: 40 → 45",
    ]
    assert [" ".join(change_atoms(c)) for c in changes.items] == [
        "• *edited:* The **late** ferry carried ~~40~~ **45** passengers on its last crossing.",
        "• *number:* ~~40~~ → **45**",
    ]


def test_changes_embeds_page_300_changes_in_order() -> None:
    changes = Changes(
        ChangeBasis.PREVIOUS_VERSION, tuple(edited(f"old{i} " * 20, f"new{i} " * 20) for i in range(300))
    )
    pages = changes_embeds(changes, headline="A long-running story " * 20, url="file:///x.txt")
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert_embed_ok(page)
        assert "url" not in page
        assert page["footer"]["text"] == f"Page {number}/{len(pages)} · 300 changes"
    text = "\n".join(page["description"] for page in pages)
    positions = [text.index(f"~~old{i} ") for i in range(300)]
    assert positions == sorted(positions)


def test_changes_embeds_split_a_giant_change_with_balanced_markup() -> None:
    giant = edited(words(1000, "gone"), words(3000, "added"))
    pages = changes_embeds(
        Changes(ChangeBasis.PREVIOUS_VERSION, (giant,)), headline="h", url="https://news.example/a"
    )
    assert len(pages) >= 5
    for page in pages:
        assert_embed_ok(page)
        assert page["url"] == "https://news.example/a"
        assert page["description"].count("**") % 2 == 0
        assert page["description"].count("~~") % 2 == 0
    text = " ".join(page["description"] for page in pages)
    assert re.findall(r"added\d+", text) == [f"added{i}" for i in range(3000)]


def test_changes_embeds_first_report() -> None:
    [page] = changes_embeds(Changes.first_report(), headline="Hello", url=None)
    assert page["description"] == "First report: there is nothing earlier to compare with."
    assert page["title"] == "What changed: Hello"


# ---- quotes_embeds ----------------------------------------------------------------------------


def test_quotes_embeds_200_quotes_across_articles() -> None:
    local = make_brief("Local story", url="file:///srv/a.txt", version_id=2)
    remote = make_brief("Remote [story]", url="https://news.example/remote", version_id=3)
    quotes = [
        (Quote(f"quote {i} " + words(150), f"Speaker {i}"), remote if i % 2 else local) for i in range(200)
    ]
    pages = quotes_embeds(quotes, title="Quotes about the library")
    shown = [f["name"] for page in pages for f in page["fields"]]
    assert shown == [f"Speaker {i}" for i in range(200)]
    for page in pages:
        assert_embed_ok(page)
        assert len(page["fields"]) <= limits.EMBED_FIELDS_MAX
    first, second = pages[0]["fields"][:2]
    assert first["value"].endswith("\n— Local story · Example News")  # file:// is not linked
    assert second["value"].endswith("\n— [Remote \\[story\\]](https://news.example/remote) · Example News")


def test_quotes_embeds_escape_and_empty() -> None:
    [page] = quotes_embeds([(Quote(HOSTILE, "<@123>"), None)], title="@everyone quotes")
    assert "@everyone" not in page["title"]
    assert page["fields"][0]["name"] == "<@\u200b123>"
    assert unescaped_markdown(page["fields"][0]["value"]) == []
    [empty] = quotes_embeds([], title="Nothing")
    assert empty["description"] == "No quotes found."


# ---- search_page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    article_id: int
    title: str | None
    url: str | None
    snippet: str
    seen_at: datetime


def test_search_page_links_escapes_and_numbers() -> None:
    hits = [
        Hit(
            1,
            "Library *approved*",
            "https://news.example/1",
            f"the {SNIPPET_START}library{SNIPPET_END} _vote_",
            WHEN,
        ),
        Hit(2, "@everyone local", "file:///srv/2.txt", "no marks here", WHEN),
    ]
    embed = search_page(hits, page=2, pages=3, query="library @here", per_page=5, sources={1: "Example News"})
    assert_embed_ok(embed)
    assert embed["title"] == "Search: library @\u200bhere"
    assert embed["footer"]["text"] == "Page 2/3"
    first, second = embed["description"].split("\n\n")
    assert first.splitlines() == [
        "**6.** [Library \\*approved\\*](https://news.example/1)",
        "Example News · 04 Mar 2025 10:30 UTC",
        "the **library** \\_vote\\_",
    ]
    assert second.splitlines()[0] == "**7.** @\u200beveryone local"


def test_search_page_huge_hits_within_limits() -> None:
    hits = [
        Hit(
            i,
            "T" * 1000 + " [x](http://y)",
            "https://n.example/" + "p" * 3000,
            f"{SNIPPET_START}m n o{SNIPPET_END} x " * 2000,
            WHEN,
        )
        for i in range(25)
    ]
    embed = search_page(hits, page=1, pages=1, query="q" * 1000)
    assert_embed_ok(embed)
    assert embed["description"].count("**") % 2 == 0
    assert search_page([], page=1, pages=0, query="none")["description"] == "No stored article matches."


# ---- digest_messages --------------------------------------------------------------------------


def make_digest(
    stories: Sequence[int], *, more: int = 0, headline: str = "Story {s} article {a} ", start: int = 0
) -> Digest:
    groups = []
    version = start
    for story_id, count in enumerate(stories):
        items = []
        for article in range(count):
            version += 1
            title = (headline.format(s=story_id, a=article) * 20).strip()
            brief = make_brief(
                title,
                summary=(words(80, f"s{version}-"), words(80, "second"), words(80, "third")),
                quotes=(Quote(words(100), "A speaker"),),
                changes=Changes(
                    ChangeBasis.PREVIOUS_VERSION, tuple(edited(f"o{i}", f"n{i}") for i in range(10))
                ),
                version_id=version,
            )
            items.append(DigestItem(brief, story_id))
        groups.append(tuple(items))
    total = sum(stories) + more
    return Digest(stories=tuple(groups), more=more, generated_at=WHEN, items_total=total)


def test_digest_60_items_fit_every_message_and_keep_order() -> None:
    stories = [1, 3, 12, 2, 9, 1, 1, 15, 4, 5, 7]
    assert sum(stories) == 60
    digest = make_digest(stories, more=17)
    messages = digest_messages(digest)
    for message in messages:
        assert_message_ok(message)
    assert messages[0].content.startswith("**Newsbrief digest** · 77 new articles in 11 stories · <t:")
    assert all(message.content == "" for message in messages[1:])
    embeds = [embed for message in messages for embed in message.embeds]
    item_embeds = embeds[:-1]
    expected = [item.brief.version_id for story in digest.stories for item in story]
    assert [int(re.findall(r"s(\d+)-", e["description"])[0]) for e in item_embeds] == expected
    assert all(e["title"].endswith("…") for e in item_embeds)
    assert all(e["url"] == "https://news.example/library" for e in item_embeds)
    # The closing line.
    assert embeds[-1]["description"] == "…and 17 more — use /search to find them."
    assert embeds[-1] is messages[-1].embeds[-1]


def test_digest_groups_stories_by_colour_and_header() -> None:
    digest = make_digest([2, 3, 1])
    embeds = [embed for message in digest_messages(digest) for embed in message.embeds]
    colours = [embed["color"] for embed in embeds]
    assert colours[0] == colours[1] != colours[2] == colours[3] == colours[4] != colours[5]
    authors = [embed.get("author", {}).get("name") for embed in embeds]
    assert authors == [
        "Story 1 · 2 articles",
        None,
        "Story 2 · 3 articles",
        None,
        None,
        "Story 3 · 1 article",
    ]


def test_digest_keeps_a_story_in_one_message_when_it_fits() -> None:
    messages = digest_messages(make_digest([3, 3]))
    per_message = [[e.get("author", {}).get("name") for e in m.embeds] for m in messages]
    # Each item is ~1,500 characters, so three fit a message but six do not; story 2 starts afresh.
    assert per_message == [["Story 1 · 3 articles", None, None], ["Story 2 · 3 articles", None, None]]


def test_digest_story_too_big_for_one_message_continues_with_a_header() -> None:
    messages = digest_messages(make_digest([12]))
    assert len(messages) > 1
    assert messages[0].embeds[0]["author"]["name"] == "Story 1 · 12 articles"
    for message in messages[1:]:
        assert message.embeds[0]["author"]["name"] == "Story 1 (continued)"


def test_digest_keys_are_stable_and_distinct() -> None:
    digest = make_digest([2, 5, 9], more=3)
    first = digest_messages(digest)
    again = digest_messages(make_digest([2, 5, 9], more=3))
    assert [m.key for m in first] == [m.key for m in again]
    assert len({m.key for m in first}) == len(first)
    other = digest_messages(make_digest([2, 5, 9], more=3, start=100))
    assert not {m.key for m in first} & {m.key for m in other}


def test_digest_more_only_message_key_depends_on_the_digest() -> None:
    # A digest whose last message holds only the "and N more" line: its key must still differ
    # between digests, or exactly-once delivery would drop the second one.
    one = digest_messages(make_digest([4], more=2))
    two = digest_messages(make_digest([4], more=2, start=50))
    assert one[-1].embeds[-1]["description"].startswith("…and 2 more")
    assert one[-1].key != two[-1].key


def test_digest_escapes_article_text_and_links_only_http() -> None:
    brief = make_brief(
        HOSTILE, summary=(HOSTILE,), quotes=(Quote(HOSTILE, "@here"),), url="file:///a.txt", source="<@&1>"
    )
    [message] = digest_messages(Digest(stories=((DigestItem(brief, 1),),), items_total=1))
    [embed] = message.embeds
    assert "url" not in embed
    payload_text = str(message.payload())
    for mention in MENTIONS:
        assert mention not in payload_text
    assert unescaped_markdown(embed["title"]) == []
    assert "\\*\\*bold\\*\\*" in embed["description"]


def test_empty_digest() -> None:
    [message] = digest_messages(Digest(stories=(), generated_at=WHEN))
    assert message.content == "Nothing new since the last digest."
    assert message.embeds == ()
    assert_message_ok(message)


def test_naive_times_are_taken_as_utc() -> None:
    brief = make_brief()
    naive = dataclasses.replace(brief, published=WHEN.replace(tzinfo=None))
    assert brief_embed(naive)["timestamp"] == brief_embed(brief)["timestamp"]
    later = dataclasses.replace(brief, updated=WHEN + timedelta(hours=2))
    assert datetime.fromisoformat(brief_embed(later)["timestamp"]) == WHEN + timedelta(hours=2)


# ---- Discord's own schema (needs ../shared) ---------------------------------------------------


def test_payloads_match_discords_openapi(discord_openapi: OpenApiIndex | None) -> None:
    if discord_openapi is None:
        pytest.skip("../shared/discord-api-spec is absent: Discord's OpenAPI description is needed")
    route = ("POST", "/channels/{channel_id}/messages")
    huge = make_brief(
        "H " * 300, summary=(words(3000),), quotes=tuple(Quote(words(200), "S") for _ in range(30))
    )
    bodies: list[dict[str, Any]] = [m.payload() for m in digest_messages(make_digest([3, 12, 2], more=4))]
    bodies.append({"embeds": [brief_embed(huge, max_quotes=10)], "allowed_mentions": no_mentions()})
    bodies += [{"embeds": [page]} for page in changes_embeds(huge.changes, headline="h", url=huge.url)]
    bodies += [{"embeds": [page]} for page in quotes_embeds([(q, huge) for q in huge.quotes], title="t")]
    for body in bodies:
        problems = discord_openapi.check_body(route, body)
        assert not problems, describe(problems)
