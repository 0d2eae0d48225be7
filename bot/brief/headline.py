"""A headline for an article without a title, made the way an editor would.

Two steps. **Pick** the sentence that states the news: the first of the lead sentences that is not
an opening hook ("Well, that's one way to make a statement."), a question, a quote, a scene or a
fragment without a verb; datelines and bylines are stripped or skipped. **Compress** it, by whole
phrases only: drop a leading attribution or adverbial ("According to X,", "On Tuesday,"),
parentheses, appositives ("Parmalat, the Italian food group, has" -> "Parmalat has"), asides after a
dash, a trailing attribution (", the firm said"), trailing subordinate and participle clauses, time
phrases and articles; then trailing and inner prepositional phrases, chosen by a small logistic
model of which words an editor keeps (`_fit_by_weight`). Headline tense replaces the auxiliaries
where that is safe ("will meet" -> "to meet", "has been fined" -> "fined", "has won" / "just
skipped" -> "wins" / "skips").

No cut ever falls inside a phrase, and a headline never ends with "…". The rules are written from
English grammar (function words, speech verbs, time words); the model's weights and the few lengths
were chosen on one half of a set of titled news articles and checked on the other
(bench/headlines.py).
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice, pairwise

from bot.brief.summarize import content_terms, is_hook, is_junk, stop_words
from bot.brief.text import SplitText, fold_word, tokenize_words, word_set
from bot.brief.verbs import (
    AUXILIARIES,
    IRREGULAR_PARTICIPLES,
    IRREGULAR_PASTS,
    SPEECH_VERBS,
    present_form,
    regular_stem,
)

# Lengths, in words. Chosen on the tuning half of bench/headlines.py's data (see its notes).
MAX_WORDS = 10  # trailing phrases are kept only while the headline stays within this
MIN_WORDS = 4  # no phrase is dropped if fewer words than this would remain
KEY_TERM_COUNT = 2  # a word used this many times in the opening is one of the story's key words
LEAD_SENTENCES = 5  # the news sentence is looked for among this many lead sentences
OPENING_CHARS = 1500  # names and key words are read from this much of the text (speed)
FOLLOWING_SENTENCES = 3  # a word the story goes on using in this many sentences is likelier kept
MIN_NEWS_WORDS = 6  # a shorter sentence states news only if it names someone or something
VERBLESS_NEWS_WORDS = 10  # a sentence with no verb we know states news if it is this long


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
_TIME_WORDS = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?(?![’'\w])"
)
_MONTHS = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_TIME_PHRASE = re.compile(
    r"\b(?:(?:on|by|until|since|from|this|last|next|early|late|earlier|later)\s+)?" + _TIME_WORDS + r"\b"
    r"|\b(?:earlier|later)\s+(?:this|last|next)\s+(?:week|month|year|season|weekend|summer|winter|"
    r"spring|autumn|fall)\b"
    r"|\b(?:this|last|next)\s+(?:week|month|year|season|weekend|summer|winter|spring|autumn|fall)\b"
    r"(?![’']s)"
    r"|\b(?:in|on|by|since|from|until)\s+(?:(?:early|late|mid)[\s-])?" + _MONTHS + r"(?:\s+\d{1,2})?"
    r"(?:\s+\d{4})?\b"
    r"|\b(?:in|since|by|until)\s+(?:19|20)\d\d\b"
    r"|\b(?:at|over)\s+the\s+weekend\b|\b(?:yesterday|today|tomorrow|tonight)\b"
    r"|\bin\s+recent\s+(?:days|weeks|months|years)\b|\b(?:just|now)\b(?=\s+\w)",
    re.IGNORECASE,
)
# Sentence openers that announce a hook rather than the news.
_HOOK_OPENERS = re.compile(
    r"^(?:well|so|oh|okay|ok|look|yes|no|now|imagine|picture|remember|forget|guess|ever|meet|"
    r"here's|here’s|think|call it|talk about|it's official|it’s official)\b",
    re.IGNORECASE,
)
_PRONOUNS = word_set("this that these those it it's it’s they he she we i you there here and or but like one")
_QUOTE_OPEN = re.compile(r"^[\"“‘'«]")
_DATELINE = re.compile(r"^(?:\(\w+\)\s*|[A-Z][A-Z .,'’-]{1,40}(?:\([\w .]+\))?\s+[-–—]\s+)")
_LEADING_ATTRIBUTION = re.compile(r"^(?:according to|in a statement|speaking|writing)\b[^,]{0,80},\s+", re.I)
_PARENTHESES = re.compile(r"\s*\([^()]{0,80}\)")
_DASH = re.compile(r"\s*[—–]\s*|\s+-\s+|\s*--\s*")
_TOKEN = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!][\"'”’)\]]*$")
_END_PUNCT = ".,;:!?\"'”’)]"


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


def make_headline(text: str | SplitText) -> str:
    """A headline for an untitled text: the sentence that states the news, compressed.

    Empty for a text without sentences. `text` may come already split (`SplitText.of`).
    """
    split = SplitText.of(text)
    sentence = pick_sentence(split.sentences)
    if not sentence:
        return ""
    # The story's names and key words are read from its opening, where a headline's words are.
    opening = split.text[:OPENING_CHARS]
    at = next((i for i, s in enumerate(split.sentences) if s.endswith(sentence)), 0)
    following = " ".join(split.sentences[at + 1 : at + 1 + FOLLOWING_SENTENCES])
    return compress(
        sentence, short_names(opening), counts=term_counts(opening), following=content_terms(following)
    )


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
    if _QUOTE_OPEN.match(sentence) or _HOOK_OPENERS.match(sentence) or is_hook(sentence):
        return False
    lowered = [w.strip(_END_PUNCT + "“‘(").lower() for w in words]
    if lowered[0] in _PRONOUNS or "you" in lowered or "your" in lowered:
        # "This won't go down as ...", "When you are ...": a hook, or a subject the reader lacks.
        return False
    tokens = [_Word(w) for w in words]
    if _main_verb(tokens) is None:
        # Our verb test knows verbs by form and misses many ("ministers meet", "firm plans"): a
        # full sentence that ends as one is taken to have one.
        return len(words) >= VERBLESS_NEWS_WORDS and bool(_SENTENCE_END.search(sentence))
    named = any(_is_name(w) for w in words[1:]) or any(c.isdigit() for c in sentence)
    return len(words) >= MIN_NEWS_WORDS or named


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
                word.bare in _SUBORDINATORS or word.bare in _DETERMINERS or (depth and not word.ends_clause)
            )
        if not depth and index and _is_verb(word, previous):
            return index
        if depth and word.ends_clause:
            depth = False
    return None


_CAPITALIZED_RUN = re.compile(r"(?:[A-Z][\w'’.-]*\s+)*[A-Z][\w'’-]*")
_NAME_TITLES = word_set("Mr Mrs Ms Dr Sir Dame Lord Lady Prof President Judge")


def short_names(text: str) -> frozenset[str]:
    """The names the text uses on their own, mid-sentence: "Cudicini said" after "Carlo Cudicini".

    A name written alone (or after a title such as "Mr") is the short name the story goes by, so a
    headline may call "Carlo Cudicini" just "Cudicini", as an editor would.
    """
    names: set[str] = set()
    for match in _CAPITALIZED_RUN.finditer(text):
        words = match.group().split()
        if words and words[0] in _NAME_TITLES:
            words = words[1:]
        if len(words) != 1:
            continue
        before = text[max(0, match.start() - 3) : match.start()].rstrip()
        if before and before[-1] not in '.!?"“”\n:':
            names.add(words[0].rstrip(".'’"))
    return frozenset(names)


def _shorten_names(tokens: list[_Word], names: frozenset[str]) -> list[_Word]:
    """ "Chelsea goalkeeper Carlo Cudicini" -> "Cudicini" when the story calls him that."""
    out: list[_Word] = []
    index = 0
    while index < len(tokens):
        end = index
        while end < len(tokens) and _is_name(tokens[end].text) and not tokens[end].ends_clause:
            end += 1
        if end < len(tokens) and _is_name(tokens[end].text):
            end += 1  # the run's last word may carry the comma
        if end - index >= 2:
            last = tokens[end - 1]
            core = last.text.strip(_END_PUNCT + "“‘(")
            bare_core = core.removesuffix("'s").removesuffix("’s")
            if (bare_core in names and index > 0) or (bare_core in names and end < len(tokens)):
                out.append(last)
                index = end
                continue
        out.extend(tokens[index : max(end, index + 1)])
        index = max(end, index + 1)
    return out if len(out) >= MIN_WORDS - 1 else tokens


def compress(
    sentence: str,
    names: frozenset[str] = frozenset(),
    keys: frozenset[str] | None = None,
    counts: Mapping[str, int] | None = None,
    following: frozenset[str] = frozenset(),
) -> str:
    """`sentence` shortened to a headline by dropping whole phrases (see the module's notes).

    `names` are the short names the article uses (`short_names`): a longer name is cut to them.
    `counts` are how often the article's opening uses each (folded) word (`term_counts`), and
    `following` the content words of the sentences after this one (`content_terms`): with them, the
    phrases kept are the ones whose words a headline is likely to carry (`_fit_by_weight`).
    Without them, `keys` (`key_terms`) decide: a trailing phrase without a key word is dropped.
    """
    tokens = core_tokens(sentence, names)
    tokens = _fit_by_weight(tokens, counts, following) if counts is not None else _fit_length(tokens, keys)
    tokens = _bound_fragment(tokens)
    return _finish(tokens) or _finish([_Word(w) for w in sentence.split()])


def core_tokens(sentence: str, names: frozenset[str] = frozenset()) -> list[_Word]:
    """`sentence` with its asides, clauses, time phrases and articles dropped, in headline tense:
    every step of `compress` but the choice of which trailing and inner phrases to keep."""
    text = _LEADING_ATTRIBUTION.sub("", sentence)
    text = _drop_leading_adverbial(text)
    text = _PARENTHESES.sub("", text)
    text = _drop_dash_asides(text)
    tokens = [_Word(w) for w in _TOKEN.findall(text)]
    tokens = _drop_trailing_attribution(tokens)
    tokens = _drop_appositives(tokens)
    tokens = _drop_trailing_clauses(tokens)
    tokens = _drop_time_phrases(tokens)
    tokens = _drop_adverbs(tokens)
    tokens = _drop_descriptor(tokens)
    tokens = _shorten_names(tokens, names)
    tokens = _headline_tense(tokens)
    tokens = _drop_inner_copulas(tokens)
    tokens = _drop_reported_that(tokens)
    return _guess_verb(_drop_articles(tokens))


def _guess_verb(tokens: list[_Word]) -> list[_Word]:
    """When no verb is known by its form, the present-tense verb that agrees with the noun before it
    ("Anelka wants", "ministers meet") is taken for the main verb, so its phrases can be dropped."""
    if _main_verb(tokens) is not None:
        return tokens
    stop = stop_words()
    for index in range(1, len(tokens) - 1):
        word, previous = tokens[index], tokens[index - 1]
        bare, before = word.bare, previous.bare
        if not (word.text.isalpha() and word.text.islower()) or bare in stop or bare in _PREPOSITIONS:
            continue
        if previous.ends_clause or before in stop or before in _PREPOSITIONS or not previous.text[:1].isalnum():
            continue
        plural_before = previous.text.islower() and before.endswith("s") and not before.endswith(("ss", "us", "is"))
        singular_verb = bare.endswith("s") and not bare.endswith(("ss", "us", "is")) and len(bare) > 3
        if (singular_verb and not plural_before) or (plural_before and not singular_verb and not bare.endswith(("ly", "ing", "ed"))):
            return [*tokens[:index], _Word(word.text, verb=True), *tokens[index + 1 :]]
    return tokens


def _drop_leading_adverbial(text: str) -> str:
    """ "On Tuesday, X did Y" / "After a long wait, X did Y" -> "X did Y"."""
    match = re.match(r"^([^,]{3,60}),\s+(.+)$", text)
    if not match:
        return text
    first = match.group(1).split()[0].lower()
    rest = match.group(2)
    if (first in _PREPOSITIONS or first in _SUBORDINATORS or _TIME_PHRASE.fullmatch(match.group(1))) and len(
        rest.split()
    ) >= MIN_WORDS:
        return rest
    return text


def _drop_dash_asides(text: str) -> str:
    """ "X - an aside - did Y" -> "X did Y"; "X did Y - and more" -> "X did Y"."""
    parts = _DASH.split(text)
    if len(parts) == 1:
        return text
    if len(parts) >= 3 and len(parts[0].split()) <= 8:
        # A pair of dashes around an aside inside the clause.
        joined = f"{parts[0]} {parts[2]}"
        if _main_verb([_Word(w) for w in joined.split()]) is not None:
            return joined
    head = parts[0]
    if len(head.split()) >= MIN_WORDS and _main_verb([_Word(w) for w in head.split()]) is not None:
        return head
    return text


def _drop_trailing_attribution(tokens: list[_Word]) -> list[_Word]:
    """ "X did Y, the firm has said." -> "X did Y"."""
    for index in range(len(tokens) - 1, 0, -1):
        if tokens[index - 1].ends_clause:
            tail = tokens[index:]
            if len(tail) <= 10 and any(w.bare in SPEECH_VERBS for w in tail) and index >= MIN_WORDS:
                return tokens[:index]
            if tail and tail[0].bare == "according" and index >= MIN_WORDS:
                return tokens[:index]
            break
    return tokens


def _drop_appositives(tokens: list[_Word]) -> list[_Word]:
    """ "Parmalat, the Italian food group, has" -> "Parmalat has"; ", 17," and ", who ...," too."""
    verb = _main_verb(tokens)
    out = list(tokens)
    index = 0
    while index < len(out) - 1:
        if out[index].ends_clause and (verb is None or index < verb):
            end = next((j for j in range(index + 1, len(out)) if out[j].ends_clause), None)
            if end is not None and end + 1 < len(out):
                first = out[index + 1].bare
                follows = out[end + 1]
                aside = first in _DETERMINERS or first in _SUBORDINATORS or first[:1].isdigit()
                segment = out[index + 1 : end + 1]
                after_name = _is_name(out[index].text) and _main_verb([_Word("X"), *segment]) is None
                if (aside or after_name) and _is_verb(follows, None) and end - index <= 15:
                    out[index] = _Word(out[index].text.rstrip(","))
                    del out[index + 1 : end + 1]
                    verb = _main_verb(out)
                    continue
        index += 1
    return out


def _drop_trailing_clauses(tokens: list[_Word]) -> list[_Word]:
    """Cut at the first subordinate or participle clause after the main verb and its object."""
    verb = _main_verb(tokens)
    if verb is None:
        return tokens
    for index in range(verb + 2, len(tokens)):
        word = tokens[index]
        previous = tokens[index - 1]
        opens_clause = (word.bare in _SUBORDINATORS and word.bare not in ("as", "so", "if")) or (
            previous.ends_clause and (word.bare in ("and", "but", "as", "so") or word.bare.endswith("ing"))
        )
        if opens_clause and index >= MIN_WORDS and not _needs_complement(previous):
            return tokens[:index]
        if previous.text.endswith((";", ":")) and index >= MIN_WORDS:
            return tokens[:index]
    return tokens


def _drop_time_phrases(tokens: list[_Word]) -> list[_Word]:
    text = " ".join(w.text for w in tokens)
    shorter = " ".join(_TIME_PHRASE.sub("", text).split())
    shorter = re.sub(r"\s+([,.;:])", r"\1", shorter)
    if len(shorter.split()) < MIN_WORDS:
        return tokens
    return [_Word(w) for w in shorter.split()]


# Words in "-ly" that are not adverbs of manner or degree.
_NOT_ADVERBS = word_set(
    "family supply assembly monopoly anomaly friendly elderly lonely lovely costly deadly likely early "
    "daily weekly monthly yearly quarterly only holy ugly silly rally ally belly reply apply comply rely "
    "multiply jolly bully fly july italy unlikely orderly"
)


def _drop_adverbs(tokens: list[_Word]) -> list[_Word]:
    """ "has sharply revised" -> "has revised": a headline keeps the verb, not its manner."""
    kept = [
        w
        for w in tokens
        if not (
            w.text.islower()
            and w.text.isalpha()
            and w.text.endswith("ly")
            and len(w.text) >= 6
            and w.text not in _NOT_ADVERBS
        )
    ]
    return kept if len(kept) >= MIN_WORDS else tokens


def _drop_descriptor(tokens: list[_Word]) -> list[_Word]:
    """ "German airline Lufthansa has" -> "Lufthansa has": the name is the subject's head."""
    verb = _main_verb(tokens)
    if verb is None or verb < 2:
        return tokens
    subject = tokens[:verb]
    if any(w.ends_clause for w in subject):
        return tokens
    name_start = verb
    while name_start > 0 and _is_name(subject[name_start - 1].text):
        name_start -= 1
    if name_start == 0 or name_start == verb or name_start > 4:
        return tokens
    descriptor = [w.bare for w in subject[:name_start]]
    function_words = _PREPOSITIONS | _SUBORDINATORS | {"and", "or", "of", "&"}
    if any(w in function_words for w in descriptor) or descriptor[-1] in _DETERMINERS:
        return tokens
    if any(w.endswith(("'s", "’s")) for w in descriptor):
        return tokens
    return tokens[name_start:]


def _drop_reported_that(tokens: list[_Word]) -> list[_Word]:
    """ "says that X" -> "says X"."""
    return [
        w
        for i, w in enumerate(tokens)
        if not (
            w.text == "that" and i and tokens[i - 1].bare in SPEECH_VERBS and not tokens[i - 1].ends_clause
        )
    ]


def _drop_articles(tokens: list[_Word]) -> list[_Word]:
    """Headlinese has no articles, except inside a name ("Top of the Pops")."""
    kept = [
        w
        for i, w in enumerate(tokens)
        if w.bare not in _DROPPED_DETERMINERS
        or (
            1 < i < len(tokens) - 1
            and tokens[i - 1].text in ("of", "and")
            and _is_name(tokens[i - 2].text)
            and _is_name(tokens[i + 1].text)
        )
    ]
    return kept if len(kept) >= 2 else tokens


def _fit_length(tokens: list[_Word], key_terms: frozenset[str] | None) -> list[_Word]:
    """Keep the clause's core (subject, verb, object) and then each trailing phrase in turn while
    it carries one of the story's key words and the headline stays within `MAX_WORDS`."""
    verb = _main_verb(tokens)
    if verb is None:
        return tokens
    cuts = [
        i
        for i in range(verb + 2, len(tokens))
        if _opens_phrase(tokens, i) or tokens[i - 1].ends_clause or tokens[i].bare == "and"
    ]
    if not cuts:
        return tokens
    bounds = [*cuts, len(tokens)]
    kept = bounds[0]
    for start, end in pairwise(bounds):
        if end > MAX_WORDS:
            break
        phrase = " ".join(w.text for w in tokens[start:end])
        if key_terms is not None and not content_terms(phrase) & key_terms:
            break
        kept = end
    if kept < MIN_WORDS:
        return tokens[: next((b for b in bounds if b >= MIN_WORDS), len(tokens))]
    return tokens[:kept]


def _bound_fragment(tokens: list[_Word]) -> list[_Word]:
    """A verbless run-on (a list, a caption) longer than a headline can be: its first part, up to
    the last punctuation or phrase boundary that fits."""
    limit = 2 * MAX_WORDS
    if len(tokens) <= limit:
        return tokens
    ends = [i + 1 for i in range(MIN_WORDS - 1, limit) if tokens[i].ends_clause]
    if not ends:
        ends = [i for i in range(MIN_WORDS, limit) if _opens_phrase(tokens, i)]
    return tokens[: ends[-1]] if ends else tokens[:limit]


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
# tuning half of bench/headlines.py's data (7,228 words of 535 articles, labelled by whether the
# real title has it; `bench/headlines.py --fit-weights` refits it). Features: see `keep_features`.
# fmt: off
_KEEP_WEIGHTS = (
    -2.27, 0.47, 0.51, -1.40, -0.06, 0.48, 0.18, 0.33, 0.25, 0.05,
    0.74, 0.34, -1.29, 0.52, -0.15, 0.30, 0.14, -0.47, 0.40, 0.59,
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
        and ((_opens_phrase(tokens, i) and (i >= verb + 3 or not _takes_complement(tokens[i - 1])))
        or tokens[i - 1].ends_clause
        or tokens[i].bare == "and"
        or (tokens[i].bare == "that" and i >= verb + 2 and tokens[i - 1].bare not in SPEECH_VERBS)
        or (tokens[i].bare == "to" and i >= verb + 3 and _ends_noun_phrase(tokens[i - 1], tokens[i - 2]))
        # A past participle after a noun opens a reduced relative clause: "plans [aimed at ...]".
        or (tokens[i].bare.endswith("ed") and _takes_complement(tokens[i]) and _after_noun(tokens, i, verb)))
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
    spans.extend((i, i + 1) for i in range(end - 1) if i != verb and _is_modifier(tokens, i, verb))
    return spans


# Endings of adjectives ("annual", "historic", "famous", "massive", ...): such a word before its noun
# can go alone.
_ADJECTIVE_ENDINGS = ("al", "ic", "ous", "ive", "ful", "less", "able", "ible", "ian", "est", "ern", "ary")


def _is_modifier(tokens: Sequence[_Word], index: int, verb: int) -> bool:
    """An adjective before the noun it describes ("[annual] income"), by its ending: it can go alone."""
    word = tokens[index]
    bare = word.bare
    if not (word.text.isalpha() and word.text.islower()) or not bare.endswith(_ADJECTIVE_ENDINGS):
        return False
    stop = stop_words()
    previous = tokens[index - 1] if index else None
    if bare in stop or word.ends_clause or previous is None or previous.bare == "to":
        return False  # "to [arrive]": a verb
    if index == verb + 1 and tokens[verb].bare in AUXILIARIES:
        return False  # "is [final]": the complement
    nxt = tokens[index + 1]
    return nxt.text.isalpha() and nxt.bare not in stop and nxt.bare not in _PREPOSITIONS and index + 1 != verb


# Words that cannot end a clause: what follows them goes with them ("will be [up to four years]").
_NEEDS_COMPLEMENT = AUXILIARIES | word_set("it he she they we not whether that up be being")


def _needs_complement(word: _Word) -> bool:
    return word.bare in _NEEDS_COMPLEMENT and not word.ends_clause


def _takes_complement(word: _Word) -> bool:
    """A participle that needs the phrase after it: "plans aimed [at ...]", "following [in ...]"."""
    return word.text.isalpha() and word.text.islower() and word.bare.endswith(("ed", "ing"))


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


def _headline_tense(tokens: list[_Word]) -> list[_Word]:
    """Auxiliaries out where it is safe: "will meet" -> "to meet", "has won" -> "wins"."""
    verb = _main_verb(tokens)
    if verb is None:
        return tokens
    subject_plural = _plural_subject(tokens[:verb])
    out = list(tokens)
    first = out[verb].bare
    nxt = out[verb + 1].bare if verb + 1 < len(out) else ""
    after = out[verb + 2].bare if verb + 2 < len(out) else ""
    if first == "will" and nxt.isalpha() and nxt not in _NOT_AFTER_WILL and not nxt.endswith("ly"):
        out[verb] = _Word("to", verb=True)
    elif first in ("is", "are") and nxt == "to":
        del out[verb]
        out[verb] = _Word(out[verb].text, verb=True)
    elif first in ("has", "have") and nxt == "been" and after.endswith("ed") and after.isalpha():
        del out[verb : verb + 2]
        out[verb] = _Word(out[verb].text, verb=True)
    elif first in ("is", "are", "was", "were") and nxt.endswith("ed") and nxt.isalpha() and nxt != "need":
        del out[verb]
        out[verb] = _Word(out[verb].text, verb=True)
    elif first in ("is", "are") and nxt and nxt not in _NOT_AFTER_COPULA and verb + 1 < len(out):
        # "Networks are here to stay" -> "Networks here to stay": headlines drop the copula.
        del out[verb]
        if out[verb].bare == "being":
            del out[verb]
        out[verb] = _Word(out[verb].text, verb=True)
    elif first in ("has", "have") and nxt == "been" and after in IRREGULAR_PARTICIPLES:
        del out[verb : verb + 2]
        out[verb] = _Word(out[verb].text, verb=True)
    elif first in ("has", "have") and nxt.isalpha():
        stem = IRREGULAR_PARTICIPLES.get(nxt) or regular_stem(nxt)
        if stem is None and nxt.endswith("ed"):
            # A regular verb whose stem the spelling leaves in doubt: its past tense, then.
            del out[verb]
            out[verb] = _Word(out[verb].text, verb=True)
        elif stem:
            word = _keep_punct(out[verb + 1].text, present_form(stem, first == "has"))
            out[verb : verb + 2] = [_Word(word, verb=True)]
    elif first.endswith("ed") or first in IRREGULAR_PASTS:
        # A plain past ("skipped"): present tense when the subject's number is plain.
        stem = IRREGULAR_PASTS.get(first) or regular_stem(first)
        if stem and not out[verb].text[:1].isupper() and first not in SPEECH_VERBS:
            out[verb] = _Word(_keep_punct(out[verb].text, present_form(stem, not subject_plural)), verb=True)
    return out


def _drop_inner_copulas(tokens: list[_Word]) -> list[_Word]:
    """ "said debt is no longer risky" -> "said debt no longer risky": headlinese drops "is" and
    "has been" after the main verb too (not before "not" or an article)."""
    verb = _main_verb(tokens)
    if verb is None:
        return tokens
    out = list(tokens[: verb + 1])
    index = verb + 1
    while index < len(tokens):
        word = tokens[index]
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if nxt is not None and not word.ends_clause and nxt.text.isalpha() and nxt.text.islower():
            if word.bare in ("is", "are", "was", "were") and nxt.bare not in _NOT_AFTER_COPULA:
                index += 1
                continue
            if word.bare in ("has", "have", "had") and nxt.bare == "been":
                index += 2
                continue
        out.append(word)
        index += 1
    return out if len(out) >= MIN_WORDS else tokens


_DANGLING = _PREPOSITIONS | _ARTICLES | word_set("and or but")
_NOT_AFTER_COPULA = word_set("not no never a an the one set due expected likely")
_NOT_AFTER_WILL = word_set("not no never be have also still only soon now then continue")


def _keep_punct(original: str, word: str) -> str:
    tail = original[len(original.rstrip(_END_PUNCT)) :]
    head = original[: len(original) - len(original.lstrip("\"“‘'("))]
    return head + word + tail


def _plural_subject(subject: Sequence[_Word]) -> bool:
    words = [w.bare for w in subject]
    if "and" in words or not words:
        return "and" in words
    if "of" in words:
        # "Hundreds of papers", "The head of the firms": the head noun comes before "of".
        subject = subject[: words.index("of")]
        words = words[: len(subject)]
        if not words:
            return False
    head = words[-1]
    if head in ("people", "police", "men", "women", "children"):
        return True
    if subject[-1].text[:1].isupper() and len(subject) > 1:
        return False
    return head.endswith("s") and not head.endswith(("ss", "us", "is"))


def _finish(tokens: Sequence[_Word]) -> str:
    words = list(tokens)
    while len(words) > MIN_WORDS and words[-1].bare in _DANGLING:
        words.pop()  # a preposition or article left at the end once its phrase went
    text = " ".join(w.text for w in words).strip(" ,;:-–—")
    text = text.rstrip(",;:")
    if text.endswith(".") and not re.search(r"\b\w\.\w\.$", text):
        text = text[:-1]
    text = text.rstrip(" ,;:")
    return text[:1].upper() + text[1:] if text else ""
