"""People named in an article: full names for surnames, pronouns resolved to the person meant."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.brief.quotes.first_names import gender_of_first_name
from bot.brief.quotes.marks import (
    _alternation,
    _sentence_start,
)
from bot.brief.quotes.speakers import (
    _NAME_RUN,
    _NAME_SUFFIXES,
    _NOT_NAME_WORDS,
    _ORGANIZATION_WORDS,
    _TITLES,
    _clean_token,
    _name_from_run,
    _Speaker,
    _title_key,
)
from bot.brief.text import word_set

# --- people named in the article ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mention:
    at: int
    key: str  # surname, lower-cased
    name: str
    gender: str | None


def _surname_key(name: str) -> str:
    tokens = [t for t in name.split() if _title_key(t) not in _NAME_SUFFIXES]
    return (tokens or name.split())[-1].lower().rstrip(".")


@dataclass(frozen=True, slots=True)
class _Spans:
    """Sorted, merged character spans, for fast "is this position inside one" tests."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, spans: Sequence[tuple[int, int]]) -> _Spans:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple(s for s, _ in merged), tuple(e for _, e in merged))

    def __contains__(self, at: int) -> bool:
        i = bisect.bisect_right(self.starts, at) - 1
        return i >= 0 and at < self.ends[i]


def _mentions(
    text: str, skipped: Sequence[tuple[int, int]], speaker_names: Sequence[str], subjects_before: int
) -> list[_Mention]:
    """People named outside quotes and headlines, in order: titled names, full names, surnames alone.

    With no pronoun to resolve (`subjects_before` 0), only the speakers' own names are looked for.
    """
    skipped_spans = _Spans.of(skipped)
    # A mention of a speaker's name holds its surname key; other runs cannot be one.
    only_keys = None if subjects_before else {_surname_key(name) for name in speaker_names}
    candidates: list[tuple[int, list[str], bool]] = []
    for match in _NAME_RUN.finditer(text):
        run = match.group()
        # Most runs are one word opening a sentence ("The", "But"): the cheapest test goes first.
        if " " not in run and _title_key(_clean_token(run)) in _NOT_NAME_WORDS:
            continue
        if match.start() in skipped_spans:
            continue
        if only_keys is not None and only_keys.isdisjoint(_RUN_WORD_BREAK.split(run.lower())):
            continue
        if _MODIFIER_OF_A_TITLE.match(text, match.end()):
            continue
        tokens = [_clean_token(t) for t in run.split()]
        while tokens and _title_key(tokens[0]) in _NOT_NAME_WORDS:
            tokens = tokens[1:]
        if tokens:
            titled = any(_title_key(t) in _TITLES for t in tokens[:-1])
            candidates.append((match.start(), tokens, titled))
    single_words = {tokens[0].lower() for _, tokens, _ in candidates if len(tokens) == 1}
    people = {_surname_key(name) for name in speaker_names}
    # (where, name, gender, surname key) of each run that names someone, not a place or organization
    named_runs: list[tuple[int, str, str | None, str]] = []
    for at, tokens, titled in candidates:
        named = _name_from_run(tokens)
        if named is None or _is_place_or_organization(named[0]):
            continue
        key = _surname_key(named[0])
        named_runs.append((at, named[0], named[1], key))
        # A full name: two or three capitalized words, or a longer run whose surname recurs alone.
        words = named[0].split()
        is_full_name = len(words) >= 2 and (key in single_words or _looks_like_personal_name(words))
        if titled or is_full_name:
            people.add(key)
    return [_Mention(at, key, name, gender) for at, name, gender, key in named_runs if key in people]


def _looks_like_personal_name(words: Sequence[str]) -> bool:
    return len(words) <= 3 and all(w[:1].isupper() and not w.isupper() and "’" not in w for w in words)


_RUN_WORD_BREAK = re.compile(r"[\s’'.,;:]+")
# "Clinton communication director Palmieri": a name before a job title modifies it; the person
# meant is the one after the title.
_MODIFIER_OF_A_TITLE = re.compile(
    r"(?:’s|'s)?\s+(?:[a-z][\w\-]*\s+){0,2}(?:" + _alternation(_TITLES) + r")\s+[A-Z]"
)
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:with|to|from|for|by|of|about|against|at|in|on|under|than|like|between|and)\s+(?:the\s+)?"
    r"(?:[a-z][\w\-]*\s+){0,2}$"
)
_PRONOUN_WORD = re.compile(r"\b(?:[Hh]e|[Ss]he|[Tt]hey)\b")
_PLACE_STARTS = word_set("north south east west new united saudi hong los las san santa el")


def _is_place_or_organization(name: str) -> bool:
    words = name.lower().split()
    return words[-1] in _ORGANIZATION_WORDS or (len(words) > 1 and words[0] in _PLACE_STARTS)


