"""A headline for an article without a title, made the way an editor would.

Two steps. **Pick** the sentence that states the news: the first of the lead sentences that is not
an opening hook ("Well, that's one way to make a statement."), a question, a quote, a scene or a
fragment without a verb; datelines and bylines are stripped or skipped. **Compress** it, by whole
phrases only: drop a leading attribution or adverbial ("According to X,", "On Tuesday,"),
parentheses, appositives ("Parmalat, the Italian food group, has" -> "Parmalat has"), asides after a
dash, a trailing attribution (", the firm said"), trailing subordinate and participle clauses, time
phrases and articles; then trailing and inner prepositional phrases and relative "that" clauses,
chosen by a small logistic model of which words an editor keeps (`keep._fit_by_weight`); never a
phrase after a word that needs it ("will be [in cinemas]"). Headline tense replaces the auxiliaries
where that is safe ("will meet" -> "to meet", "has been fined" -> "fined", "has won" / "just
skipped" -> "wins" / "skips"). Names take the short forms the story uses (a surname, initials:
"Harlow Ferries (HF)" -> "HF"), a subject reporting on itself becomes the news's subject ("X says it
will close" -> "X to close"), and a country adjective the country ("Japanese output" -> "Japan
output").

The parts: `pick` (which sentence), `compress` (the rules), `keep` (the keep model and the phrases
it may drop), `words` (the word classes and the verb and phrase tests they share).

No cut ever falls inside a phrase, and a headline never ends with "…". The rules are written from
English grammar (function words, speech verbs, time words); the model's weights and the few lengths
were chosen on one half of a set of titled news articles and checked on the other
(bench/headlines.py).
"""

from __future__ import annotations

from bot.brief.headline.compress import compress, core_tokens, short_names
from bot.brief.headline.keep import _KEEP_WEIGHTS, TITLE_WORDS, keep_features, key_terms, term_counts
from bot.brief.headline.pick import pick_sentence, states_news
from bot.brief.headline.words import MAX_WORDS, MIN_WORDS, _main_verb, _Word
from bot.brief.summarize import content_terms
from bot.brief.text import SplitText

__all__ = [
    "FOLLOWING_SENTENCES",
    "MAX_WORDS",
    "MIN_WORDS",
    "OPENING_CHARS",
    "TITLE_WORDS",
    "_KEEP_WEIGHTS",
    "_Word",
    "_main_verb",
    "compress",
    "core_tokens",
    "keep_features",
    "key_terms",
    "make_headline",
    "pick_sentence",
    "short_names",
    "states_news",
    "term_counts",
]

OPENING_CHARS = 1500  # names and key words are read from this much of the text (speed)


FOLLOWING_SENTENCES = 3  # a word the story goes on using in this many sentences is likelier kept


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
