"""Filters: what digests list, per digest channel or per source, and the roles they ping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Brief, Change, ChangeBasis, ChangeKind, Changes, Quote, QuoteKind
from bot.service.filters import FilterError, FilterItem, apply_filters, check_rule
from bot.store import FilterKind, FilterRule, Store
from tests.botkit import FERRY, IDS, LIBRARY, PRANK, Harness, add_feed, text_of
from tests.storekit import GUILD_A, T0, article, subscribe

pytest_plugins = ["tests.fakediscord.fixtures"]

CHANNEL = 10
AT = datetime(2026, 3, 1, tzinfo=UTC)


def rule(
    rule_id: int,
    kind: FilterKind,
    value: str,
    *,
    exclude: bool = False,
    channel_id: int | None = CHANNEL,
    source_id: int | None = None,
    role: int | None = None,
) -> FilterRule:
    return FilterRule(rule_id, 1, channel_id, source_id, kind, value, exclude, role, AT)


def item(
    headline: str,
    text: str,
    *,
    speaker: str | None = None,
    edit: tuple[ChangeKind, ...] = (),
    sources: tuple[int, ...] = (),
) -> FilterItem:
    quotes = (Quote(text="We will see", speaker=speaker, kind=QuoteKind.STATEMENT),) if speaker else ()
    changes = (
        Changes(ChangeBasis.PREVIOUS_VERSION, tuple(Change(kind) for kind in edit))
        if edit
        else Changes.first_report()
    )
    return FilterItem(Brief(headline, (text,), quotes, changes), text, frozenset(sources))


def listed(items: list[FilterItem], rules: list[FilterRule]) -> list[str]:
    keep, _ = apply_filters(items, rules, channel_id=CHANNEL)
    return [i.brief.headline for i, k in zip(items, keep, strict=True) if k]


ITEMS = [
    item("Night ferry to stop", "The ferry will stop its night crossings.", speaker="Ana Ruiz"),
    item("Library opens Sundays", "The library will open on Sundays.", speaker="Ben Cole"),
    item("Sponsored: ferry deals", "Cheap ferry tickets.", edit=(ChangeKind.NUMBER_CHANGED,)),
    item("Bridge closes", "The bridge closes for repairs.", edit=(ChangeKind.SENTENCE_EDITED,), sources=(7,)),
]


def test_no_rules_lists_everything_and_excludes_are_or() -> None:
    assert listed(ITEMS, []) == [i.brief.headline for i in ITEMS]
    rules = [
        rule(1, FilterKind.KEYWORD, "sponsored", exclude=True),
        rule(2, FilterKind.REGEX, r"^Bridge", exclude=True),
    ]
    assert listed(ITEMS, rules) == ["Night ferry to stop", "Library opens Sundays"]


def test_includes_are_or_within_a_kind_and_and_across_kinds() -> None:
    either = [rule(1, FilterKind.KEYWORD, "ferry"), rule(2, FilterKind.KEYWORD, "library")]
    assert listed(ITEMS, either) == ["Night ferry to stop", "Library opens Sundays", "Sponsored: ferry deals"]
    both = [*either, rule(3, FilterKind.SPEAKER, "Cole")]
    assert listed(ITEMS, both) == ["Library opens Sundays"]
    # A keyword is a whole-word phrase: "ferr" is not "ferry".
    assert listed(ITEMS, [rule(4, FilterKind.KEYWORD, "ferr")]) == []


def test_a_change_rule_bears_on_edits_only_and_a_source_rule_on_its_source_only() -> None:
    numbers = [rule(1, FilterKind.CHANGE, "number")]
    assert listed(ITEMS, numbers) == [
        "Night ferry to stop",
        "Library opens Sundays",
        "Sponsored: ferry deals",
    ]
    # From source 7, only what is about a ferry; the other sources' articles are not its business.
    on_source = [rule(2, FilterKind.KEYWORD, "ferry", channel_id=None, source_id=7)]
    assert listed(ITEMS, on_source) == [
        "Night ferry to stop",
        "Library opens Sundays",
        "Sponsored: ferry deals",
    ]
    other_channel = [rule(3, FilterKind.KEYWORD, "bridge", channel_id=CHANNEL + 1)]
    assert listed(ITEMS, other_channel) == [i.brief.headline for i in ITEMS]


def test_only_matched_include_rules_ping_their_roles() -> None:
    rules = [
        rule(1, FilterKind.KEYWORD, "library", role=555),
        rule(2, FilterKind.SPEAKER, "Nobody", channel_id=CHANNEL + 1, role=666),
    ]
    keep, roles = apply_filters(ITEMS, rules, channel_id=CHANNEL)
    assert keep == [False, True, False, False] and roles == {555}


def test_bad_rules_get_one_line_and_a_hostile_pattern_cannot_hang() -> None:
    with pytest.raises(FilterError, match="RE2"):
        check_rule(FilterKind.REGEX, r"(?<=x)y")
    with pytest.raises(FilterError, match="headline, number, quote, sentence"):
        check_rule(FilterKind.CHANGE, "weather")
    with pytest.raises(FilterError, match="value"):
        check_rule(FilterKind.KEYWORD, "   ")
    assert check_rule(FilterKind.CHANGE, " Number ") == "number"
    # Catastrophic for a backtracking engine; RE2 answers at once, in linear time.
    hostile = item("x", "a" * 100_000 + "!")
    keep, _ = apply_filters(
        [hostile], [rule(1, FilterKind.REGEX, check_rule(FilterKind.REGEX, r"(a+)+$"))], channel_id=CHANNEL
    )
    assert keep == [False]


async def test_the_store_keeps_rules_and_finds_those_of_a_digest(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Echo", "https://echo.example/feed")
    stored, _ = await article(store, source.id, "https://echo.example/a", "Ferry news")
    on_channel = await store.add_filter(
        GUILD_A, kind=FilterKind.KEYWORD, value="ferry", exclude=True, at=T0, channel_id=CHANNEL
    )
    on_source = await store.add_filter(
        GUILD_A,
        kind=FilterKind.SPEAKER,
        value="Cole",
        exclude=False,
        at=T0,
        source_id=source.id,
        mention_role_id=9,
    )
    await store.add_filter(
        GUILD_A, kind=FilterKind.KEYWORD, value="x", exclude=False, at=T0, channel_id=CHANNEL + 1
    )
    assert [r.id for r in await store.digest_filters(GUILD_A, CHANNEL)] == [on_channel.id, on_source.id]
    assert on_source.mention_role_id == 9 and on_source.kind is FilterKind.SPEAKER
    assert await store.sources_of(GUILD_A, [stored]) == {stored: {source.id}}
    assert await store.sources_of(GUILD_A + 1, [stored]) == {}
    assert await store.remove_filter(GUILD_A + 1, on_channel.id) is False
    assert await store.remove_filter(GUILD_A, on_channel.id) is True
    await store.remove_source_filters(GUILD_A, source.id)
    assert [r.channel_id for r in await store.guild_filters(GUILD_A)] == [CHANNEL + 1]
    with pytest.raises(ValueError):
        await store.add_filter(GUILD_A, kind=FilterKind.KEYWORD, value="x", exclude=False, at=T0)


async def test_digests_follow_the_filters_and_ping_only_the_role_asked_for(harness: Harness) -> None:
    h = harness
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"})
    bad = await h.command("filter add", {"kind": "regex", "value": "(?<=x)y", "channel": IDS.briefs_channel})
    assert "RE2" in bad["content"]
    added = await h.command(
        "filter add",
        {"kind": "keyword", "value": "ferry", "action": "exclude", "channel": IDS.briefs_channel},
    )
    assert "exclude keyword “ferry”" in added["content"]
    await add_feed(
        h, [("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]
    )
    h.clock.now += timedelta(hours=1, minutes=1)
    await h.bot.deliver_digests()
    text = "\n".join(text_of(m) for m in h.channel())
    assert "Library opens Sundays" in text and "Night ferry to stop" not in text
    listing = await h.command("filter list")
    assert "exclude keyword “ferry”" in text_of(listing)

    await h.command(
        "filter add",
        {
            "kind": "keyword",
            "value": "prankster",
            "channel": IDS.briefs_channel,
            "mention": IDS.moderator_role,
        },
    )
    before = len(h.channel())
    await add_feed(h, [("prank", "Council warns of fake alert", PRANK)], path="/prank.xml")
    h.clock.now += timedelta(days=1)
    await h.bot.deliver_digests()
    first = h.channel()[before]
    assert first["content"].startswith(f"<@&{IDS.moderator_role}>")
    [post] = [
        r
        for r in h.fake.requests_to("POST", "/channels/{channel_id}/messages")
        if r.body and r.body.get("content", "").startswith("<@&")
    ]
    mentions = post.body["allowed_mentions"]
    assert mentions["parse"] == [] and [str(role) for role in mentions["roles"]] == [IDS.moderator_role]
    assert h.fake.take_violations() == []