@dataclass(slots=True)
class _KeyIndex:
    """The mentions of one surname, in text order, with where the latest full name stands."""

    ats: list[int]
    names: list[str]
    latest_full: list[int]  # per mention: index of the latest mention so far with 2+ words, or -1
    first_full: int = -1


@dataclass(slots=True)
class People:
    """The people an article names, indexed so that each lookup costs a bisection, not a scan.

    Looking names up by scanning every mention made extraction quadratic: a 4.5 MB page took
    over half a minute. `comparisons` counts the mentions looked at, for the linear-growth test.
    """

    mentions: list[_Mention]
    by_key: dict[str, _KeyIndex]
    text: str = ""
    comparisons: int = 0
    # Whether each mention (by its index) is its sentence's subject, worked out when a pronoun
    # first asks: most mentions stand far from any pronoun, and finding their sentence cost more
    # than the rest of reading the people.
    subjects: dict[int, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, mentions: list[_Mention], text: str = "") -> People:
        by_key: dict[str, _KeyIndex] = {}
        for mention in mentions:
            index = by_key.setdefault(mention.key, _KeyIndex([], [], []))
            latest = index.latest_full[-1] if index.latest_full else -1
            if len(mention.name.split()) >= 2:
                latest = len(index.names)
                if index.first_full < 0:
                    index.first_full = latest
            index.ats.append(mention.at)
            index.names.append(mention.name)
            index.latest_full.append(latest)
        return cls(mentions, by_key, text)

    def is_subject(self, position: int) -> bool:
        """Whether the mention at `position` is the first person of its sentence who is not the
        object of a preposition ("In an interview with Ann Lee, Ham said …": Ham), unless a
        pronoun already took that place: usually what "he" refers to."""
        pending = [position]
        sentence_starts: dict[int, int] = {}
        while pending:
            index = pending[-1]
            if index in self.subjects:
                pending.pop()
                continue
            at = self.mentions[index].at
            if index not in sentence_starts:
                sentence_starts[index] = _sentence_start(self.text, max(0, at - 300), at)
            sentence_start = sentence_starts[index]
            # An earlier subject in the sentence: the nearest mentions first, as far as one is.
            earlier_subject, unknown = False, -1
            for before in range(index - 1, -1, -1):
                if self.mentions[before].at < sentence_start:
                    break
                if before not in self.subjects:
                    unknown = before
                    break
                if self.subjects[before]:
                    earlier_subject = True
                    break
            if unknown >= 0:
                pending.append(unknown)  # worked out first, without recursion
                continue
            governed = _PREPOSITION_BEFORE.search(self.text, max(sentence_start, at - 30), at) is not None
            self.subjects[index] = (
                not governed
                and not earlier_subject
                and not _PRONOUN_WORD.search(self.text, sentence_start, at)
            )
            pending.pop()
        return self.subjects[position]

    def full_name(self, name: str, at: int) -> str:
        """The fullest form of a one-word name: the latest full name with its surname before `at`,
        else the first one after. "Ben Cole ... Cole said" is Ben Cole; after "Ann Cole" is named,
        a bare "Cole" is Ann Cole."""
        if len(name.split()) >= 2:
            return name
        index = self.by_key.get(_surname_key(name))
        if index is None:
            return name
        self.comparisons += 1
        position = bisect.bisect_right(index.ats, at) - 1
        if position >= 0 and index.latest_full[position] >= 0:
            return index.names[index.latest_full[position]]
        return index.names[index.first_full] if index.first_full >= 0 else name

    def resolve_pronoun(self, speaker: _Speaker) -> str | None:
        """The last person named before the pronoun, preferring one named as a sentence's subject.

        In "Lee criticized the officer for shooting Ray Hart. ... she said", "she" is Lee: a
        pronoun usually continues the topic (the subject), not the last name in an object
        position. A person whose gender (from a title or a first name) contradicts the pronoun is
        passed over; "they" names no one person. Salience fades: only the last few people named
        are candidates.
        """
        if speaker.gender is None:
            return None
        fallback: _Mention | None = None
        start = bisect.bisect_left(self.mentions, speaker.at, key=lambda m: m.at) - 1
        for position in range(start, max(start - _SALIENT_MENTIONS, -1), -1):
            self.comparisons += 1
            mention = self.mentions[position]
            if mention.name.isupper():
                continue  # an acronym ("DNC", "FBI") names an organisation, not a person
            gender = mention.gender or self._gender_of(mention)
            if gender and speaker.gender != gender:
                continue
            fallback = fallback or mention
            if self.is_subject(position):
                return self.full_name(mention.name, mention.at)
        return self.full_name(fallback.name, fallback.at) if fallback else None

    def _gender_of(self, mention: _Mention) -> str | None:
        full = self.full_name(mention.name, mention.at)
        return gender_of_first_name(full.split()[0]) if len(full.split()) >= 2 else None


# How many people named before a pronoun it may refer to; beyond that the reader has lost track.
_SALIENT_MENTIONS = 12
