"""Sentence splitting and word tokenizing of our own, so nothing needs NLTK data at run time.

BASELINE — to be replaced by the text/summary work.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?][\"”’')\]]?)\s+(?=[\"“‘'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[\w][\w'’\-]*", re.UNICODE)


def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in split_paragraphs(text):
        for part in _SENTENCE_END.split(" ".join(paragraph.split())):
            if part.strip():
                sentences.append(part.strip())
    return sentences


def tokenize_words(text: str) -> list[str]:
    return _WORD.findall(text)
