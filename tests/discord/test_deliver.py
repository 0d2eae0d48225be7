"""The outbox parts the Discord layer queues: their nonces fit Discord's limit, and are stable."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.discord.deliver import _outbox_part
from bot.discord.limits import MESSAGE_NONCE_MAX
from bot.discord.notices import notice_message
from bot.discord.render import DigestMessage


def test_digest_and_notice_nonces_fit_discords_limit_and_repeat_for_the_same_part() -> None:
    message = DigestMessage(content="Morning digest", embeds=(), key="k1")
    payload, marker, nonce = _outbox_part(42, "run-1", 1, 2, message)
    assert 0 < len(nonce) <= MESSAGE_NONCE_MAX
    assert marker in payload
    assert _outbox_part(42, "run-1", 1, 2, message)[2] == nonce
    assert _outbox_part(42, "run-1", 2, 2, message)[2] != nonce
    at = datetime(2026, 3, 1, tzinfo=UTC)
    _, _, notice_nonce = notice_message(7, "source 3", "failing", at, "A source is failing.")
    assert 0 < len(notice_nonce) <= MESSAGE_NONCE_MAX and notice_nonce != nonce
