"""Which phrases a headline keeps: a small logistic model of the words an editor keeps, and the
phrases that can be dropped without cutting the clause (see the package's notes)."""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

from bot.brief.headline.words import (
    _PREPOSITIONS,
    MIN_WORDS,
    _is_verb,
    _main_verb,
    _opens_phrase,
    _Word,
)
from bot.brief.summarize import stop_words
from bot.brief.text import SplitText, fold_word, tokenize_words, word_set
from bot.brief.verbs import (
    AUXILIARIES,
    SPEECH_VERBS,
)

KEY_TERM_COUNT = 2  # a word used this many times in the opening is one of the story's key words


def term_counts(text: str | SplitText) -> Counter[str]:
    """How often the text uses each word, lowercased and folded as the summary folds them."""
    words = tokenize_words(text.text if isinstance(text, SplitText) else text)
    return Counter(map(_folded, words))


@lru_cache(maxsize=1 << 16)
def _folded(word: str) -> str:
    return fold_word(word.lower())


def key_terms(text: str | SplitText) -> frozenset[str]:
    """The story's key words: the content words (folded as the summary folds them) it repeats."""
    stop = stop_words()
    return frozenset(t for t, count in term_counts(text).items() if count >= KEY_TERM_COUNT and t not in stop)


# How likely an editor is to keep a word: a logistic model of its form and place, fitted on the
# tuning half of bench/headlines.py's data (7,063 words of 535 articles, labelled by whether the
# real title has it; `bench/headlines.py --fit-weights` refits it). Features: see `keep_features`.
# fmt: off
_KEEP_WEIGHTS = (
    -2.25, 0.52, 0.67, -1.39, -0.02, 0.4, 0.13, 0.27, 0.34, 0.1,
    0.75, 0.29, -1.26, 0.47, -0.04, 0.3, 0.07, -0.47, 0.33, 0.59,
)
# fmt: on


# The title length the choice aims at: a phrase is dropped when the expected ROUGE-1 F1 of the rest,
# 2 * (sum of keep odds) / (words + TITLE_WORDS), is higher. Chosen on the tuning half.
TITLE_WORDS = 4.0


def keep_features(
    tokens: Sequence[_Word], counts: Mapping[str, int], following: frozenset[str] = frozenset()
) -> list[tuple[float, ...]]:
    """Per token: bias; capitalized mid-sentence; first word; a stop word; has a digit; the opening
    uses it 2+, 3+, 5+ times; log(1 + uses); before, at, after the main verb; place (0..1 over 15
    words); up to three letters; ends a clause; a preposition; ends in "ing"; in "ed"; a content
    word that heads its phrase (`_is_head`); one the following sentences use too."""
    verb = _main_verb(tokens)
    stop = stop_words()
    rows: list[tuple[float, ...]] = []
    for index, word in enumerate(tokens):
        bare = word.bare
        uses = counts.get(fold_word(bare), 0)
        rows.append(
            (
                1.0,
                float(index > 0 and word.text[:1].isupper()),
                float(index == 0),
                float(bare in stop),
                float(any(c.isdigit() for c in bare)),
                float(uses >= 2),
                float(uses >= 3),
                float(uses >= 5),
                math.log1p(uses),
                float(verb is not None and index < verb),
                float(verb is not None and index == verb),
                float(verb is not None and index > verb),
                min(index, 15) / 15.0,
                float(len(bare) <= 3),
                float(word.ends_clause),
                float(bare in _PREPOSITIONS),
                float(bare.endswith("ing")),
                float(bare.endswith("ed")),
                float(bare not in stop and _is_head(tokens, index, verb)),
                float(bare not in stop and fold_word(bare) in following),
            )
        )
    return rows


def _is_head(tokens: Sequence[_Word], index: int, verb: int | None) -> bool:
    """Whether a word ends its phrase (the head noun, most often): a function word, the verb, a
    comma or the end comes next."""
    if index + 1 == len(tokens) or tokens[index].ends_clause or index + 1 == verb:
        return True
    following = tokens[index + 1].bare
    return following in stop_words() or following in _PREPOSITIONS


def _keep_odds(tokens: Sequence[_Word], counts: Mapping[str, int], following: frozenset[str]) -> list[float]:
    return [
        1.0 / (1.0 + math.exp(-sum(map(operator.mul, _KEEP_WEIGHTS, row))))
        for row in keep_features(tokens, counts, following)
    ]


