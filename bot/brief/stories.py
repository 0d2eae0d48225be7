"""Stories: which stored articles report the same event, and what a new article adds to them.

Story matching compares content words (stop words dropped; name-like words and numbers weigh
more) and 3-word shingles, so another outlet's report of the same event matches and a different
event on the same broad topic does not. `StoryIndex` precomputes candidates' features.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.brief.changes import TOKEN, dice, restyled
from bot.brief.text import SplitText, fold_word, split_sentences
from bot.models import Change, ChangeKind, StoryArticle

_STOP_WORDS_TEXT = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves said says say told according
    mr mrs ms dr one two new last first year years week day time people may might must also
    just like get got make made many much well back even still way take including since"""

# Capitalized, but they say when, not what: never name-like.
_CALENDAR_WORDS_TEXT = """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december today yesterday tomorrow"""


COVERED_MIN_SHARE = 0.6  # share of a sentence's content words one earlier sentence must have

SAME_STORY_THRESHOLD = 0.3

_SENTENCE_END_TOKENS = frozenset({".", "!", "?", '"', "'", ":", ";"})

_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_CALENDAR_WORDS = frozenset(_CALENDAR_WORDS_TEXT.split())


def _content_terms(text: str) -> list[tuple[str, bool]]:
    """Content words in order, each with whether it looks like a name or a number."""
    terms: list[tuple[str, bool]] = []
    normalized = restyled(text)
    after_sentence_end = True
    for match in TOKEN.finditer(normalized):
        raw = match.group()
        if not any(c.isalnum() for c in raw):
            after_sentence_end = raw in _SENTENCE_END_TOKENS or (after_sentence_end and raw in "([\"'")
            continue
        word = raw.casefold()
        starts_sentence = after_sentence_end
        after_sentence_end = False
        if word in _STOP_WORDS or (len(word) < 2 and not word.isdigit()):
            continue
        if word in _CALENDAR_WORDS:
            salient = False
        elif any(c.isdigit() for c in raw):
            salient = len(raw) >= 3  # "0", "9", "35" are everywhere; "2,300" or "$4m" are not
        else:
            salient = raw[0].isupper() and not starts_sentence
        terms.append((fold_word(word), salient))
    return terms


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What story matching needs from one article, computed once."""

    terms: frozenset[str]  # content words
    salient: frozenset[str]  # those of them that look like names or numbers: they weigh more
    shingles: frozenset[str]  # 3 content words in a row, space-joined
    title_terms: frozenset[str]

    @property
    def total_weight(self) -> float:
        return len(self.terms) + _EXTRA_SALIENT_WEIGHT * len(self.salient)


_EXTRA_SALIENT_WEIGHT = 2.0  # a name or number weighs 3, another content word 1


def story_features(title: str | None, text: str) -> StoryFeatures:
    terms = _content_terms(text)
    words = [w for w, _ in terms]
    return StoryFeatures(
        terms=frozenset(words),
        salient=frozenset(w for w, salient in terms if salient),
        shingles=frozenset(f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)),
        title_terms=frozenset(w for w, _ in _content_terms(title)) if title else frozenset(),
    )


def story_features_of(articles: Sequence[tuple[str | None, str]]) -> list[StoryFeatures]:
    """The features of many (title, text) pairs: one job for a worker process."""
    return [story_features(title, text) for title, text in articles]


def feature_similarity(a: StoryFeatures, b: StoryFeatures) -> float:
    """0..1: the larger of shingle containment (near-duplicates) and weighted word cosine."""
    if not a.terms or not b.terms:
        return 0.0
    shingle_score = 0.0
    if a.shingles and b.shingles:
        shingle_score = len(a.shingles & b.shingles) / min(len(a.shingles), len(b.shingles))
    # A shared word weighs what it weighs on the side where it weighs less.
    shared = len(a.terms & b.terms) + _EXTRA_SALIENT_WEIGHT * len(a.salient & b.salient)
    word_score = shared / math.sqrt(a.total_weight * b.total_weight)
    return min(1.0, max(shingle_score, word_score))


def story_similarity(a_text: str, b_text: str) -> float:
    """0..1: how likely two article texts report the same story."""
    return feature_similarity(story_features(None, a_text), story_features(None, b_text))


def _title_similarity(a: StoryFeatures, b: StoryFeatures) -> float:
    if not a.title_terms or not b.title_terms:
        return 0.0
    return dice(a.title_terms, b.title_terms)


def _story_score(a: StoryFeatures, b: StoryFeatures) -> float:
    text_score = feature_similarity(a, b)
    # A shared headline only ever helps: outlets title the same event very differently.
    return max(text_score, 0.7 * text_score + 0.3 * _title_similarity(a, b))


def _shingle_bound(shingles_a: int, shingles_b: int, only_in_a: int, only_in_b: int) -> int:
    """At most how many shingles two articles share, from how many words each has that the other
    lacks: every word is in some shingle of its article (3 words or more), and a shingle with a
    word the other article lacks is not shared; one shingle holds at most 3 such words."""
    return max(0, min(shingles_a - -(-only_in_a // 3), shingles_b - -(-only_in_b // 3)))


def _beaten(shingle_bound: float, word_score: float, title_score: float, to_beat: float) -> bool:
    """Whether a candidate whose shingle score is at most `shingle_bound` cannot score above
    `to_beat` (a margin for rounding: a near miss is scored in full)."""
    text_bound = min(1.0, max(shingle_bound, word_score))
    return max(text_bound, 0.7 * text_bound + 0.3 * title_score) + 1e-9 <= to_beat


class StoryIndex:
    """Earlier articles with their features precomputed, for matching many new articles.

    Only articles that share a name or a number (a salient word) with the new one are scored: two
    reports of the same event always share some, and a poll of thousands of articles would
    otherwise score every pair. An article with no salient word at all is scored against everyone.
    """

    def __init__(self, articles: Iterable[StoryArticle] = (), *, max_size: int | None = None) -> None:
        # oldest added first; with each its features and their total weight (used for every score)
        self._entries: dict[int, tuple[StoryArticle, StoryFeatures, float]] = {}
        self._by_salient: dict[str, set[int]] = {}
        self._next = 0
        self._max_size = max_size  # keeps memory bounded on a poll of many thousand articles
        for article in articles:
            self.add(article)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, article: StoryArticle, features: StoryFeatures | None = None) -> None:
        """Index an article; `features` are its story features when already computed (in a worker)."""
        features = features or story_features(article.title, article.text)
        key = self._next
        self._next += 1
        self._entries[key] = (article, features, features.total_weight)
        for word in features.salient:
            self._by_salient.setdefault(word, set()).add(key)
        if self._max_size is not None and len(self._entries) > self._max_size:
            self._forget(next(iter(self._entries)))

    def discard_seen_before(self, cutoff: datetime) -> None:
        """Forget articles first seen before `cutoff` (they left the same-story window)."""
        for key in [k for k, (article, _, _) in self._entries.items() if article.seen_at < cutoff]:
            self._forget(key)

    def _forget(self, key: int) -> None:
        _, features, _ = self._entries.pop(key)
        for word in features.salient:
            postings = self._by_salient.get(word)
            if postings is not None:
                postings.discard(key)
                if not postings:
                    del self._by_salient[word]

    def _candidates(self, features: StoryFeatures) -> Iterable[tuple[int, int]]:
        """(key, salient words shared) of every candidate, oldest first. The shared count comes
        from the postings, so no candidate's salient set is intersected again."""
        if not features.salient:
            return ((key, 0) for key in self._entries)
        shared: Counter[int] = Counter()
        for word in features.salient:
            postings = self._by_salient.get(word)
            if postings is not None:
                shared.update(postings)
        return sorted(shared.items())

    def scored(
        self, title: str | None, text: str, *, threshold: float = 0.0
    ) -> list[tuple[float, StoryArticle]]:
        """Every candidate article scoring at least `threshold`, with its same-story score, best first."""
        return self.scored_features(story_features(title, text), threshold=threshold)

    def scored_features(
        self,
        features: StoryFeatures,
        *,
        threshold: float = 0.0,
        limit: int | None = None,
        exclude: int | None = None,
    ) -> list[tuple[float, StoryArticle]]:
        """Like `scored`, for an article whose features are computed already (in a worker): the
        `limit` best (all without it; equal scores oldest first), leaving out article `exclude`.

        The score is `_story_score`, computed inline (this loop is most of the work stage's time
        on a big poll): the same operations in the same order, so the same floats.
        """
        entries = self._entries
        terms, shingles, title_terms = features.terms, features.shingles, features.title_terms
        weight = features.total_weight
        term_count, shingle_count, title_count = len(terms), len(shingles), len(title_terms)
        # With a limit, the `limit` best so far as a min-heap of (score, -key, article): its top
        # is the one a later candidate (a larger key) must beat, by a higher score.
        best: list[tuple[float, int, StoryArticle]] = []
        for key, shared_salient in self._candidates(features):
            article, other, other_weight = entries[key]
            if exclude is not None and article.article_id == exclude:
                continue
            title_score = 0.0
            if title_terms and other.title_terms:
                title_score = (
                    2 * len(title_terms & other.title_terms) / (title_count + len(other.title_terms))
                )
            text_score = 0.0
            if terms and other.terms:
                shared_terms = len(terms & other.terms)
                word_score = (shared_terms + _EXTRA_SALIENT_WEIGHT * shared_salient) / math.sqrt(
                    weight * other_weight
                )
                shingle_score = 0.0
                if shingles and other.shingles:
                    fewer = min(shingle_count, len(other.shingles))
                    if len(best) == limit and _beaten(
                        _shingle_bound(
                            shingle_count,
                            len(other.shingles),
                            term_count - shared_terms,
                            len(other.terms) - shared_terms,
                        )
                        / fewer,
                        word_score,
                        title_score,
                        best[0][0],
                    ):
                        continue
                    shingle_score = len(shingles & other.shingles) / fewer
                text_score = min(1.0, max(shingle_score, word_score))
            score = max(text_score, 0.7 * text_score + 0.3 * title_score)
            if score < threshold:
                continue
            if limit is None or len(best) < limit:
                heapq.heappush(best, (score, -key, article))
            elif (score, -key) > best[0][:2]:
                heapq.heapreplace(best, (score, -key, article))
        best.sort(key=lambda item: (-item[0], -item[1]))
        return [(score, article) for score, _, article in best]

    def find(
        self, title: str | None, text: str, *, threshold: float = SAME_STORY_THRESHOLD
    ) -> list[StoryArticle]:
        return [article for _, article in self.scored(title, text, threshold=threshold)]


