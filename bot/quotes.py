"""Direct quotations and who said them: article text in, `Quote`s out, key quotes first.

Rules only (regexes and linear scans), so it is fast enough to run on every article and needs no
model or data file. The steps:

1. find quotation marks, telling apostrophes (don't, '90s, students') from quote marks, and pair
   them into quotes; a quote left open at a paragraph's end continues when the next paragraph
   opens with a quotation mark (the English convention for quotes over several paragraphs);
2. find each quote's attribution in its sentence ("…," said X / X said, "…" / according to X …)
   and parse the speaker's noun phrase (a name, a pronoun or a noun phrase like "a spokesman");
3. resolve names to the fullest form used in the article (Mr. Obama -> Barack Obama) and
   pronouns to the last person named before them;
4. rank: statements by named people first, then other statements, fragments, unattributed.
"""

from __future__ import annotations

import bisect
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.models import Quote, QuoteKind


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _word_list(words: str) -> list[str]:
    return words.split()


# --- quotation marks -------------------------------------------------------------------------

_DOUBLE_MARKS = '"“”„'
_SINGLE_MARKS = "'‘’"
_QUOTE_MARK = re.compile(r"[\"“”„'‘’]")
# After these a straight mark opens a quote rather than closing one.
_OPENERS = "([{—–-/"


class _Role(enum.Enum):
    OPEN = "open"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class _Mark:
    pos: int
    double: bool
    role: _Role


def _mark_role(text: str, i: int, paragraph_start: int, paragraph_end: int) -> _Mark | None:
    char = text[i]
    before = text[i - 1] if i > paragraph_start else " "
    after = text[i + 1] if i + 1 < paragraph_end else " "
    space_before = before.isspace() or before in _OPENERS or before in _DOUBLE_MARKS
    space_after = after.isspace()
    if char in _DOUBLE_MARKS:
        role = _double_role(char, before, space_before, space_after)
        return _Mark(i, True, role) if role else None
    # Single marks are mostly apostrophes: inside a word (don't), before a year ('90s) or an
    # elision ('em); a closing one after a plural (students') is only taken when a quote is open.
    if before.isalnum() and after.isalnum():
        return None
    if char in "‘'" and space_before and (after.isalpha() or after in _DOUBLE_MARKS):
        return _Mark(i, False, _Role.OPEN)
    if char in "’'" and not space_before and not after.isalnum():
        return _Mark(i, False, _Role.CLOSE)
    return None


def _double_role(char: str, before: str, space_before: bool, space_after: bool) -> _Role | None:
    # Curly marks say what they are, but trust the context when it plainly disagrees
    # (typesetting software gets them wrong next to dashes and at line starts).
    if char in "“„":
        if not space_after:
            return _Role.OPEN
        return None if space_before else _Role.CLOSE
    if char == "”":
        if not space_before:
            return _Role.CLOSE
        return None if space_after else _Role.OPEN
    if space_before and not space_after:
        return _Role.OPEN
    if not space_before and space_after:
        return _Role.CLOSE
    if not space_before and not space_after:
        return _Role.OPEN if before in ",:;" else _Role.CLOSE
    return None


@dataclass(frozen=True, slots=True)
class _Paragraph:
    start: int
    end: int


