"""Attributions: the speech verb near a quote and the noun phrase that is its subject.

`"…," said X` / `X said, "…"` / `according to X`; the phrase is parsed into a name, a pronoun or
a description ("a spokesman").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.brief.quotes.marks import (
    _alternation,
    _RawQuote,
    _word_list,
)
from bot.brief.text import word_set

# --- speakers ---------------------------------------------------------------------------------

_VERB_FORMS = _word_list(
    "said says say told tells added adds wrote writes asked asks stated states argued argues warned "
    "warns insisted insists explained explains noted notes continued continues demanded demands "
    "recalled recalls replied replies responded responds declared declares tweeted tweets posted "
    "remarked suggested suggests claimed claims conceded concedes acknowledged acknowledges admitted "
    "admits announced announces complained complains cautioned cautions observed observes emphasized "
    "emphasizes stressed stresses countered counters concluded concludes quipped joked predicted "
    "predicts urged urges vowed vows promised promises agreed agrees testified wondered shouted yelled "
    "exclaimed recounted reported reports wrote says mused muses questioned beamed boomed exhorted "
    "scoffed laughed sighed chided snapped retorted pleaded lamented laments bragged boasted "
    "marveled marvelled gushed thundered fumed lectured shot explains elaborated pressed assured "
    "conceded reiterated reiterates barked answered answers surmised mocks "
    # More of the common reporting verbs (as in published speech-verb lexicons).
    "charged charges contended contends maintained maintains asserted asserts alleged alleges "
    "affirmed commented comments disclosed hinted implored informed mentioned objected opined "
    "proclaimed reasoned reminded revealed speculated whispered cried groaned grumbled murmured "
    "muttered protested ranted roared screamed scolded sneered wailed blasted slammed interjected "
    "remembered recollected cracked texted emailed advised chanted chants repeated repeats thanked "
    "sings sang"
)
# Two words: "pointed" or "put" alone says nothing.
_VERB_FORMS += ["pointed out", "points out", "went on", "goes on", "put it", "puts it"]
_VERB_FORMS += ["fired back", "fires back", "hit back", "hits back", "write", "tweet", "read", "reads"]
_PARTICIPLES = _word_list(
    "saying adding telling writing noting arguing warning insisting explaining asking declaring "
    "stating calling describing reporting chanting tweeting repeating shouting yelling joking"
)
_CHARACTERIZING = _word_list(
    "called likened described describes dubbed labeled labelled labeling labelling termed branded "
    # Verbs of judging take the words judged: "Lee condemned “such a cowardly attack”".
    "condemned condemns denounced denounces praised praises hailed hails criticized criticizes "
    "decried decries lauded ridiculed mocked dismissed"
)
# Not after a hyphen: "so-called" is no speech verb.
# "Tweeted" is often set with a capital, as the brand is.
_SPEECH_AFTER = re.compile(r"(?<![\w\-])(?:" + _alternation(_VERB_FORMS) + r"|Tweeted|Tweets)\b")
_BEFORE_VERBS = _alternation(_VERB_FORMS + _PARTICIPLES + _CHARACTERIZING)
_SPEECH_BEFORE = re.compile(rf"(?<![\w\-])(?:{_BEFORE_VERBS})\b")
_SAID_JUST_BEFORE = re.compile(rf"\b(?:{_BEFORE_VERBS})(?:\s+\w+){{0,2}},?$")
_PARTICIPLE_SET = frozenset(_PARTICIPLES)
_ACCORDING_TO = re.compile(r"\baccording to\s+", re.IGNORECASE)
_ADVERB = re.compile(r"^(.*?)\s+(?:also|later|then|once|previously|recently|simply|again|further)$")
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_NP_STOP = re.compile(
    r",|;|:|—|–|\s(?:on|in|at|during|after|before|when|who|whose|which|while|as|to|from|of|about|"
    r"for|last|this|earlier|later|that|and|but|with|via|because|if|referring|adding|noting)\s",
)

_PRONOUNS = frozenset({"he", "she", "they"})
_LEADING_CONJUNCTION = re.compile(
    r"^(?:(?:and|but|so|though|although|while|when|as|because|if|yet|then)\s+)+", re.IGNORECASE
)
_DETERMINERS = word_set(
    "a an the another one two three four several some many most other his her their its our"
)
_PLURAL_SOURCES = word_set(
    "officials sources critics aides analysts experts witnesses residents police prosecutors "
    "investigators authorities supporters opponents observers lawmakers democrats republicans "
    "protesters organizers doctors researchers scientists economists diplomats"
)
# Words that stand before a name as a title or office; "Defense Secretary Pete Hegseth" is Pete Hegseth.
_TITLES = word_set(
    "mr mrs ms miss dr councillor councilor sen senator senators sens rep reps representative "
    "representatives gov governor president presidents vice "
    "secretary minister prime chief general gen lt col colonel sgt sergeant capt captain adm admiral "
    "maj major cmdr commander judge justice mayor attorney director chairman chairwoman chair ceo cfo "
    "coo leader speaker press deputy ambassador commissioner officer sheriff detective professor prof "
    "rev reverend pastor father pope king queen prince princess sir lord lady dame coach spokesman "
    "spokeswoman spokesperson founder executive manager inspector superintendent adviser advisor "
    "democrat republican independent "
    "chancellor premier congressman congresswoman councilman councilwoman assemblyman assemblywoman "
    "lawmaker nominee candidate sheikh emir president-elect dean"
)
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_NAME_PARTICLES = frozenset({"de", "van", "von", "der", "da", "di", "la", "le", "bin", "al", "del", "du"})
# Capitalized words that start sentences or clauses rather than names.
_NOT_NAME_WORDS = word_set(
    "the a an but and or so in on at for if when while after as this that these those he she they it "
    "we i his her their its our my your you there here what why how who where yet still even also "
    "however meanwhile although though because since until before during with without from by to "
    "following according despite amid among against across under over through "
    "of not no some many most all both each every one two three four five several few another other "
    "such editor’s editor's mrs. mr. ms. "
    "see read watch click follow like share photo video related update back "
    # Adverbs that open sentences: "Soon after the vote, …", "Then, later that week, …".
    "then soon now later today yesterday tomorrow tonight earlier instead perhaps maybe finally "
    "indeed afterward afterwards recently "
    # Speech verbs set before their subject: "Said Lee, …", "Continued Lee: …".
    "said says added adds continued continues wrote writes stated explained noted asked replied "
    "responded declared tweeted concluded argued insisted"
)
_ORGANIZATION_WORDS = word_set(
    "house committee council party department service caucus institute university association center "
    "centre agency bureau times post news journal court senate congress fund bank union foundation "
    "street commission board office ministry administration group company corp inc network "
    "organization church republic states kingdom nations act program security force army navy guard "
    "police campaign city county state river island airport hospital school college review press "
    "media television magazine street avenue day week month year january february march april may "
    "june july august september october november december monday tuesday wednesday thursday friday "
    "saturday sunday show"
)
# A capitalized word; it carries its period only when it is an abbreviation or initials, so that
# a run never crosses a sentence end ("… Trump. Bernie Sanders …").
_NAME_WORD = (
    r"(?:(?:Mrs|Mr|Ms|Dr|Sens|Sen|Reps|Rep|Gov|Gens|Gen|Lt|Col|Sgt|Capt|Adm|Maj|Cmdr|Rev|Prof|St|Jr|Sr|"
    r"Hon|Atty)\.|(?:[A-Z]\.)+|[A-Z][\w’'\-]*)"
)
# The lookahead changes no match: every name word starts with a capital, and checking that first
# spares the regex engine trying each alternative at every position of the text.
_NAME_RUN = re.compile(
    rf"(?=[A-Z]){_NAME_WORD}(?:\s+(?:(?:de|van|von|der|da|di|la|le|bin|al|del|du)\s+)?{_NAME_WORD})*"
)


_CALENDAR_WORDS = word_set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december"
)
# Party and state tags ("R-Ky.", "D-N.Y.") stand after names; they are not names themselves.
_PARTY_TAG = re.compile(r"\b[RDI]-[A-Z][A-Za-z.\-]*")
_AUXILIARIES = word_set(
    "has had have would will also later then once again previously recently simply further "
    "repeatedly often reportedly himself herself went on to continued began proceeded"
)
# Up to six words, the last lower-case ("state treasurer", "Pentagon spokesman", "9/11 widow"),
# then a name that ends the phrase.
_DESCRIPTOR_THEN_NAME = re.compile(
    rf"^(?:[\w/’'.\-]+\s+){{0,5}}[a-z][\w\-]*\s+(?P<name>{_NAME_RUN.pattern})\s*$"
)
_APPOSITIVE_NAME = re.compile(
    rf"\s*(?:[a-z][\w\-]*\s+){{0,2}}(?P<name>{_NAME_RUN.pattern})\s*(?:[,.;:]|$|\s(?:who|of)\s)"
)
# A name's possessive, then what the person is to them: "Lee’s deputy campaign manager".
_POSSESSIVE_DESCRIPTION = re.compile(
    rf"\s*{_NAME_RUN.pattern}(?:’s|'s|’|')\s+[a-z][\w\-]*(?:\s+[a-z][\w\-]*)*\s*$"
)


class _SpeakerForm(enum.Enum):
    NAME = "name"
    PRONOUN = "pronoun"
    NOUN = "noun"  # "a White House spokesman", "officials"


@dataclass(frozen=True, slots=True)
class _Speaker:
    form: _SpeakerForm
    words: str  # the name without titles, the pronoun, or the noun phrase as written
    at: int  # where it is in the article (a pronoun refers to people named before this)
    gender: str | None = None  # "m"/"f" from Mr./Ms. titles and he/she


def _clean_token(token: str) -> str:
    token = token.rstrip(",;:").removesuffix("’s").removesuffix("'s")
    # "Sanders’ apology": the possessive of a name ending in s is the name.
    return token[:-1] if len(token) > 2 and token[-1] in "’'" and token[-2] == "s" else token


def _is_capitalized(token: str) -> bool:
    return token[:1].isupper()


@lru_cache(maxsize=1 << 14)
def _title_key(token: str) -> str:
    return token.lower().rstrip(".").rstrip(",")


def _gender_of_titles(tokens: Sequence[str]) -> str | None:
    keys = {_title_key(t) for t in tokens}
    if keys & {"mr", "sir", "king", "prince", "father", "congressman", "chairman", "spokesman"}:
        return "m"
    if keys & {"mrs", "ms", "miss", "queen", "princess", "lady", "congresswoman", "chairwoman"}:
        return "f"
    return None


_VERBISH = word_set("is was are were be been has had have will would could can began did does do")


def _looks_like_verb(token: str) -> bool:
    lowered = token.lower()
    # Capitalized words ending in -ing are names and places (Wyoming, Sterling), not verbs.
    # Capitalized words ending in -ing are names and places (Wyoming, Sterling), not verbs.
    return lowered in _VERBISH or (token.islower() and lowered.endswith("ing") and len(lowered) > 5)


def _name_from_run(tokens: Sequence[str]) -> tuple[str, str | None] | None:
    """The name in a run of capitalized words, titles dropped; None when nothing is left."""
    while tokens and _title_key(tokens[0]) in _NOT_NAME_WORDS:
        tokens = tokens[1:]
    if not tokens:
        return None
    gender = _gender_of_titles(tokens)
    last_title = -1
    for i, token in enumerate(tokens[:-1]):
        # A title, or the end of an outlet's or an organisation's name glued to the person's
        # ("Washington Post Trump", "Pentagon Press Secretary Ann Lee").
        if _title_key(token) in _TITLES or _title_key(token) in _ORGANIZATION_WORDS:
            last_title = i
    name = tokens[last_title + 1 :]
    if _title_key(name[-1]) in _TITLES and len(name) == 1:
        return None
    return " ".join(name), gender


def _is_organization_name(tokens: Sequence[str]) -> bool:
    return tokens[-1].lower() in _ORGANIZATION_WORDS or (len(tokens) == 1 and tokens[0].isupper())


def _without_affiliation(tokens: list[str]) -> list[str]:
    """ "Ann Lee of the Brook Institute" -> Ann Lee; "president of the Brook Institute" stays a
    description, and "Secretary of State Ann Lee" a title."""
    for i in range(1, len(tokens) - 1):
        if tokens[i] not in ("of", "from", "at"):
            continue
        before = tokens[i - 1]
        if _is_capitalized(before) and _title_key(before) not in _TITLES:
            return tokens[:i]
        if tokens[i + 1] in ("the", "a", "an"):
            # "Speaker of the House Rep. Ann Lee": an office, a title, then the person's name.
            office = tokens[i + 2 :]
            titles = [j for j, t in enumerate(office[:-1]) if _title_key(t) in _TITLES]
            name = office[titles[-1] + 1 :] if titles else []
            if (
                _title_key(before) in _TITLES
                and len(name) >= 2  # a person's name, not "… Justice Division"
                and all(_is_capitalized(t) for t in office)
                and not _is_organization_name(name)
            ):
                return name
            return []  # a description of a role; the caller reads the name from elsewhere
    return tokens


_GOVERNING_PREPOSITIONS = frozenset({"for", "of", "at", "with", "in", "from", "to", "by", "on"})


def _described_name(tokens: Sequence[str]) -> tuple[str, str | None] | None:
    """ "the economist Ann Lee" -> Ann Lee: a description, then the name it introduces. Not "a New
    Hampshire Democrat" (no lower-case word says what the person is) nor "an aide to Ann Lee"."""
    run_start = len(tokens)
    while run_start > 1 and _is_capitalized(tokens[run_start - 1]):
        run_start -= 1
    if run_start == len(tokens) or run_start < 2:
        return None
    before = tokens[run_start - 1]
    if not before.isalpha() or not before.islower() or before in _GOVERNING_PREPOSITIONS:
        return None
    if before in _NOT_NAME_WORDS or _looks_like_verb(before):
        return None
    named = _name_from_run(tokens[run_start:])
    if named is None or _is_organization_name(named[0].split()):
        return None
    return named


