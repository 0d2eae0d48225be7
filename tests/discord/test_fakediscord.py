"""The fake Discord, driven by the real discord.py: connection, commands, replies, failures, limits."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.discord import limits
from tests.fakediscord import DEFAULT_IDS, FakeDiscord, OpenApiIndex, running_client
from tests.fakediscord.gateway import OP_DISPATCH, OP_HEARTBEAT, OP_HELLO, OP_IDENTIFY, OP_RESUME
from tests.fakediscord.validate import (
    check_allowed_mentions,
    check_command_list,
    check_components,
    check_interaction_callback,
    check_message,
)

pytest_plugins = ["tests.fakediscord.fixtures"]

TOPICS = ("climate", "clinics", "elections", "economy")
BRIEFS_MESSAGES = f"/channels/{DEFAULT_IDS.briefs_channel}/messages"


# -- pure limit helpers ---------------------------------------------------------------------------


def test_embed_total_chars_counts_the_six_documented_parts() -> None:
    embed = {
        "title": "t" * 3,
        "description": "d" * 5,
        "fields": [{"name": "n" * 7, "value": "v" * 11}, {"name": "m", "value": "w" * 2}],
        "footer": {"text": "f" * 13, "icon_url": "https://example.invalid/x.png"},
        "author": {"name": "a" * 17, "url": "https://example.invalid/"},
        "url": "https://example.invalid/not-counted",
        "color": 0xFFFFFF,
    }
    assert limits.embed_total_chars(embed) == 3 + 5 + 7 + 11 + 1 + 2 + 13 + 17
    assert limits.embeds_total_chars([embed, {"title": "xy"}]) == 59 + 2
    assert limits.embed_total_chars({}) == 0


def test_limit_values_match_discord_documentation() -> None:
    assert limits.MESSAGE_CONTENT_MAX == 2000
    assert (limits.EMBED_TITLE_MAX, limits.EMBED_DESCRIPTION_MAX, limits.EMBED_FIELDS_MAX) == (256, 4096, 25)
    assert (limits.EMBED_FIELD_NAME_MAX, limits.EMBED_FIELD_VALUE_MAX) == (256, 1024)
    assert (limits.EMBED_FOOTER_TEXT_MAX, limits.EMBED_AUTHOR_NAME_MAX, limits.EMBED_TOTAL_CHARS_MAX) == (
        2048,
        256,
        6000,
    )
    assert limits.FLAG_EPHEMERAL == 64
    assert limits.INTERACTION_RESPONSE_DEADLINE.total_seconds() == 3
    assert limits.INTERACTION_TOKEN_LIFETIME.total_seconds() == 15 * 60


# -- limit checks on bodies -----------------------------------------------------------------------


def _messages(problems: list[Any]) -> str:
    return " | ".join(str(problem) for problem in problems)


def test_message_content_limit_is_2000_characters() -> None:
    assert check_message({"content": "x" * 2000}, creating=True, ephemeral_allowed=False) == []
    problems = check_message({"content": "x" * 2001}, creating=True, ephemeral_allowed=False)
    assert [problem.where for problem in problems] == [("content",)]
    assert "2001" in problems[0].message


def test_embed_limits_each_and_in_total() -> None:
    ok_pair = [{"description": "d" * 3000}, {"description": "d" * 3000}]
    assert check_message({"embeds": ok_pair}, creating=True, ephemeral_allowed=False) == []
    over_total = [{"description": "d" * 3000}, {"description": "d" * 3000, "title": "t"}]
    problems = check_message({"embeds": over_total}, creating=True, ephemeral_allowed=False)
    assert "6001" in _messages(problems)
    too_many = [{"title": str(index)} for index in range(11)]
    assert "11 embeds" in _messages(
        check_message({"embeds": too_many}, creating=True, ephemeral_allowed=True)
    )
    fields = [{"name": "n", "value": "v"}] * 26
    big = {
        "title": "t" * 257,
        "fields": fields,
        "footer": {"text": "f" * 2049},
        "author": {"name": "a" * 300},
    }
    wheres = {p.where for p in check_message({"embeds": [big]}, creating=True, ephemeral_allowed=True)}
    assert wheres == {
        ("embeds", 0, "title"),
        ("embeds", 0, "fields"),
        ("embeds", 0, "footer", "text"),
        ("embeds", 0, "author", "name"),
    }
    long_value = {"fields": [{"name": "n" * 257, "value": "v" * 1025}]}
    wheres = {p.where for p in check_message({"embeds": [long_value]}, creating=True, ephemeral_allowed=True)}
    assert wheres == {("embeds", 0, "fields", 0, "name"), ("embeds", 0, "fields", 0, "value")}


def test_empty_message_and_ephemeral_outside_interactions_are_refused() -> None:
    assert "empty" in _messages(check_message({"content": ""}, creating=True, ephemeral_allowed=False))
    assert check_message({"content": ""}, creating=False, ephemeral_allowed=False) == []
    ephemeral = {"content": "hi", "flags": limits.FLAG_EPHEMERAL}
    assert check_message(ephemeral, creating=True, ephemeral_allowed=True) == []
    assert "ephemeral" in _messages(check_message(ephemeral, creating=True, ephemeral_allowed=False))


def _button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def test_component_limits() -> None:
    five_rows = [{"type": 1, "components": [_button(f"b{row}-{i}") for i in range(5)]} for row in range(5)]
    assert check_components(five_rows) == []
    six_rows = [*five_rows, {"type": 1, "components": [_button("extra")]}]
    assert "6 action rows" in _messages(check_components(six_rows))
    six_buttons = [{"type": 1, "components": [_button(f"b{i}") for i in range(6)]}]
    assert "6 buttons" in _messages(check_components(six_buttons))
    long_label = [{"type": 1, "components": [_button("x", label="L" * 81)]}]
    assert [p.where for p in check_components(long_label)] == [("components", 0, "components", 0, "label")]
    long_id = [{"type": 1, "components": [_button("i" * 101)]}]
    assert [p.where for p in check_components(long_id)] == [("components", 0, "components", 0, "custom_id")]
    link_with_id = [{"type": 1, "components": [{"type": 2, "style": 5, "label": "Read", "custom_id": "x"}]}]
    assert "url" in _messages(check_components(link_with_id))


def test_allowed_mentions_shape() -> None:
    assert check_allowed_mentions({"parse": [], "replied_user": False}) == []
    assert check_allowed_mentions({"parse": ["users"], "roles": ["1"]}) == []
    assert "parse" in _messages(check_allowed_mentions({"parse": ["here"]}))
    assert "users listed" in _messages(check_allowed_mentions({"parse": ["users"], "users": ["1"]}))
    assert "unknown key" in _messages(check_allowed_mentions({"everyone": True}))
    assert "101 ids" in _messages(check_allowed_mentions({"users": [str(i) for i in range(101)]}))


def test_command_and_autocomplete_limits() -> None:
    good = {
        "name": "brief",
        "description": "Brief an article",
        "options": [{"type": 3, "name": "url", "description": "Article URL", "required": True}],
    }
    assert check_command_list([good]) == []
    bad = {
        "name": "Brief Now" + "x" * 30,
        "description": "d" * 101,
        "options": [{"type": 3, "name": "u", "description": "o" * 101}],
    }
    wheres = {problem.where for problem in check_command_list([bad])}
    assert wheres == {(0, "name"), (0, "description"), (0, "options", 0, "description")}
    assert "twice" in _messages(check_command_list([good, good]))
    choices = [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]
    assert "26 choices" in _messages(check_interaction_callback({"type": 8, "data": {"choices": choices}}, 4))
    long_choice = [{"name": "n" * 101, "value": "v" * 101}]
    problems = check_interaction_callback({"type": 8, "data": {"choices": long_choice}}, 4)
    assert {p.where for p in problems} == {("data", "choices", 0, "name"), ("data", "choices", 0, "value")}
    assert "component" in _messages(check_interaction_callback({"type": 7, "data": {"content": "x"}}, 2))


# -- the fake with the real discord.py --------------------------------------------------------------


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class BotEvents:
    """What the test bot's handlers saw, for the test to await."""

    deadline_error: asyncio.Future[BaseException] = field(default_factory=asyncio.Future)
    clicked_by: asyncio.Future[int] = field(default_factory=asyncio.Future)
    guild_joined: list[str] = field(default_factory=list)


