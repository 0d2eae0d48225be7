"""Benchmark of `bot.brief.changes.diff_versions` on synthetic versions of real articles.

    .venv/bin/python bench/changes.py ../shared/eval/summ/dev.jsonl [--trials 4] [--seed 7] [--half 0|1]

Each article (fields id, source, article) is split into sentences; a second version is made by a
seeded random mix of 1-4 edits, each with the change(s) it must produce: a sentence added or
removed, one word (`edit`) or 2-3 words (`heavy_edit`) replaced / deleted / inserted inside a
sentence (never a number word), a number in digits changed (`number`), a number word changed to
another word or to digits of another value (`number_word`: "two" -> "ten" or "14", "third" ->
"fifth"), a word edit plus a number change in one sentence (`edit_number`: SENTENCE_EDITED and
NUMBER_CHANGED), a sentence with balanced quotation marks removed or added, a headline word
changed, and no-change edits (a sentence moved, a sentence split at ", and", quote style or
apostrophes restyled, a number word written in digits or back, "nine" <-> "9") which must produce
nothing. Quotes come from `bot.brief.quotes.extract_quotes` run on each full version (when it exists;
else quotes=[]): a quote edit must give QUOTE_REMOVED / QUOTE_ADDED for the quotes found inside
its sentence, or a sentence change when none is (trials where a found quote crosses that
sentence's edge are skipped). Prints precision and recall per change type, over all trials and
over the trials with a `number_word` or an `edit_number` edit, the time diff_versions takes, and
story-matching figures (nearly every pair of articles is a different story, so the top scores
there are false-match margins).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.brief.changes import diff_versions  # noqa: E402
from bot.brief.stories import (  # noqa: E402
    SAME_STORY_THRESHOLD,
    StoryIndex,
    feature_similarity,
    story_features,
)
from bot.brief.text import split_sentences  # noqa: E402
from bot.models import Change, ChangeKind, Quote, StoryArticle  # noqa: E402

QuoteFinder = Callable[[str], list[Quote]]

_WORD = re.compile(r"(?<![\w'’\-])[a-z]{4,}(?![\w'’\-])")
_DIGITS = re.compile(r"(?<![\w.,$€£])\d{1,4}(?![\w.,%])")
_QUOTE_CHARS = re.compile("[\"“”‘’']")
_INSERT_WORDS = ("reportedly", "previously", "officially", "apparently", "separately")
_CHANGE_OPS = (
    "add",
    "remove",
    "edit",
    "heavy_edit",
    "number",
    "number_word",
    "edit_number",
    "quote_remove",
    "quote_add",
    "headline",
)
_NO_CHANGE_OPS = ("move", "split", "style", "number_style")

# English number words, written out here so the benchmark does not take them from the code it
# measures. "one" and "second" are left out of the edits: they are as often not numbers.
_UNIT_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS_WORDS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
]
_AMOUNT_WORDS = ["hundred", "thousand", "million", "billion", "trillion", "percent", "cent"]
_NUMBER_WORDS = frozenset(_UNIT_WORDS + _TENS_WORDS + _ORDINAL_WORDS + _AMOUNT_WORDS)
_CARDINAL = "|".join(
    [f"{t}-(?:{'|'.join(_UNIT_WORDS[1:10])})" for t in _TENS_WORDS] + _TENS_WORDS + _UNIT_WORDS[2:][::-1]
)
_NUMBER_WORD = re.compile(
    rf"(?<![\w'’\-])(?:(?P<cardinal>{_CARDINAL})|(?P<ordinal>first|{'|'.join(_ORDINAL_WORDS[2:])}))(?![\w'’])",
    re.IGNORECASE,
)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _load_quote_finder() -> QuoteFinder | None:
    try:
        from bot.brief.quotes import extract_quotes  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    finder: QuoteFinder = extract_quotes
    return finder


@dataclass(frozen=True, slots=True)
class Expected:
    kind: ChangeKind
    before: str | None = None
    after: str | None = None


@dataclass(slots=True)
class Trial:
    old_title: str
    old_sentences: list[str]
    new_title: str
    new_sentences: list[str]
    expected: list[Expected] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    # Quote edits: their expected changes depend on what the extractor finds in the full texts.
    quoted_removed: list[int] = field(default_factory=list)  # old sentence indices
    quoted_added: list[str] = field(default_factory=list)  # inserted sentences


def _number_word(value: int) -> str:
    """2 <= value <= 99 in words."""
    if value < 20:
        return _UNIT_WORDS[value]
    tens, unit = divmod(value, 10)
    return _TENS_WORDS[tens - 2] + (f"-{_UNIT_WORDS[unit]}" if unit else "")


def _number_word_value(word: str) -> int:
    word = word.casefold()
    if "-" in word:
        tens, unit = word.split("-")
        return _number_word_value(tens) + _number_word_value(unit)
    if word in _TENS_WORDS:
        return 20 + 10 * _TENS_WORDS.index(word)
    return _UNIT_WORDS.index(word)


def _like(word: str, model: str) -> str:
    return word.capitalize() if model[0].isupper() else word


def _change_number_word(sentence: str, rng: random.Random) -> tuple[str, str, str] | None:
    """A number word changed to another value, in words or (cardinals) in digits."""
    found = list(_NUMBER_WORD.finditer(sentence))
    if not found:
        return None
    target = rng.choice(found)
    old = target.group()
    if target.group("ordinal"):
        options = [w for w in _ORDINAL_WORDS if w != old.casefold() and w != "second"]
        new = _like(rng.choice(options), old)
    else:
        value = _number_word_value(old)
        new_value = rng.choice([v for v in range(2, 100) if v != value])
        new = str(new_value) if rng.random() < 0.4 else _like(_number_word(new_value), old)
    return sentence[: target.start()] + new + sentence[target.end() :], old, new


_JOINERS = frozenset("-–:/")


def _restyle_number(sentence: str, rng: random.Random) -> str | None:
    """A number word written in digits, or a small number in digits written as a word."""
    words = [m for m in _NUMBER_WORD.finditer(sentence) if m.group("cardinal")]
    digits = [m for m in _DIGITS.finditer(sentence) if 2 <= int(m.group()) <= 99 and m.group()[0] != "0"]
    # Not inside a score, range, time or date ("5-2", "10:30", "3/4"): a word there is no longer
    # one number with its neighbours.
    targets = [
        m
        for m in words + digits
        if sentence[m.start() - 1 : m.start()] not in _JOINERS
        and sentence[m.end() : m.end() + 1] not in _JOINERS
    ]
    if not targets:
        return None
    target = rng.choice(targets)
    if target.group().isdigit():
        new = _number_word(int(target.group()))
        if sentence[: target.start()].strip() == "":
            new = new.capitalize()
    else:
        new = str(_number_word_value(target.group()))
    return sentence[: target.start()] + new + sentence[target.end() :]


def _edit_words(sentence: str, rng: random.Random, vocabulary: Sequence[str]) -> str | None:
    """One word replaced, deleted or inserted; number words are left alone (numbers are their
    own edits)."""
    words = [w for w in _WORD.finditer(sentence) if w.group() not in _NUMBER_WORDS]
    if not words:
        return None
    target = rng.choice(words)
    how = rng.choice(("replace", "delete", "insert"))
    if how == "replace":
        options = [w for w in vocabulary if w != target.group()]
        if not options:
            return None
        new_word = rng.choice(options)
        return sentence[: target.start()] + new_word + sentence[target.end() :]
    if how == "delete" and len(words) > 4:
        return sentence[: target.start()] + sentence[target.end() :].lstrip(" ")
    return sentence[: target.start()] + rng.choice(_INSERT_WORDS) + " " + sentence[target.start() :]


def _change_number(sentence: str, rng: random.Random) -> tuple[str, str, str] | None:
    numbers = list(_DIGITS.finditer(sentence))
    if not numbers:
        return None
    target = rng.choice(numbers)
    old = target.group()
    new = str(int(old) + rng.randint(1, 9))
    return sentence[: target.start()] + new + sentence[target.end() :], old, new


def _balanced_quotes(sentence: str) -> bool:
    straight, opening, closing = sentence.count('"'), sentence.count("“"), sentence.count("”")
    return straight + opening > 0 and straight % 2 == 0 and opening == closing


def _spans(sentences: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of sentences joined by single spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    for sentence in sentences:
        spans.append((start, start + len(sentence)))
        start += len(sentence) + 1
    return spans


def _quotes_in_span(quotes: Sequence[Quote], span: tuple[int, int]) -> list[Quote] | None:
    """Quotes inside the span; None when one crosses its edge (the expected change is unclear)."""
    inside: list[Quote] = []
    for quote in quotes:
        if quote.start >= span[0] and quote.end <= span[1]:
            inside.append(quote)
        elif quote.start < span[1] and quote.end > span[0]:
            return None
    return inside


def _expect_quote_edits(
    trial: Trial, old_quotes: Sequence[Quote], new_quotes: Sequence[Quote]
) -> list[Expected] | None:
    """What quote edits must produce, given the quotes found in each full text; None: unclear."""
    expected: list[Expected] = []
    old_spans = _spans(trial.old_sentences)
    for index in trial.quoted_removed:
        inside = _quotes_in_span(old_quotes, old_spans[index])
        if inside is None:
            return None
        # A quote still quoted elsewhere in the new version was not removed.
        still = {_norm(q.text) for q in new_quotes}
        keys = sorted({_norm(q.text) for q in inside if _norm(q.text)} - still)
        sentence = trial.old_sentences[index]
        expected.extend(Expected(ChangeKind.QUOTE_REMOVED, before=k) for k in keys)
        if not keys:
            expected.append(Expected(ChangeKind.SENTENCE_REMOVED, before=sentence))
    new_spans = _spans(trial.new_sentences)
    for sentence in trial.quoted_added:
        inside = _quotes_in_span(new_quotes, new_spans[trial.new_sentences.index(sentence)])
        if inside is None:
            return None
        before = {_norm(q.text) for q in old_quotes}
        keys = sorted({_norm(q.text) for q in inside if _norm(q.text)} - before)
        expected.extend(Expected(ChangeKind.QUOTE_ADDED, after=k) for k in keys)
        if not keys:
            expected.append(Expected(ChangeKind.SENTENCE_ADDED, after=sentence))
    return expected


def _split_at_and(sentence: str) -> str | None:
    match = re.search(r", and ([a-z])", sentence)
    if not match:
        return None
    return sentence[: match.start()] + ". And " + match.group(1) + sentence[match.end() :]


def _restyle(sentence: str) -> str | None:
    if "'" in sentence:
        return sentence.replace("'", "’")
    if sentence.count('"') == 2:
        first = sentence.index('"')
        second = sentence.index('"', first + 1)
        return sentence[:first] + "“" + sentence[first + 1 : second] + "”" + sentence[second + 1 :]
    return None


@dataclass(frozen=True, slots=True)
class Donors:
    plain: list[str]  # sentences without quotation marks
    quoted: list[str]  # sentences with balanced double quotation marks


def _make_trial(
    sentences: list[str],
    rng: random.Random,
    donors: Donors,
) -> Trial:
    first_words = sentences[0].split()[:10]
    old_title = " ".join(first_words).rstrip(".,;:")
    trial = Trial(old_title, list(sentences), old_title, list(sentences))
    vocabulary = sorted({w for s in sentences for w in _WORD.findall(s)} - _NUMBER_WORDS)
    plan: list[str] = []
    for _ in range(rng.randint(1, 4)):
        plan.append(rng.choice((*_CHANGE_OPS, *_NO_CHANGE_OPS)))
    touched: set[int] = set()
    # Edits in place first (indices still those of the old version), insertions and moves last.
    order = {"add": 2, "quote_add": 2, "move": 3}
    new = trial.new_sentences
    removed_positions: list[int] = []
    compacted = False
    for op in sorted(plan, key=lambda o: order.get(o, 1)):
        if order.get(op, 1) > 1 and not compacted:
            # Removals go before insertions and moves, while old indices still hold.
            for i in sorted(removed_positions, reverse=True):
                del new[i]
            compacted = True
        free = [i for i in range(len(sentences)) if i not in touched]
        rng.shuffle(free)
        done = False
        if op == "headline":
            words = trial.new_title.split()
            if len(words) > 2 and trial.new_title == trial.old_title:
                k = rng.randrange(len(words))
                words[k] = rng.choice(vocabulary) if vocabulary else "update"
                candidate = " ".join(words)
                if _norm(candidate) != _norm(trial.old_title):
                    trial.new_title = candidate
                    trial.expected.append(Expected(ChangeKind.HEADLINE_CHANGED, trial.old_title, candidate))
                    done = True
        elif op in ("add", "quote_add"):
            pool = donors.plain if op == "add" else donors.quoted
            sentence = rng.choice(pool)
            if sentence in new or sentence in trial.quoted_added:
                continue
            new.insert(rng.randint(0, len(new)), sentence)
            if op == "add":
                trial.expected.append(Expected(ChangeKind.SENTENCE_ADDED, after=sentence))
            else:
                trial.quoted_added.append(sentence)
            done = True
        elif op == "move":
            plain = [i for i in range(len(new)) if new[i] in sentences and new.count(new[i]) == 1]
            if len(plain) > 3:
                i = rng.choice(plain)
                sentence = new.pop(i)
                j = rng.choice([p for p in range(len(new) + 1) if abs(p - i) >= 2] or [0])
                new.insert(j, sentence)
                done = True
        else:
            for i in free:
                sentence = sentences[i]
                if sentences.count(sentence) > 1:
                    continue
                result = _edit_in_place(op, sentence, rng, vocabulary)
                if result is None:
                    continue
                replacement, expected = result
                touched.add(i)
                if op == "quote_remove":
                    trial.quoted_removed.append(i)
                if replacement is None:
                    removed_positions.append(i)
                else:
                    new[i] = replacement
                trial.expected.extend(expected)
                done = True
                break
        if done:
            trial.ops.append(op)
    if not compacted:
        for i in sorted(removed_positions, reverse=True):
            del new[i]
    return trial


def _edit_in_place(
    op: str,
    sentence: str,
    rng: random.Random,
    vocabulary: Sequence[str],
) -> tuple[str | None, list[Expected]] | None:
    """(new sentence or None for removed, expected changes), or None when the op does not apply."""
    if not _norm(sentence):
        return None
    quoted = bool(_QUOTE_CHARS.search(sentence))
    if op == "remove" and not quoted:
        return None, [Expected(ChangeKind.SENTENCE_REMOVED, before=sentence)]
    if op == "quote_remove" and _balanced_quotes(sentence):
        return None, []  # expected changes: `_expect_quote_edits`
    if op in ("edit", "heavy_edit") and not quoted:
        edited: str | None = sentence
        for _ in range(1 if op == "edit" else rng.randint(2, 3)):
            edited = _edit_words(edited, rng, vocabulary) if edited else None
        if edited is None or _norm(edited) == _norm(sentence):
            return None
        return edited, [Expected(ChangeKind.SENTENCE_EDITED, before=sentence, after=edited)]
    if op == "number" and not quoted:
        changed = _change_number(sentence, rng)
        if changed is None:
            return None
        edited, old_number, new_number = changed
        return edited, [Expected(ChangeKind.NUMBER_CHANGED, before=old_number, after=new_number)]
    if op == "number_word" and not quoted:
        changed = _change_number_word(sentence, rng)
        if changed is None:
            return None
        edited, old_number, new_number = changed
        return edited, [Expected(ChangeKind.NUMBER_CHANGED, before=old_number, after=new_number)]
    if op == "edit_number" and not quoted:
        changed = _change_number(sentence, rng) if rng.random() < 0.5 else None
        changed = changed or _change_number_word(sentence, rng) or _change_number(sentence, rng)
        if changed is None:
            return None
        numbered, old_number, new_number = changed
        edited = numbered
        for _ in range(rng.randint(1, 2)):
            edited = _edit_words(edited, rng, vocabulary) or edited
        if _norm(edited) == _norm(numbered):
            return None  # no word to edit
        return edited, [
            Expected(ChangeKind.SENTENCE_EDITED, before=sentence, after=edited),
            Expected(ChangeKind.NUMBER_CHANGED, before=old_number, after=new_number),
        ]
    if op == "number_style":
        restyled = _restyle_number(sentence, rng)
        return None if restyled is None else (restyled, [])
    if op == "split":
        split = _split_at_and(sentence)
        return None if split is None else (split, [])
    if op == "style":
        restyled = _restyle(sentence)
        return None if restyled is None else (restyled, [])
    return None


def _matches(expected: Expected, change: Change) -> bool:
    if expected.kind != change.kind:
        return False
    if expected.kind is ChangeKind.NUMBER_CHANGED:
        return (expected.before or "") in (change.before or "") and (expected.after or "") in (
            change.after or ""
        )
    if expected.kind in (ChangeKind.QUOTE_ADDED, ChangeKind.QUOTE_REMOVED):
        return _norm(change.before or change.after or "") == (expected.before or expected.after)
    return _norm(expected.before or "") == _norm(change.before or "") and _norm(
        expected.after or ""
    ) == _norm(change.after or "")


@dataclass(slots=True)
class Score:
    true_positive: Counter[str] = field(default_factory=Counter)
    false_positive: Counter[str] = field(default_factory=Counter)
    false_negative: Counter[str] = field(default_factory=Counter)
    exact_trials: int = 0
    trials: int = 0

    def add(self, expected: Sequence[Expected], found: Sequence[Change]) -> list[str]:
        self.trials += 1
        unmatched = list(found)
        problems: list[str] = []
        for item in expected:
            hit = next((c for c in unmatched if _matches(item, c)), None)
            if hit is None:
                self.false_negative[item.kind.value] += 1
                problems.append(f"missed {item}")
            else:
                unmatched.remove(hit)
                self.true_positive[item.kind.value] += 1
        for change in unmatched:
            self.false_positive[change.kind.value] += 1
            problems.append(f"extra {change.kind.value}: {change.before!r} -> {change.after!r}")
        if not problems:
            self.exact_trials += 1
        return problems


def _donors(articles: Sequence[list[str]]) -> Donors:
    plain: list[str] = []
    quoted: list[str] = []
    for sentences in articles:
        for sentence in sentences:
            words = len(sentence.split())
            if not 8 <= words <= 40:
                continue
            if not _QUOTE_CHARS.search(sentence):
                plain.append(sentence)
            elif _balanced_quotes(sentence):
                quoted.append(sentence)
    return Donors(plain, quoted)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("--trials", type=int, default=4, help="versions made per article")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=0, help="print this many failing trials")
    parser.add_argument("--no-quotes", action="store_true", help="pass quotes=[] even with an extractor")
    parser.add_argument(
        "--half",
        type=int,
        choices=(0, 1),
        default=None,
        help="only the articles in this half (by a fixed hash of the id); default: all",
    )
    args = parser.parse_args(argv)

    finder = None if args.no_quotes else _load_quote_finder()
    articles: list[list[str]] = []
    texts: list[str] = []
    with args.data.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if args.half is not None and zlib.crc32(str(record["id"]).encode()) % 2 != args.half:
                continue
            texts.append(record["article"])
            sentences = split_sentences(record["article"])
            # Versions are rebuilt by joining sentences, so keep articles the splitter re-splits alike.
            if len(sentences) >= 6 and split_sentences(" ".join(sentences)) == sentences:
                articles.append(sentences)
    donors = _donors(articles)

    score = Score()
    # The trials with a number-word edit, and those with an edit plus a number change.
    subsets = {"number_word": Score(), "edit_number": Score()}
    timings: list[float] = []
    timings_40: list[float] = []
    skipped = 0
    shown = 0
    ops: Counter[str] = Counter()
    for index, sentences in enumerate(articles):
        old_text = " ".join(sentences)
        old_quotes = finder(old_text) if finder else []
        for trial_number in range(args.trials):
            rng = random.Random(args.seed * 1_000_003 + index * 101 + trial_number)
            other = [s for s in donors.plain if s not in sentences]
            trial = _make_trial(sentences, rng, Donors(other, donors.quoted))
            new_text = " ".join(trial.new_sentences)
            if split_sentences(new_text) != [x for s in trial.new_sentences for x in split_sentences(s)]:
                skipped += 1
                continue
            new_quotes = finder(new_text) if finder else []
            quote_expected = _expect_quote_edits(trial, old_quotes, new_quotes)
            if quote_expected is None:
                skipped += 1
                continue
            trial.expected.extend(quote_expected)
            started = time.perf_counter()
            found = diff_versions(
                trial.old_title, old_text, old_quotes, trial.new_title, new_text, new_quotes
            )
            elapsed = time.perf_counter() - started
            timings.append(elapsed)
            if 35 <= len(sentences) <= 45:
                timings_40.append(elapsed)
            ops.update(trial.ops)
            problems = score.add(trial.expected, found)
            for op, subset in subsets.items():
                if op in trial.ops:
                    subset.add(trial.expected, found)
            if problems and shown < args.show:
                shown += 1
                print(f"--- article {index} trial {trial_number} ops {trial.ops}")
                for problem in problems:
                    print("   ", problem)

    print(f"quote extractor: {'bot.brief.quotes.extract_quotes' if finder else 'none (quotes=[])'}")
    print(
        f"articles {len(articles)}, trials {score.trials} (skipped {skipped}),",
        f"edits {dict(sorted(ops.items()))}",
    )
    _print_scores(score)
    for op, subset in subsets.items():
        print(f"trials with {op} edits: {subset.trials}")
        _print_scores(subset)
    if timings:
        print(
            f"diff_versions: median {statistics.median(timings) * 1000:.2f} ms, "
            f"p95 {sorted(timings)[int(0.95 * (len(timings) - 1))] * 1000:.2f} ms, "
            f"35-45 sentences median "
            f"{(statistics.median(timings_40) * 1000 if timings_40 else float('nan')):.2f} ms"
        )

    _story_figures(texts)


def _print_scores(score: Score) -> None:
    print(f"{'change type':<18} {'expected':>8} {'found':>6} {'precision':>9} {'recall':>7}")
    kinds = sorted(set(score.true_positive) | set(score.false_positive) | set(score.false_negative))
    for kind in kinds:
        tp, fp, fn = score.true_positive[kind], score.false_positive[kind], score.false_negative[kind]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{kind:<18} {tp + fn:>8} {tp + fp:>6} {precision:>9.3f} {recall:>7.3f}")
    print(f"trials with exactly the expected changes: {score.exact_trials}/{score.trials}")


def _story_figures(texts: Sequence[str]) -> None:
    features = [story_features(None, text) for text in texts]
    scores = sorted(
        (
            feature_similarity(features[i], features[j])
            for i in range(len(texts))
            for j in range(i + 1, len(texts))
        ),
        reverse=True,
    )
    above = sum(score >= SAME_STORY_THRESHOLD for score in scores)
    print(
        f"story_similarity over {len(scores)} pairs of different articles: max {scores[0]:.3f}, "
        f"p99.9 {scores[len(scores) // 1000]:.3f}, p99 {scores[len(scores) // 100]:.3f}, "
        f">= threshold {SAME_STORY_THRESHOLD}: {above}"
    )
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    index = StoryIndex(StoryArticle(i, None, None, text, seen) for i, text in enumerate(texts))
    started = time.perf_counter()
    for text in texts[:20]:
        index.find(None, text)
    per_match = (time.perf_counter() - started) / min(20, len(texts))
    print(f"StoryIndex.find over {len(index)} candidates: {per_match * 1000:.2f} ms per new article")


if __name__ == "__main__":
    main()