def _parse_speaker(phrase: str, at: int) -> _Speaker | None:
    """A speaker from the noun phrase of an attribution, or None when it is not one."""
    # A list's bullet ("~ As Lee put it") is no part of the phrase.
    phrase = _PARENTHETICAL.sub("", phrase).strip(' ,;:—–"“”~•*·>')
    phrase = _LEADING_CONJUNCTION.sub("", phrase)
    if not phrase:
        return None
    document = _DOCUMENT_FROM.match(phrase) or _DOCUMENT_FROM.match(phrase[:1].lower() + phrase[1:])
    if document:  # "A statement from Ann Lee’s office read": the author speaks
        author = _parse_speaker(phrase[document.end() :], at + document.end())
        if author is not None and author.form is _SpeakerForm.NAME:
            return author
    owner = _DOCUMENT_OF.match(phrase)
    if owner:  # "Ann Lee’s statement said": the author speaks
        author = _parse_speaker(owner.group("name"), at)
        if author is not None and author.form is _SpeakerForm.NAME:
            return author
    raw_tokens = [t for t in phrase.split() if not _PARTY_TAG.fullmatch(t.rstrip(",;:"))]
    # "Gallup's Jeffrey Jones", "the Post's Ann Lee": the name is the one after the possessive.
    for i in range(len(raw_tokens) - 2, -1, -1):
        if raw_tokens[i].endswith(("’s", "'s")) and _is_capitalized(raw_tokens[i + 1]):
            raw_tokens = raw_tokens[i + 1 :]
            break
    tokens = [t for t in (_clean_token(t) for t in raw_tokens) if t]
    tokens = _without_affiliation(tokens)
    while len(tokens) > 1 and tokens[0].endswith("ly") and tokens[0][1:].islower():
        tokens = tokens[1:]  # "Recently she announced"
    while len(tokens) > 1 and (
        tokens[-1].lower() in _AUXILIARIES or (tokens[-1].endswith("ly") and tokens[-1].islower())
    ):
        tokens.pop()  # "Lee has said", "Lee also told"
    if not tokens or len(tokens) > 9:
        return None
    phrase = " ".join(tokens)
    lowered = phrase.lower()
    if lowered in _PRONOUNS:
        return _Speaker(_SpeakerForm.PRONOUN, lowered, at, {"he": "m", "she": "f"}.get(lowered))
    if tokens[0].lower() == "the" and len(tokens) > 1 and all(_is_capitalized(t) for t in tokens[1:]):
        named = _name_from_run(tokens[1:])
        if named is not None:
            # "The New York Times reported", "the Illinois Board of Elections said": an
            # organisation named by its proper name is a named source.
            return _Speaker(_SpeakerForm.NAME, " ".join(["The", *tokens[1:]]), at)
    if _title_key(tokens[0]) in _DETERMINERS:
        described = _described_name(tokens)
        if described is not None:
            return _Speaker(_SpeakerForm.NAME, described[0], at, described[1])
        # The word after the determiner may be an -ing adjective ("a leading advocate").
        verbs = [_looks_like_verb(t) and (i > 1 or t.lower() in _VERBISH) for i, t in enumerate(tokens)]
        if len(tokens) <= 7 and all(t[:1].isalnum() and not verbs[i] for i, t in enumerate(tokens) if i):
            return _Speaker(_SpeakerForm.NOUN, " ".join([tokens[0].lower(), *tokens[1:]]), at)
        return None
    if len(tokens) == 1 and lowered in _PLURAL_SOURCES:
        return _Speaker(_SpeakerForm.NOUN, lowered, at)
    run_start = len(tokens)
    while run_start > 0 and (
        _is_capitalized(tokens[run_start - 1])
        or (tokens[run_start - 1] in _NAME_PARTICLES and run_start < len(tokens))
    ):
        run_start -= 1
    if run_start == len(tokens):
        return None
    # Before the name only a title or office may stand ("Tulsa police Chief Chuck Jordan").
    lead = tokens[:run_start]
    run = tokens[run_start:]
    # "In an interview with the Harbor Post Linus Berg said": an outlet's name ends where the
    # subject's begins, so the subject is known even after a long introduction.
    glued = len(run) > 2 and any(_title_key(t) in _ORGANIZATION_WORDS for t in run[1:-1])
    # "former State policy planning director Ann Lee": a long description ending in a title.
    titled = 0 < len(lead) <= 7 and _title_key(lead[-1]) in _TITLES and lead[-1].islower()
    # Lead words are plain words, hyphenated ones included ("co-founder").
    plain = all(t.replace("-", "").isalpha() and not _looks_like_verb(t) for t in lead)
    if not (glued or titled) and (len(lead) > 4 or not plain):
        return None
    while lead and _title_key(lead[-1]) in _DETERMINERS:
        lead = lead[:-1]
    if not glued and lead and lead[-1] in _GOVERNING_PREPOSITIONS:
        # "legal director for the Brook Fund": the name is the preposition's object, and the
        # phrase describes someone named elsewhere (the appositive's head).
        return _Speaker(_SpeakerForm.NOUN, " ".join(tokens), at)
    named = _name_from_run(run)
    if named is None:
        # Only titles ("Retired General", "the President") name a role; other words name nobody.
        if any(_title_key(t) in _TITLES for t in tokens):
            return _Speaker(_SpeakerForm.NOUN, " ".join(tokens), at)
        return None
    name, gender = named
    return _Speaker(_SpeakerForm.NAME, name, at, gender)


