"""Numbers in English news text, in digits or in words, with the value each one stands for.

What counts as one number (`find_numbers`):

- digits, with thousands separators and decimals ("1,200", "3.5"), a score, vote or range as
  one number ("5-2", "2019-2020"), a time ("10:30"), an ordinal ("3rd") or a decade ("1990s");
- number words from zero to ninety-nine, with hundred, thousand, million, billion and trillion
  ("two", "twenty-five", "one hundred and five", "a million"), and ordinal words ("first",
  "twenty-third"); a number word that begins a compound counts alone ("five" in "five-year");
- with what makes it an amount: a currency sign before it, a scale after it ("$4 million",
  "1.2 billion", "£2bn", "5k") and a percent after it ("5%", "12 percent", "ten per cent").

Each number has a canonical `value`: "nine" and "9" have the same one, as have "first" and
"1st", or "$4m" and "$4 million"; "9" and "9%" do not.

The English number words are few and fixed, so they are parsed here: the parsing libraries on
PyPI either rewrite a whole text into digits without saying where each number was, or need
their own token objects, and none reads "1.2 million" or "$4m" as one amount.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_UNIT_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19,
}  # fmt: skip
_TENS_ORDINALS = {
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
    "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SCALE_ORDINALS = {"hundredth": 100, "thousandth": 10**3, "millionth": 10**6, "billionth": 10**9}
# Scales written onto digits: "$4m", "£2bn", "5k".
_ATTACHED_SCALES = {"k": 10**3, "m": 10**6, "mn": 10**6, "bn": 10**9, "b": 10**9, "tn": 10**12}
_DIGIT_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_ARTICLES = frozenset({"a", "an"})  # a number only before a scale: "a hundred", "a million"

# One scanning pass: a currency sign, digits (with an attached suffix), a word (hyphenated
# compounds whole), a percent sign, or any other character that is not a space.
_SCAN = re.compile(
    r"(?P<currency>[$€£¥])"
    r"|(?P<digits>\d+(?:[.,:]\d+)*(?:[-–]\d+(?:[.,]\d+)*)*)(?P<suffix>[^\W\d_]+)?"
    r"|(?P<word>[^\W\d_]\w*(?:-[^\W\d_]\w*)*)"
    r"|(?P<percent>%)"
    r"|\S"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FEW_TOKENS = 6  # enough for nearly every number: "$3.5 million", "twenty-five per cent"
_MAX_NUMBER_TOKENS = 24

_NUMBER_WORDS = sorted(
    [*_UNITS, *_TENS, *_UNIT_ORDINALS, *_TENS_ORDINALS, *_SCALES, *_SCALE_ORDINALS], key=len, reverse=True
)
# Where a number may start: a currency sign before digits; digits not written onto a word or a
# decimal point ("A380", ".22"); a number word; "a" or "an" before a scale.
_NUMBER_START = re.compile(
    r"[$€£¥]\s?\d|(?<![\w.])\d"
    rf"|(?<![\w'-])(?:{'|'.join(_NUMBER_WORDS)}|an?\s+(?:{'|'.join(_SCALES)}))(?!\w)",
    re.IGNORECASE,
)

_NUMBER_PARTS = frozenset([*_NUMBER_WORDS, *_ATTACHED_SCALES, *_DIGIT_ORDINAL_SUFFIXES, "percent", "cent"])


def number_parts(words: Iterable[str]) -> list[str]:
    """Of a text's case-folded word tokens, those that may be (part of) a number, in order.

    Two texts whose lists are equal have the same numbers in the same order: a cheap test
    before `find_numbers`, which reads the text itself.
    """
    return [
        word
        for word in words
        if word in _NUMBER_PARTS or not word.isalpha() or word.split("-", 1)[0] in _NUMBER_PARTS
    ]


# Kinds: numbers pair across two versions of a sentence only with numbers of the same kind.
PLAIN, PERCENT, ORDINAL, DECADE = "plain", "percent", "ordinal", "decade"


@dataclass(frozen=True, slots=True)
class NumberMention:
    """One number in a text: where it is, how it is written and what it stands for."""

    start: int  # character offsets in the text
    end: int
    text: str  # as written: "$3.5 million", "twenty-five", "12%"
    value: str  # canonical: equal for "nine" and "9", for "first" and "1st"
    kind: str  # PLAIN, PERCENT, ORDINAL or DECADE


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    text: str
    group: str  # which _SCAN group matched: "currency", "digits", "word", "percent" or ""
    suffix: str = ""  # letters written onto digits ("st", "m", "s", "km"), case-folded
    suffix_start: int = 0


def _tokens(text: str, start: int, limit: int) -> list[_Token]:
    """At most `limit` tokens from `start` on."""
    tokens: list[_Token] = []
    for match in islice(_SCAN.finditer(text, start), limit):
        group = match.lastgroup or ""
        if group == "suffix":  # the suffix group closes last: the token is digits with a suffix
            tokens.append(
                _Token(
                    match.start(),
                    match.end("digits"),
                    match.group("digits"),
                    "digits",
                    match.group("suffix").casefold(),
                    match.start("suffix"),
                )
            )
        else:
            tokens.append(_Token(match.start(), match.end(), match.group(), group))
    return tokens


def _decimal_text(value: Decimal) -> str:
    normalized = value.normalize()
    return f"{normalized:f}"


def _digits_value(digits: str) -> str:
    """Canonical text of a run of digits: thousands separators dropped, trailing zeros too."""
    parts = re.split(r"([-–:])", digits)
    out: list[str] = []
    for part in parts:
        if part in ("-", "–"):
            out.append("-")
        elif part == ":":
            out.append(":")
        elif _THOUSANDS.fullmatch(part):
            out.append(_decimal_text(Decimal(part.replace(",", ""))))
        elif "," in part:
            out.append(part)  # "2,5": not a thousands group; compared as written
        else:
            try:
                out.append(_decimal_text(Decimal(part)))
            except InvalidOperation:
                out.append(part)
    return "".join(out)


@dataclass(slots=True)
class _WordParse:
    """A run of number words being read: its value so far and what may follow."""

    total: int = 0  # finished groups ("two million")
    current: int = 0  # the group being read ("five hundred and six")
    last: str = ""  # "unit" (1-9), "teen" (0, 10-19), "tens", "hundred", "scale" or "and"
    words: int = 0
    ordinal: bool = False

    @property
    def value(self) -> int:
        return self.total + self.current

    def take(self, word: str) -> bool:
        """Read one more word; False when it cannot continue this number."""
        if self.ordinal:
            return False
        if word in _UNITS or word in _UNIT_ORDINALS:
            value = _UNITS.get(word, _UNIT_ORDINALS.get(word, 0))
            kind = "unit" if 1 <= value <= 9 else "teen"
            if self.last in ("unit", "teen", "article") or (self.last == "tens" and kind == "teen"):
                return False  # "two three", "twenty twelve": two numbers, or a year
            self.current += value
            self.last = kind
        elif word in _TENS or word in _TENS_ORDINALS:
            if self.last in ("unit", "teen", "tens", "article"):
                return False
            self.current += _TENS.get(word, _TENS_ORDINALS.get(word, 0))
            self.last = "tens"
        elif word == "hundred" or word == "hundredth":
            if self.last not in ("unit", "teen", "tens", "article"):
                return False
            self.current = max(self.current, 1) * 100
            self.last = "hundred"
        elif word in _SCALES or word in _SCALE_ORDINALS:
            if self.last not in ("unit", "teen", "tens", "hundred", "article"):
                return False
            scale = _SCALES.get(word, _SCALE_ORDINALS.get(word, 1))
            if self.total and self.total < scale:
                return False  # "a thousand million" reads fine, "a million thousand" does not
            self.total += max(self.current, 1) * scale
            self.current = 0
            self.last = "scale"
        elif word in _ARTICLES and self.words == 0:
            self.last = "article"
        elif word == "and" and self.last in ("hundred", "scale"):
            self.last = "and"
        else:
            return False
        self.words += 1
        self.ordinal = word in _UNIT_ORDINALS or word in _TENS_ORDINALS or word in _SCALE_ORDINALS
        return True

    def complete(self) -> bool:
        return self.words > 0 and self.last not in ("article", "and")


def _is_number_word(word: str) -> bool:
    return (
        word in _UNITS
        or word in _TENS
        or word in _UNIT_ORDINALS
        or word in _TENS_ORDINALS
        or word in _SCALES
        or word in _SCALE_ORDINALS
    )


def _word_number(tokens: list[_Token], index: int) -> tuple[int, int, int, bool] | None:
    """The number words from tokens[index]: (last token index, end offset, value, ordinal)."""
    parse = _WordParse()
    best: tuple[int, int, int, bool] | None = None
    i = index
    while i < len(tokens) and tokens[i].group == "word":
        token = tokens[i]
        pieces = token.text.casefold().split("-")
        offset = token.start
        taken_all = True
        for piece in pieces:
            if not parse.take(piece):
                taken_all = False
                break
            offset += len(piece)
            if parse.complete():
                best = (i, offset, parse.value, parse.ordinal)
            offset += 1  # the hyphen
        if not taken_all:
            break  # "five-year": the number ends inside the compound
        i += 1
    return best


def _scale_after(tokens: list[_Token], index: int) -> tuple[int, int] | None:
    """A scale word right after tokens[index - 1]: (its index, its multiplier)."""
    if index < len(tokens) and tokens[index].group == "word":
        scale = _SCALES.get(tokens[index].text.casefold())
        if scale is not None:
            return index, scale
    return None


def _percent_after(tokens: list[_Token], index: int) -> int | None:
    """The index of the last token of a percent right after tokens[index - 1], if any."""
    if index >= len(tokens):
        return None
    token = tokens[index]
    if token.group == "percent":
        return index
    if token.group != "word":
        return None
    word = token.text.casefold()
    if word == "percent":
        return index
    if word == "per" and index + 1 < len(tokens) and tokens[index + 1].text.casefold() == "cent":
        return index + 1
    return None


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in `text`, in order (what counts: the module docstring)."""
    found: list[NumberMention] = []
    position = 0
    # Most of a sentence is no number: only where one may start is it read token by token.
    while (start := _NUMBER_START.search(text, position)) is not None:
        tokens = _tokens(text, start.start(), _FEW_TOKENS)
        mention, end = _mention_at(text, tokens)
        if len(tokens) == _FEW_TOKENS and mention is not None and mention.end > tokens[-2].start:
            # It may go on past the tokens read: "one hundred and twenty-five thousand ..."
            mention, end = _mention_at(text, _tokens(text, start.start(), _MAX_NUMBER_TOKENS))
        if mention is not None:
            found.append(mention)
        position = max(end, start.end())
    return found


