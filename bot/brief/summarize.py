"""The summary of a brief: which sentences carry the story (the headline is bot.brief.headline's).

News puts the story in its lead, so a sentence's score mixes a position prior with how densely it
uses the article's key words (Luhn's score, as sumy computes it, over our own sentence split and
words folded for plurals and possessives, divided by the sentence's length: what it carries per
word, so a long sentence does not win for its length) and, when there is a title, its overlap with
the title. The lead sentences keep an edge (`lead_margin`): one is replaced only on strong evidence.
Boilerplate (bylines, "Click here", photo credits, share bars), photo captions glued to the next
sentence without an end mark, opening hooks ("Well, ..."), questions and sentences that cannot
stand on their own (too short, too long) are kept out, and near-duplicates of a chosen sentence
are skipped, since captions often repeat the lead word for word.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, compress, islice
from typing import Any

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from bot.brief.text import SplitText, SumyTokenizer, fold_word, tokenize_words, word_set

LANGUAGE = "english"


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """The knobs of the ranking.

    The defaults were chosen on the tuning halves of the dev sets pooled (621 articles, see
    bench/summaries.py): the best mean gain over the first three sentences among the settings that
    did not lose to them on CNN/DailyMail. The title weight and the filters were kept as they were.
    """

    position_decay: float = 0.3  # prior = 1 / (1 + decay * index): how fast the lead's edge fades
    keywords: float = 0.4  # sumy's Luhn score per word (dense runs of the article's frequent words), max = 1
    title: float = 0.5  # share of the title's content words found in the sentence
    max_candidates: int = 30  # only the first K sentences compete: the story is told by then
    max_sentences_read: int = 200  # Luhn's word counts come from at most this many sentences
    min_words: int = 6
    max_words: int = 60
    max_overlap: float = 0.7  # skip a sentence sharing this share of its content words with a chosen one
    length_exponent: float = 1.0  # the keyword score is divided by words ** this: carried per word
    lead_margin: float = 0.05  # the lead sentences' edge: replacing one takes at least this much more
    lead_sentences: int = 3


DEFAULT_WEIGHTS = RankingWeights()

# Boilerplate that is never part of the story, wherever it appears in the sentence.
_JUNK = re.compile(
    r"\bclick here\b|\bscroll down\b|\bshare this\b|\bsign up (?:for|to|now)\b|\bsubscribe (?:to|now|here)\b|"
    r"\bfollow us\b|\bfollow @|\bread more\s*:|\ball rights reserved\b|\bcopyright\s*(?:©|\(c\)|\d{4})|"
    r"\bphoto(?:graph)?s?\s*(?:by\b|:|credit)|\bimage (?:copyright|caption)\b|\bgetty images\b|"
    r"\bdownload (?:the|our) [\w ]{0,20}app\b|\bmedia playback is (?:not supported|unsupported)\b|"
    r"^\s*(?:by|published|updated|last updated|posted)\b[^.]*(?:\d{4}|gmt|est|bst|\|)|"
    r"^\s*by [A-Z][\w'’-]+ [A-Z][\w'’-]+\s*$",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_END_MARKS = frozenset(".!?…")
# An opening hook teases instead of telling: "Well, that's one way to make a statement."
_HOOK = re.compile(
    r"^(?:(?:well|so|oh|okay|ok|look|yes|no|now|sure|alas|wow|hey)\s*[,!—–-]|imagine\b|picture this\b|"
    r"guess what\b|ever wondered\b|remember when\b|here[’']s the thing\b|talk about\b|call it\b|"
    r"make no mistake\b|let[’']s be honest\b)",
    re.IGNORECASE,
)


# Every pattern of _JUNK needs one of these (lowercased) or one of the openers at the sentence start;
# checking for them first keeps the slow many-branch regex off nearly every sentence.
_JUNK_CLUES = (
    "click here",
    "scroll down",
    "share this",
    "sign up ",
    "subscribe ",
    "follow us",
    "follow @",
    "read more",
    "all rights reserved",
    "copyright",
    "photo",
    "image ",
    "getty images",
    "download ",
    "media playback",
)
_JUNK_OPENERS = ("by", "published", "updated", "last updated", "posted")


@cache
def stop_words() -> frozenset[str]:
    return frozenset(get_stop_words(LANGUAGE))


@cache
def _snowball() -> Stemmer:
    return Stemmer(LANGUAGE)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """sumy's (Snowball) English stem of a lowercased word, memoized (for sumy's summarizers)."""
    return str(_snowball()(word))


@lru_cache(maxsize=1 << 16)
def _word_term(word: str) -> tuple[str, bool]:
    """A word as written, as the summary counts it (folded), and whether it is not a stop word."""
    lowered = word.lower()
    return fold_word(lowered), lowered not in stop_words()


def content_terms(text: str) -> frozenset[str]:
    """The words of `text` that are not stop words, lowercased and folded (`fold_word`)."""
    return _SentenceWords.of(text).content


def is_junk(sentence: str) -> bool:
    """Boilerplate that is not part of any story: bylines, share bars, credits, calls to click."""
    lowered = sentence.casefold()
    # map over the bound method keeps the clue loop in C (a generator cost more than the tests).
    if not (lowered.lstrip().startswith(_JUNK_OPENERS) or any(map(lowered.__contains__, _JUNK_CLUES))):
        return False
    return bool(_JUNK.search(sentence))


# A photo caption glued to the next sentence without an end mark (Daily Mail style): a caption cue
# word, then a capitalized sentence opener ("... pictured, right The coach said ...").
_GLUED_CAPTION = re.compile(
    r"\b(?:pictured|left|right|centre|center|above|below|inset|top|bottom|file photo)\)?\s+"
    r"(?:The|He|She|It|They|His|Her|Its|Their|A|An|In|On|At|But|This|That|These|Those|Mr|Mrs|Ms|Police|"
    r"Officials|There|We|I)\s"
)
# A capitalized pronoun right after a lowercase word, with no end mark between: two sentences glued.
_GLUED_SENTENCE = re.compile(r"[a-z,)]\s+(?:He|She|They|His|Her|Their|It|We)\s+[a-z]")


# Both glued patterns need one of these capitalized words between whitespace, so as a word of
# str.split() (which splits on what \s matches): a set test clears most sentences before them.
_GLUE_WORDS = word_set(
    "The He She It They His Her Its Their A An In On At But This That These Those Mr Mrs Ms Police "
    "Officials There We I"
)


def has_glued_caption(sentence: str, words: Sequence[str] | None = None) -> bool:
    """A caption run into the next sentence: it reads as one long keyword-dense sentence, but is not.

    `words`: the sentence's str.split(), when already made.
    """
    words = sentence.split() if words is None else words
    # The first word counts only after whitespace: a sentence's opening "The" glues nothing.
    if _GLUE_WORDS.isdisjoint(islice(words, 0 if sentence[:1].isspace() else 1, None)):
        return False
    return bool(_GLUED_CAPTION.search(sentence) or _GLUED_SENTENCE.search(sentence))


def is_hook(sentence: str) -> bool:
    """An opening hook or an aside to the reader ("Well, ...", "Imagine ..."): not news."""
    return bool(_HOOK.match(sentence.lstrip("\"'“‘(")))


def _fits(sentence: str, weights: RankingWeights) -> bool:
    """Whether a sentence can stand in a summary on its own."""
    words = sentence.split()
    if not weights.min_words <= len(words) <= weights.max_words:
        return False
    # Questions and hooks tease rather than tell; a missing end mark means a caption or a heading.
    if sentence.rstrip("\"'”’)]").endswith("?") or is_hook(sentence):
        return False
    # _TERMINAL tested by hand, the cheap test before the glued-caption patterns: an end mark, then
    # only closing quotes and brackets (and, as "$" allows, one newline).
    body = sentence[:-1] if sentence.endswith("\n") else sentence
    if body.rstrip("\"'”’)]")[-1:] not in _END_MARKS:
        return False
    return not has_glued_caption(sentence, words)


@dataclass(slots=True)  # not frozen: a frozen init costs a call per field, per sentence
class _SentenceWords:
    """A sentence's words as Luhn counts them (tokenized by bot.brief.text, folded by `fold_word`)."""

    terms: tuple[str, ...]  # every word, stop words included
    content_terms: tuple[str, ...]  # the words that are not stop words, in order: what Luhn counts

    @property
    def content(self) -> frozenset[str]:
        """The words that are not stop words (made when asked: most sentences are never compared)."""
        return frozenset(self.content_terms)

    @classmethod
    def of(cls, sentence: str) -> _SentenceWords:
        # map, zip and compress keep the per-word loop in C: a sentence is read word by word once.
        words = list(map(_word_term, tokenize_words(sentence)))
        if not words:
            return cls((), ())
        terms, is_content = zip(*words, strict=True)
        return cls(terms, tuple(compress(terms, is_content)))