# A document, then who it is from: its words are its author's.
_DOCUMENT_WORDS = (
    "report|statement|post|tweet|letter|memo|article|story|email|e-mail|release|op-ed|column|"
    "editorial|filing|message|note|video|ad"
)
_DOCUMENT_FROM = re.compile(
    rf"\s*(?:(?:a|an|the)\s+)?(?:[a-z\-]+\s+){{0,2}}?(?:{_DOCUMENT_WORDS})\s+(?:from|by|of)\s+"
)


# A name's document: "Ann Lee’s statement", "Lee’s latest tweet".
_DOCUMENT_OF = re.compile(
    rf"(?P<name>{_NAME_RUN.pattern})(?:’s|'s|’|')\s+(?:[a-z\-]+\s+){{0,2}}?(?:{_DOCUMENT_WORDS})$"
)


def _speaker_after_verb(text: str, start: int, end: int) -> _Speaker | None:
    """`said Donna Brazile, the chairwoman` -> Donna Brazile; `said state treasurer Ben Cole` and
    `said the treasurer, Ben Cole` -> Ben Cole."""
    tail = text[start:end]
    tail_clean = _PARTY_TAG.sub(lambda m: " " * len(m.group()), tail)
    tail_clean = _PARENTHETICAL.sub(lambda m: " " * len(m.group()), tail_clean)
    document = _DOCUMENT_FROM.match(tail_clean)
    if document:  # "according to a report from the Harbor Ledger": the author speaks
        author = _speaker_after_verb(text, start + document.end(), end)
        if author is not None and author.form is _SpeakerForm.NAME:
            return author
    stop = _NP_STOP.search(tail_clean)
    phrase = tail_clean[: stop.start()] if stop else tail_clean
    phrase = phrase.strip().rstrip(".!?")
    if not phrase:
        return None
    first = phrase.split()[0]
    first_key = first.lower()
    described = _DESCRIPTOR_THEN_NAME.match(phrase)
    opens_speaker = _is_capitalized(first) or first_key in _DETERMINERS or first_key in _PRONOUNS
    if not (opens_speaker or first_key in _TITLES or described):
        return None
    if described:
        # A description before the name ("Pentagon spokesman Navy Capt. Jeff Davis"): the name
        # is the last run of capitals, once lower-case words have said what the person is.
        phrase = described.group("name")
    elif _is_capitalized(first):
        name = _NAME_RUN.match(phrase)
        phrase = name.group() if name else phrase  # "said Kai Moen again" -> Kai Moen
    at = start + (len(tail) - len(tail.lstrip()))
    speaker = _parse_speaker(phrase, at)
    if _POSSESSIVE_DESCRIPTION.match(tail_clean[: stop.start()] if stop else tail_clean):
        # "said Lee’s campaign manager, Ann Kerr": Lee owns the role; the appositive names who.
        speaker = _Speaker(_SpeakerForm.NOUN, phrase, at)
    if speaker is not None and speaker.form is _SpeakerForm.NOUN and stop and tail_clean[stop.start()] == ",":
        # "said the treasurer, Ben Cole": the appositive after the description names them.
        appositive = _APPOSITIVE_NAME.match(tail_clean, stop.end())
        if appositive:
            named = _parse_speaker(appositive.group("name"), start + appositive.start("name"))
            if named is not None and named.form is _SpeakerForm.NAME:
                return named
    return speaker


