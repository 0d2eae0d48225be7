"""What changed: between two versions of one article (a new article's place in its story is
bot/brief/stories.py's).

Version diff (`diff_versions`) rules — each edit is reported exactly once:

1. Sentences are compared by a *key*: their word tokens, case-folded, with punctuation, whitespace
   and quote style (curly or straight quotes, dashes, non-breaking spaces) ignored. Two sentences
   with equal keys are the same sentence: differences of case, spacing, punctuation or quote style
   alone are never reported.
2. Alignment: difflib matches the two key sequences in order. Of what is left, a sentence whose key
   appears unchanged elsewhere was *moved* (not reported), and a sentence split in two (or two
   merged into one) with the same words is not reported either.
3. The remaining old and new sentences are paired, best first, when their word sets are similar
   (Dice >= `EDIT_MIN_SIMILARITY`); one old sentence may also pair with two adjacent new ones
   (a split with edits) or the reverse (a merge with edits). A pair is ONE change:
   - NUMBER_CHANGED (one per changed number) when the sentences differ only in their numbers
     (numbers in digits or words, with their currency sign, scale and percent: "$3.5 million",
     "twenty-five", "third", "12%"; see `bot.brief.numbers`), and nothing when each number only
     changed how it is written ("nine" -> "9");
   - otherwise SENTENCE_EDITED, with `before`, `after` and a word diff (`words`), followed by a
     NUMBER_CHANGED for each number that changed in it: one whose place, in a run of words both
     versions share, holds a number of the same kind with another value.
   Unpaired old sentences are SENTENCE_REMOVED, unpaired new ones SENTENCE_ADDED.
4. Quotes (from the callers' quote lists) are compared by their key. A quote is removed when
   (a) its key is in no new quote, (b) it is not one side of an *edited* quote (a removed and an
   added quote with similar words: reported through its sentence as SENTENCE_EDITED, not as
   QUOTE_REMOVED + QUOTE_ADDED), (c) its words are no longer in the new
   text (no more than half of them there in order, in runs of 3+ words; quotes under 4 words skip
   this test) and (d) a removed or edited sentence carries it (removed ones first). Added likewise.
   (c) and (d) keep a quote extractor's shifting boundaries around unchanged text from counting.
5. A sentence change that carries a removed or added quote is reported as that quote change
   only: a removed sentence with a removed quote is QUOTE_REMOVED (not also SENTENCE_REMOVED),
   an added sentence with a new quote is QUOTE_ADDED, and an edit that drops or adds a quote is
   the QUOTE_REMOVED / QUOTE_ADDED alone. A quote over several sentences is one change.
6. A headline change is HEADLINE_CHANGED with a word diff (numbers in it included), only when both
   versions have a headline and their keys differ.

Changes come out in document order: the headline first, then by position in the new version.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.brief.numbers import NumberMention, find_numbers, number_parts
from bot.brief.text import SplitText
from bot.models import Change, ChangeKind, Quote, WordDiffPart, WordOp

log = logging.getLogger(__name__)

EDIT_MIN_SIMILARITY = 0.5  # below this, an old and a new sentence are a removal plus an addition
QUOTE_EDIT_MIN_SIMILARITY = 0.5
_MAX_FUZZY_PAIRS = 4000  # above this many old x new candidates, skip split/merge candidates
_SHORT_QUOTE_WORDS = 4
_QUOTE_EDGE_MIN_TOKENS = 3  # a quote over sentences shares at least this many words with each end

# Length-preserving, so token offsets in the normalized text are offsets in the original.
_STYLE = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "–": "-",
        "—": "-",
        "\u00a0": " ",
    }
)
# A score, a vote or a range ("5-2", "2019-2020", "10–12") is one number, not two.
TOKEN = re.compile(r"[$€£¥]?\d+(?:[.,:]\d+)*(?:[-–]\d+(?:[.,]\d+)*)*%?|\w+(?:['\-]\w+)*|[^\w\s]")
# TOKEN without punctuation, written to open with one plain character set (so the regex engine skips
# the spaces and punctuation between words in C): a currency sign needs digits after it, a digit
# opens a number (as the first alternative of TOKEN always took it), any other word character a word.
_WORD_TOKEN_REST = (
    r"(?:(?<=[$€£¥])\d+|(?<=\d)\d*)(?:[.,:]\d+)*(?:[-–]\d+(?:[.,]\d+)*)*%?|(?<![$€£¥\d])\w*(?:['\-]\w+)*"
)
_WORD_TOKEN = re.compile(r"[$€£¥\w](?:" + _WORD_TOKEN_REST + ")")
# The same, and a newline as a token of its own: the sentences of a text are keyed in one pass, joined
# by newlines (a split sentence holds none).
_WORD_TOKEN_OR_NEWLINE = re.compile(r"[$€£¥\w\n](?:(?<=\n)|" + _WORD_TOKEN_REST + ")")


# --- tokens and keys ---------------------------------------------------------------------------


def restyled(text: str) -> str:
    """`text` with quote style, dashes and non-breaking spaces made plain (same length)."""
    # Every character _STYLE maps is non-ASCII, and the ASCII test is a flag lookup.
    return text if text.isascii() else text.translate(_STYLE)


@dataclass(frozen=True, slots=True)
class _Tokens:
    """The tokens of a text: case-folded, style-normalized, and where each starts in the text."""

    cores: list[str]
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> _Tokens:
        matches = list(TOKEN.finditer(restyled(text)))
        return cls([m.group().casefold() for m in matches], [m.start() for m in matches])


def _key_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD_TOKEN.findall(restyled(text).casefold()))


def _key(text: str) -> str:
    return " ".join(_key_words(text))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(slots=True)
class _Sentence:
    text: str
    key: str

    @property
    def words(self) -> frozenset[str]:
        """The key's words (made when asked: only sentences left unmatched are compared by them)."""
        return frozenset(self.key.split())


