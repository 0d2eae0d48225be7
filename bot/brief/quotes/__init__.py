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

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.brief.quotes.marks import (
    _pair_marks,
    _Paragraph,
    _paragraphs,
    _RawQuote,
    _sentence_end,
    _sentence_start,
)
from bot.brief.quotes.people import (
    People,
    _mentions,
)
from bot.brief.quotes.speakers import (
    _ACCORDING_TO,
    _NAME_RUN,
    _NAME_WORD,
    _SAID_JUST_BEFORE,
    _SPEECH_AFTER,
    _SPEECH_BEFORE,
    _attribution_after,
    _attribution_before,
    _attribution_ending_sentence,
    _leading_subject,
    _parse_speaker,
    _Speaker,
    _SpeakerForm,
    _subject_of_coordinated_verb,
)
from bot.brief.text import word_set
from bot.models import Quote, QuoteKind

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


# How far around a quote its sentence is read for its kind and for Title Case: a sentence's worth.
_CONTEXT = 300


_SENTENCES = re.compile(r"[a-z][.!?]\s+[A-Z]")


def _kind(text: str, quote: _RawQuote, words: str, paragraph: _Paragraph) -> QuoteKind:
    # Only the words just before the quote matter; reading back to the paragraph's start made
    # a page without paragraph breaks cost its length for every quote.
    before = text[max(paragraph.start, quote.open_at - _CONTEXT) : quote.open_at].rstrip()
    first_letter = next((c for c in words if c.isalnum()), "")
    if not (first_letter.isupper() or first_letter.isdigit()):
        return QuoteKind.FRAGMENT
    if not before or before[-1] in ".!?:—–" or _SENTENCES.search(words):
        # Words of two sentences or more are a statement whatever stands before them (a
        # heading in capitals, a name): a phrase in someone's sentence is one sentence at most.
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
    text: str, quote: _RawQuote, words: str, low: int, high: int, paragraph_start: int
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
    # The comma trimmed off before the closing mark says the sentence goes on ("… the U.S.," Lee said).
    comma_before_mark = "," in text[quote.pieces[-1][1] : quote.close_end]
    ends_sentence = (
        words[-1:] == "."
        and not comma_before_mark
        and not text[quote.close_end : quote.close_end + 2].strip()[:1].islower()
    )
    # A sentence's worth back: reading from the paragraph's start made a page without paragraph
    # breaks cost its length for every quote.
    subject_low = _sentence_start(text, max(paragraph_start, quote.open_at - _CONTEXT), quote.open_at)
    if not ends_sentence:
        after = _attribution_after(text, quote, sentence_high)
        if (
            after is not None
            and sentence_high == high  # one sentence up to the next quote
            and _INTRODUCES_NEXT_QUOTE.search(text, quote.close_end, high)
        ):
            # `Lee wrote to Kerr, “A?” Kerr wrote back, “B.”`: the words after this quote
            # introduce the next one; this quote's own attribution stands before it.
            own = _attribution_before(text, sentence_low, quote.open_at, subject_low)
            if own is not None and own.form is not _SpeakerForm.NOUN:
                return own, has_verb
        if after is not None:
            return after, has_verb
    before = _attribution_before(text, sentence_low, quote.open_at, subject_low)
    if before is None and not ends_sentence:
        before = _attribution_ending_sentence(text, quote.close_end, sentence_high)
    if before is None:
        before = _headline_speaker(text, sentence_low, quote.open_at)
    if before is None:
        inverted = _INVERTED_ATTRIBUTION.match(text, sentence_low, quote.open_at)
        if inverted:  # "Said Lee, “…”": the verb before its subject
            before = _parse_speaker(inverted.group("name"), inverted.start("name"))
    if before is None and text[sentence_low : quote.open_at].rstrip().endswith(":"):
        before = _subject_before_colon(text, subject_low, quote.open_at)
    if before is None:
        # `“…” — Ann Lee` ending the paragraph: a signature, as under an epigraph.
        signature = _DASH_SIGNATURE.match(text, _skip_spaces(text, quote.close_end, high), high)
        if signature and not text[signature.end() : high].strip():
            before = _parse_speaker(signature.group("name"), signature.start("name"))
            has_verb = has_verb or before is not None
    return before, has_verb


def _skip_spaces(text: str, at: int, high: int) -> int:
    while at < high and text[at].isspace():
        at += 1
    return at