def _speaker_before_verb(text: str, clause_low: int, verb_start: int) -> _Speaker | None:
    """The subject ending just before a speech verb, skipping an appositive or relative clause."""
    segment = text[clause_low:verb_start]
    masked = _PARENTHETICAL.sub(lambda m: " " * len(m.group()), segment)
    # A title quoted in an aside ("author of “The Long Road,”") is masked like a parenthetical.
    masked = _QUOTED_TITLE.sub(lambda m: " " * len(m.group()), masked)
    bounds = [0] + [m.end() for m in re.finditer(r"[,;:—–]", masked)]
    # Walk back over comma-separated clauses: "Sen. Ann Lee, a Democrat from Maine, said", "Ann
    # Lee, 30, of Salem, Ore., who was polled, said".
    nearest = len(bounds) - 1  # the clause next to the verb, once asides are skipped
    relative = False  # whether the aside skipped to reach `nearest` is a bare "who" ("X, who said")
    empty = -1  # the last clause found empty ("Ann Lee, 52, said": nothing between "," and "said")
    for i in range(len(bounds) - 1, max(len(bounds) - 7, -1), -1):
        clause_end = bounds[i + 1] - 1 if i + 1 < len(bounds) else len(masked)
        phrase = masked[bounds[i] : clause_end]
        adverb = _ADVERB.match(phrase.strip())
        if adverb:
            phrase = adverb.group(1)
        if not phrase.strip() or all(w in _VERBISH for w in phrase.split()):
            empty = i  # nothing, or only an auxiliary: "Ann Lee, for her part, is calling it"
            continue
        if i > 0 and _is_aside(phrase):
            if i == nearest or (empty == nearest and i == nearest - 1):
                nearest = i - 1
                relative = _RELATIVE_PRONOUN.fullmatch(phrase) is not None
            continue
        speaker = _parse_speaker(phrase, clause_low + bounds[i] + (len(phrase) - len(phrase.lstrip())))
        if speaker is None and i == nearest and relative:
            # "… was denied by Ann Lee, who told reporters": "who" stands for the name before it.
            antecedent = _NAME_AT_END.search(phrase)
            if antecedent:
                named = _parse_speaker(antecedent.group(), clause_low + bounds[i] + antecedent.start())
                speaker = named if named is not None and named.form is _SpeakerForm.NAME else None
        if speaker is None and i == nearest:
            speaker = _subject_of_subordinate_clause(phrase, clause_low + bounds[i])
        if speaker is not None and (speaker.form is not _SpeakerForm.NOUN or i == nearest):
            if speaker.form is _SpeakerForm.NOUN and i > 0:
                # "Sen. Ann Lee, a Democrat, said": the appositive names a role; prefer the name.
                earlier = _speaker_before_verb(text, clause_low, clause_low + bounds[i] - 1)
                if earlier is not None and earlier.form is _SpeakerForm.NAME:
                    return earlier
            return speaker
        if i == nearest and speaker is None and not _looks_like_appositive(phrase):
            return None
    return None


