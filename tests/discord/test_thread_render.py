"""Thread names and follow-ups, rendered without Discord."""

from __future__ import annotations

from bot.discord.limits import EMBED_TOTAL_CHARS_MAX, MESSAGE_EMBEDS_MAX, THREAD_NAME_MAX, embeds_total_chars
from bot.discord.thread_render import followup_messages, thread_name
from bot.models import Brief, Change, ChangeBasis, ChangeKind, Changes


def brief(changes: Changes) -> Brief:
    return Brief(
        headline="Ferry cut",
        summary=("The ferry stops.",),
        quotes=(),
        changes=changes,
        source="Harlow Bay Local",
        version_id=12,
    )


def test_a_thread_name_is_one_line_within_100_characters_and_never_pings() -> None:
    name = thread_name("Ferry\n  to stop @everyone " + "word " * 40)
    assert len(name) <= THREAD_NAME_MAX and "\n" not in name and name.endswith("…")
    assert "@everyone" not in name and name.startswith("Ferry to stop @")
    assert thread_name("   ") == "Story"


def test_an_edit_follow_up_carries_its_redline_route_and_fits_its_messages() -> None:
    edits = tuple(
        Change(ChangeKind.SENTENCE_EDITED, before="word " * 150 + str(n), after="other " * 150 + str(n))
        for n in range(30)
    )
    messages = followup_messages(brief(Changes(ChangeBasis.PREVIOUS_VERSION, edits)), story_id=3)
    assert len(messages) > 1
    for message in messages:
        assert len(message.embeds) <= MESSAGE_EMBEDS_MAX
        assert embeds_total_chars(message.embeds) <= EMBED_TOTAL_CHARS_MAX
    assert messages[0].route == {"kind": "thread", "story_id": 3, "redline_version_id": 12}
    assert all(m.route == {"kind": "thread", "story_id": 3} for m in messages[1:])
    assert messages[0].embeds[0]["author"]["name"] == "New version · Harlow Bay Local"


def test_another_report_says_what_it_adds_and_has_no_picture() -> None:
    adds = (Change(ChangeKind.NEW_IN_STORY, after="Workers plan a protest."),)
    [message] = followup_messages(brief(Changes(ChangeBasis.STORY, adds, ("https://a.test/1",))), story_id=3)
    assert message.route == {"kind": "thread", "story_id": 3}
    assert message.embeds[0]["author"]["name"] == "Harlow Bay Local adds to the story"
    assert "protest" in message.embeds[0]["description"]
