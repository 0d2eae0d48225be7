"""The brief stage: one article version in, one `Brief` out.

A brief says what changed against the article's previous stored version when there is one;
for a new article, what it adds to earlier coverage of the same story; otherwise "first report".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.changes import diff_versions, story_novelty
from bot.models import Brief, ChangeBasis, Changes, Quote, StoryArticle
from bot.quotes import extract_quotes
from bot.summarize import make_headline, summarize


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
    story: Sequence[StoryArticle] = ()  # earlier articles on the same story (any source)
    id: str | None = None


def headline_of(article: ArticleText) -> str:
    title = " ".join((article.title or "").split())
    return title or make_headline(article.text)


def _changes(article: ArticleText, quotes: Sequence[Quote], context: BriefContext) -> Changes:
    if context.previous is not None:
        previous = context.previous
        old_quotes = (
            context.previous_quotes if context.previous_quotes is not None else extract_quotes(previous.text)
        )
        items = diff_versions(
            headline_of(previous), previous.text, old_quotes, headline_of(article), article.text, quotes
        )
        return Changes(ChangeBasis.PREVIOUS_VERSION, items, (context.url,) if context.url else ())
    if context.story:
        items = story_novelty(article.text, context.story)
        against = tuple(s.url or f"article {s.article_id}" for s in context.story)
        return Changes(ChangeBasis.STORY, items, against)
    return Changes.first_report()


def build_brief(article: ArticleText, context: BriefContext | None = None, *, sentences: int = 3) -> Brief:
    context = context or BriefContext()
    quotes = tuple(extract_quotes(article.text))
    return Brief(
        headline=headline_of(article),
        summary=tuple(summarize(article.text, sentences, title=article.title)),
        quotes=quotes,
        changes=_changes(article, quotes, context),
        url=context.url,
        source=context.source,
        published=context.published,
        updated=context.updated,
        id=context.id,
    )
