"""Discord's documented limits, in one place.

Every part of the bot that builds something Discord will receive (messages, embeds, components,
slash commands, autocomplete answers) takes its numbers from here, and so does the fake Discord
in the tests that checks the bot's requests. Lengths are counted in characters (code points).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Final

# Messages
MESSAGE_CONTENT_MAX: Final = 2000
MESSAGE_EMBEDS_MAX: Final = 10
ATTACHMENT_DESCRIPTION_MAX: Final = 1024  # an attachment's alt text
MESSAGE_NONCE_MAX: Final = 25  # a message nonce, which makes a repeated send a no-op

# Threads
THREAD_NAME_MAX: Final = 100
# The only auto_archive_duration values Discord takes, in minutes (1 hour, 1 day, 3 days, 1 week).
THREAD_AUTO_ARCHIVE_MINUTES: Final = (60, 1440, 4320, 10080)

# Embeds
EMBED_TITLE_MAX: Final = 256
EMBED_DESCRIPTION_MAX: Final = 4096
EMBED_FIELDS_MAX: Final = 25
EMBED_FIELD_NAME_MAX: Final = 256
EMBED_FIELD_VALUE_MAX: Final = 1024
EMBED_FOOTER_TEXT_MAX: Final = 2048
EMBED_AUTHOR_NAME_MAX: Final = 256
# Discord counts this over every embed of one message, so a single embed can never exceed it either.
EMBED_TOTAL_CHARS_MAX: Final = 6000

# Components (classic action rows of buttons)
ACTION_ROWS_MAX: Final = 5
BUTTONS_PER_ROW_MAX: Final = 5
BUTTON_LABEL_MAX: Final = 80
CUSTOM_ID_MAX: Final = 100
SELECT_OPTIONS_MAX: Final = 25  # a select menu fills a whole row on its own

# Allowed mentions: explicit id lists
ALLOWED_MENTIONS_IDS_MAX: Final = 100

# Slash commands
COMMAND_NAME_MAX: Final = 32
COMMAND_DESCRIPTION_MAX: Final = 100
COMMAND_OPTIONS_MAX: Final = 25
OPTION_NAME_MAX: Final = 32
OPTION_DESCRIPTION_MAX: Final = 100
OPTION_CHOICES_MAX: Final = 25

# Autocomplete answers (and static option choices)
AUTOCOMPLETE_CHOICES_MAX: Final = 25
CHOICE_NAME_MAX: Final = 100
CHOICE_VALUE_MAX: Final = 100

# Message flags
FLAG_SUPPRESS_EMBEDS: Final = 1 << 2
FLAG_EPHEMERAL: Final = 1 << 6
FLAG_LOADING: Final = 1 << 7  # set by Discord on a deferred response, never sent by a bot
FLAG_SUPPRESS_NOTIFICATIONS: Final = 1 << 12

# Interactions
INTERACTION_RESPONSE_DEADLINE: Final = timedelta(seconds=3)  # respond (or defer) within this
INTERACTION_TOKEN_LIFETIME: Final = timedelta(minutes=15)  # follow-ups and edits until then


def _text_len(value: object) -> int:
    return len(value) if isinstance(value, str) else 0


def embed_total_chars(embed: Mapping[str, Any]) -> int:
    """Characters of one embed (wire form) that count toward Discord's 6000 total.

    Counted: title, description, field names and values, footer text, author name.
    """
    total = _text_len(embed.get("title")) + _text_len(embed.get("description"))
    for embed_field in embed.get("fields") or ():
        if isinstance(embed_field, Mapping):
            total += _text_len(embed_field.get("name")) + _text_len(embed_field.get("value"))
    footer = embed.get("footer")
    if isinstance(footer, Mapping):
        total += _text_len(footer.get("text"))
    author = embed.get("author")
    if isinstance(author, Mapping):
        total += _text_len(author.get("name"))
    return total


def embeds_total_chars(embeds: Iterable[Mapping[str, Any]]) -> int:
    """Characters of all the embeds of one message that count toward the 6000 total."""
    return sum(embed_total_chars(embed) for embed in embeds)
