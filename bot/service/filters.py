"""Filters: what a digest lists, as moderators rule it, and whom it pings.

How rules combine (as MonitoRSS's filters do, AND across kinds, OR within one):
- The rules that bear on an item are its digest channel's and those on the sources the guild
  follows that the article came through.
- **Exclude** rules: an item that matches any of them is left out (OR).
- **Include** rules: within one kind (keyword, speaker, regex, change) an item must match one of
  them (OR); across kinds it must match every kind that has a rule (AND). With no include rules,
  everything not excluded is listed.
- A **change** rule bears on edits only: a new article is never left out for not being an edit.
- An include rule with a role pings that role when it matches; nothing else ever pings.

Regex rules run on RE2 (google-re2), whose matching time is linear in the text: no moderator's
pattern can hang the bot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import re2

from bot.errors import NewsbriefError
from bot.models import Brief, ChangeBasis, ChangeKind
from bot.service.reading import matches_speaker
from bot.store import FilterKind, FilterRule

VALUE_MAX = 200  # characters of a rule's value
REGEX_MAX_MEMORY = 1 << 20  # bytes RE2 may use for one pattern

CHANGE_KINDS: Mapping[str, frozenset[ChangeKind]] = {
    "headline": frozenset({ChangeKind.HEADLINE_CHANGED}),
    "number": frozenset({ChangeKind.NUMBER_CHANGED}),
    "quote": frozenset({ChangeKind.QUOTE_ADDED, ChangeKind.QUOTE_REMOVED}),
    "sentence": frozenset(
        {ChangeKind.SENTENCE_ADDED, ChangeKind.SENTENCE_REMOVED, ChangeKind.SENTENCE_EDITED}
    ),
}


class FilterError(NewsbriefError):
    """A rule that cannot be used as given; the reason says how to write it."""


@dataclass(frozen=True, slots=True)
class FilterItem:
    """What a rule looks at: the item's brief, its text, and the guild's sources it came through."""

    brief: Brief
    text: str
    sources: frozenset[int]


def _re2_options() -> Any:
    options = re2.Options()
    options.max_mem = REGEX_MAX_MEMORY
    options.log_errors = False  # a bad pattern is the moderator's one-line error, not a log line
    return options


def compile_regex(pattern: str) -> Any:
    """The pattern compiled by RE2 (linear-time matching), or FilterError in words."""
    try:
        return re2.compile(pattern, _re2_options())
    except re2.error as exc:
        raise FilterError(
            f"That pattern is not one I can use ({_re2_reason(exc)}). Patterns are RE2: no look-behind "
            "or back-references; e.g. `ferr(y|ies)`."
        ) from exc


def _re2_reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else exc
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def check_rule(kind: FilterKind, value: str) -> str:
    """The rule's value as it is kept, or FilterError saying what is wrong with it."""
    value = " ".join(value.split()) if kind is not FilterKind.REGEX else value.strip()
    if not value:
        raise FilterError("Give the filter a value: words, a name, a pattern or a kind of change.")
    if len(value) > VALUE_MAX:
        raise FilterError(f"A filter's value is at most {VALUE_MAX} characters.")
    if kind is FilterKind.REGEX:
        compile_regex(value)
    if kind is FilterKind.CHANGE:
        value = value.casefold()
        if value not in CHANGE_KINDS:
            raise FilterError(f"A change filter is one of: {', '.join(CHANGE_KINDS)}.")
    return value


def describe_rule(rule: FilterRule) -> str:
    """One line for a listing, e.g. "exclude keyword “sponsored”, pings @role"."""
    verb = "exclude" if rule.exclude else "include"
    shown = f"`{rule.value}`" if rule.kind is FilterKind.REGEX else f"“{rule.value}”"
    text = f"#{rule.id}: {verb} {rule.kind.value} {shown}"
    return text + (f", pings <@&{rule.mention_role_id}>" if rule.mention_role_id else "")


class RuleMatcher:
    """Rules made ready to match: keyword phrases and regexes compiled once per digest."""

    def __init__(self, rules: Iterable[FilterRule]) -> None:
        self.rules = list(rules)
        self._compiled: dict[int, Any] = {}  # re.Pattern for keywords, RE2's for regexes
        for rule in self.rules:
            if rule.kind is FilterKind.KEYWORD:
                words = r"\s+".join(re.escape(word) for word in rule.value.split())
                self._compiled[rule.id] = re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
            elif rule.kind is FilterKind.REGEX:
                self._compiled[rule.id] = compile_regex(rule.value)

    def matches(self, rule: FilterRule, item: FilterItem) -> bool:
        if rule.kind is FilterKind.SPEAKER:
            return any(matches_speaker(q.speaker, rule.value) for q in item.brief.quotes)
        if rule.kind is FilterKind.CHANGE:
            changes = item.brief.changes
            wanted = CHANGE_KINDS.get(rule.value, frozenset())
            return changes.basis is ChangeBasis.PREVIOUS_VERSION and any(
                c.kind in wanted for c in changes.items
            )
        pattern = self._compiled[rule.id]
        return pattern.search(f"{item.brief.headline}\n{item.text}") is not None

    def bears_on(self, rule: FilterRule, item: FilterItem, channel_id: int) -> bool:
        return rule.channel_id == channel_id or (
            rule.source_id is not None and rule.source_id in item.sources
        )

    def verdict(self, item: FilterItem, channel_id: int) -> tuple[bool, frozenset[int]]:
        """(listed, the roles to ping) for one item of `channel_id`'s digest."""
        rules = [rule for rule in self.rules if self.bears_on(rule, item, channel_id)]
        if any(rule.exclude and self.matches(rule, item) for rule in rules):
            return False, frozenset()
        is_edit = item.brief.changes.basis is ChangeBasis.PREVIOUS_VERSION
        roles: set[int] = set()
        by_kind: dict[FilterKind, list[FilterRule]] = {}
        for rule in rules:
            if not rule.exclude and (rule.kind is not FilterKind.CHANGE or is_edit):
                by_kind.setdefault(rule.kind, []).append(rule)
        for kind_rules in by_kind.values():
            matched = [rule for rule in kind_rules if self.matches(rule, item)]
            if not matched:
                return False, frozenset()
            roles.update(rule.mention_role_id for rule in matched if rule.mention_role_id)
        return True, frozenset(roles)


def apply_filters(
    items: Sequence[FilterItem], rules: Iterable[FilterRule], *, channel_id: int
) -> tuple[list[bool], frozenset[int]]:
    """Which items the digest lists, and every role their matched include rules ping."""
    matcher = RuleMatcher(rules)
    if not matcher.rules:
        return [True] * len(items), frozenset()
    listed: list[bool] = []
    roles: set[int] = set()
    for item in items:
        keep, pinged = matcher.verdict(item, channel_id)
        listed.append(keep)
        roles |= pinged
    return listed, frozenset(roles)