class BriefButtons(discord.ui.View):
    def __init__(self, events: BotEvents) -> None:
        super().__init__(timeout=None)
        self.events = events

    @discord.ui.button(label="Show changes", custom_id="brief:changes", style=discord.ButtonStyle.primary)
    async def show_changes(
        self, interaction: discord.Interaction, button: discord.ui.Button[BriefButtons]
    ) -> None:
        await interaction.response.edit_message(content="changes: none", view=None)
        self.events.clicked_by.set_result(interaction.user.id)


def make_bot(events: BotEvents, clock: FakeClock) -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.01)

    @bot.event
    async def on_guild_available(guild: discord.Guild) -> None:
        events.guild_joined.append(guild.name)

    @bot.tree.command(name="brief", description="Brief an article")
    @app_commands.describe(url="Article URL")
    async def brief(interaction: discord.Interaction, url: str) -> None:
        await interaction.response.send_message(f"Brief of {url}", ephemeral=True)

    @bot.tree.command(name="digest", description="Today's digest")
    async def digest(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="Digest: 3 stories")
        await interaction.followup.send(embed=discord.Embed(title="Story 1", description="What changed"))

    @bot.tree.command(name="topic", description="Follow a topic")
    @app_commands.describe(name="Topic name")
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"Following {name}")

    @topic.autocomplete("name")
    async def topic_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

    @bot.tree.command(name="everything", description="Too many choices")
    @app_commands.describe(name="Anything")
    async def everything(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    @everything.autocomplete("name")
    async def all_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        too_many = range(limits.AUTOCOMPLETE_CHOICES_MAX + 1)
        return [app_commands.Choice(name=f"n{i}", value=f"n{i}") for i in too_many]

    @bot.tree.command(name="late", description="Answers after the deadline")
    async def late(interaction: discord.Interaction) -> None:
        clock.now += limits.INTERACTION_RESPONSE_DEADLINE.total_seconds() + 0.5
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as error:
            events.deadline_error.set_result(error)

    return bot


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(discord_openapi: OpenApiIndex | None, clock: FakeClock) -> AsyncIterator[FakeDiscord]:
    """Like the `fake_discord` fixture, with a clock the test controls."""
    async with FakeDiscord(openapi=discord_openapi, clock=clock, safety_timeout=5.0) as fake:
        yield fake
    violations = fake.take_violations()
    assert not violations, "requests Discord would refuse:\n" + "\n".join(str(v) for v in violations)


@pytest.fixture
async def events() -> BotEvents:
    return BotEvents()


@pytest.fixture
async def running_bot(fake: FakeDiscord, events: BotEvents, clock: FakeClock) -> AsyncIterator[commands.Bot]:
    bot = make_bot(events, clock)
    async with running_client(bot, fake):
        await bot.tree.sync()
        yield bot
    assert bot.is_closed()


def briefs_channel(bot: commands.Bot) -> discord.TextChannel:
    channel = bot.get_channel(int(DEFAULT_IDS.briefs_channel))
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_bot_logs_in_connects_and_sees_the_guild(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    assert running_bot.user is not None and running_bot.user.id == int(DEFAULT_IDS.bot_user)
    assert running_bot.application_id == int(DEFAULT_IDS.application)
    guild = running_bot.get_guild(int(DEFAULT_IDS.guild))
    assert guild is not None and guild.name == "Newsroom"
    assert {channel.name for channel in guild.text_channels} == {"briefs", "locked", "readonly"}
    # the overwrite reaches discord.py's permission check; #locked's 403 is invisible to it
    me = guild.me
    assert guild.text_channels[0].permissions_for(me).send_messages
    readonly = guild.get_channel(int(DEFAULT_IDS.readonly_channel))
    assert isinstance(readonly, discord.TextChannel) and not readonly.permissions_for(me).send_messages
    assert guild.get_role(int(DEFAULT_IDS.moderator_role)) is not None
    assert [r.route for r in fake.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    ops = [frame.op for frame in fake.gateway.frames]
    assert OP_HEARTBEAT in ops and OP_IDENTIFY in ops
    identify = next(frame for frame in fake.gateway.frames if frame.op == OP_IDENTIFY)
    assert identify.data["intents"] == discord.Intents.default().value


async def test_command_sync_is_recorded_and_checked(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    [sync] = fake.requests_to("PUT", "/applications/{application_id}/commands")
    assert sync.status == 200
    names = sorted(command["name"] for command in sync.body)
    assert names == ["brief", "digest", "everything", "late", "topic"]
    brief = fake.registered_command("brief", DEFAULT_IDS.guild)
    assert brief is not None and brief["options"][0]["name"] == "url"
    assert fake.violations == []


async def test_slash_command_reply_is_recorded(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    handle = await fake.inject_slash_command("brief", {"url": "https://news.example/a"})
    callback = await handle.callback()
    assert callback["type"] == 4
    assert callback["data"]["content"] == "Brief of https://news.example/a"
    assert callback["data"]["flags"] == limits.FLAG_EPHEMERAL
    # An ephemeral reply is not in the channel for everyone to see.
    assert fake.channel_messages(DEFAULT_IDS.briefs_channel) == []
    [request] = fake.requests_to("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
    assert request.query.get("with_response") == "1"


async def test_deferred_reply_then_edit_and_followup(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    handle = await fake.inject_slash_command("digest")
    assert (await handle.callback())["type"] == 5
    original = await handle.original()
    assert original["content"] == "Digest: 3 stories"
    followup = await handle.followup(0)
    assert followup["embeds"][0]["title"] == "Story 1"
    in_channel = [m["content"] for m in fake.channel_messages(DEFAULT_IDS.briefs_channel)]
    assert in_channel == ["Digest: 3 stories", ""]


async def test_autocomplete_answer_and_too_many_choices(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    handle = await fake.inject_autocomplete("topic", {"name": "cli"}, focused="name")
    callback = await handle.callback()
    assert callback["type"] == 8
    assert [choice["value"] for choice in callback["data"]["choices"]] == ["climate", "clinics"]
    assert fake.violations == []

    too_many = await fake.inject_autocomplete("everything", {"name": ""}, focused="name")
    await fake.wait_until(lambda: bool(fake.violations))
    [violation] = fake.take_violations()
    assert "26 choices" in str(violation)
    assert too_many.record.callback is None  # refused with 400, as Discord would


async def test_button_click_updates_the_message(
    fake: FakeDiscord, running_bot: commands.Bot, events: BotEvents
) -> None:
    sent = await briefs_channel(running_bot).send("Brief: storm", view=BriefButtons(events))
    [stored] = fake.channel_messages(DEFAULT_IDS.briefs_channel)
    assert stored["id"] == str(sent.id)
    handle = await fake.inject_button_click(stored, "brief:changes", user_id=DEFAULT_IDS.reader)
    callback = await handle.callback()
    assert callback["type"] == 7
    assert await asyncio.wait_for(events.clicked_by, 5) == int(DEFAULT_IDS.reader)
    assert fake.channel_messages(DEFAULT_IDS.briefs_channel)[0]["content"] == "changes: none"
    assert fake.channel_messages(DEFAULT_IDS.briefs_channel)[0]["components"] == []


async def test_message_to_a_channel_is_recorded(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    embed = discord.Embed(title="Storm update", description="Three sentences.")
    embed.set_footer(text="Example News")
    message = await briefs_channel(running_bot).send("New brief", embed=embed)
    assert message.content == "New brief" and message.embeds[0].title == "Storm update"
    [stored] = fake.channel_messages(DEFAULT_IDS.briefs_channel)
    assert stored["embeds"][0]["footer"]["text"] == "Example News"
    fetched = [m async for m in briefs_channel(running_bot).history(limit=5)]
    assert [m.id for m in fetched] == [message.id]


async def test_channel_without_permission_raises_forbidden(
    fake: FakeDiscord, running_bot: commands.Bot
) -> None:
    locked = running_bot.get_channel(int(DEFAULT_IDS.locked_channel))
    assert isinstance(locked, discord.TextChannel)
    with pytest.raises(discord.Forbidden) as raised:
        await locked.send("hello")
    assert raised.value.code == 50013
    assert fake.channel_messages(DEFAULT_IDS.locked_channel) == []


async def test_rate_limit_with_via_is_retried(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    fake.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.01)
    await briefs_channel(running_bot).send("after a 429")
    statuses = [r.status for r in fake.requests_to("POST", "/channels/{channel_id}/messages")]
    assert statuses == [429, 200]
    assert [m["content"] for m in fake.channel_messages(DEFAULT_IDS.briefs_channel)] == ["after a 429"]


async def test_rate_limit_without_via_is_not_retried(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    fake.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.01, via=False)
    with pytest.raises(discord.HTTPException) as raised:
        await briefs_channel(running_bot).send("blocked")
    assert raised.value.status == 429
    assert fake.channel_messages(DEFAULT_IDS.briefs_channel) == []


async def test_server_error_once_is_retried(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    # discord.py waits 1 s before retrying a 5xx; this is the slowest test here.
    fake.fail_next("POST", f"/channels/{DEFAULT_IDS.briefs_channel}/messages", 502)
    await briefs_channel(running_bot).send("after a 502")
    statuses = [r.status for r in fake.requests_to("POST", "/channels/{channel_id}/messages")]
    assert statuses == [502, 200]


async def test_over_long_content_from_the_bot_is_refused(
    fake: FakeDiscord, running_bot: commands.Bot
) -> None:
    with pytest.raises(discord.HTTPException) as raised:
        await briefs_channel(running_bot).send("x" * (limits.MESSAGE_CONTENT_MAX + 1))
    assert raised.value.status == 400 and raised.value.code == 50035
    [violation] = fake.take_violations()
    assert violation.route == "/channels/{channel_id}/messages"
    assert any(problem.where == ("content",) and problem.source == "limits" for problem in violation.problems)
    assert fake.channel_messages(DEFAULT_IDS.briefs_channel) == []


async def test_answer_after_three_seconds_is_unknown_interaction(
    fake: FakeDiscord, running_bot: commands.Bot, events: BotEvents
) -> None:
    await fake.inject_slash_command("late")
    error = await asyncio.wait_for(events.deadline_error, 5)
    assert isinstance(error, discord.NotFound) and error.code == 10062


async def test_followup_after_token_expiry_is_refused(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    handle = await fake.inject_slash_command("brief", {"url": "https://news.example/b"})
    await handle.callback()
    handle.expire()
    webhook = discord.Webhook.partial(int(DEFAULT_IDS.application), handle.token, client=running_bot)
    with pytest.raises(discord.HTTPException) as raised:
        await webhook.send("too late", wait=True)
    assert raised.value.status == 401 and raised.value.code == 50027


async def test_unregistered_command_cannot_be_injected(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    with pytest.raises(LookupError, match="not registered"):
        await fake.inject_slash_command("nope")
    with pytest.raises(LookupError, match="option 'link'"):
        await fake.inject_slash_command("brief", {"link": "https://news.example/"})


async def test_clean_shutdown_closes_the_gateway(
    fake: FakeDiscord, events: BotEvents, clock: FakeClock
) -> None:
    bot = make_bot(events, clock)
    async with running_client(bot, fake):
        assert len(fake.gateway.live_sessions) == 1
        assert events.guild_joined == ["Newsroom"]
    assert bot.is_closed()
    await fake.wait_until(lambda: not fake.gateway.live_sessions)


async def test_file_upload_is_read_from_multipart(fake: FakeDiscord, running_bot: commands.Bot) -> None:
    upload = discord.File(io.BytesIO(b"headline,url\n"), filename="briefs.csv")
    await briefs_channel(running_bot).send("Today's briefs", file=upload)
    [request] = fake.requests_to("POST", "/channels/{channel_id}/messages")
    assert request.files == ("briefs.csv",)
    assert request.body["content"] == "Today's briefs"
    [stored] = fake.channel_messages(DEFAULT_IDS.briefs_channel)
    assert [attachment["filename"] for attachment in stored["attachments"]] == ["briefs.csv"]


async def test_guild_command_carries_its_guild_id(fake: FakeDiscord) -> None:
    guild = discord.Object(int(DEFAULT_IDS.guild))
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.01)

    @bot.tree.command(name="sources", description="List sources")
    @app_commands.guilds(guild)
    async def sources(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"sources of {interaction.guild_id}")

    async with running_client(bot, fake):
        await bot.tree.sync(guild=guild)
        [sync] = fake.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
        assert [command["name"] for command in sync.body] == ["sources"]
        handle = await fake.inject_slash_command("sources")
        assert handle.payload["data"]["guild_id"] == DEFAULT_IDS.guild
        assert (await handle.callback())["data"]["content"] == f"sources of {DEFAULT_IDS.guild}"


# -- raw HTTP and websocket against the fake ------------------------------------------------------


async def _post(fake: FakeDiscord, path: str, body: object, *, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {token or fake.world.bot_token}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.api_base + path, data=json.dumps(body), headers=headers) as response,
    ):
        assert response.headers["Content-Type"] == "application/json"
        return response.status, await response.json()


async def test_raw_over_limit_content_is_a_violation(fake: FakeDiscord) -> None:
    status, body = await _post(
        fake, f"/channels/{DEFAULT_IDS.briefs_channel}/messages", {"content": "x" * 2001}
    )
    assert status == 400 and body["code"] == 50035
    assert "content" in body["errors"]
    [violation] = fake.take_violations()
    assert violation.method == "POST" and "2001 characters" in str(violation)
    assert fake.requests[-1].status == 400


async def test_raw_bad_token_and_unknown_route(fake_discord: FakeDiscord) -> None:
    status, _ = await _post(fake_discord, BRIEFS_MESSAGES, {"content": "hi"}, token="bad")
    assert status == 401
    assert fake_discord.take_violations() == []
    status, _ = await _post(fake_discord, "/guilds/1/not-a-route", {})
    assert status == 404
    [violation] = fake_discord.take_violations()
    assert "no such route" in str(violation)


async def test_raw_body_is_checked_against_discords_openapi(
    shared_dir: Path, discord_openapi: OpenApiIndex
) -> None:
    async with FakeDiscord(openapi=discord_openapi) as fake:
        status, _ = await _post(fake, BRIEFS_MESSAGES, {"content": 5})
        assert status == 400
        [violation] = fake.take_violations()
        assert [p.source for p in violation.problems] == ["openapi"]
        assert violation.problems[0].where == ("content",)
        # 3000 characters passes Discord's schema (4000) but not the documented limit (2000).
        status, _ = await _post(fake, BRIEFS_MESSAGES, {"content": "y" * 3000})
        assert status == 400
        [violation] = fake.take_violations()
        assert [p.source for p in violation.problems] == ["limits"]


async def test_gateway_resume_continues_the_session(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url) as first:
            assert (await first.receive_json())["op"] == OP_HELLO
            await first.send_json({"op": OP_IDENTIFY, "d": {"token": fake.world.bot_token, "intents": 1}})
            ready = await first.receive_json()
            assert (ready["op"], ready["t"]) == (OP_DISPATCH, "READY")
            assert ready["d"]["resume_gateway_url"] == fake.gateway_url
            guild_create = await first.receive_json()
            assert guild_create["t"] == "GUILD_CREATE" and guild_create["s"] == 2
        session_id = ready["d"]["session_id"]
        async with session.ws_connect(ready["d"]["resume_gateway_url"]) as second:
            assert (await second.receive_json())["op"] == OP_HELLO
            resume = {"token": fake.world.bot_token, "session_id": session_id, "seq": 2}
            await second.send_json({"op": OP_RESUME, "d": resume})
            resumed = await second.receive_json()
            assert (resumed["t"], resumed["s"]) == ("RESUMED", 3)


async def test_raw_thread_requests_are_checked_like_messages(
    shared_dir: Path, discord_openapi: OpenApiIndex
) -> None:
    async with FakeDiscord(openapi=discord_openapi) as fake:
        status, message = await _post(fake, BRIEFS_MESSAGES, {"content": "a story"})
        assert status == 200
        from_message = f"{BRIEFS_MESSAGES}/{message['id']}/threads"
        # Over Discord's 100-character name, or an archive duration Discord does not offer: both the
        # documented limits and Discord's schema refuse it.
        status, _ = await _post(fake, from_message, {"name": "n" * 101})
        assert status == 400
        [violation] = fake.take_violations()
        assert {p.source for p in violation.problems} == {"limits", "openapi"}
        assert "101 characters" in str(violation)
        status, _ = await _post(fake, from_message, {"name": "Story", "auto_archive_duration": 90})
        assert status == 400
        assert {p.source for p in fake.take_violations()[0].problems} == {"limits", "openapi"}
        status, thread = await _post(fake, from_message, {"name": "Story", "auto_archive_duration": 60})
        assert (
            status == 201 and thread["id"] == message["id"] and thread["thread_metadata"]["archived"] is False
        )
        status, again = await _post(fake, from_message, {"name": "Story"})
        assert status == 400 and again["code"] == 160004  # one thread per message
        status, _ = await _post(fake, f"/channels/{thread['id']}/messages", {"content": "follow-up"})
        assert status == 200 and [m["content"] for m in fake.channel_messages(thread["id"])] == ["follow-up"]
        fake.archive_thread(thread["id"])
        status, refused = await _post(fake, f"/channels/{thread['id']}/messages", {"content": "late"})
        assert status == 400 and refused["code"] == 50083
        assert fake.take_violations() == []
