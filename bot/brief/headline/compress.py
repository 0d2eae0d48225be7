"""A news sentence shortened to a headline by whole phrases (see the package's notes)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import pairwise

from bot.brief.headline.keep import (
    _fit_by_weight,
    _needs_complement,
)
from bot.brief.headline.words import (
    _ARTICLES,
    _DETERMINERS,
    _DROPPED_DETERMINERS,
    _END_PUNCT,
    _PREPOSITIONS,
    _SUBORDINATORS,
    COUNTRY_OF_ADJECTIVE,
    MAX_WORDS,
    MIN_WORDS,
    _is_name,
    _is_verb,
    _main_verb,
    _opens_participle_aside,
    _opens_phrase,
    _Word,
)
from bot.brief.summarize import content_terms
from bot.brief.text import word_set
from bot.brief.verbs import (
    AUXILIARIES,
    IRREGULAR_PARTICIPLES,
    IRREGULAR_PASTS,
    SPEECH_VERBS,
    present_form,
    regular_stem,
)

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


_LEADING_ATTRIBUTION = re.compile(r"^(?:according to|in a statement|speaking|writing)\b[^,]{0,80},\s+", re.I)


# "Shares in music group Xylo fell" -> "Xylo shares fell": the headline leads with the firm.
_SHARES_IN = re.compile(
    r"^(?:The )?[Ss]hares in (?:[a-z][\w-]* ){0,3}((?:[A-Z][\w&'’.-]*(?: |$))+)"
    r"(?=(?:have|has|were|are|[a-z]+ed)\b)"
)


_PARENTHESES = re.compile(r"\s*\([^()]{0,80}\)")


_DASH = re.compile(r"\s*[—–]\s*|\s+-\s+|\s*--\s*")


_TOKEN = re.compile(r"\S+")


_CAPITALIZED_RUN = re.compile(r"(?:[A-Z][\w'’.-]*\s+)*[A-Z][\w'’-]*")


_INSIDE_A_WORD = frozenset(":/&+@")


_SAID_AFTER = re.compile(
    r"\s+(?:said|says|told|added|has|had|is|was|will|would|could|can|may|must|admitted|insists|believes)\b"
)


_NAME_TITLES = word_set("Mr Mrs Ms Dr Sir Dame Lord Lady Prof President Judge")


def short_names(text: str) -> frozenset[str]:
    """The names the text uses on their own, mid-sentence: "Cudicini said" after "Carlo Cudicini".

    A name written alone (or after a title such as "Mr") is the short name the story goes by, so a
    headline may call "Carlo Cudicini" just "Cudicini", as an editor would.
    """
    names: set[str] = set()
    for match in _CAPITALIZED_RUN.finditer(text):
        words = match.group().split()
        titled = bool(words) and words[0] in _NAME_TITLES
        if titled:
            words = words[1:]
        if len(words) != 1 or text[match.end() : match.end() + 1] in _INSIDE_A_WORD:
            continue  # "CD:UK", "AT&T": part of a longer name
        before = text[max(0, match.start() - 3) : match.start()].rstrip()
        # At a sentence's start a capitalized word is a name only after a title or before "said".
        speaks = _SAID_AFTER.match(text, match.end()) is not None
        if (before and before[-1] not in '.!?"“”\n:') or titled or speaks:
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
            acronym = _acronym_of(tokens[index:end], names)
            if acronym is not None:
                out.extend(acronym)
                index = end
                continue
        out.extend(tokens[index : max(end, index + 1)])
        index = max(end, index + 1)
    return out if len(out) >= MIN_WORDS - 1 else tokens


def _acronym_of(run: Sequence[_Word], names: frozenset[str]) -> list[_Word] | None:
    """ "Harlow Ferries" -> "HF" when the story calls it that: the run (or its end, after a
    descriptor such as "Japan's") whose initials spell a short name of capitals the story uses."""
    last = run[-1].text
    tail = last[len(last.rstrip(_END_PUNCT)) :]
    possessive = (
        "’s"
        if last.rstrip(_END_PUNCT).endswith("’s")
        else "'s"
        if last.rstrip(_END_PUNCT).endswith("'s")
        else ""
    )
    for start in range(len(run) - 1):
        # A word in capitals gives all its letters: "UK Harbour Union" -> "UKHU".
        initials = "".join(_letters_of(w) for w in run[start:])
        if initials in names:
            return [*run[:start], _Word(initials + possessive + tail)]
    return None


def _letters_of(word: _Word) -> str:
    core = word.text.strip(_END_PUNCT + "“‘(").removesuffix("'s").removesuffix("’s")
    return core if core.isupper() and core.isalpha() else core[:1].upper()


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
    text = _SHARES_IN.sub(r"\1 shares ", text, count=1)
    text = _ACRONYM_AFTER_NAME.sub(_to_acronym, text)
    text = _PARENTHESES.sub("", text)
    text = _drop_dash_asides(text)
    tokens = [_Word(w) for w in _TOKEN.findall(text)]
    tokens = _drop_trailing_attribution(tokens)
    tokens = _drop_appositives(tokens)
    tokens = _drop_trailing_clauses(tokens)
    tokens = _drop_time_phrases(tokens)
    tokens = _drop_adverbs(tokens)
    tokens = _drop_reported_subject(tokens)  # before names shrink: "director Ann Lee says it"
    tokens = _drop_descriptor(tokens)
    tokens = _shorten_names(tokens, names)
    tokens = _country_nouns(tokens)
    tokens = _headline_tense(tokens)
    tokens = _drop_inner_copulas(tokens)
    tokens = _drop_reported_that(tokens)
    return _drop_articles(tokens)


_ACRONYM_AFTER_NAME = re.compile(
    r"((?:[A-Z][\w'’.-]*\s+(?:(?:of|for|and|&|the)\s+)*)+)\(([A-Z][A-Za-z&]{1,7})\)"
)


def _to_acronym(match: re.Match[str]) -> str:
    """ "the Harlow Grain Board (HGB)" -> "the HGB": headlines use the short form the story
    gives, when its letters are the name's initials."""
    words = match.group(1).split()
    letters = [c for c in match.group(2) if c.isupper()]
    initials = [(i, w[0]) for i, w in enumerate(words) if w[0].isupper()]
    # The name is the shortest run of capitalized words, ending at the parenthesis, whose initials
    # spell the acronym.
    if len(initials) >= len(letters) >= 2:
        start, _ = initials[len(initials) - len(letters)]
        if [c for _, c in initials[len(initials) - len(letters) :]] == letters:
            return " ".join([*words[:start], match.group(2)])
    return match.group(0)


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
            # Not the predicate itself ("X, the operator of Y, has said its profits rose").
            said = any(w.bare in SPEECH_VERBS for w in tail)
            if len(tail) <= 10 and said and tail[0].bare not in AUXILIARIES and index >= MIN_WORDS:
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
                aside = (
                    first in _DETERMINERS
                    or first in _SUBORDINATORS
                    or first[:1].isdigit()
                    or _opens_participle_aside(out, index + 1)
                )
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


