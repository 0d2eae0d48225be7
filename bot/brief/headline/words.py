"""The grammar the headline rules share: the word classes, the token, and the verb and phrase tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.brief.text import word_set
from bot.brief.verbs import (
    AUXILIARIES,
    IRREGULAR_PASTS,
    SPEECH_VERBS,
)

# Lengths, in words. Chosen on the tuning half of bench/headlines.py's data (see its notes).
MAX_WORDS = 10  # trailing phrases are kept only while the headline stays within this


MIN_WORDS = 4  # no phrase is dropped if fewer words than this would remain


_SUBORDINATORS = word_set(
    "after because as while when whereas although though despite amid amidst since before "
    "until unless if which who whom whose where so"
)


_PREPOSITIONS = word_set(
    "in on at for from with by to of into onto over under between among against during without "
    "within through across towards toward about around near via per amid ahead"
)


_ARTICLES = word_set("a an the")


# Headlinese drops articles and possessive determiners ("cuts his schedule" -> "cuts schedule").
_DROPPED_DETERMINERS = _ARTICLES | word_set("its his her their")


_DETERMINERS = word_set("a an the this that these those its his her their our my your some another")


_END_PUNCT = ".,;:!?\"'”’)]"


# Headlinese names the country where prose has its adjective ("Japanese output" -> "Japan output").
COUNTRY_OF_ADJECTIVE = {
    "Japanese": "Japan",
    "Chinese": "China",
    "German": "Germany",
    "French": "France",
    "Italian": "Italy",
    "Spanish": "Spain",
    "Russian": "Russia",
    "American": "US",
    "British": "UK",
    "Indian": "India",
    "Brazilian": "Brazil",
    "Irish": "Ireland",
    "Scottish": "Scotland",
    "Welsh": "Wales",
    "English": "England",
    "Australian": "Australia",
    "Canadian": "Canada",
    "Mexican": "Mexico",
    "Greek": "Greece",
    "Turkish": "Turkey",
    "Israeli": "Israel",
    "Egyptian": "Egypt",
    "Iraqi": "Iraq",
    "Iranian": "Iran",
    "Korean": "Korea",
    "Argentine": "Argentina",
    "Nigerian": "Nigeria",
    "Kenyan": "Kenya",
    "Polish": "Poland",
    "Swedish": "Sweden",
    "Ukrainian": "Ukraine",
    "Venezuelan": "Venezuela",
}


@dataclass(frozen=True, slots=True)
class _Word:
    """One whitespace-separated token of the sentence being compressed."""

    text: str
    verb: bool = False  # known to be the main verb (set once headline tense rewrote it)
    bare: str = field(init=False, compare=False)  # lowercased, without punctuation around it

    def __post_init__(self) -> None:
        # Every rule reads it, many times a word: worked out once.
        object.__setattr__(self, "bare", self.text.strip(_END_PUNCT + "“‘(").lower())

    @property
    def ends_clause(self) -> bool:
        return self.text.endswith((",", ";", ":"))


def _is_name(word: str) -> bool:
    core = word.strip(_END_PUNCT + "“‘(")
    return bool(core) and core[0].isupper() and core.lower() not in AUXILIARIES


def _is_verb(word: _Word, previous: _Word | None) -> bool:
    """A finite or participle verb, by form: auxiliaries, speech verbs, irregular pasts, "-ed"."""
    if word.verb:
        return True
    bare = word.bare
    if not bare or not bare[0].isalpha() or word.text[:1].isupper():
        return bare in AUXILIARIES and word.text[:1].islower()
    if bare in AUXILIARIES or bare in SPEECH_VERBS or bare in IRREGULAR_PASTS:
        return True
    if bare.endswith("ed") and len(bare) > 4 and "-" not in bare:
        # "the troubled firm", "state-owned": after a determiner or hyphenated, an adjective.
        return previous is None or previous.bare not in _DETERMINERS
    return False


def _main_verb(tokens: Sequence[_Word]) -> int | None:
    """Index of the main clause's first verb, skipping verbs inside comma-delimited asides."""
    depth = False
    for index, word in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        if index and previous is not None and previous.ends_clause:
            # Inside ", who ... ," or ", the firm that ... ," the verb is not the main one.
            depth = (
                word.bare in _SUBORDINATORS
                or word.bare in _DETERMINERS
                or _opens_participle_aside(tokens, index)
                or (depth and not word.ends_clause)
            )
        if not depth and index and _is_verb(word, previous):
            return index
        if depth and word.ends_clause:
            depth = False
    return None


def _opens_participle_aside(tokens: Sequence[_Word], index: int) -> bool:
    """ ", financed by X," after a comma: a participle with its agent, an aside."""
    word = tokens[index]
    following = tokens[index + 1].bare if index + 1 < len(tokens) else ""
    return word.bare.endswith("ed") and word.text.islower() and following == "by"


def _opens_phrase(tokens: Sequence[_Word], index: int) -> bool:
    """Whether a prepositional phrase opens at `index` ("to" only before a noun phrase, since
    before a verb it opens an infinitive that the clause may need)."""
    bare = tokens[index].bare
    if bare == "as":
        return True
    if bare not in _PREPOSITIONS or bare == "of":
        # An "of" phrase belongs to its noun ("a total of $515m").
        return False
    if bare != "to":
        return True
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    return following is not None and (
        following.bare in _DETERMINERS or following.text[:1].isupper() or following.text[:1].isdigit()
    )
