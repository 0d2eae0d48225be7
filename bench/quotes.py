"""Benchmark quote extraction against annotated attributions (PolNeAR-style), per outlet and half.

Usage: python bench/quotes.py QUOTES_DIR [-v] [--no-speed]
(QUOTES_DIR holds text/*.txt and attributions.jsonl, e.g. ../shared/eval/quotes-train)

Each article is scored on its first annotator's attributions (the first in attributions.jsonl).

- gold direct quote: an attribution whose content opens with a quotation mark of any style;
- recall: a gold quote is found when our quotes cover at least half of its characters inside the
  marks (by character offsets: each of our quotes carries `start`/`end`, or `spans`);
- precision: one of our quotes is right when at least 80% of it lies inside the annotated content
  of any attribution (direct or reported: a quoted fragment inside reported speech is real);
- named-speaker accuracy: over found gold quotes whose annotated source has a named head, share
  where our speaker is that person (surnames match, first names or Mr./Ms. in both do not
  contradict) or that organisation (main words or acronym); a joint source ("Ann Lee and Bo
  Kerr") is right for either person; a quoted title in a source is no part of its head;
- a head that names nobody is a description: a headline in capitals, or one word the corpus writes
  in lower case and the article capitalizes only to open sentences ("Transcript as follows:");
- pronoun / description sources: over found gold quotes whose source is "he"/"she" or a
  description ("a spokesman"), share to which we gave a named speaker.

Articles are split in two halves by a fixed hash of their id (bench/common.py `half_of`): half 0
is the one rules are tuned on, half 1 is reported as held out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import half_of, median, print_machine, print_table  # noqa: E402

from bot.brief.quotes import extract_quotes  # noqa: E402
from bot.models import Quote  # noqa: E402


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


_OPENERS = ("''", "“", '"', "‘", "'", "«")
_MARK_CHARS = "\"“”‘’'«»„"
_PRONOUNS = _words("he she him her")
_OTHER_PRONOUNS = _words("they them we i you it us me")
_DETERMINERS = _words("a an the another one two three some several many his her their its our")
_TITLES = _words(
    "mr mrs ms miss dr sen senator rep representative gov governor president vice secretary "
    "minister chief gen general lt col adm judge justice mayor attorney director chairman "
    "chairwoman chair ceo leader speaker press deputy ambassador spokesman spokeswoman "
    "spokesperson rev candidate nominee former presidential republican democratic democrat u.s. "
    "state house senate gop white campaign manager communications communication adviser advisor "
    "aide strategist pollster treasurer sheriff commissioner dean admiral rear capt captain sgt "
    "majority minority whip us senior first lady sir lord professor prof rabbi father pastor "
    "executive officer host anchor correspondent founder author"
)
_TITLE_KEYS = frozenset(t.rstrip(".") for t in _TITLES)
_INDEFINITE = _words("a an one another some two three several")
_ORGANISATION_WORDS = _words(
    "committee department party campaign times post news journal network agency office "
    "administration council association institute foundation union bureau court commission "
    "service group corporation inc. company center university fund board club cnn fox msnbc "
    "house senate congress caucus pac organization coalition"
)
_HEAD_CUT = re.compile(r",|;|\s(?:who|whose|which|that|of|from|at|in|for|with|on|to|and|as|during)\s")
# Where a joint source's names end: _HEAD_CUT's words, "and" left out ("Ann Lee and Bo Kerr").
_JOINT_CUT = re.compile(r",|;|\s(?:who|whose|which|that|of|from|at|in|for|with|on|to|as|during)\s")
_PARENTHETICAL = re.compile(r"\([^()]*\)")
_PARTY_TAG = re.compile(r"\b[RDI]-[A-Z][\w.]*\.?")
_NAME_RUN = re.compile(r"(?:(?:[A-Z][\w’'.\-]*|de|van|von|al|la|le|del|da)\s*)*[A-Z][\w’'.\-]*")
_GENDER_TITLES = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f"}


@dataclass(frozen=True, slots=True)
class Annotation:
    source: str | None
    content: str
    content_spans: tuple[tuple[int, int], ...]

    @property
    def is_direct(self) -> bool:
        return self.content.startswith(_OPENERS)


@dataclass(slots=True)
class Article:
    id: str
    outlet: str
    text: str
    annotations: list[Annotation]


@dataclass(slots=True)
class Scores:
    quotes: int = 0
    right_quotes: int = 0
    direct: int = 0
    recalled: int = 0
    named: int = 0
    right_speakers: int = 0
    pronoun: int = 0
    pronoun_named: int = 0
    description: int = 0
    description_named: int = 0

    def add(self, other: Scores) -> None:
        for field in self.__slots__:
            setattr(self, field, getattr(self, field) + getattr(other, field))


def load(quotes_dir: Path) -> list[Article]:
    first_annotator: dict[str, str] = {}
    by_article: dict[str, list[Annotation]] = defaultdict(list)
    outlets: dict[str, str] = {}
    with (quotes_dir / "attributions.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            article = row["article"]
            if first_annotator.setdefault(article, row["annotator"]) != row["annotator"]:
                continue
            outlets[article] = row.get("publisher") or article.split("_")[0]
            spans = tuple(sorted((int(a), int(b)) for a, b in row.get("content_spans") or ()))
            if spans:
                by_article[article].append(Annotation(row.get("source"), row.get("content") or "", spans))
    articles = []
    for path in sorted((quotes_dir / "text").glob("*.txt")):
        outlet = outlets.get(path.stem, path.stem.split("_")[0])
        articles.append(Article(path.stem, outlet, path.read_text(encoding="utf-8"), by_article[path.stem]))
    return articles


# --- characters ---------------------------------------------------------------------------------


def quote_pieces(quote: Quote) -> tuple[tuple[int, int], ...]:
    return quote.spans or ((quote.start, quote.end),)


def inside_marks(text: str, annotation: Annotation) -> set[int]:
    """The non-space characters of a gold quote between its opening and its last closing mark."""
    spans = annotation.content_spans
    low = spans[0][0]
    while low < spans[0][1] and (text[low] in _MARK_CHARS or text[low].isspace()):
        low += 1
    high = spans[-1][1]
    closing = max((text.rfind(c, low, high) for c in _MARK_CHARS), default=-1)
    if closing > low:
        high = closing
    return {
        i for start, end in spans for i in range(max(start, low), min(end, high)) if not text[i].isspace()
    }


def characters(text: str, pieces: tuple[tuple[int, int], ...]) -> set[int]:
    return {i for start, end in pieces for i in range(start, end) if not text[i].isspace()}


# --- speakers -----------------------------------------------------------------------------------


def source_head(source: str) -> str:
    """The head of an annotated source: "Ben Cole, the treasurer, who ..." -> "Ben Cole"."""
    cleaned = _without_quoted_title(_PARTY_TAG.sub("", _PARENTHETICAL.sub("", source))).strip(' ,."“”')
    parts = [p.strip() for p in _HEAD_CUT.split(cleaned)]
    head = parts[0] if parts else cleaned
    if not name_of(head) and len(parts) > 1 and _is_office(head, cleaned[len(head) :]):
        after_office = _name_after_office(parts[1])
        if after_office:
            return after_office
    if not name_of(head) and "," in cleaned:
        appositive = cleaned.split(",", 1)[1]
        after = _HEAD_CUT.split(appositive.strip())[0].strip()
        if name_of(after):
            return after
    return head


_QUOTED_TITLE = re.compile(r"\s*(?:''|[\"“‘«]).*$")


def _is_office(head: str, rest: str) -> bool:
    """ "Speaker" in "Speaker of the House Ann Lee": titles only, then "of"."""
    words = head.split()
    return (
        bool(words) and all(w.lower().rstrip(".") in _TITLE_KEYS for w in words) and rest.startswith(" of ")
    )


def _name_after_office(part: str) -> str | None:
    """The person an office is followed by: "Secretary of State Ann Lee", "Speaker of the House
    Rep. Ann Lee", "former secretary of state Ann Lee" -> Ann Lee. Only when a title or a word in
    lower case ends the office, so that "Governor of New York" names no one."""
    words = part.split()
    run_start = len(words)
    while run_start > 0 and words[run_start - 1][:1].isupper():
        run_start -= 1
    run = words[run_start:]
    if not run:
        return None
    lower_before = run_start > 0 and words[run_start - 1][:1].islower()
    titles = 0
    while titles < len(run) - 1 and run[titles].lower().rstrip(".") in _TITLE_KEYS:
        titles += 1
    name = run[titles:]
    if not (lower_before or titles) or is_organisation(" ".join(name)):
        return None
    return " ".join(name)


def _without_quoted_title(source: str) -> str:
    """'Ann Lee's book "The Long Road"' -> "Ann Lee's book": a title in quotes is no part of the
    head, any more than a parenthetical is (its capitals would be read as a name)."""
    return _QUOTED_TITLE.sub("", source) if not source.lstrip().startswith(('"', "“", "‘", "''")) else source


def source_names(source: str) -> list[str]:
    """The names an annotated source gives: one, or each of a joint source's ("Ann Lee and Bo
    Kerr"), whose words either may be said to be; [] when its head is no name."""
    head = source_head(source)
    name = name_of(head)
    if name is None or head.lower() in _PRONOUNS:
        return []
    cleaned = _without_quoted_title(_PARTY_TAG.sub("", _PARENTHETICAL.sub("", source))).strip(' ,."“”')
    first_part = _JOINT_CUT.split(cleaned)[0]
    joint = [name_of(part.strip()) for part in re.split(r"\s+(?:and|&)\s+", first_part)]
    if len(joint) > 1 and all(joint):
        return [n for n in joint if n]
    return [name]