# What follows a quote ends with a comma or a colon right before the next quote's opening mark.
_INTRODUCES_NEXT_QUOTE = re.compile(r"[,:]\s*$")


def _subject_before_colon(text: str, low: int, open_at: int) -> _Speaker | None:
    """`Ann Lee had a blunt message for the board: "…"`: a sentence about a person, then a colon
    and the quote, gives the words to the sentence's subject."""
    # The subject of the clause before the colon: "When Lee spoke, Kerr fired back: …" is Kerr's.
    colon = text.rfind(":", low, open_at)
    main = _subject_of_coordinated_verb(text, low, colon) if colon > low else None
    subject = main or _leading_subject(text, low, open_at)
    if subject is None or subject.form is _SpeakerForm.NOUN:
        return None
    return subject


def _headline_speaker(text: str, low: int, open_at: int) -> _Speaker | None:
    """`Ann Lee: "…"`, `A lesson from Ann Lee: "…"` (headline style): a name, a colon, the quote."""
    prefix = text[low:open_at].rstrip()
    topic = _HEADLINE_NAME_ON_TOPIC.match(prefix)
    if topic:  # "Ann Lee on the Harbor Plan: …": who speaks comes first, then the topic
        speaker = _parse_speaker(topic.group("name"), low + topic.start("name"))
        if speaker is not None and speaker.form is _SpeakerForm.NAME:
            return speaker
    match = _HEADLINE_NAME.search(prefix)
    if match is None:
        return None
    name = match.group("name")
    name_at = low + match.start("name")
    inverted = _INVERTED_VERB.match(name)
    if inverted:  # "Continued Lee: …"
        name, name_at = name[inverted.end() :], name_at + inverted.end()
    speaker = _parse_speaker(name, name_at)
    return speaker if speaker is not None and speaker.form is _SpeakerForm.NAME else None


def _headline_subject(text: str, headline: _Paragraph, open_at: int) -> _Speaker | None:
    """`Ann Lee Calls the Levy ‘Unfair’`, `Ann Lee: Levy ‘Unfair’`: a headline in Title Case
    opens with who speaks, then a speech verb (capitalized, as every word is) or a colon."""
    match = _HEADLINE_SUBJECT.match(text, headline.start, open_at)
    if match is None:
        return None
    speaker = _parse_speaker(match.group("name"), match.start("name"))
    return speaker if speaker is not None and speaker.form is _SpeakerForm.NAME else None


_HEADLINE_VERBS = (
    "Says|Said|Calls|Called|Tells|Told|Slams|Warns|Claims|Admits|Blasts|Urges|Vows|Rips|Denies|"
    "Praises|Defends|Mocks|Accuses|Asks|Insists|Declares|Promises|Predicts|Tweets|Suggests|Argues|"
    "Jokes|Responds|Explains|Reveals|Dismisses|Labels|Describes|Dubs|Condemns|Touts|Brands|Hails"
)
# At most three words: in Title Case every word is capitalized, and a longer run is a clause.
_HEADLINE_SUBJECT = re.compile(
    rf"\s*(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}?)(?:\s+(?:{_HEADLINE_VERBS})\b|\s*:\s)"
)


_HEADLINE_NAME = re.compile(
    # Not after "to": in "… a message to Ann Lee:", Ann Lee is who hears the words.
    # Nor after "on" or "in": in "… later that month on CNN:", CNN is where the words were said.
    rf"(?:^\s*|\s(?!to\s|at\s|against\s|on\s|in\s)[a-z]+\s+|\s[-—–]\s*)(?P<name>{_NAME_RUN.pattern})"
    r"(?:\s*\([^()]*\))?:$"
)
_HEADLINE_NAME_ON_TOPIC = re.compile(rf"\s*(?P<name>{_NAME_RUN.pattern})\s+(?:on|On)\s+[^:]+:$")
# A speech verb before its subject, as in "Said Lee:" or "Continued Lee:".
_INVERTED_VERB = re.compile(
    r"(?:Said|Says|Added|Adds|Continued|Continues|Wrote|Writes|Stated|States|Explained|Noted|"
    r"Asked|Replied|Responded|Declared|Tweeted|Concluded|Argued|Insisted)\s+(?=[A-Z])"
)
# A heading that introduces someone's words without naming them.
_TRANSCRIPT_INTRO = re.compile(
    r"(?i)(?:(?:partial|full|a|the|an|relevant)\s+)?(?:transcript|excerpts?|text|remarks|video|audio)"
    r"(?:\s+(?:as\s+follows|below|reads|follows|here))?\s*:"
)
_INVERTED_ATTRIBUTION = re.compile(rf"\s*{_INVERTED_VERB.pattern}(?P<name>{_NAME_RUN.pattern})\s*,\s*$")
_DASH_SIGNATURE = re.compile(rf"[-—–]+\s*(?P<name>{_NAME_RUN.pattern})\s*(?:[,.]|$)")