# An apostrophe inside a title set in doubled marks (''Ann's Road'') does not end it.
_RELATIVE_PRONOUN = re.compile(r"\s*(?:who|which)\s*")
_NAME_AT_END = re.compile(rf"(?<![\w’'])(?=[A-Z]){_NAME_RUN.pattern}\s*$")
_QUOTED_TITLE = re.compile(r"(?:“[^“”]{1,80}”|\"[^\"]{1,80}\"|''(?:[^']|'(?!')){1,80}'')")


# A clause's subject follows these; "and" and "but" join a clause that has its own ("The vote was
# close but Lee said").
_SUBORDINATOR = re.compile(
    r"\b(?:when|as|after|before|because|while|since|until|where|once|that|what|which|and|but)\s+"
)


def _subject_of_subordinate_clause(phrase: str, at: int) -> _Speaker | None:
    """ "She had a line for it when she said": the subject of the clause holding the verb."""
    last = max(_SUBORDINATOR.finditer(phrase), key=lambda m: m.start(), default=None)
    if last is None:
        return None
    capitalized_before = _CAPITALIZED_WORD_BEFORE.search(phrase, 0, last.start())
    if (
        last.group().split()[0] in ("and", "but")
        and capitalized_before
        and capitalized_before.group().strip().lower() not in _CALENDAR_WORDS
    ):
        return None  # "the Department for Communities and Local Government": one name, not two clauses
    speaker = _parse_speaker(phrase[last.end() :], at + last.end())
    return speaker if speaker is not None and speaker.form is not _SpeakerForm.NOUN else None