def _keys(sentences: Sequence[str]) -> list[str]:
    """`_key` of each sentence, in one regex pass over them all (the calls cost more than the words)."""
    if len(sentences) < 2 or any("\n" in sentence for sentence in sentences):
        return [_key(sentence) for sentence in sentences]
    tokens = _WORD_TOKEN_OR_NEWLINE.findall(restyled("\n".join(sentences)).casefold())
    # Tokens are never blank, so the keys are the spaced tokens between the newlines, stripped.
    return [key.strip() for key in " ".join(tokens).split("\n")]


def _sentences(text: str | SplitText, known: dict[str, _Sentence] | None = None) -> list[_Sentence]:
    """The text's sentences with their keys; `known` reuses those of sentences seen before."""
    sentences = SplitText.of(text).sentences
    parsed = [known.get(sentence) for sentence in sentences] if known is not None else [None] * len(sentences)
    unknown = [sentence for sentence, seen in zip(sentences, parsed, strict=True) if seen is None]
    keys = iter(_keys(unknown))
    out: list[_Sentence] = []
    for sentence, seen in zip(sentences, parsed, strict=True):
        current = seen if seen is not None else _Sentence(sentence, next(keys))
        if current.key:  # a "sentence" of only punctuation carries nothing to report
            out.append(current)
    return out


# --- word diff ---------------------------------------------------------------------------------


def _span_text(text: str, tokens: _Tokens, first: int, last: int) -> str:
    """The text of tokens[first:last] with the whitespace that follows them."""
    start = 0 if first == 0 else tokens.starts[first]
    end = len(text) if last >= len(tokens.starts) else tokens.starts[last]
    return text[start:end]


def word_diff(before: str, after: str) -> tuple[WordDiffPart, ...]:
    """Runs of SAME / DELETED / INSERTED text, each with the whitespace that follows it.

    SAME+DELETED parts rebuild `before` and SAME+INSERTED rebuild `after`, up to whitespace next
    to an edit (SAME runs carry `after`'s spacing). Words compare case- and quote-style-blind.
    """
    old_tokens, new_tokens = _Tokens.of(before), _Tokens.of(after)
    matcher = difflib.SequenceMatcher(None, old_tokens.cores, new_tokens.cores, autojunk=False)
    parts: list[WordDiffPart] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(WordDiffPart(WordOp.SAME, _span_text(after, new_tokens, j1, j2)))
            continue
        if i2 > i1:
            parts.append(WordDiffPart(WordOp.DELETED, _span_text(before, old_tokens, i1, i2)))
        if j2 > j1:
            parts.append(WordDiffPart(WordOp.INSERTED, _span_text(after, new_tokens, j1, j2)))
    if not old_tokens.cores and before:
        parts.insert(0, WordDiffPart(WordOp.DELETED, before))
    if not new_tokens.cores and after:
        parts.append(WordDiffPart(WordOp.INSERTED, after))
    return tuple(p for p in parts if p.text)


