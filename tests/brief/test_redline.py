"""The change as a picture: a PNG redline with red struck-through and green added words, and alt text."""

from __future__ import annotations

import io

from PIL import Image

from bot.discord.limits import ATTACHMENT_DESCRIPTION_MAX
from bot.models import Change, ChangeBasis, ChangeKind, Changes, WordDiffPart, WordOp
from bot.redline import ADDED, ADDED_GROUND, REMOVED, render_redline
from tests.botkit import FERRY, IDS, Harness, add_feed, answer, republish

pytest_plugins = ["tests.fakediscord.fixtures"]

EDIT = Changes(
    ChangeBasis.PREVIOUS_VERSION,
    items=(
        Change(
            ChangeKind.SENTENCE_EDITED,
            words=(
                WordDiffPart(WordOp.SAME, "The pool will reopen in"),
                WordDiffPart(WordOp.DELETED, "March"),
                WordDiffPart(WordOp.INSERTED, "May"),
            ),
        ),
    ),
)


def colours(png: bytes) -> set[object]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}


def test_removed_words_are_red_and_added_words_green_only_where_they_are() -> None:
    picture = render_redline(EDIT, headline="Pool to reopen", alt_text_max=ATTACHMENT_DESCRIPTION_MAX)
    assert picture is not None and picture.png.startswith(b"\x89PNG")
    assert {REMOVED, ADDED, ADDED_GROUND} <= colours(picture.png)
    # Only kept words: no red, no green.
    kept = Changes(
        ChangeBasis.PREVIOUS_VERSION,
        items=(Change(ChangeKind.SENTENCE_EDITED, words=(WordDiffPart(WordOp.SAME, "Nothing new here"),)),),
    )
    plain = render_redline(kept, headline="Pool", alt_text_max=ATTACHMENT_DESCRIPTION_MAX)
    assert plain is not None and not {REMOVED, ADDED, ADDED_GROUND} & colours(plain.png)
    assert "struck through in red" in picture.alt_text and "Pool to reopen" in picture.alt_text


def test_a_first_report_has_no_picture_and_a_long_edit_stays_within_bounds() -> None:
    assert render_redline(Changes.first_report(), headline="x", alt_text_max=100) is None
    many = Changes(
        ChangeBasis.PREVIOUS_VERSION,
        items=tuple(Change(ChangeKind.SENTENCE_ADDED, after="word " * 200) for _ in range(60)),
    )
    picture = render_redline(many, headline="h" * 5000, alt_text_max=ATTACHMENT_DESCRIPTION_MAX)
    assert picture is not None
    assert picture.height <= 6000 and picture.width == 1100
    assert len(picture.alt_text) <= ATTACHMENT_DESCRIPTION_MAX


async def test_changes_attaches_the_redline_with_alt_text(harness: Harness) -> None:
    h = harness
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    stored = await h.command("brief", {"article": "ferry"}, user=IDS.reader)
    assert "Night ferry" in str(stored)
    await republish(h, [("ferry", "Night ferry to stop", FERRY.replace("5-2", "6-1"))])
    handle = await h.fake.inject_slash_command(
        "changes", {"article": "ferry"}, guild_id=IDS.guild, channel_id=IDS.briefs_channel, user_id=IDS.reader
    )
    message = await answer(handle)
    [attachment] = message["attachments"]
    assert attachment["filename"] == "changes.png"
    assert "Night ferry to stop" in attachment["description"]
    filename, data = h.fake.uploads[-1]
    assert filename == "changes.png"
    assert {REMOVED, ADDED} <= colours(data)