_CAPITALIZED_WORD_BEFORE = re.compile(r"\b[A-Z][\w’'.\-]*\s*$")


# Asides between a name and its verb: an age, a home town ("of Salem", "Ore."), a party tag, a
# relative clause, a party and state ("Democrat of Ohio").
_ASIDE = re.compile(
    r"\s*(?:\d+|[a-z]+ing\s.*|(?:of|from|in|at|who|whose|which)\s.*|[A-Z][a-z]{0,4}\.(?:\s?[A-Z]\.)?|"
    r"[RDI]-[A-Z][\w.\-]*|(?:Democrat|Republican|Independent)\s+(?:of|from)\s.*)\s*"
)


def _is_aside(phrase: str) -> bool:
    return _ASIDE.fullmatch(phrase) is not None


def _looks_like_appositive(phrase: str) -> bool:
    words = phrase.split()
    if not words:
        return False
    # "a Democrat from Maine", "who ran the fund", or a bare role: "author of …", "professor of law"
    bare_role = (
        len(words) > 1 and words[0].isalpha() and words[0].islower() and words[1] in ("of", "at", "for")
    )
    return words[0].lower() in _DETERMINERS | {"who", "whose", "which"} or bare_role


_SUBJECT = re.compile(rf"\s*(?:(?:[a-z]+\s+){{0,3}}{_NAME_RUN.pattern}|[Hh]e|[Ss]he|[Tt]hey)\b")