# --- numbers -----------------------------------------------------------------------------------


def _number_frame(text: str, mentions: Sequence[NumberMention]) -> tuple[list[str], dict[int, NumberMention]]:
    """The sentence's key words with each number as one slot token, and which number is where."""
    tokens: list[str] = []
    slots: dict[int, NumberMention] = {}
    done = 0
    for mention in mentions:
        tokens.extend(_key_words(text[done : mention.start]))
        slots[len(tokens)] = mention
        tokens.append(f"#{mention.kind}")  # no word token has a "#": slots match only slots
        done = mention.end
    tokens.extend(_key_words(text[done:]))
    return tokens, slots


def _number_changes(before: str, after: str) -> tuple[bool, list[Change]]:
    """(whether only numbers differ, one NUMBER_CHANGED per number whose value changed).

    A number changed when a number of the same kind stands in its place in the other version,
    in a run of words both versions share, with another value: "nine" and "9" have the same.
    """
    before, after = restyled(before), restyled(after)
    old_mentions, new_mentions = find_numbers(before), find_numbers(after)
    if not old_mentions or not new_mentions:
        return False, []  # the callers' keys differ, and not in numbers alone
    old_tokens, old_slots = _number_frame(before, old_mentions)
    new_tokens, new_slots = _number_frame(after, new_mentions)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    changes: list[Change] = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            old, new = old_slots.get(block.a + k), new_slots.get(block.b + k)
            if old is not None and new is not None and old.value != new.value:
                changes.append(Change(ChangeKind.NUMBER_CHANGED, before=old.text, after=new.text))
    return old_tokens == new_tokens, changes


# --- sentence alignment ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pair:
    """Old sentences (indices) that became new sentences: an edit, a split or a merge."""

    old: tuple[int, ...]
    new: tuple[int, ...]


@dataclass(slots=True)
class _Alignment:
    pairs: list[_Pair] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    unchanged: dict[int, int] = field(default_factory=dict)  # old index -> new index, in order


def _joined_words(sentences: Sequence[_Sentence], indices: Iterable[int]) -> frozenset[str]:
    return frozenset().union(*(sentences[i].words for i in indices))


def _joined_key(sentences: Sequence[_Sentence], indices: Iterable[int]) -> str:
    return " ".join(sentences[i].key for i in indices)


def _adjacent_groups(free: Sequence[int]) -> list[tuple[int, ...]]:
    free_set = set(free)
    return [(i, i + 1) for i in free if i + 1 in free_set]


def _take_exact(
    old: Sequence[_Sentence],
    new: Sequence[_Sentence],
    old_free: set[int],
    new_free: set[int],
    old_groups: Sequence[tuple[int, ...]],
    new_groups: Sequence[tuple[int, ...]],
) -> None:
    """Drop moved sentences, and splits / merges that kept every word, from the free sets."""
    new_by_key: dict[str, list[tuple[int, ...]]] = {}
    for group in [(j,) for j in sorted(new_free)] + list(new_groups):
        new_by_key.setdefault(_joined_key(new, group), []).append(group)
    for old_group in [(i,) for i in sorted(old_free)] + list(old_groups):
        if not old_free.issuperset(old_group):
            continue
        for new_group in new_by_key.get(_joined_key(old, old_group), []):
            if len(old_group) + len(new_group) <= 3 and new_free.issuperset(new_group):
                old_free.difference_update(old_group)
                new_free.difference_update(new_group)
                break