def _paragraphs(text: str) -> list[_Paragraph]:
    # Any line break ends a paragraph: extracted text separates them by blank lines, but many
    # plain-text sources use single newlines.
    return [_Paragraph(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]


@dataclass(slots=True)
class _RawQuote:
    pieces: list[tuple[int, int]]  # the quoted words of each piece (marks excluded)
    open_at: int  # the first opening mark
    close_end: int  # just after the last closing mark (or the paragraph end when unclosed)
    first_paragraph: int
    last_paragraph: int
    single: bool = False


def _pair_marks(text: str, paragraphs: Sequence[_Paragraph]) -> list[_RawQuote]:
    quotes: list[_RawQuote] = []
    carried: list[tuple[int, int]] = []  # pieces of a quote running over paragraphs
    carried_open = 0
    carried_paragraph = 0
    for index, paragraph in enumerate(paragraphs):
        marks = _marks(text, paragraph)
        open_at: int | None = None
        single_open: int | None = None
        first_mark = marks[0] if marks else None
        continues = bool(carried) and first_mark is not None and first_mark.role is _Role.OPEN
        if carried and not continues:
            carried = []
        for mark in marks:
            if mark.double:
                single_open = None
                if mark.role is _Role.OPEN:
                    if open_at is not None:
                        carried = []  # an opening mark inside an open quote: the first was misread
                    open_at = mark.pos
                elif open_at is not None:
                    pieces = [*carried, (open_at + 1, mark.pos)]
                    start_at = carried_open if carried else open_at
                    first = carried_paragraph if carried else index
                    quotes.append(_RawQuote(pieces, start_at, mark.pos + 1, first, index))
                    carried, open_at = [], None
            elif open_at is None:  # single marks inside a double quote are nested quotes
                if mark.role is _Role.OPEN and single_open is None:
                    single_open = mark.pos
                elif mark.role is _Role.CLOSE and single_open is not None:
                    quotes.append(
                        _RawQuote(
                            [(single_open + 1, mark.pos)], single_open, mark.pos + 1, index, index, True
                        )
                    )
                    single_open = None
        if open_at is None:
            continue
        if not carried:
            carried_open, carried_paragraph = open_at, index
        carried.append((open_at + 1, paragraph.end))
        if not _next_paragraph_opens_quote(text, paragraphs, index):
            quotes.append(_RawQuote(carried, carried_open, paragraph.end, carried_paragraph, index))
            carried = []
    return [q for q in (_trimmed(text, q) for q in quotes) if q is not None]


def _marks(text: str, paragraph: _Paragraph) -> list[_Mark]:
    marks = []
    for match in _QUOTE_MARK.finditer(text, paragraph.start, paragraph.end):
        mark = _mark_role(text, match.start(), paragraph.start, paragraph.end)
        if mark is not None:
            marks.append(mark)
    return marks


def _next_paragraph_opens_quote(text: str, paragraphs: Sequence[_Paragraph], index: int) -> bool:
    if index + 1 >= len(paragraphs):
        return False
    following = paragraphs[index + 1]
    marks = _marks(text, _Paragraph(following.start, following.end))
    return bool(marks) and marks[0].pos == following.start and marks[0].role is _Role.OPEN


def _trimmed(text: str, quote: _RawQuote) -> _RawQuote | None:
    pieces = []
    for start, end in quote.pieces:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if any(c.isalnum() for c in text[start:end]):
            pieces.append((start, end))
    if not pieces:
        return None
    # The comma before a closing mark is the writer's punctuation, not the speaker's words.
    last_start, last_end = pieces[-1]
    while last_end > last_start and text[last_end - 1] in ", ":
        last_end -= 1
    pieces[-1] = (last_start, last_end)
    quote.pieces = pieces
    return quote


# --- sentences --------------------------------------------------------------------------------

_ABBREVIATIONS = _word_set(
    "mr mrs ms dr sen rep reps gov gen lt col sgt capt adm cmdr maj st jr sr prof rev hon atty supt "
    "no vs inc corp co ltd dept jan feb mar apr aug sep sept oct nov dec u.s u.n d.c u.k e.g i.e"
)
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*\s+")


def _is_sentence_end(text: str, match: re.Match[str]) -> bool:
    following = text[match.end() : match.end() + 1]
    if following and following.islower():
        return False
    if text[match.start()] != ".":
        return True
    token = _token_before(text, match.start()).lstrip("(\"“‘'").lower()
    # Initials ("G.K.", "J.") and abbreviations ("Sen.", "U.S.") do not end sentences.
    return not (token in _ABBREVIATIONS or _INITIALS.fullmatch(token))


_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")


def _token_before(text: str, at: int) -> str:
    """The last whitespace-delimited token before `at` ("" when there is none).

    Found by stepping back from `at`: slicing the text up to `at` made every test cost the article's length.
    """
    end = at
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _sentence_start(text: str, low: int, high: int) -> int:
    start = low
    for match in _SENTENCE_END.finditer(text, low, high):
        if _is_sentence_end(text, match):
            start = match.end()
    return start


def _sentence_end(text: str, low: int, high: int) -> int:
    for match in _SENTENCE_END.finditer(text, low, high):
        if _is_sentence_end(text, match):
            return match.end()
    return high


# --- speakers ---------------------------------------------------------------------------------

_VERB_FORMS = _word_list(
    "said says say told tells added adds wrote writes asked asks stated states argued argues warned "
    "warns insisted insists explained explains noted notes continued continues demanded demands "
    "recalled recalls replied replies responded responds declared declares tweeted tweets posted "
    "remarked suggested suggests claimed claims conceded concedes acknowledged acknowledges admitted "
    "admits announced announces complained complains cautioned cautions observed observes emphasized "
    "emphasizes stressed stresses countered counters concluded concludes quipped joked predicted "
    "predicts urged urges vowed vows promised promises agreed agrees testified wondered shouted yelled "
    "exclaimed recounted reported reports wrote says"
)
_PARTICIPLES = _word_list(
    "saying adding telling writing noting arguing warning insisting explaining asking declaring "
    "stating calling describing"
)
_CHARACTERIZING = _word_list("called likened described describes dubbed labeled labelled termed branded")
# Not after a hyphen: "so-called" is no speech verb.
_SPEECH_AFTER = re.compile(r"(?<![\w\-])(?:" + "|".join(sorted(set(_VERB_FORMS))) + r")\b")
_BEFORE_VERBS = "|".join(sorted(set(_VERB_FORMS + _PARTICIPLES + _CHARACTERIZING)))
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
_DETERMINERS = _word_set(
    "a an the another one two three four several some many most other his her their its our"
)
_PLURAL_SOURCES = _word_set(
    "officials sources critics aides analysts experts witnesses residents police prosecutors "
    "investigators authorities supporters opponents observers lawmakers democrats republicans "
    "protesters organizers doctors researchers scientists economists diplomats"
)
# Words that stand before a name as a title or office; "Defense Secretary Pete Hegseth" is Pete Hegseth.
_TITLES = _word_set(
    "mr mrs ms miss dr councillor councilor sen senator senators sens rep reps representative "
    "representatives gov governor president presidents vice "
    "secretary minister prime chief general gen lt col colonel sgt sergeant capt captain adm admiral "
    "maj major cmdr commander judge justice mayor attorney director chairman chairwoman chair ceo cfo "
    "coo leader speaker press deputy ambassador commissioner officer sheriff detective professor prof "
    "rev reverend pastor father pope king queen prince princess sir lord lady dame coach spokesman "
    "spokeswoman spokesperson founder executive manager inspector superintendent adviser advisor "
    "chancellor premier congressman congresswoman councilman councilwoman assemblyman assemblywoman "
    "lawmaker nominee candidate sheikh emir president-elect dean"
)
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_NAME_PARTICLES = frozenset({"de", "van", "von", "der", "da", "di", "la", "le", "bin", "al", "del", "du"})
# Capitalized words that start sentences or clauses rather than names.
_NOT_NAME_WORDS = _word_set(
    "the a an but and or so in on at for if when while after as this that these those he she they it "
    "we i his her their its our my your you there here what why how who where yet still even also "
    "however meanwhile although though because since until before during with without from by to "
    "following according despite amid among against across under over through "
    "of not no some many most all both each every one two editor’s editor's mrs. mr. ms."
)
_ORGANIZATION_WORDS = _word_set(
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
    return token.rstrip(",;:").removesuffix("’s").removesuffix("'s")


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


_VERBISH = _word_set("is was are were be been has had have will would could can began did does do")


def _looks_like_verb(token: str) -> bool:
    lowered = token.lower()
    return lowered in _VERBISH or (lowered.endswith("ing") and len(lowered) > 5)


def _name_from_run(tokens: Sequence[str]) -> tuple[str, str | None] | None:
    """The name in a run of capitalized words, titles dropped; None when nothing is left."""
    while tokens and _title_key(tokens[0]) in _NOT_NAME_WORDS:
        tokens = tokens[1:]
    if not tokens:
        return None
    gender = _gender_of_titles(tokens)
    last_title = -1
    for i, token in enumerate(tokens[:-1]):
        if _title_key(token) in _TITLES:
            last_title = i
    name = tokens[last_title + 1 :]
    if _title_key(name[-1]) in _TITLES and len(name) == 1:
        return None
    return " ".join(name), gender


def _parse_speaker(phrase: str, at: int) -> _Speaker | None:
    """A speaker from the noun phrase of an attribution, or None when it is not one."""
    phrase = _PARENTHETICAL.sub("", phrase).strip(' ,;:—–"“”')
    phrase = _LEADING_CONJUNCTION.sub("", phrase)
    if not phrase:
        return None
    tokens = [_clean_token(t) for t in phrase.split()]
    tokens = [t for t in tokens if t]
    if not tokens or len(tokens) > 9:
        return None
    lowered = phrase.lower()
    if lowered in _PRONOUNS:
        return _Speaker(_SpeakerForm.PRONOUN, lowered, at, {"he": "m", "she": "f"}.get(lowered))
    if _title_key(tokens[0]) in _DETERMINERS:
        if len(tokens) <= 7 and all(t[:1].isalnum() and not _looks_like_verb(t) for t in tokens[1:]):
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
    if len(lead) > 3 or any(not t.isalpha() or _looks_like_verb(t) for t in lead):
        return None
    named = _name_from_run(tokens[run_start:])
    if named is None:
        # Only titles ("Retired General", "the President") name a role; other words name nobody.
        if any(_title_key(t) in _TITLES for t in tokens):
            return _Speaker(_SpeakerForm.NOUN, " ".join(tokens), at)
        return None
    name, gender = named
    return _Speaker(_SpeakerForm.NAME, name, at, gender)


def _speaker_after_verb(text: str, start: int, end: int) -> _Speaker | None:
    """`said Donna Brazile, the chairwoman` -> Donna Brazile."""
    tail = text[start:end]
    tail_clean = _PARENTHETICAL.sub(lambda m: " " * len(m.group()), tail)
    stop = _NP_STOP.search(tail_clean)
    phrase = tail_clean[: stop.start()] if stop else tail_clean
    phrase = phrase.strip().rstrip(".!?")
    if not phrase:
        return None
    first = phrase.split()[0]
    if not (_is_capitalized(first) or first.lower() in _DETERMINERS or first.lower() in _PRONOUNS):
        return None
    if _is_capitalized(first):
        name = _NAME_RUN.match(phrase)
        phrase = name.group() if name else phrase  # "said Kai Moen again" -> Kai Moen
    return _parse_speaker(phrase, start + (len(tail) - len(tail.lstrip())))


def _speaker_before_verb(text: str, clause_low: int, verb_start: int) -> _Speaker | None:
    """The subject ending just before a speech verb, skipping an appositive or relative clause."""
    segment = text[clause_low:verb_start]
    masked = _PARENTHETICAL.sub(lambda m: " " * len(m.group()), segment)
    bounds = [0] + [m.end() for m in re.finditer(r"[,;:—–]", masked)]
    # Walk back over comma-separated clauses: "Sen. Ann Lee, a Democrat from Maine, said".
    for i in range(len(bounds) - 1, max(len(bounds) - 4, -1), -1):
        clause_end = bounds[i + 1] - 1 if i + 1 < len(bounds) else len(masked)
        phrase = masked[bounds[i] : clause_end]
        adverb = _ADVERB.match(phrase.strip())
        if adverb:
            phrase = adverb.group(1)
        if not phrase.strip():
            continue
        speaker = _parse_speaker(phrase, clause_low + bounds[i] + (len(phrase) - len(phrase.lstrip())))
        if speaker is not None and (speaker.form is not _SpeakerForm.NOUN or i == len(bounds) - 1):
            if speaker.form is _SpeakerForm.NOUN and i > 0:
                # "Sen. Ann Lee, a Democrat, said": the appositive names a role; prefer the name.
                earlier = _speaker_before_verb(text, clause_low, clause_low + bounds[i] - 1)
                if earlier is not None and earlier.form is _SpeakerForm.NAME:
                    return earlier
            return speaker
        if i == len(bounds) - 1 and speaker is None and not _looks_like_appositive(phrase):
            return None
    return None


def _looks_like_appositive(phrase: str) -> bool:
    words = phrase.split()
    return bool(words) and (words[0].lower() in _DETERMINERS | {"who", "whose", "which"})


_SUBJECT = re.compile(rf"\s*(?:(?:[a-z]+\s+){{0,3}}{_NAME_RUN.pattern}|[Hh]e|[Ss]he|[Tt]hey)\b")


def _leading_subject(text: str, low: int, high: int) -> _Speaker | None:
    """The subject of a sentence, for `X defended the plan, saying "…"`.

    It opens the sentence, or follows an introductory phrase: `After the vote, X said …`.
    """
    commas = [low + m.end() for m in re.finditer(",", text[low:high])]
    for start in [low, *commas][:4]:
        match = _SUBJECT.match(text, start, high)
        if match:
            phrase = match.group()
            speaker = _parse_speaker(phrase, start + len(phrase) - len(phrase.lstrip()))
            if speaker is not None:
                return speaker
    return None


def _attribution_after(text: str, quote: _RawQuote, end: int) -> _Speaker | None:
    """`"…," said X` / `"…," X said` / `"…," according to X`, right after the closing mark."""
    start = quote.close_end
    head = text[start:end]
    according = _ACCORDING_TO.match(head.lstrip(" ,"))
    if according:
        offset = start + len(head) - len(head.lstrip(" ,")) + according.end()
        return _speaker_after_verb(text, offset, end)
    verb = _SPEECH_AFTER.search(text, start, end)
    if verb is None or verb.start() - start > 90:
        return None
    if not text[start : verb.start()].strip(" ,"):
        return _speaker_after_verb(text, verb.end(), end)
    between = text[start : verb.start()]
    if re.search(r"[.!?]\s", _PARENTHETICAL.sub("", between)) and not re.search(
        r"\b(?:[A-Z]\.)+\s|\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|St|Jr|Sr)\.\s", between
    ):
        return None
    return _speaker_before_verb(text, start, verb.start())


def _attribution_before(text: str, sentence_low: int, open_at: int) -> _Speaker | None:
    """`X said, "…"` / `X told Y: "…"` / `According to X, "…"` / `He called it "…"`."""
    verbs = list(_SPEECH_BEFORE.finditer(text, sentence_low, open_at))
    according = list(_ACCORDING_TO.finditer(text, sentence_low, open_at))
    if according and (not verbs or according[-1].start() > verbs[-1].start()):
        return _speaker_after_verb(text, according[-1].end(), open_at)
    for verb in reversed(verbs):
        if verb.group() in _PARTICIPLE_SET:
            subject = _leading_subject(text, sentence_low, verb.start())
        else:
            subject = _speaker_before_verb(text, sentence_low, verb.start())
        if subject is not None:
            return subject
    return None


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


# --- putting it together -------------------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    raw: _RawQuote
    text: str
    kind: QuoteKind
    speaker: _Speaker | None = None
    has_verb: bool = False  # the quote's sentence has a speech verb


def _quote_text(text: str, pieces: Sequence[tuple[int, int]]) -> str:
    return " ".join(" ".join(text[start:end].split()) for start, end in pieces)


def _kind(text: str, quote: _RawQuote, words: str, paragraph: _Paragraph) -> QuoteKind:
    before = text[paragraph.start : quote.open_at].rstrip()
    first_letter = next((c for c in words if c.isalnum()), "")
    if not (first_letter.isupper() or first_letter.isdigit()):
        return QuoteKind.FRAGMENT
    if not before or before[-1] in ".!?:—–":
        return QuoteKind.STATEMENT
    said_just_before = _SAID_JUST_BEFORE.search(before)
    if said_just_before or (before[-1] in ",;" and (len(words.split()) > 3 or words[-1:] in ".?!")):
        return QuoteKind.STATEMENT
    return QuoteKind.FRAGMENT


def _is_interruption(gap: str) -> bool:
    """`, he said, ` between two pieces of one quote: short, with a speech verb, ending in a comma."""
    return (
        len(gap) <= 90
        and gap.rstrip().endswith(",")
        and _SPEECH_AFTER.search(gap) is not None
        and not re.search(r"[.!?]\s", gap)
    )


def _merge_interrupted(text: str, found: list[_Found]) -> list[_Found]:
    """`"My hope," he said, "is that …"` is one quote: join its pieces."""
    merged: list[_Found] = []
    for item in found:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not previous.raw.single
            and not item.raw.single
            and previous.raw.last_paragraph == item.raw.first_paragraph
            and text[previous.raw.pieces[-1][1] : previous.raw.close_end].startswith(",")
            and item.text[:1].islower()
            and _is_interruption(text[previous.raw.close_end : item.raw.open_at])
        ):
            previous.raw = _RawQuote(
                [*previous.raw.pieces, *item.raw.pieces],
                previous.raw.open_at,
                item.raw.close_end,
                previous.raw.first_paragraph,
                item.raw.last_paragraph,
            )
            previous.text = f"{previous.text} {item.text}"
            previous.speaker = previous.speaker or item.speaker
            continue
        merged.append(item)
    return merged


def _find_speaker(
    text: str, quote: _RawQuote, words: str, low: int, high: int
) -> tuple[_Speaker | None, bool]:
    """The quote's speaker, and whether its sentence has a speech verb at all."""
    sentence_low = _sentence_start(text, low, quote.open_at)
    sentence_high = _sentence_end(text, quote.close_end, high)
    has_verb = bool(
        _SPEECH_BEFORE.search(text, sentence_low, quote.open_at)
        or _SPEECH_AFTER.search(text, quote.close_end, sentence_high)
        or _ACCORDING_TO.search(text, sentence_low, sentence_high)
    )
    # A quote that ends its sentence ("… on the ballot.") is not attributed by what follows.
    ends_sentence = (
        words[-1:] == "." and not text[quote.close_end : quote.close_end + 2].strip()[:1].islower()
    )
    if not ends_sentence:
        after = _attribution_after(text, quote, sentence_high)
        if after is not None:
            return after, has_verb
    before = _attribution_before(text, sentence_low, quote.open_at)
    if before is None:
        before = _headline_speaker(text, sentence_low, quote.open_at)
    return before, has_verb


def _headline_speaker(text: str, low: int, open_at: int) -> _Speaker | None:
    """`Ann Lee: "…"`, `A lesson from Ann Lee: "…"` (headline style): a name, a colon, the quote."""
    prefix = text[low:open_at].rstrip()
    match = _HEADLINE_NAME.search(prefix)
    if match is None:
        return None
    speaker = _parse_speaker(match.group("name"), low + match.start("name"))
    return speaker if speaker is not None and speaker.form is _SpeakerForm.NAME else None


_HEADLINE_NAME = re.compile(rf"(?:^\s*|\s[a-z]+\s+)(?P<name>{_NAME_RUN.pattern}):$")


def _is_title_case(words: str) -> bool:
    tokens = [t for t in re.findall(r"[^\W\d_][\w’'\-]*", words) if t.lower() not in _SMALL_WORDS]
    return bool(tokens) and all(t[:1].isupper() for t in tokens)


_SMALL_WORDS = _word_set("a an and the of in on at to for by or nor but with from as it is vs")


def _is_name_of_a_work(text: str, item: _Found, paragraph: _Paragraph) -> bool:
    """`his "Keepin' It Real" radio program`: Title Case words in quotes name a show or an event.

    Headlines are set in Title Case throughout, so there Title Case says nothing.
    """
    if item.kind is not QuoteKind.FRAGMENT or not _is_title_case(item.text):
        return False
    start, end = item.raw.open_at, item.raw.close_end
    outside = text[paragraph.start : start] + " " + text[end : paragraph.end]
    return not _is_title_case(outside)


def _is_headline(text: str, paragraph: _Paragraph) -> bool:
    return _is_title_case(text[paragraph.start : paragraph.end])


def _rank_key(quote: Quote, named: bool, position: float) -> tuple[int, float]:
    if quote.kind is QuoteKind.STATEMENT and quote.speaker is not None:
        tier = 0 if named else 1
    elif quote.speaker is not None:
        tier = 2
    else:
        tier = 3
    words = len(quote.text.split())
    # Prefer substantive quotes (up to ~30 words is as good as it gets) near the top of the story.
    substance = min(words, 30) / 30
    return tier, -(substance - 0.6 * position)


def extract_quotes(text: str, *, resolve_speakers: bool = True) -> list[Quote]:
    """All direct quotations in `text`, key quotes first (see the module docstring).

    `resolve_speakers=False` skips step 3, the costliest, for callers that only compare the quoted
    words (the previous version of an article): speakers stay as written (a pronoun gives None),
    and quotes come in text order, unranked.
    """
    paragraphs = _paragraphs(text)
    raw_quotes = sorted(_pair_marks(text, paragraphs), key=lambda q: q.open_at)
    found: list[_Found] = []
    for index, quote in enumerate(raw_quotes):
        words = _quote_text(text, quote.pieces)
        first = paragraphs[quote.first_paragraph]
        last = paragraphs[quote.last_paragraph]
        # The attribution of a quote lies between its neighbours, within its paragraph(s).
        low, high = first.start, last.end
        if index > 0 and first.start < raw_quotes[index - 1].close_end <= quote.open_at:
            low = raw_quotes[index - 1].close_end
        if index + 1 < len(raw_quotes) and quote.close_end <= raw_quotes[index + 1].open_at < high:
            high = raw_quotes[index + 1].open_at
        speaker, has_verb = _find_speaker(text, quote, words, low, high)
        found.append(_Found(quote, words, _kind(text, quote, words, first), speaker, has_verb))
    found = _merge_interrupted(text, found)
    _inherit_speakers(text, found, paragraphs)
    headlines: dict[int, bool] = {}  # paragraph index -> is it a headline; asked once per paragraph

    def is_headline(index: int) -> bool:
        if index not in headlines:
            headlines[index] = _is_headline(text, paragraphs[index])
        return headlines[index]

    # Scare quotes ("super PACs" in a sentence nobody speaks in) and names of works are not speech.
    found = [
        item
        for item in found
        if not (
            item.kind is QuoteKind.FRAGMENT
            and item.speaker is None
            and not item.has_verb
            and not is_headline(item.raw.first_paragraph)
        )
        and not _is_name_of_a_work(text, item, paragraphs[item.raw.first_paragraph])
    ]
    speakers = [item.speaker for item in found if item.speaker is not None]
    speaker_names = [s.words for s in speakers if s.form is _SpeakerForm.NAME]
    pronouns_at = [s.at for s in speakers if s.form is _SpeakerForm.PRONOUN]
    mentions: list[_Mention] = []
    # Only names and pronouns are resolved against the people the article names.
    if resolve_speakers and (speaker_names or pronouns_at):
        skipped = [piece for item in found for piece in item.raw.pieces]
        if paragraphs and is_headline(0):
            # Headlines capitalize every word, so their runs of capitals are not names.
            skipped.append((paragraphs[0].start, paragraphs[0].end))
        mentions = _mentions(text, skipped, speaker_names, max(pronouns_at, default=0))
    results: list[tuple[tuple[int, float], Quote]] = []
    for item in found:
        name, named = _speaker_name(item.speaker, mentions)
        pieces = tuple(item.raw.pieces)
        found_quote = Quote(
            text=item.text,
            speaker=name,
            kind=item.kind,
            start=pieces[0][0],
            end=pieces[-1][1],
            spans=pieces if len(pieces) > 1 else (),
        )
        position = pieces[0][0] / max(len(text), 1)
        results.append((_rank_key(found_quote, named, position), found_quote))
    if resolve_speakers:
        results.sort(key=lambda pair: pair[0])
    return [found_quote for _, found_quote in results]


def _speaker_name(speaker: _Speaker | None, mentions: Sequence[_Mention]) -> tuple[str | None, bool]:
    if speaker is None:
        return None, False
    if speaker.form is _SpeakerForm.PRONOUN:
        resolved = _resolve_pronoun(speaker, mentions)
        return resolved, resolved is not None
    if speaker.form is _SpeakerForm.NAME:
        return _full_name(speaker.words, speaker.at, mentions), True
    return speaker.words, False


def _inherit_speakers(text: str, found: list[_Found], paragraphs: Sequence[_Paragraph]) -> None:
    """A quote with no attribution continues the quote before it, in its paragraph or just above.

    News style attributes a run of quotes once: `"A," X said. "B."` and a paragraph made of a
    quote right after a paragraph that ended with a quote.
    """
    for index in range(1, len(found)):
        item, previous = found[index], found[index - 1]
        if item.speaker is not None or item.raw.single:
            continue
        same_paragraph = previous.raw.last_paragraph == item.raw.first_paragraph
        if same_paragraph:
            # The nearest attributed quote of the paragraph, fragments included.
            for earlier in reversed(found[:index]):
                if earlier.raw.last_paragraph != item.raw.first_paragraph:
                    break
                if earlier.speaker is not None:
                    item.speaker = earlier.speaker
                    break
            continue
        if previous.speaker is None:
            continue
        previous_paragraph = paragraphs[previous.raw.last_paragraph]
        paragraph = paragraphs[item.raw.first_paragraph]
        follows_quote_paragraph = (
            item.raw.first_paragraph == previous.raw.last_paragraph + 1
            and not text[previous.raw.close_end : previous_paragraph.end].strip()
            and item.raw.open_at == paragraph.start
        )
        if follows_quote_paragraph and previous.kind is QuoteKind.STATEMENT:
            item.speaker = previous.speaker


__all__ = ["extract_quotes"]
