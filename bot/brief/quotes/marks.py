"""Quotation marks paired into quotes, and sentence bounds: the first step of quote extraction.

Tells apostrophes (don't, '90s, students') from quote marks, and pairs marks into quotes; a quote
left open at a paragraph's end continues when the next paragraph opens with a quotation mark.
"""

from __future__ import annotations

import bisect
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.brief.text import (
    _CANDIDATE,
    _is_sentence_end,
    _starts_sentence,
    _token_start,
    _word_after,
    sentence_ends,
)


def _word_list(words: str) -> list[str]:
    return words.split()


def _alternation(words: Iterable[str]) -> str:
    """A regex matching exactly one of `words`, as a trie ("sa(?:id|ys)" for said|says).

    The same words as a flat alternation ("said|says|…"), but the regex engine no longer tries
    each of hundreds of words at every position of the text: a lexicon of speech verbs searched
    that way cost a third of the time of quote extraction. Callers end it with a boundary (\\b),
    so which of two words sharing a prefix matches is the same as with the flat list.
    """
    trie: dict[str, dict[str, Any]] = {}
    for word in sorted(set(words)):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, dict[str, Any]]) -> str:
    branches = [re.escape(char) + _trie_pattern(child) for char, child in node.items() if char]
    optional = "" in node
    if not branches:
        return ""
    if len(branches) == 1 and not optional:
        return branches[0]
    body = "|".join(sorted(branches, key=len, reverse=True))
    return f"(?:{body})?" if optional else f"(?:{body})"


# --- quotation marks -------------------------------------------------------------------------

_DOUBLE_MARKS = '"“”„'
_SINGLE_MARKS = "'‘’"
# Two apostrophes stand for a double mark in some house styles (''Like this,'' she said).
# Three stand for a nested single quote that ends with the double one (… in line,''').
_QUOTE_MARK = re.compile(r"'''|''|[\"“”„'‘’]")
# After these a straight mark opens a quote rather than closing one.
_OPENERS = "([{—–-/"


class _Role(enum.Enum):
    OPEN = "open"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class _Mark:
    pos: int
    double: bool
    role: _Role
    width: int = 1  # two for a double mark typed as two apostrophes

    @property
    def end(self) -> int:
        return self.pos + self.width


def _mark_role(text: str, i: int, width: int, paragraph_start: int, paragraph_end: int) -> _Mark | None:
    char = '"' if width == 2 else text[i]
    before = text[i - 1] if i > paragraph_start else " "
    after = text[i + width] if i + width < paragraph_end else " "
    space_before = before.isspace() or before in _OPENERS or before in _DOUBLE_MARKS
    space_after = after.isspace()
    if char in _DOUBLE_MARKS:
        role = _double_role(char, before, space_before, space_after)
        if role is None and char == '"' and space_after and _loose_closing(text, i, paragraph_start):
            role = _Role.CLOSE
        return _Mark(i, True, role, width) if role else None
    # Single marks are mostly apostrophes: inside a word (don't), before a year ('90s) or an
    # elision ('em); a closing one after a plural (students') is only taken when a quote is open.
    if before.isalnum() and after.isalnum():
        return None
    if char in "‘'" and space_before and (after.isalpha() or after in _DOUBLE_MARKS):
        return _Mark(i, False, _Role.OPEN)
    if char in "’'" and not space_before and not after.isalnum():
        return _Mark(i, False, _Role.CLOSE)
    return None


def _double_role(char: str, before: str, space_before: bool, space_after: bool) -> _Role | None:
    # Curly marks say what they are, but trust the context when it plainly disagrees
    # (typesetting software gets them wrong next to dashes and at line starts).
    if char in "“„":
        if not space_after:
            return _Role.OPEN
        return None if space_before else _Role.CLOSE
    if char == "”":
        if not space_before:
            return _Role.CLOSE
        return None if space_after else _Role.OPEN
    if space_before and not space_after:
        return _Role.OPEN
    if not space_before and space_after:
        return _Role.CLOSE
    if not space_before and not space_after:
        return _Role.OPEN if before in ",:;" else _Role.CLOSE
    return None


def _loose_closing(text: str, i: int, paragraph_start: int) -> bool:
    """A straight double mark set off by spaces closes a quote when punctuation ends the words
    before it (`… doing this, " Lee said`): an opening mark stands before a word, not after a comma."""
    j = i
    while j > paragraph_start and text[j - 1] == " ":
        j -= 1
    return paragraph_start < j < i and text[j - 1] in ",.!?'’"