def _mention_at(text: str, tokens: list[_Token]) -> tuple[NumberMention | None, int]:
    """The number that starts at tokens[0], if any; and the offset where reading goes on."""
    token = tokens[0]
    currency = ""
    index = 0
    if token.group == "currency" and _digits_follow(tokens, 0):
        currency = token.text
        index = 1
        token = tokens[1]
    mention: NumberMention | None = None
    if token.group == "digits":
        mention, _ = _digits_mention(text, tokens, 0, index, currency)
    elif token.group == "word" and _may_start_words(token.text):
        mention, _ = _words_mention(text, tokens, index)
    return mention, mention.end if mention is not None else token.end


def _digits_follow(tokens: list[_Token], index: int) -> bool:
    """Digits right after the currency sign at tokens[index] (one space at most between)."""
    after = index + 1
    return (
        after < len(tokens)
        and tokens[after].group == "digits"
        and tokens[after].start - tokens[index].end <= 1
    )


def _may_start_words(word: str) -> bool:
    folded = word.casefold()
    return folded in _ARTICLES or _is_number_word(folded.split("-", 1)[0])


def _words_mention(text: str, tokens: list[_Token], index: int) -> tuple[NumberMention | None, int]:
    """The number in words that starts at tokens[index], if any; and the index after it."""
    read = _word_number(tokens, index)
    if read is None:
        return None, index + 1
    last, end, value, ordinal = read
    kind = ORDINAL if ordinal else PLAIN
    percent = None if ordinal or end != tokens[last].end else _percent_after(tokens, last + 1)
    if percent is not None:
        last, end, kind = percent, tokens[percent].end, PERCENT
    return _mention(text, tokens[index].start, end, f"{value}", kind, ""), last + 1