def _attribute_from_neighbours(text: str, found: list[_Found], paragraphs: Sequence[_Paragraph]) -> None:
    """A quote that makes up a paragraph, attributed by the paragraph before or after it.

    `Lee said:` (or `Continued Lee:`, `The Times reports:`) ends a paragraph and the words follow
    in the next one; a line `- Ann Lee, Ohio` signs the quote above it.
    """
    for item in found:
        if item.speaker is not None or item.raw.single:
            continue
        index = item.raw.first_paragraph
        if item.raw.open_at != paragraphs[index].start:
            continue
        if index > 0:
            before = paragraphs[index - 1]
            intro = text[before.start : before.end].rstrip()
            if intro.endswith(":"):
                colon = before.start + len(intro) - 1
                low = _sentence_start(text, before.start, colon)
                item.speaker = _attribution_before(text, low, colon) or _headline_speaker(
                    text, low, colon + 1
                )
                if item.speaker is None and index > 1 and _TRANSCRIPT_INTRO.fullmatch(intro):
                    # "Partial transcript as follows:" names no one: the paragraph before it says
                    # who spoke ("On Sunday, Lee said the plan would fail.").
                    speaker_paragraph = paragraphs[index - 2]
                    last_sentence = _sentence_start(
                        text,
                        max(speaker_paragraph.start, speaker_paragraph.end - _CONTEXT),
                        speaker_paragraph.end,
                    )
                    speaker = _attribution_before(text, last_sentence, speaker_paragraph.end)
                    if speaker is not None and speaker.form is not _SpeakerForm.NOUN:
                        item.speaker = speaker
                if item.speaker is not None:
                    item.has_verb = True
                    continue
        last = item.raw.last_paragraph
        if last + 1 < len(paragraphs) and not text[item.raw.close_end : paragraphs[last].end].strip():
            after = paragraphs[last + 1]
            signature = _DASH_SIGNATURE.match(text, after.start, after.end)
            if signature:
                item.speaker = _parse_speaker(signature.group("name"), signature.start("name"))
                item.has_verb = item.speaker is not None


def _is_title_case(words: str) -> bool:
    """Every word but the small ones capitalized (and one at least); stops at the first that is not."""
    capitalized = False
    for match in _WORD_TOKEN.finditer(words):
        token = match.group()
        if token.lower() in _SMALL_WORDS:
            continue
        if not token[:1].isupper():
            return False
        capitalized = True
    return capitalized


_WORD_TOKEN = re.compile(r"[^\W\d_][\w’'\-]*")


_SMALL_WORDS = word_set("a an and the of in on at to for by or nor but with from as it is vs")


def _is_name_of_a_work(text: str, item: _Found, paragraph: _Paragraph) -> bool:
    """`his "Keepin' It Real" radio program`: Title Case words in quotes name a show or an event.

    Headlines are set in Title Case throughout, so there Title Case says nothing.
    """
    if not _is_title_case(item.text):
        return False
    start, end = item.raw.open_at, item.raw.close_end
    if _LISTENER_VERB_BEFORE.search(text[max(paragraph.start, start - _CONTEXT) : start]):
        return True  # `Lee told "Harbor Mornings,"`: after "told" comes who heard it, a show here
    if item.kind is not QuoteKind.FRAGMENT:
        return False
    outside = (
        text[max(paragraph.start, start - _CONTEXT) : start]
        + " "
        + text[end : min(paragraph.end, end + _CONTEXT)]
    )
    return not _is_title_case(outside)


# "told" with nothing between it and the quote: the quote is the listener's name.
_LISTENER_VERB_BEFORE = re.compile(r"\b(?:told|tells|tell|telling)\s*$")
# The writer's distance from a term: "the so-called “super PACs”" is no one's speech.
_SO_CALLED_BEFORE = re.compile(r"\bso-?\s?called\s*$", re.IGNORECASE)