def _align(old: Sequence[_Sentence], new: Sequence[_Sentence]) -> _Alignment:
    matcher = difflib.SequenceMatcher(None, [s.key for s in old], [s.key for s in new], autojunk=False)
    old_free: set[int] = set()
    new_free: set[int] = set()
    unchanged: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged.update(zip(range(i1, i2), range(j1, j2), strict=True))
        else:
            old_free.update(range(i1, i2))
            new_free.update(range(j1, j2))
    if not old_free or not new_free:
        return _Alignment(removed=sorted(old_free), added=sorted(new_free), unchanged=unchanged)

    old_groups = _adjacent_groups(sorted(old_free))
    new_groups = _adjacent_groups(sorted(new_free))
    _take_exact(old, new, old_free, new_free, old_groups, new_groups)

    candidates: list[tuple[float, int, tuple[int, ...], tuple[int, ...]]] = []
    old_singles = [(i,) for i in sorted(old_free)]
    new_singles = [(j,) for j in sorted(new_free)]
    with_groups = len(old_singles) * len(new_singles) <= _MAX_FUZZY_PAIRS
    old_options = old_singles + ([g for g in old_groups if old_free.issuperset(g)] if with_groups else [])
    new_options = new_singles + ([g for g in new_groups if new_free.issuperset(g)] if with_groups else [])
    old_words = {g: _joined_words(old, g) for g in old_options}
    new_words = {g: _joined_words(new, g) for g in new_options}
    for old_group in old_options:
        for new_group in new_options:
            if len(old_group) + len(new_group) > 3:
                continue
            score = dice(old_words[old_group], new_words[new_group])
            if score >= EDIT_MIN_SIMILARITY:
                # Ties go to one-to-one pairs: a split is claimed only when it explains more.
                candidates.append((score, -(len(old_group) + len(new_group)), old_group, new_group))
    candidates.sort(reverse=True)

    alignment = _Alignment(unchanged=unchanged)
    for _score, _size, old_group, new_group in candidates:
        if old_free.issuperset(old_group) and new_free.issuperset(new_group):
            old_free.difference_update(old_group)
            new_free.difference_update(new_group)
            alignment.pairs.append(_Pair(old_group, new_group))
    alignment.removed = sorted(old_free)
    alignment.added = sorted(new_free)
    return alignment


# --- quotes ------------------------------------------------------------------------------------


def _carries(sentence_words: Sequence[str], quote_words: Sequence[str]) -> bool:
    """Does the sentence hold the quote, or a part of it (a quote over sentences, or in pieces)?

    It does when the quote's words, in runs of 3+ words, make up at least half of the quote or
    of the sentence, whichever is shorter.
    """
    if not quote_words or not sentence_words:
        return False
    sentence_key, quote_key = f" {' '.join(sentence_words)} ", f" {' '.join(quote_words)} "
    if quote_key in sentence_key or sentence_key in quote_key:
        return True
    matcher = difflib.SequenceMatcher(None, list(sentence_words), list(quote_words), autojunk=False)
    shared = sum(b.size for b in matcher.get_matching_blocks() if b.size >= _QUOTE_EDGE_MIN_TOKENS)
    return shared > 0 and 2 * shared >= min(len(sentence_words), len(quote_words))


@dataclass(frozen=True, slots=True)
class _QuoteChange:
    quote: Quote
    words: tuple[str, ...]
    key: str  # the words joined by spaces


def _in_text_order(quotes: Sequence[Quote]) -> list[Quote]:
    # Callers list quotes ranked or in text order; the diff must not depend on which.
    return sorted(quotes, key=lambda quote: (quote.start, quote.end))


def _with_keys(quotes: Sequence[Quote], known: dict[str, tuple[str, ...]]) -> list[_QuoteChange]:
    """The quotes with their key words; `known` holds those of quote texts already seen."""
    keyed: list[_QuoteChange] = []
    for quote in quotes:
        words = known.get(quote.text)
        if words is None:
            words = known[quote.text] = _key_words(quote.text)
        keyed.append(_QuoteChange(quote, words, " ".join(words)))
    return keyed


def _unmatched_quotes(
    quotes: Sequence[_QuoteChange], other_quotes: Sequence[_QuoteChange]
) -> list[_QuoteChange]:
    """Quotes (one per distinct key) whose words are in no quote of the other version."""
    other_keys = {q.key for q in other_quotes}
    seen: set[str] = set()
    unmatched: list[_QuoteChange] = []
    for quote in quotes:
        key = quote.key
        if key and key not in seen and key not in other_keys:
            seen.add(key)
            unmatched.append(quote)
    return unmatched