_MID_SENTENCE_WORD = re.compile(r"(?<=[a-z0-9,;] )[A-Za-z]+\b")


def _capitalized_only_to_open_sentences(text: str, name: str) -> bool:
    """Whether the article writes `name` with its capital only where a sentence starts."""
    for match in re.finditer(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])", text):
        before = text[max(0, match.start() - 3) : match.start()].rstrip(" \xa0")
        if before and (before[-1].isalnum() or before[-1] in ",;’'-"):
            return False
    return True


def is_description_word(text: str, name: str, common: frozenset[str]) -> bool:
    """A one-word head that the corpus mostly writes in lower case and this article capitalizes
    only to open sentences ("Transcript as follows:", "Hundreds of voters") is a description:
    its capital says nothing. "Al From" and "Ann Bond" keep their names (capitals inside a sentence)."""
    word = _possessor(name)
    return " " not in name and word.lower() in common and _capitalized_only_to_open_sentences(text, word)


def _possessor(word: str) -> str:
    return word.removesuffix("’s").removesuffix("'s")


def common_nouns(articles: list[Article]) -> frozenset[str]:
    """Words the articles write in lower case inside sentences more often than with a capital.

    A one-word source head among them ("Transcript as follows:", "Hundreds of voters") is a
    description whose capital only opens its sentence, not a name.
    """
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for article in articles:
        for match in _MID_SENTENCE_WORD.finditer(article.text):
            word = match.group()
            (lower if word.islower() else capital)[word.lower()] += 1
    return frozenset(word for word, count in lower.items() if count > capital[word])