def _droppable_spans(tokens: Sequence[_Word]) -> list[tuple[int, int]]:
    """Phrases that can go without cutting the clause: each trailing phrase or purpose infinitive
    ("to settle a claim", with all after it) after the verb and its object, and each prepositional
    phrase inside ("at the office")."""
    verb = _main_verb(tokens)
    if verb is None:
        return []
    end = len(tokens)
    spans = [
        (i, end)
        for i in range(verb + 2, end)
        if not _needs_complement(tokens[i - 1])
        and (
            # After a participle past the object its phrase may go ("[hurled] over the wall"), but
            # not the agent ("directed [by X]").
            (
                _opens_phrase(tokens, i)
                and ((i >= verb + 3 and tokens[i].bare != "by") or not _takes_complement(tokens[i - 1]))
            )
            or tokens[i - 1].ends_clause
            or tokens[i].bare == "and"
            # A relative clause ("a pipeline [that will pass ...]"), not what was said ("told X that").
            or (
                tokens[i].bare == "that"
                and tokens[verb].bare not in SPEECH_VERBS
                and tokens[i - 1].bare not in SPEECH_VERBS
            )
            or (tokens[i].bare == "to" and i >= verb + 3 and _ends_noun_phrase(tokens[i - 1], tokens[i - 2]))
            # A past participle after a noun opens a reduced relative clause: "plans [aimed at ...]".
            or (
                tokens[i].bare.endswith("ed")
                and _takes_complement(tokens[i])
                and _after_noun(tokens, i, verb)
            )
            or _opens_participle_clause(tokens, i, verb)
        )
    ]
    for start in range(1, end):
        # An "of" phrase belongs to its noun ("the eyes of voters"): it goes only with it.
        if not _opens_phrase(tokens, start) or (start == verb + 1 and tokens[start].bare == "to"):
            continue
        if _takes_complement(tokens[start - 1]) or _needs_complement(tokens[start - 1]):
            continue
        stop = start + 1
        while (
            stop < end
            and stop != verb
            and not tokens[stop - 1].ends_clause
            and tokens[stop].bare not in ("and", "but")
        ):
            if _opens_inner_phrase(tokens, stop) and tokens[stop].bare != "of":
                break
            stop += 1  # an "of" phrase goes with the noun before it ("at critics of the bill")
        # Not when what follows depends on it: "between X [and Y]", "as cards[, with ...]".
        dangles = stop < end and (tokens[stop].bare in ("and", "or", "but") or tokens[stop - 1].ends_clause)
        if not start <= verb < stop and not dangles:
            spans.append((start, stop))
    # A participle phrase inside the subject: "Lawyers [defending X] called", "firms [based in Y] saw".
    for start in range(1, verb - 1):
        word, previous = tokens[start], tokens[start - 1]
        if (
            word.text.isalpha()
            and word.text.islower()
            and word.bare.endswith(("ing", "ed"))
            and len(word.bare) > 4
            and previous.bare not in stop_words()
            and previous.bare not in _PREPOSITIONS
            and not previous.ends_clause
            and not any(w.ends_clause for w in tokens[start:verb])
        ):
            spans.append((start, verb))
            break
    return spans


# Words that cannot end a clause: what follows them goes with them ("will be [up to four years]").
_NEEDS_COMPLEMENT = AUXILIARIES | word_set(
    "it he she they we not whether that be being set due poised likely unlikely able unable"
)


def _needs_complement(word: _Word) -> bool:
    return word.bare in _NEEDS_COMPLEMENT and not word.ends_clause


def _takes_complement(word: _Word) -> bool:
    """A participle that needs the phrase after it: "plans aimed [at ...]", "following [in ...]"."""
    return word.text.isalpha() and word.text.islower() and word.bare.endswith(("ed", "ing"))


# Words in "-ing" that are most often nouns ("public spending", "pub opening times").
_ING_NOUNS = word_set(
    "spending opening following funding building meeting training housing trading offering hearing "
    "ruling warning rating filing listing booking morning evening thing king ring wedding clothing "
    "shipping banking marketing lending pricing timing ceiling feeling darling sibling viewing"
)


def _opens_participle_clause(tokens: Sequence[_Word], index: int, verb: int) -> bool:
    """A present participle after the object opens a clause that can go: "a pitch [urging voters
    to ...]", "a speech [setting out ...]"; not an "-ing" noun, nor one that ends the sentence."""
    word = tokens[index]
    if not (word.bare.endswith("ing") and _takes_complement(word)) or word.bare in _ING_NOUNS:
        return False
    if index + 1 >= len(tokens) or word.ends_clause or not _after_noun(tokens, index, verb):
        return False
    return tokens[index + 1].bare not in _PREPOSITIONS or tokens[index + 1].bare in ("out", "up", "off")


def _after_noun(tokens: Sequence[_Word], index: int, verb: int) -> bool:
    previous = tokens[index - 1]
    if index < verb + 3 or previous.bare in stop_words() or previous.bare in _PREPOSITIONS:
        return False
    return not previous.text.endswith(("'s", "’s")) and previous.text[:1].isalpha()


def _ends_noun_phrase(word: _Word, previous: _Word) -> bool:
    """Whether a "to" after `word` starts a purpose ("a fine to settle"), not a verb's complement
    ("has to act", "plans to sell")."""
    bare = word.bare
    if bare in AUXILIARIES or _is_verb(word, previous) or word.ends_clause:
        return False
    if bare.endswith("ing") and word.text.islower():
        return False  # "a scheme aiming [to boost ...]": the participle needs its "to"
    return not (bare.endswith("s") and word.text.isalpha() and word.text.islower())


def _opens_inner_phrase(tokens: Sequence[_Word], index: int) -> bool:
    return tokens[index].bare == "of" or _opens_phrase(tokens, index)


def _fit_by_weight(tokens: list[_Word], counts: Mapping[str, int], following: frozenset[str]) -> list[_Word]:
    """Drop phrases (`_droppable_spans`), best first, while that raises the expected ROUGE-1 F1 (words
    scored by `_keep_odds`) against a title of `TITLE_WORDS` words; never below `MIN_WORDS` words."""
    kept = list(zip(tokens, _keep_odds(tokens, counts, following), strict=True))
    while True:
        words = [w for w, _ in kept]
        odds = [p for _, p in kept]
        total = sum(odds)
        best_value = total / (len(odds) + TITLE_WORDS)
        best: tuple[int, int] | None = None
        for start, stop in _droppable_spans(words):
            size = stop - start
            if len(words) - size < MIN_WORDS:
                continue
            value = (total - sum(odds[start:stop])) / (len(odds) - size + TITLE_WORDS)
            if value > best_value + 1e-9:
                best_value, best = value, (start, stop)
        if best is None:
            return words
        kept = kept[: best[0]] + kept[best[1] :]
