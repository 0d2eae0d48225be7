"""The brief stage: one article version in, one `Brief` out.

A brief says what changed against the article's previous stored version when there is one;
for a new article, what it adds to earlier coverage of the same story; otherwise "first report".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.brief.changes import diff_versions
from bot.brief.headline import make_headline
from bot.brief.quotes import extract_quotes
from bot.brief.stories import story_novelty
from bot.brief.summarize import summarize
from bot.brief.text import SplitText
from bot.models import Brief, ChangeBasis, Changes, Quote, StoryArticle


@dataclass(frozen=True, slots=True)
class ArticleText:
    """The part of an article version a brief is made from."""

    text: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class BriefContext:
    """Where the article came from, and what it is compared against."""

    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    previous: ArticleText | None = None  # the last stored version of this article
    previous_quotes: Sequence[Quote] | None = None  # its quotes, when already known
    # Its headline, when already known (its stored brief holds it): not made a second time.
    previous_headline: str | None = None
    story: Sequence[StoryArticle] = ()  # earlier articles on the same story (any source)
    id: str | None = None


def headline_of(article: ArticleText) -> str:
    return _headline(article.title, article.text)


def _headline(title: str | None, text: str | SplitText) -> str:
    title = " ".join((title or "").split())
    return title or make_headline(text)


def _changes(split: SplitText, headline: str, quotes: Sequence[Quote], context: BriefContext) -> Changes:
    if context.previous is not None:
        previous = context.previous
        # The diff compares only the quoted words: who said them need not be worked out again.
        old_quotes = (
            context.previous_quotes
            if context.previous_quotes is not None
            else extract_quotes(previous.text, resolve_speakers=False)
        )
        # A version whose text did not change (a new title, a re-poll) shares the new split.
        old_split = split if previous.text == split.text else SplitText.of(previous.text)
        old_headline = (
            context.previous_headline
            if context.previous_headline is not None
            else _headline(previous.title, old_split)
        )
        items = diff_versions(old_headline, old_split, old_quotes, headline, split, quotes)
        return Changes(ChangeBasis.PREVIOUS_VERSION, items, (context.url,) if context.url else ())
    if context.story:
        items = story_novelty(split, context.story)
        against = tuple(s.url or f"article {s.article_id}" for s in context.story)
        return Changes(ChangeBasis.STORY, items, against)
    return Changes.first_report()


def build_brief(article: ArticleText, context: BriefContext | None = None, *, sentences: int = 3) -> Brief:
    context = context or BriefContext()
    # Split once: the summary, the headline and the changes all read the same sentences.
    split = SplitText.of(article.text)
    quotes = tuple(extract_quotes(article.text))
    headline = _headline(article.title, split)
    return Brief(
        headline=headline,
        summary=tuple(summarize(split, sentences, title=article.title)),
        quotes=quotes,
        changes=_changes(split, headline, quotes, context),
        url=context.url,
        source=context.source,
        published=context.published,
        updated=context.updated,
        id=context.id,
    )