def name_of(head: str) -> str | None:
    """The capitalized name that ends a head, titles and descriptors dropped; None for none."""
    words = head.split()
    if not words or (words[0].lower() in _PRONOUNS | _OTHER_PRONOUNS and len(words) == 1):
        return None
    if len(words) > 1 and all(w.upper() == w for w in words) and sum(w.isalpha() for w in words) > 1:
        return None  # a headline in capitals ("POLLS SHIFT TOWARD THE CENTER") names nobody
    if words[0].lower() in _INDEFINITE:
        return None  # "a New Hampshire Democrat" describes someone, it does not name them
    organisation_word = []
    if len(words) > 1 and words[-1] in _ORGANISATION_WORDS and words[-2][:1].isupper():
        # "the Lee campaign", "Lee’s office": an organisation named by its proper noun.
        organisation_word, words = [words[-1]], words[:-1]
    run = []
    for word in reversed(words):
        if not word[:1].isupper() and word.lower() not in ("de", "van", "von", "al", "del", "da", "la", "le"):
            break
        run.append(word)
    run.reverse()
    if organisation_word and run:
        return " ".join(run + organisation_word)
    for i in range(len(run) - 2, -1, -1):
        if run[i].endswith(("'s", "’s")):  # "Gallup's Jeffrey M. Jones"
            run = run[i + 1 :]
            break
    while run and run[0].lower().rstrip(".") in _TITLE_KEYS and len(run) > 1:
        if run[0].lower().rstrip(".") in _GENDER_TITLES:
            break
        run = run[1:]
    if not run or (len(run) == 1 and run[0].lower().rstrip(".") in _TITLE_KEYS):
        return None
    return " ".join(run)


def is_organisation(name: str) -> bool:
    """An organisation's name ends with an organisation word ("the Clinton campaign", "Fox News")
    or is an acronym ("DNC")."""
    words = name.split()
    if not words:
        return False
    return words[-1].lower() in _ORGANISATION_WORDS or (len(words) == 1 and words[0].rstrip(".").isupper())


def _tokens(name: str) -> list[str]:
    tokens = [
        w.strip(".,’'\"").lower().removesuffix("’s").removesuffix("'s")
        for w in name.replace("-", " ").split()
    ]
    return [t for t in tokens if t and t not in ("jr", "sr", "ii", "iii")]


def _title(token: str) -> bool:
    return token in _TITLE_KEYS