def sumy_document(sentences: Sequence[str]) -> Any:
    """A sumy document of one paragraph holding `sentences` as split by us."""
    tokenizer = SumyTokenizer(LANGUAGE)
    return ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])


def sumy_ratings(summarizer: Any, document: Any) -> list[float]:
    """The rating a sumy summarizer gives each sentence of `document`, in document order.

    sumy's summarizers accept a callable as the sentence count and hand it every sentence with its
    rating and order; we keep them all instead of choosing, which the public API allows.
    """
    ratings = [0.0] * len(document.sentences)

    def keep_all(infos: Sequence[Any]) -> Sequence[Any]:
        for info in infos:
            ratings[info.order] = float(info.rating)
        return infos

    summarizer(document, keep_all)
    return ratings


def luhn_scores(sentences: Sequence[str]) -> list[float]:
    """Luhn's rating of each sentence (our tokenizer; words folded by `fold_word`), in order.

    Luhn rates a sentence by its densest run of the document's frequent words: the article's own
    key words, whatever its subject. The same figures as sumy's LuhnSummarizer (tests check them
    against it), computed from the words the summary has already split.
    """
    return luhn_ratings([_SentenceWords.of(s) for s in sentences])


# sumy's LuhnSummarizer.max_gap_size: a run of significant words ends after this many others.
_LUHN_MAX_GAP = 4


