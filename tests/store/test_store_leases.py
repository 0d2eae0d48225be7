"""Leases (bot.store.leases): claims, expiry and takeover, and claimers side by side."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.brief.serialize import BRIEF_JSON
from bot.store import Store
from tests.storekit import CHANNEL_A, GUILD_A, T0, Target

TTL = timedelta(seconds=30)


async def test_a_due_row_is_claimed_once_until_finished(store: Store) -> None:
    assert await store.add_leases("source", [1, 2, 3], due_at=T0) == 3
    assert await store.add_leases("source", [1, 2, 3, 4], due_at=T0 + timedelta(hours=1)) == 1
    first = await store.claim_due("source", "a", now=T0, ttl=TTL, limit=2)
    second = await store.claim_due("source", "b", now=T0, ttl=TTL, limit=5)
    assert [lease.key for lease in first] == [1, 2]
    assert [lease.key for lease in second] == [3]  # 4 is not due yet; 1 and 2 are a's
    assert await store.claim_due("source", "b", now=T0, ttl=TTL, limit=5) == []
    next_due = T0 + timedelta(minutes=15)
    assert await store.finish_lease(first[0], "a", next_due_at=next_due, at=T0)
    assert await store.claim_due("source", "b", now=T0 + timedelta(seconds=10), ttl=TTL, limit=5) == []
    # At next_due the others' leases have expired too: all three are claimable, 1 among them.
    again = await store.claim_due("source", "b", now=next_due, ttl=TTL, limit=5)
    assert [lease.key for lease in again] == [2, 3, 1]
    states = {state.key: state for state in await store.lease_states("source")}
    assert states[1].runs == 1 and states[1].holder == "b"


async def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_finish_it(store: Store) -> None:
    await store.add_leases("source", [7], due_at=T0)
    [dead] = await store.claim_due("source", "killed", now=T0, ttl=TTL, limit=1)
    assert await store.claim_due("source", "live", now=T0 + TTL / 2, ttl=TTL, limit=1) == []
    assert await store.next_lease_due("source", now=T0) == T0 + TTL
    [taken] = await store.claim_due("source", "live", now=T0 + TTL, ttl=TTL, limit=1)
    assert taken.token == dead.token + 1
    assert not await store.finish_lease(dead, "killed", next_due_at=T0 + timedelta(hours=1), at=T0)
    assert await store.finish_lease(taken, "live", next_due_at=T0 + timedelta(hours=1), at=T0)
    assert await store.next_lease_due("source", now=T0) == T0 + timedelta(hours=1)


async def test_claim_key_takes_one_row_unless_someone_else_holds_it(store: Store) -> None:
    lease = await store.claim_key("channel", 42, "a", now=T0, ttl=TTL)
    assert lease is not None
    assert await store.claim_key("channel", 42, "b", now=T0, ttl=TTL) is None
    extended = await store.claim_key("channel", 42, "a", now=T0 + TTL / 2, ttl=TTL)
    assert extended is not None and extended.expires_at == T0 + TTL / 2 + TTL
    assert await store.release_leases("a") == 1
    assert await store.claim_key("channel", 42, "b", now=T0, ttl=TTL) is not None


async def test_dropped_keys_lose_their_rows(store: Store) -> None:
    await store.add_leases("source", [1, 2, 3], due_at=T0)
    assert await store.drop_leases("source", keep=[2]) == 2
    assert [state.key for state in await store.lease_states("source")] == [2]


async def test_claimers_side_by_side_never_take_the_same_row(target: Target) -> None:
    # On PostgreSQL: separate connections claiming at once (FOR UPDATE SKIP LOCKED); on SQLite:
    # the same API under one writer.
    stores = [await Store.open(target.url, schema=target.schema, codec=BRIEF_JSON) for _ in range(4)]
    try:
        await stores[0].add_leases("source", range(1, 201), due_at=T0)

        async def claimer(number: int) -> list[int]:
            taken: list[int] = []
            while claimed := await stores[number].claim_due("source", f"w{number}", now=T0, ttl=TTL, limit=7):
                taken.extend(lease.key for lease in claimed)
            return taken

        results = await asyncio.gather(*(claimer(number) for number in range(4)))
        every = [key for taken in results for key in taken]
        assert sorted(every) == list(range(1, 201))  # each row claimed exactly once
    finally:
        for opened in stores:
            await opened.close()


async def test_a_digest_slot_is_queued_by_the_first_process_that_claims_it(store: Store) -> None:
    channel = await store.set_digest_channel(
        CHANNEL_A,
        guild_id=GUILD_A,
        schedule="every 1h",
        timezone="UTC",
        anchor_at=T0,
        next_run_at=T0,
    )
    part = ('{"content": "x"}', "ref 1", "nb1")
    first = await store.enqueue_digest(
        CHANNEL_A,
        run_key="v0-v5",
        parts=[part],
        new_cursor_version_id=5,
        ran_at=T0,
        next_run_at=T0 + timedelta(hours=1),
        claim=channel,
    )
    # A second process composed the same slot from the same record, a moment later (more items).
    second = await store.enqueue_digest(
        CHANNEL_A,
        run_key="v0-v6",
        parts=[part],
        new_cursor_version_id=6,
        ran_at=T0,
        next_run_at=T0 + timedelta(hours=1),
        claim=channel,
    )
    assert len(first) == 1
    assert second == []
    assert [item.run_key for item in await store.pending_posts(CHANNEL_A)] == ["v0-v5"]