def same_speaker(ours: str | None, gold_name: str) -> bool:
    """Same surname (the longest common tail of the two names), and the words just before it, when
    both have one that is a first name or Mr./Ms., do not contradict."""
    if not ours:
        return False
    if is_organisation(gold_name) or is_organisation(ours):
        return same_organisation(ours, gold_name)
    mine, theirs = _tokens(ours), _tokens(gold_name)
    common = 0
    while common < min(len(mine), len(theirs)) and mine[-1 - common] == theirs[-1 - common]:
        common += 1
    if common == 0:
        return False
    my_rest = [t for t in mine[: len(mine) - common] if not _title(t) or t in _GENDER_TITLES]
    their_rest = theirs[: len(theirs) - common]
    if not my_rest or not their_rest:
        return True
    mine_before, theirs_before = my_rest[-1], their_rest[-1]
    if mine_before in _GENDER_TITLES or theirs_before in _GENDER_TITLES:
        both = mine_before in _GENDER_TITLES and theirs_before in _GENDER_TITLES
        return not both or _GENDER_TITLES[mine_before] == _GENDER_TITLES[theirs_before]
    if _title(theirs_before):
        return True
    # A middle initial or a first name given as an initial: compare what both have.
    my_first = next((t for t in my_rest if t not in _GENDER_TITLES), mine_before)
    their_first = next((t for t in reversed(their_rest) if not _title(t)), theirs_before)
    if len(my_first) == 1 or len(their_first) == 1:
        return my_first[0] == their_first[0]
    return mine_before == theirs_before or my_first == their_first


_ORGANISATION_FILLER = _words("the of and for a an")


def same_organisation(ours: str, gold_name: str) -> bool:
    mine = [w for w in _tokens(ours) if w not in _ORGANISATION_FILLER]
    theirs = [w for w in _tokens(gold_name) if w not in _ORGANISATION_FILLER]
    if not mine or not theirs:
        return False
    main_mine = {w for w in mine if w not in _ORGANISATION_WORDS}
    main_theirs = {w for w in theirs if w not in _ORGANISATION_WORDS}
    if main_mine & main_theirs:
        return True
    if not main_mine or not main_theirs:
        # "the Times" has only organisation words: it is "The New York Times" when they are in it.
        return set(mine) <= set(theirs) if not main_mine else set(theirs) <= set(mine)
    return _acronym_of(ours, gold_name) or _acronym_of(gold_name, ours)


def _acronym_of(short: str, long: str) -> bool:
    """ "DNC" for "Democratic National Committee", "DOJ" for "the Department of Justice"."""
    words = _tokens(short)
    if len(words) != 1:
        return False
    long_words = [w for w in _tokens(long) if w not in ("the", "a", "an")]
    initials = "".join(w[0] for w in long_words)
    content_initials = "".join(w[0] for w in long_words if w not in _ORGANISATION_FILLER)
    return len(words[0]) > 1 and words[0] in (initials, content_initials)


def is_named(speaker: str | None) -> bool:
    """Whether one of our speakers is a name rather than a pronoun or a description."""
    if not speaker:
        return False
    words = speaker.split()
    if words[0] in ("The", "the") and len(words) > 1 and all(w[:1].isupper() for w in words[1:]):
        words = words[1:]  # "The New York Times"
    first = words[0]
    return first[:1].isupper() and first.lower() not in _DETERMINERS | _PRONOUNS | _OTHER_PRONOUNS


# --- scoring ------------------------------------------------------------------------------------


def score_article(article: Article, verbose: bool, common: frozenset[str] = frozenset()) -> Scores:
    text, scores = article.text, Scores()
    quotes = extract_quotes(text)
    scores.quotes = len(quotes)
    annotated = {i for a in article.annotations for s, e in a.content_spans for i in range(s, e)}
    ours = [(quote, characters(text, quote_pieces(quote))) for quote in quotes]
    for quote, chars in ours:
        if chars and len(chars & annotated) >= 0.8 * len(chars):
            scores.right_quotes += 1
        elif verbose:
            print(f"  FP  {quote.speaker!s:24} {quote.text[:90]!r}")
    for annotation in article.annotations:
        if not annotation.is_direct:
            continue
        gold = inside_marks(text, annotation)
        if not gold:
            continue
        scores.direct += 1
        covered = set().union(*(chars for _, chars in ours)) if ours else set()
        if len(gold & covered) < 0.5 * len(gold):
            if verbose:
                print(f"  FN  {annotation.source!s:24} {annotation.content[:90]!r}")
            continue
        scores.recalled += 1
        found = max(ours, key=lambda pair: len(pair[1] & gold))[0]
        if not annotation.source:
            continue
        head = source_head(annotation.source)
        names = [n for n in source_names(annotation.source) if not is_description_word(text, n, common)]
        if head.lower() in _PRONOUNS:
            scores.pronoun += 1
            scores.pronoun_named += is_named(found.speaker)
            if verbose and not is_named(found.speaker):
                print(f"  PRO ours={found.speaker!r} annotated={annotation.source!r} {found.text[:50]!r}")
        elif not names:
            if head.lower() not in _OTHER_PRONOUNS:
                scores.description += 1
                scores.description_named += is_named(found.speaker)
        else:
            scores.named += 1
            if any(same_speaker(found.speaker, name) for name in names):
                scores.right_speakers += 1
            elif verbose:
                print(f"  SPK ours={found.speaker!r} annotated={' / '.join(names)!r} {found.text[:50]!r}")
    return scores