def luhn_ratings(sentences: Sequence[_SentenceWords]) -> list[float]:
    """sumy's Luhn rating over already split words, without its document model.

    Sumy tokenizes and folds every word twice per call through several Python layers, which was a
    quarter of a brief's time; the rule is the same: the significant words are the content words
    used more than once, a chunk is a run of them with gaps shorter than `_LUHN_MAX_GAP`, and a
    sentence is rated by its best chunk, significant words squared over the chunk's length (a chunk
    of one significant word rates 0).
    """
    return _luhn_ratings(sentences, sentences)


def _luhn_ratings(sentences: Sequence[_SentenceWords], rated: Sequence[_SentenceWords]) -> list[float]:
    """`luhn_ratings` of the `rated` sentences, the significant words counted over `sentences`."""
    counts = Counter(chain.from_iterable(words.content_terms for words in sentences))
    significant = {term for term, count in counts.items() if count > 1}
    ratings: list[float] = []
    for words in rated:
        best = 0.0
        hits = length = gap = 0
        for term in words.terms:
            if term in significant:
                if hits:
                    length += gap + 1
                else:
                    length = 1
                hits += 1
                gap = 0
            elif hits:
                gap += 1
                if gap == _LUHN_MAX_GAP:
                    best = max(best, _chunk_rating(hits, length))
                    hits = gap = 0
        if hits:
            best = max(best, _chunk_rating(hits, length))
        ratings.append(best)
    return ratings


