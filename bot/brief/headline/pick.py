"""Which sentence a headline is made from: the first lead sentence that states the news."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, islice

from bot.brief.headline.words import (
    _END_PUNCT,
    _is_name,
    _main_verb,
    _Word,
)
from bot.brief.summarize import is_hook, is_junk
from bot.brief.text import word_set

LEAD_SENTENCES = 5  # the news sentence is looked for among this many lead sentences


MIN_NEWS_WORDS = 6  # a shorter sentence states news only if it names someone or something


VERBLESS_NEWS_WORDS = 10  # a sentence with no verb we know states news if it is this long


# Sentence openers that announce a hook rather than the news.
_HOOK_OPENERS = re.compile(
    r"^(?:well|so|oh|okay|ok|look|yes|no|now|imagine|picture|remember|forget|guess|ever|meet|"
    r"here's|here’s|think|call it|talk about|it's official|it’s official)\b",
    re.IGNORECASE,
)


_PRONOUNS = word_set("this that these those it it's it’s they he she we i you there here and or but like one")


_QUOTE_OPEN = re.compile(r"^[\"“‘'«]")


_DATELINE = re.compile(r"^(?:\(\w+\)\s*|[A-Z][A-Z .,'’-]{1,40}(?:\([\w .]+\))?\s+[-–—]\s+)")


# A quoted phrase as the subject (‘"Grave damage" will be done ...’), not a quotation.
_QUOTED_SUBJECT = re.compile(r"^[\"“‘'][^\"”’'.,!?]{3,80}[\"”’'] [a-z]")


_ATTRIBUTED = re.compile(
    r", (?:[\w'’-]+ ){1,5}(?:(?:has|have) )?"
    r"(?:said|says|warned|revealed|announced|reported|claimed)\.?[\"”’]?$"
)


_ONE_OF = re.compile(r"^One (?:in|of) ")


_SENTENCE_END = re.compile(r"[.!][\"'”’)\]]*$")


def pick_sentence(sentences: Sequence[str]) -> str:
    """The first lead sentence that states the news; failing that, the first that is not boilerplate."""
    # Lazily: the lead is all that is read, unless no sentence in it will do.
    story = (_DATELINE.sub("", s).strip() or s for s in sentences if not is_junk(s))
    lead = list(islice(story, LEAD_SENTENCES))
    for sentence in lead:
        if states_news(sentence):
            return sentence
    return next((s for s in chain(lead, story) if len(s.split()) >= 3), lead[0] if lead else "")


def states_news(sentence: str) -> bool:
    """Whether a sentence can carry a headline: a statement with a verb, not a hook or a quote."""
    words = sentence.split()
    if not words or sentence.rstrip(_END_PUNCT[-5:]).endswith("?") or sentence.rstrip().endswith("?"):
        return False
    if (_QUOTE_OPEN.match(sentence) and not _QUOTED_SUBJECT.match(sentence)) or _HOOK_OPENERS.match(sentence):
        return False
    if is_hook(sentence):
        return False
    lowered = [w.strip(_END_PUNCT + "“‘(").lower() for w in words]
    if "you" in lowered or "your" in lowered:
        return False  # "When you are ...": a hook that speaks to the reader
    if lowered[0] in _PRONOUNS and not (_ATTRIBUTED.search(sentence) or _ONE_OF.match(sentence)):
        # "This won't go down as ...": a hook, or a subject the reader lacks; but a statement
        # someone is reported making ("It could cost $9m, officials said.") is news.
        return False
    tokens = [_Word(w) for w in words]
    if _main_verb(tokens) is None:
        # Our verb test knows verbs by form and misses many ("ministers meet", "firm plans"): a
        # full sentence that ends as one is taken to have one.
        return len(words) >= VERBLESS_NEWS_WORDS and bool(_SENTENCE_END.search(sentence))
    named = any(_is_name(w) for w in words[1:]) or any(c.isdigit() for c in sentence)
    return len(words) >= MIN_NEWS_WORDS or named