_SAY = word_set("says said say")


_SUBJECT_PRONOUNS = word_set("he she it they we")


def _drop_reported_subject(tokens: list[_Word]) -> list[_Word]:
    """ "Quist says she will not stand" -> "Quist will not stand", "Acme said it had cut" -> "Acme
    had cut": a subject who reports on itself is the subject of the news."""
    verb = _main_verb(tokens)
    if verb is None or verb == 0:
        return tokens
    start = verb
    if tokens[verb].bare in ("has", "have") and verb + 1 < len(tokens):
        verb += 1
    if tokens[verb].bare not in _SAY or tokens[verb].ends_clause:
        return tokens
    pronoun = verb + 1
    if pronoun < len(tokens) and tokens[pronoun].bare == "that" and not tokens[pronoun].ends_clause:
        pronoun += 1
    if pronoun + 1 >= len(tokens) or tokens[pronoun].text not in _SUBJECT_PRONOUNS:
        return tokens
    subject = tokens[:start]
    if (
        tokens[pronoun].text in ("it", "they")
        and len(subject) >= 2
        and all(_is_name(w.text) for w in subject[-2:])
    ):
        return tokens  # "Ben Harlow says it will be ...": "it" is not the person
    rest = tokens[pronoun + 1]
    if not (rest.text.isalpha() and rest.text.islower()):
        return tokens
    # The reported verb becomes the main one ("Acme said it expects to cut": "expects", not "cut").
    if rest.bare not in _NOT_VERBS_AFTER_PRONOUN and not rest.bare.endswith("ly"):
        rest = _Word(rest.text, verb=True)
    return [*subject, rest, *tokens[pronoun + 2 :]]


_NOT_VERBS_AFTER_PRONOUN = word_set("still also now already never not just only even yet close")


def _country_nouns(tokens: list[_Word]) -> list[_Word]:
    """ "Japanese output falls" / "Japan's output falls" -> "Japan output falls"; not inside a name
    ("British Rail")."""
    out = list(tokens)
    for index, word in enumerate(tokens[:-1]):
        following = tokens[index + 1].text
        if not (following.isalpha() and following.islower()):
            continue
        country = COUNTRY_OF_ADJECTIVE.get(word.text)
        if country is None and word.text[-2:] in ("'s", "’s") and word.text[:-2] in _COUNTRIES:
            country = word.text[:-2]  # "Japan's economy" -> "Japan economy"
        if country is not None:
            out[index] = _Word(country)
    return out


_COUNTRIES = frozenset(COUNTRY_OF_ADJECTIVE.values()) | frozenset(("Britain", "Europe", "America", "EU"))


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
    elif (
        first in ("is", "are", "was", "were")
        and ((nxt.endswith("ed") and nxt != "need") or nxt in _PASSIVE_PARTICIPLES)
        and nxt.isalpha()
    ):
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


# Participles that after "is" / "was" make a passive ("was given" -> "given"); not those of verbs
# without an object ("is gone") nor those that are also adjectives or nouns ("was set", "were left").
_PASSIVE_PARTICIPLES = frozenset(IRREGULAR_PARTICIPLES) - word_set(
    "set left put cut hit lost become gone come fallen risen arisen fled stood died lied"
)


_NOT_AFTER_COPULA = word_set("not no never a an the one")


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