def _digits_mention(
    text: str, tokens: list[_Token], first: int, index: int, currency: str
) -> tuple[NumberMention, int]:
    """The amount that starts with the digits at tokens[index]; and the index after it."""
    token = tokens[index]
    value = _digits_value(token.text)
    kind = PLAIN
    end = token.end
    last = index
    scale = 1
    if token.suffix in _DIGIT_ORDINAL_SUFFIXES:
        kind, end = ORDINAL, token.suffix_start + len(token.suffix)
    elif token.suffix == "s":
        kind, end = DECADE, token.suffix_start + 1
    elif token.suffix in _ATTACHED_SCALES:
        scale, end = _ATTACHED_SCALES[token.suffix], token.suffix_start + len(token.suffix)
    elif not token.suffix:
        after = _scale_after(tokens, index + 1)
        if after is not None:
            last, scale = after
            end = tokens[last].end
    if kind == PLAIN:
        percent = _percent_after(tokens, last + 1) if end == tokens[last].end else None
        if percent is not None:
            last, end, kind = percent, tokens[percent].end, PERCENT
    if scale != 1:
        try:
            value = _decimal_text(Decimal(value) * scale)
        except InvalidOperation:
            value = f"{value}x{scale}"  # a range or time with a scale: compared as written
    return _mention(text, tokens[first].start, end, value, kind, currency), last + 1


def _mention(text: str, start: int, end: int, value: str, kind: str, currency: str) -> NumberMention:
    return NumberMention(start, end, text[start:end], f"{currency}{value}", kind)