def _chunk_rating(hits: int, length: int) -> float:
    return 0.0 if hits == 1 else hits * hits / length


def _scaled(values: Sequence[float]) -> list[float]:
    top = max(values, default=0.0)
    if not math.isfinite(top) or top <= 0:
        return [0.0] * len(values)
    return [v / top for v in values]


@dataclass(frozen=True, slots=True)
class _Scored:
    scores: list[float]  # per sentence; 0 for the ones left out
    junk: dict[int, bool]  # per sentence read, whether it is boilerplate
    words: dict[int, _SentenceWords]  # of the story's sentences


def _score(sentences: Sequence[str], title: str | None, weights: RankingWeights) -> _Scored:
    read = sentences[: weights.max_sentences_read]
    junk = {i: is_junk(s) for i, s in enumerate(read)}
    story = [i for i in junk if not junk[i]]
    candidates = [i for i in story if i < weights.max_candidates and _fits(sentences[i], weights)]
    scores = [0.0] * len(sentences)
    if not candidates:
        return _Scored(scores, junk, {})
    # Luhn reads the whole story for its frequent words but only the candidates compete.
    words = {i: _SentenceWords.of(sentences[i]) for i in story}
    ratings = _luhn_ratings(list(words.values()), [words[i] for i in candidates])
    # What a sentence carries per word: Luhn's rating grows with a sentence's length otherwise.
    per_word = [
        rating / max(1, len(words[i].terms)) ** weights.length_exponent
        for i, rating in zip(candidates, ratings, strict=True)
    ]
    keywords = dict(zip(candidates, _scaled(per_word), strict=True))
    leads = frozenset(candidates[: weights.lead_sentences])
    title_terms = content_terms(title) if title else frozenset()
    for index in candidates:
        score = 1.0 / (1.0 + weights.position_decay * index) + weights.keywords * keywords[index]
        if index in leads:
            score += weights.lead_margin
        if title_terms:
            shared = title_terms & words[index].content
            score += weights.title * len(shared) / len(title_terms)
        scores[index] = score
    return _Scored(scores, junk, words)


def score_sentences(
    sentences: Sequence[str],
    *,
    title: str | None = None,
    weights: RankingWeights = DEFAULT_WEIGHTS,
) -> list[float]:
    """How much each sentence carries the story (higher is better); 0 for the ones left out."""
    return _score(sentences, title, weights).scores


def _overlap(words: frozenset[str], chosen: Sequence[frozenset[str]]) -> float:
    if not words:
        return 1.0
    return max((len(words & other) / len(words) for other in chosen), default=0.0)


def select_sentences(
    sentences: Sequence[str],
    count: int,
    *,
    title: str | None = None,
    weights: RankingWeights = DEFAULT_WEIGHTS,
) -> list[int]:
    """Indices (in article order) of the `count` sentences that best carry the story."""
    if count <= 0 or not sentences:
        return []
    scored = _score(sentences, title, weights)
    scores = scored.scores
    ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    chosen_words: list[frozenset[str]] = []
    for index in ranked:
        words = scored.words[index].content
        if _overlap(words, chosen_words) >= weights.max_overlap:
            continue
        chosen.append(index)
        chosen_words.append(words)
        if len(chosen) == count:
            break
    if len(chosen) < count:
        # A short or odd text: rather the leading non-boilerplate sentences than too few.
        spare = (
            i
            for i, s in enumerate(sentences)
            if i not in chosen and not (scored.junk[i] if i in scored.junk else is_junk(s))
        )
        chosen.extend(islice(spare, count - len(chosen)))
    return sorted(chosen)


def summarize(text: str | SplitText, sentences: int = 3, *, title: str | None = None) -> list[str]:
    """The `sentences` sentences that carry the story, in article order (fewer if the text is short).

    `text` may come already split (`SplitText.of`), when other stages need the same sentences.
    """
    split = SplitText.of(text).sentences
    return [split[i] for i in select_sentences(split, sentences, title=title)]