def _absent_from(quotes: Sequence[_QuoteChange], sentences: Sequence[_Sentence]) -> list[_QuoteChange]:
    """Quotes not in the other version's text: no more than half their words there, in order.

    A quote whose words mostly stand in the other text is not new or gone, whatever the quote
    lists say: quote boundaries shift when text around them changes. Short quotes (a few words,
    often found elsewhere in the text unquoted) are left to the quote lists.
    """
    if not quotes:
        return []
    # The text's words, spaced: each sentence key is its words joined by spaces, none empty.
    joined = f" {' '.join(s.key for s in sentences)} "
    matcher: difflib.SequenceMatcher[str] | None = None  # built on the first quote that needs it
    absent: list[_QuoteChange] = []
    for quote in quotes:
        if len(quote.words) < _SHORT_QUOTE_WORDS:
            absent.append(quote)
            continue
        if f" {quote.key} " in joined:
            continue  # all there in one run: the matcher would find it whole
        if matcher is None:
            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(joined.split())
        matcher.set_seq1(list(quote.words))
        # Runs of a few words, in order: scattered common words alone do not make a quote present.
        found = sum(b.size for b in matcher.get_matching_blocks() if b.size >= _QUOTE_EDGE_MIN_TOKENS)
        if found <= len(quote.words) / 2:
            absent.append(quote)
    return absent


def _drop_edited_quotes(removed: list[_QuoteChange], added: list[_QuoteChange]) -> None:
    """A quote whose words were edited is reported through its sentence, not as remove + add."""
    scored = sorted(
        (
            (dice(frozenset(r.words), frozenset(a.words)), i, j)
            for i, r in enumerate(removed)
            for j, a in enumerate(added)
        ),
        reverse=True,
    )
    gone_removed: set[int] = set()
    gone_added: set[int] = set()
    for score, i, j in scored:
        if score >= QUOTE_EDIT_MIN_SIMILARITY and i not in gone_removed and j not in gone_added:
            gone_removed.add(i)
            gone_added.add(j)
    removed[:] = [q for i, q in enumerate(removed) if i not in gone_removed]
    added[:] = [q for j, q in enumerate(added) if j not in gone_added]


# --- the version diff --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Placed:
    position: float  # where in the new version the change is
    change: Change


def _headline_change(old_title: str | None, new_title: str | None) -> Change | None:
    if not old_title or not new_title or _key(old_title) == _key(new_title):
        return None
    return Change(
        ChangeKind.HEADLINE_CHANGED,
        before=old_title.strip(),
        after=new_title.strip(),
        words=word_diff(old_title.strip(), new_title.strip()),
    )


def _position_of_old(index: int, old_to_new: dict[int, float]) -> float:
    earlier = [pos for i, pos in old_to_new.items() if i < index]
    return (max(earlier) if earlier else -1.0) + 0.5


@dataclass(frozen=True, slots=True)
class _HeldQuote:
    """A removed (added) quote and the changed old (new) sentences that carry it."""

    quote: Quote
    holders: tuple[int, ...]


def _hold(
    quotes: Sequence[_QuoteChange], sentences: Sequence[_Sentence], lone: Sequence[int], paired: Sequence[int]
) -> list[_HeldQuote]:
    """Attribute each quote to the changed sentences carrying it; drop quotes no changed one carries.

    Removed (added) sentences come first: a short quote's words may well recur in an edited one.
    Quote changes only count where the text changed, as quote boundaries move with text around them.
    """
    held: list[_HeldQuote] = []
    for quote in quotes:
        for candidates in (lone, paired):
            holders = tuple(i for i in candidates if _carries(sentences[i].key.split(), quote.words))
            if holders:
                held.append(_HeldQuote(quote.quote, holders))
                break
    return held