def _leading_subject(text: str, low: int, high: int) -> _Speaker | None:
    """The subject of a sentence, for `X defended the plan, saying "…"`.

    It opens the sentence, or follows an introductory phrase: `After the vote, X said …`.
    """
    commas = [low + m.end() for m in re.finditer(",", text[low:high])]
    for start in [low, *commas][:4]:
        match = _SUBJECT.match(text, start, high)
        adverb = _OPENING_ADVERB.match(text, start, high)
        if adverb:  # "Then he cut into the plan, calling it …": the subject follows the adverb
            match = _SUBJECT.match(text, adverb.end(), high) or match
        if match:
            phrase = match.group()
            speaker = _parse_speaker(phrase, start + len(phrase) - len(phrase.lstrip()))
            # "On Thursday, Lee appeared …": a day, a month or a place is no subject.
            if speaker is None or speaker.words.split()[-1].lower() in _CALENDAR_WORDS:
                continue
            # "Ever since she …", "Just last week, …": a capitalized word opening a phrase
            # is no name; a subject is followed by its verb.
            following = _NEXT_WORD.match(text, match.end(), high)
            if following and following.group(1) in _PHRASE_OPENERS and " " not in phrase.strip():
                continue
            description = _DESCRIPTION_TO_COMMA.match(text, match.end(), high)
            if speaker.form is _SpeakerForm.NOUN and description:
                # "The mayor, Ann Lee, was blunt": the appositive names the subject.
                appositive = _NAME_BETWEEN_COMMAS.match(text, description.end(), high)
                named = appositive and _parse_speaker(appositive.group("name"), appositive.start("name"))
                if named and named.form is _SpeakerForm.NAME:
                    return named
            return speaker
    return None


_DESCRIPTION_TO_COMMA = re.compile(r"(?:\s+[a-z][\w\-]*){0,3},")
_NAME_BETWEEN_COMMAS = re.compile(rf"\s*(?P<name>{_NAME_RUN.pattern})\s*,")


_NEXT_WORD = re.compile(r"\s+([a-z]+)\b")
_OPENING_ADVERB = re.compile(
    r"\s*(?:Then|Soon|Now|Later|Today|Yesterday|Earlier|Instead|Finally|Indeed|Afterward|Recently)\s+(?=[a-z])"
)
_PHRASE_OPENERS = _GOVERNING_PREPOSITIONS | word_set(
    "since when after before if because while as the a an last this next so than"
)


# `"…," Ann Lee, a former adviser to the mayor and the author of two books, wrote`: after the
# quote a name, then a long appositive set off by commas, then the verb.
_NAME_THEN_APPOSITIVE = re.compile(
    rf"[\s,]*(?:[a-z]+\s+){{0,3}}{_NAME_RUN.pattern}\s*,[^,;:]+(?:,[^,;:]+){{0,3}},\s*$"
)


# `"…" by the vote, and more, Lee said.`: the writer's words run on from the quote and the
# sentence ends with its attribution.
_ATTRIBUTION_ENDING_SENTENCE = re.compile(
    rf",\s+(?P<subject>{_NAME_RUN.pattern}|[Hh]e|[Ss]he)\s+(?:{_alternation(_VERB_FORMS)})\b"
    r"[^,;:\"“”]{0,40}[.!?]?\s*$"
)


def _attribution_ending_sentence(text: str, start: int, end: int) -> _Speaker | None:
    match = _ATTRIBUTION_ENDING_SENTENCE.search(text, start, end)
    if match is None:
        return None
    speaker = _parse_speaker(match.group("subject"), match.start("subject"))
    return speaker if speaker is not None and speaker.form is not _SpeakerForm.NOUN else None


def _attribution_after(text: str, quote: _RawQuote, end: int) -> _Speaker | None:
    """`"…," said X` / `"…," X said` / `"…," according to X`, right after the closing mark."""
    start = quote.close_end
    head = text[start:end]
    according = _ACCORDING_TO.match(head.lstrip(" ,"))
    if according:
        offset = start + len(head) - len(head.lstrip(" ,")) + according.end()
        return _speaker_after_verb(text, offset, end)
    verb = _SPEECH_AFTER.search(text, start, end)
    if verb is None:
        return None
    if verb.start() - start > 90 and not _NAME_THEN_APPOSITIVE.match(text[start : verb.start()]):
        return None
    if not text[start : verb.start()].strip(" ,"):
        return _speaker_after_verb(text, verb.end(), end)
    between = text[start : verb.start()]
    if re.search(r"[.!?]\s", _PARENTHETICAL.sub("", between)) and not re.search(
        r"\b(?:[A-Z]\.)+\s|\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|St|Jr|Sr)\.\s", between
    ):
        return None
    # Only verbs without a listener: in ", told AFP" the name after the verb is who heard it.
    inverts = verb.group() in ("said", "says", "added", "adds", "wrote", "writes")
    if inverts and between.rstrip().endswith(",") and _NAME_RUN.match(text, verb.end() + 1):
        # `"He can say it" that she will win, said Ann Lee`: the quote runs into the writer's
        # words, then the verb comes before its subject.
        inverted = _speaker_after_verb(text, verb.end(), end)
        if inverted is not None and inverted.form is _SpeakerForm.NAME:
            return inverted
    return _speaker_before_verb(text, start, verb.start())