@dataclass(frozen=True, slots=True)
class _Paragraph:
    start: int
    end: int


def _paragraphs(text: str) -> list[_Paragraph]:
    # Any line break ends a paragraph: extracted text separates them by blank lines, but many
    # plain-text sources use single newlines.
    return [_Paragraph(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]


@dataclass(slots=True)
class _RawQuote:
    pieces: list[tuple[int, int]]  # the quoted words of each piece (marks excluded)
    open_at: int  # the first opening mark
    close_end: int  # just after the last closing mark (or the paragraph end when unclosed)
    first_paragraph: int
    last_paragraph: int
    single: bool = False


def _pair_marks(text: str, paragraphs: Sequence[_Paragraph]) -> list[_RawQuote]:
    quotes: list[_RawQuote] = []
    carried: list[tuple[int, int]] = []  # pieces of a quote running over paragraphs
    carried_open = 0
    carried_paragraph = 0
    next_marks: list[_Mark] | None = None  # the next paragraph's, when read to see if it continues
    for index, paragraph in enumerate(paragraphs):
        marks = next_marks if next_marks is not None else _marks(text, paragraph)
        next_marks = None
        open_at: int | None = None
        open_width = 1
        single_open: int | None = None
        # Pieces of a quote whose paragraph breaks were lost (`"A. "B."` on one line), and where
        # its first piece opened.
        inline: list[tuple[int, int]] = []
        inline_open: int | None = None
        first_mark = marks[0] if marks else None
        continues = bool(carried) and first_mark is not None and first_mark.role is _Role.OPEN
        if carried and not continues:
            carried = []
        for mark in marks:
            if mark.double:
                single_open = None
                if mark.role is _Role.OPEN:
                    if open_at is not None and _lost_paragraph_break(text, paragraph.start, mark):
                        # `"… on Monday. "We will …`: the next paragraph of the quote, the break
                        # between them lost; the quote goes on.
                        inline.append((open_at + open_width, mark.pos))
                        inline_open = open_at if inline_open is None else inline_open
                    elif open_at is not None:
                        carried = []  # an opening mark inside an open quote: the first was misread
                        inline, inline_open = [], None
                    open_at, open_width = mark.pos, mark.width
                elif open_at is not None:
                    pieces = [*carried, *inline, (open_at + open_width, mark.pos)]
                    start_at = carried_open if carried else (open_at if inline_open is None else inline_open)
                    first = carried_paragraph if carried else index
                    quotes.append(_RawQuote(pieces, start_at, mark.end, first, index))
                    carried, open_at = [], None
                    inline, inline_open = [], None
            elif open_at is None:  # single marks inside a double quote are nested quotes
                if mark.role is _Role.OPEN and single_open is None:
                    single_open = mark.pos
                elif mark.role is _Role.CLOSE and single_open is not None:
                    quotes.append(
                        _RawQuote(
                            [(single_open + 1, mark.pos)], single_open, mark.pos + 1, index, index, True
                        )
                    )
                    single_open = None
        if open_at is None:
            continue
        if not carried:
            carried_open = open_at if inline_open is None else inline_open
            carried_paragraph = index
        carried.extend(inline)
        carried.append((open_at + open_width, paragraph.end))
        if index + 1 < len(paragraphs):
            next_marks = _marks(text, paragraphs[index + 1])
        if not _continues_quote(text, paragraphs, index, next_marks, _mark_style(text, carried_open)):
            quotes.append(_RawQuote(carried, carried_open, paragraph.end, carried_paragraph, index))
            carried = []
    return [q for q in (_trimmed(text, q) for q in quotes) if q is not None]


def _lost_paragraph_break(text: str, paragraph_start: int, mark: _Mark) -> bool:
    """An opening mark inside an open quote, after a sentence's end and before a capital: the
    quote's next paragraph, run into this one when the text lost its line breaks."""
    before = mark.pos
    while before > paragraph_start and text[before - 1] == " ":
        before -= 1
    after = mark.pos + mark.width
    return (
        paragraph_start < before < mark.pos
        and text[before - 1] in ".!?"
        and after < len(text)
        and text[after].isupper()
    )


def _marks(text: str, paragraph: _Paragraph) -> list[_Mark]:
    marks = []
    for match in _QUOTE_MARK.finditer(text, paragraph.start, paragraph.end):
        at, width = match.start(), len(match.group())
        parts: tuple[tuple[int, int], ...]
        if width == 3:
            # Closing, the single mark comes first; opening, the double one.
            opening = at == paragraph.start or text[at - 1].isspace() or text[at - 1] in _OPENERS
            parts = ((at, 2), (at + 2, 1)) if opening else ((at, 1), (at + 1, 2))
        else:
            parts = ((at, width),)
        for part_at, part_width in parts:
            mark = _mark_role(text, part_at, part_width, paragraph.start, paragraph.end)
            if mark is not None:
                marks.append(mark)
    return marks


def _continues_quote(
    text: str, paragraphs: Sequence[_Paragraph], index: int, marks: list[_Mark] | None, style: str
) -> bool:
    """Whether the paragraph after `index` (its marks given) carries on a quote left open: it
    opens with an opening mark of the quote's own style. A quote set in another style opening
    the paragraph ("…" after "...) is a quote inside a block quote, not a continuation."""
    if marks is None or index + 1 >= len(paragraphs):
        return False
    following = paragraphs[index + 1]
    return (
        bool(marks)
        and marks[0].pos == following.start
        and marks[0].role is _Role.OPEN
        and _mark_style(text, marks[0].pos) == style
    )


def _mark_style(text: str, at: int) -> str:
    """Straight ("), curly (“ ” „) or doubled (''): a quote running over paragraphs keeps one."""
    char = text[at]
    if char == "'":
        return "''"
    return '"' if char == '"' else "“"


def _trimmed(text: str, quote: _RawQuote) -> _RawQuote | None:
    pieces = []
    for start, end in quote.pieces:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if any(c.isalnum() for c in text[start:end]):
            pieces.append((start, end))
    if not pieces:
        return None
    # The comma before a closing mark is the writer's punctuation, not the speaker's words.
    last_start, last_end = pieces[-1]
    while last_end > last_start and text[last_end - 1] in ", ":
        last_end -= 1
    pieces[-1] = (last_start, last_end)
    quote.pieces = pieces
    return quote


# --- sentences --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _EndMarks:
    """Every candidate end mark of a text with its verdict, worked out once for the whole text.

    Looking back for a sentence's start re-read a window of the text about 16 times per article.
    A verdict read in a window equals the whole text's unless the token before the mark starts at
    or before the window's start (cut off there, or counted as opening a paragraph): only the one
    candidate nearest the window's start can be such, and it is worked out in the window as before.
    """

    starts: tuple[int, ...]  # where each candidate's marks start
    afters: tuple[int, ...]  # just past its marks and closing quotes, increasing
    token_starts: tuple[int, ...]  # where the token before its marks starts
    ends_sentence: tuple[bool, ...]

    @classmethod
    def of(cls, text: str) -> _EndMarks:
        starts: list[int] = []
        afters: list[int] = []
        token_starts: list[int] = []
        verdicts: list[bool] = []
        end = len(text)
        for match in _CANDIDATE.finditer(text):
            after = match.end()
            word = match.group("word") if match.end("word") < end else _word_after(text, after)
            token_start = _token_start(text, match.start(), 0)
            if word and word[0].islower() and not _starts_sentence(word):
                verdict = False
            else:
                verdict = _is_sentence_end(text, match, word, token_start, 0)
            starts.append(match.start())
            afters.append(after)
            token_starts.append(token_start)
            verdicts.append(verdict)
        return cls(tuple(starts), tuple(afters), tuple(token_starts), tuple(verdicts))


@lru_cache(maxsize=8)
def _end_marks(text: str) -> _EndMarks:
    # Keyed by the text: every function of one extraction asks for the same text's marks.
    return _EndMarks.of(text)


def _sentence_start(text: str, low: int, high: int) -> int:
    """Where the sentence that `high` is in starts, looking back no further than `low`."""
    marks = _end_marks(text)
    index = bisect.bisect_left(marks.afters, high) - 1
    stop = high
    while index >= 0 and marks.starts[index] >= low and marks.token_starts[index] > low:
        if marks.ends_sentence[index]:
            return _skip_space(text, marks.afters[index], high)
        stop = marks.starts[index]
        index -= 1
    # Only the candidate nearest `low` is left, whose verdict depends on the window: read there.
    return _windowed_sentence_start(text, low, stop)


def _skip_space(text: str, start: int, high: int) -> int:
    while start < high and text[start].isspace():
        start += 1
    return start


def _windowed_sentence_start(text: str, low: int, high: int) -> int:
    start = low
    for end in sentence_ends(text, low, high):
        start = end
    return _skip_space(text, start, high)


def _sentence_end(text: str, low: int, high: int) -> int:
    """Where the sentence that `low` is in ends, looking no further than `high`."""
    return next(iter(sentence_ends(text, low, high)), high)