def _is_so_called(text: str, item: _Found, paragraph: _Paragraph) -> bool:
    start = item.raw.open_at
    return item.kind is QuoteKind.FRAGMENT and bool(
        _SO_CALLED_BEFORE.search(text, max(paragraph.start, start - 20), start)
    )


def _is_all_capitals(words: str) -> bool:
    """A heading or a sign set in capitals ("POLLS SHIFT TOWARD THE CENTER"), not speech."""
    if not words.isupper():  # a lower-case letter, or no cased one: the test below is False too
        return False
    letters = [c for c in words if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _is_whole_paragraph(text: str, item: _Found, paragraphs: Sequence[_Paragraph]) -> bool:
    first, last = paragraphs[item.raw.first_paragraph], paragraphs[item.raw.last_paragraph]
    return (
        not text[first.start : item.raw.open_at].strip() and not text[item.raw.close_end : last.end].strip()
    )


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


@dataclass(slots=True)
class ExtractionWork:
    """How much work resolving speakers took, to show that it grows linearly with the text."""

    mentions: int = 0  # people's names found in the text
    comparisons: int = 0  # mentions looked at to resolve names and pronouns


def extract_quotes(
    text: str, *, resolve_speakers: bool = True, work: ExtractionWork | None = None
) -> list[Quote]:
    """All direct quotations in `text`, key quotes first (see the module docstring).

    `work`, when given, is filled in with how many mentions were found and looked at.

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
        speaker, has_verb = _find_speaker(text, quote, words, low, high, first.start)
        if speaker is None and high < last.end and _is_quoted_name(text, raw_quotes[index + 1]):
            # `"…," Ann Lee, wearing a "Vote Lee" pin, said`: a few quoted words inside the
            # attribution do not end it.
            following = raw_quotes[index + 2].open_at if index + 2 < len(raw_quotes) else last.end
            speaker, has_verb = _find_speaker(text, quote, words, low, min(following, last.end), first.start)
        found.append(_Found(quote, words, _kind(text, quote, words, first), speaker, has_verb))
    found = _merge_interrupted(text, found)
    _attribute_from_neighbours(text, found, paragraphs)
    _inherit_speakers(text, found, paragraphs)
    _attribute_from_reported_speech(text, found, paragraphs, within_paragraph=True)
    _attribute_from_reported_speech(text, found, paragraphs, within_paragraph=False)
    _attribute_to_last_subject(text, found, paragraphs)
    headlines: dict[int, bool] = {}  # paragraph index -> is it a headline; asked once per paragraph

    def is_headline(index: int) -> bool:
        if index not in headlines:
            headlines[index] = _is_headline(text, paragraphs[index])
        return headlines[index]

    for item in found:
        if item.speaker is None and is_headline(item.raw.first_paragraph):
            item.speaker = _headline_subject(text, paragraphs[item.raw.first_paragraph], item.raw.open_at)

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
        and not _is_so_called(text, item, paragraphs[item.raw.first_paragraph])
        and not (
            _is_all_capitals(item.text)
            and (item.speaker is None or _is_whole_paragraph(text, item, paragraphs))
        )
    ]
    speakers = [item.speaker for item in found if item.speaker is not None]
    speaker_names = [s.words for s in speakers if s.form is _SpeakerForm.NAME]
    pronouns_at = [s.at for s in speakers if s.form is _SpeakerForm.PRONOUN]
    people = People.of([])
    # Only names and pronouns are resolved against the people the article names.
    if resolve_speakers and (speaker_names or pronouns_at):
        skipped = [piece for item in found for piece in item.raw.pieces]
        if paragraphs and is_headline(0):
            # Headlines capitalize every word, so their runs of capitals are not names.
            skipped.append((paragraphs[0].start, paragraphs[0].end))
        people = People.of(_mentions(text, skipped, speaker_names, max(pronouns_at, default=0)), text)
    results: list[tuple[tuple[int, float], Quote]] = []
    for item in _without_repeats(found):
        name, named = _speaker_name(item.speaker, people)
        if work is not None:
            work.mentions, work.comparisons = len(people.mentions), people.comparisons
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


# A name or a slogan quoted inside a sentence is a few words long.
_QUOTED_NAME_WORDS = 4


def _is_quoted_name(text: str, quote: _RawQuote) -> bool:
    return len(_quote_text(text, quote.pieces).split()) <= _QUOTED_NAME_WORDS


# Below this many words a repeat is a phrase two people may both use, not a pull-quote.
_PULL_QUOTE_WORDS = 4


def _repeat_key(words: str) -> str:
    return " ".join(words.casefold().rstrip(".,;:!?…").split())


def _without_repeats(found: list[_Found]) -> list[_Found]:
    """A pull-quote repeats words quoted in the story: list them once, with their attribution."""
    kept: dict[str, int] = {}
    result: list[_Found | None] = []
    for item in found:
        words = item.text.casefold().rstrip(".,;:!?…").split()
        key = _repeat_key(item.text)
        if len(words) < _PULL_QUOTE_WORDS or key not in kept:
            if len(words) >= _PULL_QUOTE_WORDS:
                kept[key] = len(result)
            result.append(item)
            continue
        earlier = kept[key]
        previous = result[earlier]
        if previous is not None and previous.speaker is None and item.speaker is not None:
            result[earlier] = None
            kept[key] = len(result)
            result.append(item)
    return [item for item in result if item is not None]


def _speaker_name(speaker: _Speaker | None, people: People) -> tuple[str | None, bool]:
    if speaker is None:
        return None, False
    if speaker.form is _SpeakerForm.PRONOUN:
        resolved = people.resolve_pronoun(speaker)
        return resolved, resolved is not None
    if speaker.form is _SpeakerForm.NAME:
        return people.full_name(speaker.words, speaker.at), True
    return speaker.words, False


# An attribution after a quote (", said Sen. Ann Lee of Ohio.") is short and one sentence.
_ATTRIBUTION_TAIL = 80
_SENTENCE_INSIDE = re.compile(r"[.!?]\s+\S")


def _is_attribution_tail(text: str, rest: str, previous: _Found, paragraph: _Paragraph) -> bool:
    """What follows a quote up to its paragraph's end is only its attribution: one sentence, short
    or holding the speaker's name (`"A," Lee said during a visit to …, ahead of …`)."""
    if len(rest) <= _ATTRIBUTION_TAIL:
        return not _SENTENCE_INSIDE.search(rest)
    speaker = previous.speaker
    if speaker is None or not previous.raw.close_end <= speaker.at < paragraph.end:
        return False
    # One sentence: its end (abbreviations like "St." told apart) is the paragraph's end.
    return not text[_sentence_end(text, previous.raw.close_end, paragraph.end) : paragraph.end].strip()


def _inherit_speakers(text: str, found: list[_Found], paragraphs: Sequence[_Paragraph]) -> None:
    """A quote with no attribution continues the quote before it, in its paragraph or just above.

    News style attributes a run of quotes once: `"A," X said. "B."` and a paragraph made of a
    quote right after a paragraph that ended with a quote.
    """
    for index in range(1, len(found)):
        item, previous = found[index], found[index - 1]
        same_paragraph = previous.raw.last_paragraph == item.raw.first_paragraph
        if item.speaker is None and item.raw.single and previous.raw.single and same_paragraph:
            # `Lee: ‘Plans’ Are ‘Not Enough’` (headline style): single marks quote on, too.
            item.speaker = previous.speaker
        if item.speaker is not None or item.raw.single:
            continue
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
        # The paragraph above ends with the quote, or with its attribution (`"A," he said.`).
        rest = text[previous.raw.close_end : previous_paragraph.end].strip()
        follows_quote_paragraph = (
            item.raw.first_paragraph == previous.raw.last_paragraph + 1
            and (not rest or _is_attribution_tail(text, rest, previous, previous_paragraph))
            and item.raw.open_at == paragraph.start
        )
        # A fragment's attribution after it ("calling it “a farce,” Lee said") covers the paragraph.
        attributed_after = previous.speaker.at >= previous.raw.close_end
        if follows_quote_paragraph and (previous.kind is QuoteKind.STATEMENT or attributed_after):
            item.speaker = previous.speaker


def _attribute_from_reported_speech(
    text: str, found: list[_Found], paragraphs: Sequence[_Paragraph], *, within_paragraph: bool
) -> None:
    """`Lee said the levy was unfair.` then a quote: the words are Lee's, the quote going on from
    the reported speech.

    `within_paragraph`: the quote opens a sentence in the paragraph of the reported speech; else
    it opens the next paragraph, after one without quotes.
    """
    quoted_paragraphs = {
        i for item in found for i in range(item.raw.first_paragraph, item.raw.last_paragraph + 1)
    }
    previous_end = 0  # where the quote before ends: reported speech lies after it
    for item in found:
        index = item.raw.first_paragraph
        low, previous_end = previous_end, item.raw.close_end
        if item.speaker is not None or item.raw.single or item.kind is not QuoteKind.STATEMENT:
            continue
        paragraph = paragraphs[index]
        if within_paragraph:
            # Only the text since the quote before: slicing back to the paragraph's start would
            # cost a page without paragraph breaks its length for every quote.
            opening_at = max(paragraph.start, low)
            opening = text[opening_at : item.raw.open_at].rstrip()
            if item.raw.open_at == paragraph.start or not opening or opening[-1] not in ".!?":
                continue
            sentence_end = opening_at + len(opening)
            last_sentence = _sentence_start(
                text, max(paragraph.start, low, sentence_end - _CONTEXT), sentence_end - 1
            )
        else:
            if item.raw.open_at != paragraph.start or index == 0 or index - 1 in quoted_paragraphs:
                continue
            before = paragraphs[index - 1]
            sentence_end = before.end
            last_sentence = _sentence_start(text, max(before.start, before.end - _CONTEXT), before.end)
        speaker = _attribution_before(text, last_sentence, sentence_end)
        if speaker is not None and speaker.form is not _SpeakerForm.NOUN:
            item.speaker = speaker


def _attribute_to_last_subject(text: str, found: list[_Found], paragraphs: Sequence[_Paragraph]) -> None:
    """A statement that opens a sentence with no attribution at all is the words of the subject of
    the sentence before it (`Lee was unapologetic. “I want the levy.”`, or that sentence ending
    the paragraph above): the quote shows what the sentence said of them.

    Only sentences without quotes count, and only names and pronouns (not "the board"). Words
    quoted twice are left alone: a pull-quote repeats someone's words, and `_without_repeats`
    keeps their attributed place.
    """
    seen: dict[str, int] = {}
    for item in found:
        key = _repeat_key(item.text)
        seen[key] = seen.get(key, 0) + 1
    # Surnames of the article's attributed speakers: a named subject must be one of them.
    speakers = {
        item.speaker.words.split()[-1].lower()
        for item in found
        if item.speaker is not None and item.speaker.form is _SpeakerForm.NAME
    }
    previous_end = 0
    for item in found:
        low, previous_end = previous_end, item.raw.close_end
        if item.speaker is not None or item.raw.single or item.kind is not QuoteKind.STATEMENT:
            continue
        if seen[_repeat_key(item.text)] > 1 and len(item.text.split()) >= _PULL_QUOTE_WORDS:
            continue
        index = item.raw.first_paragraph
        paragraph = paragraphs[index]
        if item.raw.open_at > paragraph.start:
            opening_at = max(paragraph.start, low)
            opening = text[opening_at : item.raw.open_at].rstrip()
            if not opening or opening[-1] not in ".!?":
                continue
            sentence_end = opening_at + len(opening)
            floor = max(paragraph.start, low)
        else:
            if index == 0:
                continue
            # After a quote in the paragraph above, only a sentence of its own counts
            # (`"…," Lee added. She then asked the crowd a question.`).
            before = paragraphs[index - 1]
            sentence_end, floor = before.end, max(before.start, low)
        sentence = _sentence_start(text, max(floor, sentence_end - _CONTEXT), sentence_end - 1)
        if sentence <= floor and floor == low and low > 0:
            continue  # the sentence may have begun before the quote that bounds it
        speaker = _leading_subject(text, sentence, sentence_end)
        if speaker is not None and (
            speaker.form is _SpeakerForm.PRONOUN
            or (speaker.form is _SpeakerForm.NAME and _is_person(speaker, speakers))
        ):
            item.speaker = speaker


def _is_person(speaker: _Speaker, speakers: set[str]) -> bool:
    """A subject who is one of the article's attributed speakers: any capitalized words opening a
    sentence ("Sometimes", "The Office", "Strong Oscar contenders") would pass for a name."""
    return speaker.words.split()[-1].lower() in speakers


__all__ = ["ExtractionWork", "extract_quotes"]