_COORDINATED_VERB = re.compile(r"\band\s+(?:then\s+|later\s+|finally\s+)?$|,\s+then\s+$")
# A clause's subject: a name or a pronoun where a clause begins (the sentence's start, a comma, a
# conjunction), then a lower-case word (its verb, or an adverb before it).
_CLAUSE_SUBJECT = re.compile(
    # "Here is what Lee had to say:": a wh-clause's subject too.
    rf"(?:^|[,;]\s*|\b(?:and|but|when|When|as|As|while|While|after|After|before|Before|so|then|what)\s+)"
    rf"(?!(?:When|As|While|After|Before|And|But|So|Then)\s)"
    rf"(?P<subject>{_NAME_RUN.pattern}|[Hh]e|[Ss]he|[Tt]hey)\s+(?P<next>[a-z]+)\b"
)


def _subject_of_coordinated_verb(text: str, low: int, high: int) -> _Speaker | None:
    """ "Lee smiled and said", "Lee leaned in, then said": the subject of the first verb."""
    subject = None
    # On a slice: "^" matches only at the start of the string searched, not at a start position.
    for match in _CLAUSE_SUBJECT.finditer(text[low:high]):
        if match.group("next") in _PHRASE_OPENERS or match.group("next") in ("and", "or"):
            continue
        if match.group("subject").endswith(("’s", "'s")):
            continue  # "after Lee's speech": a possessive opens a noun phrase, it is no subject
        speaker = _parse_speaker(match.group("subject"), low + match.start("subject"))
        if speaker is not None and speaker.words.split()[-1].lower() in _CALENDAR_WORDS:
            continue  # "after Sunday the board …": a day or a month is no subject
        if speaker is not None and speaker.form is not _SpeakerForm.NOUN:
            subject = speaker
    return subject


_INFINITIVE_BEFORE = re.compile(r"\bto\s+$")
_PASSIVE_AGENT = re.compile(r"\s+by\s+")
_OPENING_SUBORDINATOR = re.compile(
    r"\s*(?:When|After|As|Before|While|Since|Because|If|Although|Though|Once|Until)\s"
)


def _attribution_before(
    text: str, sentence_low: int, open_at: int, subject_low: int | None = None
) -> _Speaker | None:
    """`X said, "…"` / `X told Y: "…"` / `According to X, "…"` / `He called it "…"`.

    `subject_low` is where the sentence really starts when an earlier quote in it (a scare
    quote) bounds `sentence_low`: a sentence's subject may stand before that quote.
    """
    subject_low = sentence_low if subject_low is None else subject_low
    verbs = list(_SPEECH_BEFORE.finditer(text, sentence_low, open_at))
    according = list(_ACCORDING_TO.finditer(text, sentence_low, open_at))
    if according and (not verbs or according[-1].start() > verbs[-1].start()):
        return _speaker_after_verb(text, according[-1].end(), open_at)
    for index in range(len(verbs) - 1, -1, -1):
        verb = verbs[index]
        if _OPENING_SUBORDINATOR.match(text, sentence_low, verb.start()):
            # "When Lee suggested a deal, Kerr fired back: …": the verb of the clause that sets
            # the scene is not the quote's; the main clause's subject speaks.
            comma = text.find(",", verb.end(), open_at)
            main = _subject_of_coordinated_verb(text, comma, open_at) if comma >= 0 else None
            if main is not None:
                return main
        coordinated = _COORDINATED_VERB.search(text, max(sentence_low, verb.start() - 20), verb.start())
        if (
            verb.group() in _PARTICIPLE_SET
            and index > 0
            and not text[verbs[index - 1].end() : verb.start()].strip(" ,")
        ):
            continue  # "Lee said, adding": the subject is the said's
        passive = _PASSIVE_AGENT.match(text, verb.end(), open_at)
        if passive and verb.group() not in _PARTICIPLE_SET:
            # "Lee was asked by the host, Ann Kerr, “…”": the agent speaks.
            agent = _speaker_after_verb(text, passive.end(), open_at)
            if agent is not None and agent.form is not _SpeakerForm.PRONOUN:
                return agent
        if coordinated:
            subject = _subject_of_coordinated_verb(text, subject_low, coordinated.start())
        elif verb.group() in _PARTICIPLE_SET or _INFINITIVE_BEFORE.search(
            text, max(sentence_low, verb.start() - 4), verb.start()
        ):
            # "Lee defended the plan, saying", "When he returned he began by saying", "Lee took
            # to the radio to say": the sentence's subject speaks.
            subject = _leading_subject(text, subject_low, verb.start()) or _subject_of_coordinated_verb(
                text, subject_low, verb.start()
            )
        else:
            subject = _speaker_before_verb(text, sentence_low, verb.start())
            if (
                subject is None
                and subject_low < sentence_low
                and not text[sentence_low : verb.start()].strip(" ,’'”\"")
            ):
                # `Lee, author of “The Long Road,” put it this way: …`: a title quoted in the
                # attribution cut the sentence short; its subject stands before the title.
                subject = _speaker_before_verb(text, subject_low, verb.start())
        if subject is not None:
            return subject
    return None
