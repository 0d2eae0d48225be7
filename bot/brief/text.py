"""Sentence splitting and word tokenizing of our own, so nothing needs NLTK data at run time.

The splitter is rule-based and tuned for news copy: it finds every candidate end mark with one
precompiled regex and decides per candidate, from the token before it and the word after it,
whether it really ends a sentence. Sentences never span paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

# A paragraph break is a blank line. A single newline is a break too (extractors and feeds put
# one paragraph per line), unless the line looks hard-wrapped: see `_is_wrapped_line`.
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"[^\n]+")

_CLOSERS = "\"'”’)]»"
_OPENERS = "\"'“‘([«"
_CLOSERS_CLASS = re.escape(_CLOSERS)
_OPENERS_CLASS = re.escape(_OPENERS)
# A candidate end: a run of end marks, then closing quotes/brackets, then whitespace or the end of
# the text. The token before the marks is found by looking back to the previous space: anchoring
# the regex at every token start instead made it try each word of the text.
# The word after the marks is read in the same match (a lookahead, so the next candidate search
# starts where it did): a second regex call per candidate cost as much as the first.
_NEXT_WORD_PATTERN = r"\s*[" + _OPENERS_CLASS + r"]*(?P<word>[^\s" + _CLOSERS_CLASS + r"]*)"
# "[.!?…][.!?…]*", not "[.!?…]+": a pattern that opens with a plain character set lets the regex
# engine skip to the next end mark in C instead of trying a match at every character (3x faster).
_CANDIDATE = re.compile(
    r"(?P<mark>[.!?…][.!?…]*)(?P<close>[" + _CLOSERS_CLASS + r"]*)(?=\s|$)(?=" + _NEXT_WORD_PATTERN + ")"
)
_NEXT_WORD = re.compile(_NEXT_WORD_PATTERN)
# "Why me?" Smith asked. -- a question or exclamation inside a quote, then its attribution.
_ATTRIBUTION_AFTER = re.compile(
    r"\s*(?:[A-Z][\w'’.-]*\s+){1,3}(?:said|says|asked|asks|added|adds|told|tells|shouted|yelled|"
    r"screamed|wrote|writes|replied|replies|explained|continued|recalled|insisted|cried|joked)\b"
)
_DOTTED_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
# A line ending with one of these (trailing whitespace aside) is not hard-wrapped.
_LINE_END_MARKS = frozenset(".!?…:;" + _CLOSERS)


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Titles that precede a name: never the end of a sentence.
_TITLES = word_set(
    "mr mrs ms messrs mme mlle dr prof sen sens rep reps gov gen lt col capt cpt sgt maj cmdr "
    "cdr adm brig rev fr hon pres supt det insp cpl pvt sec atty gov't rt amb mgr"
)
# Abbreviations that precede a number ("No. 10", "Jan. 5"); elsewhere they may be plain words.
_BEFORE_NUMBER = word_set(
    "no nos vol vols art fig figs pp p para ch " + "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_MONTHS = word_set("jan feb mar apr jun jul aug sep sept oct nov dec")
# Never the end of a sentence.
_NEVER_FINAL = word_set("e.g i.e vs v cf approx ca viz")
# Abbreviations that can end a sentence; we split after them only before a typical sentence opener.
_MAYBE_FINAL = word_set(
    "etc inc corp ltd co jr sr bros assn ave blvd rd st mt ft dept univ est al plc llc cos a.m "
    "p.m u.s u.k u.n d.c u.s.a e.u"
)
_ABBREVIATIONS = _TITLES | _BEFORE_NUMBER | _NEVER_FINAL | _MAYBE_FINAL
# Words that typically open a sentence, so after "U.S." or "a.m." they signal a new sentence.
_SENTENCE_OPENERS = word_set(
    "the a an he she it they we i you his her its their our my this that these those there here "
    "but and or so yet however meanwhile in on at as after before when while if although though "
    "since because what who why how where no not some many most all one two three police "
    "officials authorities now then later earlier still also last next"
)


def _is_wrapped_line(line: str, next_line: str) -> bool:
    """True when `line` continues on `next_line` (hard-wrapped plain text), not a new paragraph."""
    if not next_line or line.rstrip()[-1:] in _LINE_END_MARKS:
        return False
    first = next_line.lstrip()[:1]
    # A lowercase start cannot open a paragraph; a long unpunctuated line is not a heading.
    return first.islower() or first.isdigit() or len(line.strip()) >= 60


def _paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the paragraphs of `text`, stripped of surrounding whitespace."""
    block_start = 0
    blocks: list[tuple[int, int]] = []
    for blank in _BLANK_LINE.finditer(text):
        blocks.append((block_start, blank.start()))
        block_start = blank.end()
    blocks.append((block_start, len(text)))
    for start, end in blocks:
        lines = [(m.start(), m.end()) for m in _LINE.finditer(text, start, end) if not m.group().isspace()]
        para_start: int | None = None
        for index, (line_start, line_end) in enumerate(lines):
            if para_start is None:
                para_start = line_start
            line = text[line_start:line_end]
            following = text[lines[index + 1][0] : lines[index + 1][1]] if index + 1 < len(lines) else ""
            if not _is_wrapped_line(line, following):
                yield _strip_span(text, para_start, line_end)
                para_start = None


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _starts_sentence(word: str) -> bool:
    """Whether the word after an end mark may open a new sentence (by its first character)."""
    if not word:
        return True
    first = word[0]
    if first.islower():
        # "iPhone", "eBay": brand names that open sentences in lowercase.
        return len(word) > 1 and any(c.isupper() for c in word[1:3])
    return True


