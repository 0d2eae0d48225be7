"""People named in an article: full names for surnames, pronouns resolved to the person meant."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.quotes.marks import (
    _sentence_start,
    _word_set,
)
from bot.quotes.speakers import (
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

# --- people named in the article ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mention:
    at: int
    key: str  # surname, lower-cased
    name: str
    gender: str | None
    subject: bool = False  # the first person named in its sentence: usually what "he" refers to


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

    Whether a mention is a sentence's subject is only worked out before `subjects_before` (it only
    matters for pronouns, which look back from where they stand); later mentions say False. With no
    pronoun to resolve (`subjects_before` 0), only the speakers' own names are looked for.
    """
    skipped_spans = _Spans.of(skipped)
    # A mention of a speaker's name holds its surname key; other runs cannot be one.
    only_keys = None if subjects_before else {_surname_key(name) for name in speaker_names}
    candidates: list[tuple[int, list[str], bool]] = []
    for match in _NAME_RUN.finditer(text):
        if match.start() in skipped_spans:
            continue
        if only_keys is not None:
            lowered = match.group().lower()
            if not any(key in lowered for key in only_keys):
                continue
        tokens = [_clean_token(t) for t in match.group().split()]
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
    mentions: list[_Mention] = []
    for at, name, gender, key in named_runs:
        if key not in people:
            continue
        if at >= subjects_before:
            mentions.append(_Mention(at, key, name, gender))
        else:
            sentence_start = _sentence_start(text, max(0, at - 300), at)
            # The subject: the first person of the sentence who is not the object of a preposition
            # ("In an interview with Ann Lee, Ham said …"), unless a pronoun already took that place.
            governed = _PREPOSITION_BEFORE.search(text, max(sentence_start, at - 30), at) is not None
            subject = (
                not governed
                and not _subject_since(mentions, sentence_start)
                and not _PRONOUN_WORD.search(text, sentence_start, at)
            )
            mentions.append(_Mention(at, key, name, gender, subject))
    return mentions


def _subject_since(mentions: Sequence[_Mention], start: int) -> bool:
    for mention in reversed(mentions):
        if mention.at < start:
            return False
        if mention.subject:
            return True
    return False


def _looks_like_personal_name(words: Sequence[str]) -> bool:
    return len(words) <= 3 and all(w[:1].isupper() and not w.isupper() and "’" not in w for w in words)


_PREPOSITION_BEFORE = re.compile(
    r"\b(?:with|to|from|for|by|of|about|against|at|in|on|under|than|like|between|and)\s+(?:the\s+)?"
    r"(?:[a-z][\w\-]*\s+){0,2}$"
)
_PRONOUN_WORD = re.compile(r"\b(?:[Hh]e|[Ss]he|[Tt]hey)\b")
_PLACE_STARTS = _word_set("north south east west new united saudi hong los las san santa el")


def _is_place_or_organization(name: str) -> bool:
    words = name.lower().split()
    return words[-1] in _ORGANIZATION_WORDS or (len(words) > 1 and words[0] in _PLACE_STARTS)


def _full_name(name: str, at: int, mentions: Sequence[_Mention]) -> str:
    """The fullest form of a name used in the article: the latest one before `at`, else the first."""
    key = _surname_key(name)
    before = [m.name for m in mentions if m.key == key and m.at <= at and len(m.name) > len(name)]
    if before:
        return max(before[-3:], key=len)
    after = [m.name for m in mentions if m.key == key and len(m.name.split()) > len(name.split())]
    return after[0] if after else name


def _resolve_pronoun(speaker: _Speaker, mentions: Sequence[_Mention]) -> str | None:
    """The last person named before the pronoun, preferring one named as a sentence's subject.

    In "Lee criticized the officer for shooting Ray Hart. ... she said", "she" is Lee: a pronoun
    usually continues the topic (the subject), not the last name in an object position.
    """
    fallback: _Mention | None = None
    for mention in reversed(mentions):
        if mention.at >= speaker.at:
            continue
        if speaker.gender and mention.gender and speaker.gender != mention.gender:
            continue
        fallback = fallback or mention
        if mention.subject:
            return _full_name(mention.name, mention.at, mentions)
    return _full_name(fallback.name, fallback.at, mentions) if fallback else None