def find_same_story(
    title: str | None,
    text: str,
    candidates: Sequence[StoryArticle],
    *,
    threshold: float = SAME_STORY_THRESHOLD,
) -> list[StoryArticle]:
    """Candidates that report the same story (near-duplicates or high overlap), best match first."""
    return StoryIndex(candidates).find(title, text, threshold=threshold)


def _coverage_terms(text: str) -> frozenset[str]:
    return frozenset(word for word, _ in _content_terms(text))


def story_novelty(new_text: str | SplitText, earlier: Sequence[StoryArticle]) -> tuple[Change, ...]:
    """NEW_IN_STORY for each sentence of the new article that no earlier article's sentence covers.

    A sentence is covered when one earlier sentence has at least `COVERED_MIN_SHARE` of its
    content words. Sentences without content words are never reported.
    """
    postings: dict[str, list[int]] = {}
    sentence_count = 0
    for article in earlier:
        for sentence in split_sentences(article.text):
            for term in _coverage_terms(sentence):
                postings.setdefault(term, []).append(sentence_count)
            sentence_count += 1
    novel: list[Change] = []
    for sentence in SplitText.of(new_text).sentences:
        terms = _coverage_terms(sentence)
        if not terms:
            continue
        hits: Counter[int] = Counter()
        for term in terms:
            hits.update(postings.get(term, ()))
        best = max(hits.values(), default=0)
        if best < COVERED_MIN_SHARE * len(terms):
            novel.append(Change(ChangeKind.NEW_IN_STORY, after=sentence))
    return tuple(novel)