def _is_sentence_end(
    text: str, match: re.Match[str], word: str, token_start: int, paragraph_start: int
) -> bool:
    """Whether the candidate `match`, followed by `word`, ends a sentence (`word` may open one)."""
    mark = match.group("mark")
    if "?" in mark or "!" in mark:
        # A question or exclamation inside quotes followed by its speaker ends no sentence.
        return not (match.group("close") and _ATTRIBUTION_AFTER.match(text, match.end()))
    token = text[token_start : match.start()].lstrip(_OPENERS)
    if len(mark) > 1 or mark == "…":
        # An ellipsis before a capital ends the sentence, unless it opens one ('"... A woman').
        return bool(token)
    return not _is_abbreviation(token, word, at_paragraph_start=token_start == paragraph_start)


def _token_start(text: str, at: int, floor: int) -> int:
    """Where the whitespace-delimited token ending at `at` starts (not before `floor`)."""
    # The last plain space is found in C; a token after it holding no other whitespace (isprintable
    # is False for every whitespace character but the space) starts right after it.
    start = text.rfind(" ", floor, at) + 1 or floor
    if text[start:at].isprintable():
        return start
    while at > floor and not text[at - 1].isspace():
        at -= 1
    return at


def _is_abbreviation(token: str, next_word: str, *, at_paragraph_start: bool) -> bool:
    """Whether `token` followed by a period and `next_word` is an abbreviation inside a sentence."""
    if not token:
        return False
    if at_paragraph_start and (token.isdigit() or len(token) == 1):
        return True  # a list marker: "1. Introduction", "A. Background"
    lower = token.lower()
    if len(token) > 1 and lower not in _ABBREVIATIONS and "." not in token:
        return False  # most tokens: a plain word, none of the cases below
    if lower in _TITLES or lower in _NEVER_FINAL:
        return True
    if lower in _BEFORE_NUMBER and next_word[:1].isdigit():
        return True
    opener = next_word.lower().strip(_CLOSERS + ",;:") in _SENTENCE_OPENERS
    if lower in _MONTHS:
        return not opener
    if lower in _MAYBE_FINAL or _DOTTED_ACRONYM.fullmatch(token):
        return not opener
    if len(token) == 1 and token.isalpha():
        # An initial ("J. K. Rowling", "George W. Bush"), unless a sentence plainly follows.
        return not opener
    return False


def _word_after(text: str, at: int) -> str:
    next_word = _NEXT_WORD.match(text, at)
    return next_word.group("word") if next_word else ""