def _quote_changes(
    old: Sequence[_Sentence],
    new: Sequence[_Sentence],
    alignment: _Alignment,
    old_quotes: Sequence[Quote],
    new_quotes: Sequence[Quote],
) -> tuple[list[_HeldQuote], list[_HeldQuote]]:
    """Removed and added quotes (rules 4 and 5 of the module docstring)."""
    # Most quotes are in both versions: each text is keyed once.
    known: dict[str, tuple[str, ...]] = {}
    old_keyed = _with_keys(_in_text_order(old_quotes), known)
    new_keyed = _with_keys(_in_text_order(new_quotes), known)
    removed = _unmatched_quotes(old_keyed, new_keyed)
    added = _unmatched_quotes(new_keyed, old_keyed)
    _drop_edited_quotes(removed, added)
    removed = _absent_from(removed, new)
    added = _absent_from(added, old)
    paired_old = [i for pair in alignment.pairs for i in pair.old]
    paired_new = [j for pair in alignment.pairs for j in pair.new]
    return (
        _hold(removed, old, alignment.removed, paired_old),
        _hold(added, new, alignment.added, paired_new),
    )


def _pair_changes(old: Sequence[_Sentence], new: Sequence[_Sentence], pair: _Pair) -> list[Change]:
    before = " ".join(old[i].text for i in pair.old)
    after = " ".join(new[j].text for j in pair.new)
    old_key, new_key = _key(before), _key(after)
    if old_key == new_key:
        return []
    only_numbers, numbers = False, list[Change]()
    # The same numbers in the same order: only words changed (and reading the numbers costs).
    if number_parts(old_key.split()) != number_parts(new_key.split()):
        only_numbers, numbers = _number_changes(before, after)
    if only_numbers:
        return numbers  # none when each number only changed how it is written ("nine" -> "9")
    edit = Change(ChangeKind.SENTENCE_EDITED, before=before, after=after, words=word_diff(before, after))
    return [edit, *numbers]


def diff_versions(
    old_title: str | None,
    old_text: str | SplitText,
    old_quotes: Sequence[Quote],
    new_title: str | None,
    new_text: str | SplitText,
    new_quotes: Sequence[Quote],
) -> tuple[Change, ...]:
    """What changed from the previous version of an article to this one (rules: module docstring).

    The texts may come already split (`SplitText.of`), when other stages need the same sentences.
    """
    old = _sentences(old_text)
    new = _sentences(new_text, {s.text: s for s in old})
    alignment = _align(old, new)
    removed_quotes, added_quotes = _quote_changes(old, new, alignment, old_quotes, new_quotes)
    quoted_old = {i for q in removed_quotes for i in q.holders}
    quoted_new = {j for q in added_quotes for j in q.holders}

    # Where each unchanged or paired old sentence sits in the new version, to place removals.
    old_to_new = {i: float(j) for i, j in alignment.unchanged.items()}
    for pair in alignment.pairs:
        old_to_new.update((i, float(pair.new[0])) for i in pair.old)

    placed: list[_Placed] = []
    for pair in alignment.pairs:
        if quoted_old.isdisjoint(pair.old) and quoted_new.isdisjoint(pair.new):
            placed.extend(_Placed(float(pair.new[0]), c) for c in _pair_changes(old, new, pair))
    for i in alignment.removed:
        if i not in quoted_old:
            change = Change(ChangeKind.SENTENCE_REMOVED, before=old[i].text)
            placed.append(_Placed(_position_of_old(i, old_to_new), change))
    for j in alignment.added:
        if j not in quoted_new:
            placed.append(_Placed(float(j), Change(ChangeKind.SENTENCE_ADDED, after=new[j].text)))
    for held in removed_quotes:
        change = Change(ChangeKind.QUOTE_REMOVED, before=held.quote.text)
        placed.append(_Placed(_position_of_old(held.holders[0], old_to_new), change))
    for held in added_quotes:
        placed.append(_Placed(float(held.holders[0]), Change(ChangeKind.QUOTE_ADDED, after=held.quote.text)))

    placed.sort(key=lambda p: p.position)  # stable: equal positions keep the order above
    headline = _headline_change(old_title, new_title)
    changes = ((headline,) if headline else ()) + tuple(p.change for p in placed)
    log.debug("diff_versions: %d old, %d new sentences, %d changes", len(old), len(new), len(changes))
    return changes
