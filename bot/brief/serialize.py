"""Briefs to and from JSON: the stored form (`BRIEF_JSON`, the codec the store is given), and the
`--json` / `--jsonl` output."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.models import (
    Brief,
    Change,
    ChangeBasis,
    ChangeKind,
    Changes,
    Quote,
    QuoteKind,
    WordDiffPart,
    WordOp,
)

NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
SPEAKER_KEY_PUNCTUATION = re.compile(r"[.,;:!?\"“”()\[\]]")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def change_to_dict(change: Change) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": change.kind.value}
    if change.before is not None:
        out["before"] = change.before
    if change.after is not None:
        out["after"] = change.after
    if change.words:
        out["words"] = [[part.op.value, part.text] for part in change.words]
    return out


def changes_to_dict(changes: Changes) -> dict[str, Any]:
    return {
        "basis": changes.basis.value,
        "items": [change_to_dict(c) for c in changes.items],
        "against": list(changes.against),
    }


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """The public JSON shape: id, headline, summary, quotes, changes, url, source (+ times, ids)."""
    return {
        "id": brief.id,
        "headline": brief.headline,
        "summary": list(brief.summary),
        "quotes": [
            {"text": q.text, "speaker": q.speaker, "kind": q.kind.value, "start": q.start, "end": q.end}
            for q in brief.quotes
        ],
        "changes": changes_to_dict(brief.changes),
        "url": brief.url,
        "source": brief.source,
        "published": _time(brief.published),
        "updated": _time(brief.updated),
        "article_id": brief.article_id,
        "version_id": brief.version_id,
    }


def brief_from_dict(data: dict[str, Any]) -> Brief:
    changes_data = data.get("changes") or {}
    changes = Changes(
        basis=ChangeBasis(changes_data.get("basis", ChangeBasis.FIRST_REPORT.value)),
        items=tuple(
            Change(
                kind=ChangeKind(item["kind"]),
                before=item.get("before"),
                after=item.get("after"),
                words=tuple(WordDiffPart(WordOp(op), text) for op, text in item.get("words", [])),
            )
            for item in changes_data.get("items", [])
        ),
        against=tuple(changes_data.get("against", [])),
    )
    return Brief(
        headline=data["headline"],
        summary=tuple(data.get("summary", [])),
        quotes=tuple(
            Quote(
                text=q["text"],
                speaker=q.get("speaker"),
                kind=QuoteKind(q.get("kind", QuoteKind.STATEMENT.value)),
                start=int(q.get("start", 0)),
                end=int(q.get("end", 0)),
            )
            for q in data.get("quotes", [])
        ),
        changes=changes,
        url=data.get("url"),
        source=data.get("source"),
        published=_parse_time(data.get("published")),
        updated=_parse_time(data.get("updated")),
        article_id=data.get("article_id"),
        version_id=data.get("version_id"),
        id=data.get("id"),
    )


def brief_to_json(brief: Brief) -> str:
    return json.dumps(brief_to_dict(brief), ensure_ascii=False, separators=(",", ":"))


def brief_from_json(text: str) -> Brief:
    return brief_from_dict(json.loads(text))


def headline_of_json(text: str | None) -> str | None:
    """The headline a stored brief holds, without reading the rest of it back."""
    if text is None:
        return None
    headline = json.loads(text).get("headline")
    return headline if isinstance(headline, str) and headline else None


def speaker_keys(speaker: str | None) -> tuple[str | None, str | None]:
    """(whole name, surname), casefolded, for finding a speaker's quotes.

    The surname is the last word (a "Jr." aside) when it is capitalised, so a name; a noun
    phrase ("a spokesman", "officials") has none. bot/store/migrations/versions/0002 has a frozen copy.
    """
    if not speaker:
        return None, None
    normal = unicodedata.normalize("NFKC", speaker).replace("’", "'")
    words = SPEAKER_KEY_PUNCTUATION.sub(" ", normal).split()
    if not words:
        return None, None
    key = " ".join(words).casefold()
    named = [word for word in words if word.casefold() not in NAME_SUFFIXES] or words
    surname = named[-1]
    return key, surname.casefold() if surname[:1].isupper() else None


def speaker_lookup_key(typed: str) -> str:
    """What a user typed as a speaker, normalised like `speaker_keys`' whole-name key."""
    normal = unicodedata.normalize("NFKC", typed).replace("’", "'")
    return " ".join(SPEAKER_KEY_PUNCTUATION.sub(" ", normal).split()).casefold()


@dataclass(frozen=True, slots=True)
class BriefJson:
    """The store's `BriefCodec`: briefs kept as JSON, speakers found by name keys."""

    def dumps(self, brief: Brief) -> str:
        return brief_to_json(brief)

    def loads(self, stored: str) -> Brief:
        return brief_from_json(stored)

    def headline(self, stored: str | None) -> str | None:
        return headline_of_json(stored)

    def speaker_keys(self, speaker: str | None) -> tuple[str | None, str | None]:
        return speaker_keys(speaker)

    def speaker_lookup_key(self, typed: str) -> str:
        return speaker_lookup_key(typed)


BRIEF_JSON = BriefJson()