def sentence_ends(text: str, start: int, end: int) -> Iterator[int]:
    """Where sentences end inside text[start:end] (just past the end mark and any closing quote),
    by the same rules as `split_sentences`; for finding the sentence around a position. An end
    mark at `end` itself is not counted: what follows it is outside the range."""
    for match in _CANDIDATE.finditer(text, start, end):
        after = match.end()
        if after >= end:
            break
        # The lookahead stops at `end`: a word reaching it may go on past it, so read it whole.
        word = match.group("word") if match.end("word") < end else _word_after(text, after)
        if word and word[0].islower() and not _starts_sentence(word):
            continue  # the commonest non-end: "3.5 per cent", "Mr. Smith's ... etc. and"
        if _is_sentence_end(text, match, word, _token_start(text, match.start(), start), start):
            yield after


@lru_cache(maxsize=1 << 16)
def fold_word(lowered: str) -> str:
    """A lowercased word with its possessive and plural folded: "officers", "officer's" -> "officer".

    The one word fold: the summary, the headline and the same-story index all count words this
    way. The summary counts them so rather than by their Snowball stems: on the dev set
    (bench/summaries.py) ROUGE stayed the same or rose a little on every source, and Snowball cost
    more than the rest of a summary for each word not seen before.
    """
    if lowered.endswith(("'s", "’s")):
        lowered = lowered[:-2]
    if len(lowered) > 4 and lowered.endswith("s") and not lowered.endswith("ss"):
        return lowered[:-1]
    return lowered


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of `text`, each with its whitespace collapsed to single spaces."""
    return [_collapse(text[start:end]) for start, end in _paragraph_spans(text)]


def split_sentences_with_offsets(text: str) -> list[tuple[int, int]]:
    """Character spans `(start, end)` of the sentences of `text`, in order; none spans paragraphs."""
    spans: list[tuple[int, int]] = []
    for para_start, para_end in _paragraph_spans(text):
        sentence_start = para_start
        for sentence_end in sentence_ends(text, para_start, para_end):
            if sentence_end > sentence_start:
                spans.append((sentence_start, sentence_end))
            sentence_start = sentence_end
            while sentence_start < para_end and text[sentence_start].isspace():
                sentence_start += 1
        if sentence_start < para_end:
            start, end = _strip_span(text, sentence_start, para_end)
            if end > start:
                spans.append((start, end))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each with its whitespace collapsed to single spaces."""
    return [_collapse(text[start:end]) for start, end in split_sentences_with_offsets(text)]


@dataclass(frozen=True, slots=True)
class SplitText:
    """A text split into sentences once, so every stage of a brief can share the split."""

    text: str
    spans: tuple[tuple[int, int], ...]  # of each sentence in `text`, as split_sentences_with_offsets
    sentences: tuple[str, ...]  # each span's text with its whitespace collapsed, as split_sentences

    @classmethod
    def of(cls, text: str | SplitText) -> SplitText:
        """`text` split, or `text` itself when it already is."""
        if isinstance(text, SplitText):
            return text
        spans = tuple(split_sentences_with_offsets(text))
        return cls(text, spans, tuple(_collapse(text[start:end]) for start, end in spans))


def _collapse(text: str) -> str:
    # Most sentences hold no whitespace but single spaces (isprintable is False for every other
    # whitespace character): they are returned as they are, without splitting them into words.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    # str.split() splits on exactly the characters \s matches, and is several times faster.
    return " ".join(text.split())


# Words: letters/digits with inner apostrophes, hyphens, and the dots/commas of numbers and acronyms.
# Written to open with a plain \w (the dotted acronym's "not after a word character" checked behind
# its first letter), so the regex engine skips the spaces between words in C: "U.S." is still tried
# before "U".
_WORD = re.compile(r"\w(?:(?<=(?<!\w)[A-Za-z])\.(?:[A-Za-z]\.)+|\w*(?:[’'\-]\w+|[.,]\d+)*)")


def tokenize_words(text: str) -> list[str]:
    """The words of `text` ("don't", "well-known", "3.5", "1,000", "U.S." stay one word); no punctuation."""
    return _WORD.findall(text)


class SumyTokenizer:
    """A tokenizer for sumy's parsers and summarizers built on our splitter: needs no NLTK data."""

    def __init__(self, language: str = "english") -> None:
        self._language = language

    @property
    def language(self) -> str:
        return self._language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(tokenize_words(sentence))