def share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def row(label: str, articles: int, s: Scores) -> list[object]:
    return [
        label,
        articles,
        s.quotes,
        share(s.right_quotes, s.quotes),
        s.direct,
        share(s.recalled, s.direct),
        share(s.right_speakers, s.named),
        f"{s.pronoun_named}/{s.pronoun}",
        share(s.pronoun_named, s.pronoun),
        share(s.description_named, s.description),
    ]


_HEADERS = [
    "outlet",
    "articles",
    "ours",
    "precision",
    "gold",
    "recall",
    "named spk",
    "pron n/N",
    "pronoun",
    "descr.",
]


def time_per_1000_words(texts: list[str], rounds: int) -> float:
    """Median milliseconds per 1,000 words over the corpus."""
    words = sum(len(t.split()) for t in texts)
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        for text in texts:
            extract_quotes(text)
        samples.append((time.perf_counter() - began) * 1000 / words * 1000)
    return median(samples)


def big_text(texts: list[str], size: int) -> str:
    """Articles joined (in order, repeated if need be) until the text has `size` characters."""
    parts: list[str] = []
    total = 0
    while total < size:
        for text in texts:
            parts.append(text)
            total += len(text) + 2
            if total >= size:
                break
    return "\n\n".join(parts)[:size]


def seconds_for(text: str, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        extract_quotes(text)
        samples.append(time.perf_counter() - began)
    return median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("quotes_dir", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses per article")
    parser.add_argument("--outlet", help="only this outlet")
    parser.add_argument("--half", type=int, choices=(0, 1), help="only this half")
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (median)")
    args = parser.parse_args(argv)
    print_machine()
    loaded = load(args.quotes_dir)
    common = common_nouns(loaded)
    articles = [
        a
        for a in loaded
        if (args.outlet is None or a.outlet == args.outlet)
        and (args.half is None or half_of(a.id) == args.half)
    ]
    per: dict[tuple[str, int], Scores] = defaultdict(Scores)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for article in articles:
        if args.verbose:
            print(article.id)
        per[(article.outlet, half_of(article.id))].add(score_article(article, args.verbose, common))
        counts[(article.outlet, half_of(article.id))] += 1
    outlets = sorted({outlet for outlet, _ in per})
    for half, label in ((0, "half 0 (tuned on)"), (1, "half 1 (held out)")):
        rows, total, total_count = [], Scores(), 0
        for outlet in outlets:
            if (outlet, half) in per:
                rows.append(row(outlet, counts[(outlet, half)], per[(outlet, half)]))
                total.add(per[(outlet, half)])
                total_count += counts[(outlet, half)]
        if rows:
            rows.append(row("all", total_count, total))
            print_table(f"{label}: {total_count} articles", _HEADERS, rows)
    print(
        "targets per outlet, held-out half: "
        "precision >= 0.95, recall >= 0.92, named spk >= 0.92, pronoun >= 0.95"
    )
    if args.no_speed:
        return 0
    texts = [a.text for a in articles]
    print(
        f"\ntime                {time_per_1000_words(texts, args.rounds):.2f} ms per 1,000 words "
        f"(median of {args.rounds})"
    )
    for megabytes in (1.0, 4.5):
        text = big_text(texts, int(megabytes * 1_000_000))
        seconds = seconds_for(text, 1 if megabytes > 1 else args.rounds)
        print(f"{megabytes:.1f} MB text         {seconds:.2f} s ({seconds / megabytes:.2f} s per MB)")
    # A page whose text lost its paragraph breaks: one paragraph of 4.5 MB.
    flat = " ".join(big_text(texts, 4_500_000).split())
    seconds = seconds_for(flat, 1)
    print(f"4.5 MB, 1 paragraph {seconds:.2f} s ({seconds / 4.5:.2f} s per MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
