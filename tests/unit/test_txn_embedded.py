"""The transaction client (`borealis.qp.txn`) over a real embedded cluster of three
shards: read-your-own-writes for get and scan (across shards, with limits, reverse
order and pushdown), snapshot reads at τ_start, read-only commits, write-write,
FOR UPDATE and catalog-version conflicts (OC000 / OC001), multi-shard atomicity, use
after commit, and data surviving a restart on the same directory.

No pytest-asyncio here: every test runs its body with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import pytest

from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.core import errors, values
from borealis.core.keyspace import CATALOG_VERSION_KEY
from borealis.qp.txn import VIEWS_MAX, TxnClient

# One key prefix per shard of the uniform 3-shard map (cuts at 0x55 and 0xaa).
S0, S1, S2 = b"\x10", b"\x60", b"\xc0"


def run(tmp_path, body: Callable[[EmbeddedCluster, TxnClient], Awaitable[None]]) -> None:
    async def main() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=3)) as cluster:
            assert cluster.map.storage_count == 3
            await body(cluster, cluster.txn_client())

    asyncio.run(main())


async def commit_rows(client: TxnClient, rows: dict[bytes, bytes | None]) -> int:
    txn = client.begin()
    for key, value in rows.items():
        if value is None:
            txn.delete(key)
        else:
            txn.put(key, value)
    return await txn.commit()


async def read_all(client: TxnClient) -> dict[bytes, bytes]:
    txn = client.begin()
    rows = await txn.scan(b"", None)
    await txn.commit()
    return dict(rows)


BASE = {
    S0 + b"a": b"s0a", S0 + b"b": b"s0b",
    S1 + b"a": b"s1a", S1 + b"b": b"s1b",
    S2 + b"a": b"s2a", S2 + b"b": b"s2b",
}


def overlay(base: dict[bytes, bytes], own: dict[bytes, bytes | None]) -> list[tuple[bytes, bytes]]:
    merged = {**base, **own}
    return sorted((k, v) for k, v in merged.items() if v is not None)


# ----------------------------------------------------------------- own writes


def test_get_reads_own_writes_over_storage(tmp_path):
    async def body(cluster, client):
        await commit_rows(client, BASE)
        txn = client.begin()
        txn.put(S0 + b"a", b"mine")
        txn.delete(S1 + b"a")
        txn.put(S2 + b"new", b"fresh")
        txn.delete(S2 + b"never")
        assert await txn.get(S0 + b"a") == b"mine"
        assert await txn.get(S1 + b"a") is None
        assert await txn.get(S2 + b"new") == b"fresh"
        assert await txn.get(S2 + b"never") is None
        assert await txn.get(S1 + b"b") == b"s1b"
        assert await txn.get_many([S2 + b"a", S0 + b"a", S1 + b"a", S0 + b"zz"]) == \
            [b"s2a", b"mine", None, None]
        # A later write to the same key replaces the earlier one.
        txn.put(S1 + b"a", b"revived")
        assert await txn.get(S1 + b"a") == b"revived"
        # Nobody else sees the buffered writes.
        other = client.begin()
        assert await other.get(S0 + b"a") == b"s0a"
        assert await other.get(S2 + b"new") is None

    run(tmp_path, body)

def test_one_watermark_request_serves_a_transaction_that_reads_every_shard(tmp_path):
    """A read that waits at one shard brings the new watermark to every shard, so the
    same transaction's reads at the others do not each ask the crossbar again."""
    async def body(cluster, client):
        await commit_rows(client, BASE)
        nudges: list[int] = []
        for storage in cluster.storages:
            original = storage._nudge

            def counted(storage=storage, original=original) -> None:
                nudges.append(storage.index)
                original()

            storage._nudge = counted
        txn = client.begin()
        assert await txn.get(S0 + b"a") == b"s0a"
        assert await txn.get(S1 + b"a") == b"s1a"
        assert await txn.get(S2 + b"a") == b"s2a"
        assert nudges == [0]
        assert all(s.applied >= txn.t_start for s in cluster.storages)

    run(tmp_path, body)



def test_scan_overlays_own_puts_and_deletes_across_shards(tmp_path):
    async def body(cluster, client):
        await commit_rows(client, BASE)
        txn = client.begin()
        own = {S0 + b"a": None, S0 + b"c": b"own0c", S1 + b"b": b"own1b",
               S1 + b"a": None, S2 + b"0": b"own20", b"\xff": b"last"}
        for key, value in own.items():
            if value is None:
                txn.delete(key)
            else:
                txn.put(key, value)
        expected = overlay(BASE, own)
        assert await txn.scan(b"", None) == expected
        assert await txn.scan(b"", None, reverse=True) == expected[::-1]
        # Bounds that start and end inside shards.
        inside = [(k, v) for k, v in expected if S0 + b"b" <= k < S2 + b"a"]
        assert await txn.scan(S0 + b"b", S2 + b"a") == inside
        assert await txn.scan(S0 + b"b", S2 + b"a", reverse=True) == inside[::-1]
        assert await txn.scan(S1 + b"a", S1 + b"b") == []

    run(tmp_path, body)


def test_scans_between_writes_see_every_write_so_far(tmp_path):
    """Writes (put, put_many, delete, overwrites) and scans in turns, as an index build
    or INSERT ... SELECT does: each scan sees exactly the writes made before it, however
    many scans came before (the scan sorts only the keys written since the last one)."""
    async def body(cluster, client):
        await commit_rows(client, BASE)
        txn = client.begin()
        own: dict[bytes, bytes | None] = {}
        rng = random.Random(7)
        prefixes = (S0, S1, S2)
        for step in range(40):
            kind = step % 4
            if kind == 0:
                keys = [rng.choice(prefixes) + bytes([rng.randrange(256)]) for _ in range(5)]
                keys = list(dict.fromkeys(k for k in keys if k not in own))
                values_ = [b"m%d" % step] * len(keys)
                txn.put_many(keys, values_)
                own.update(zip(keys, values_))
            elif kind == 1:
                key = rng.choice([*BASE, *own]) if own else S1 + b"a"
                txn.delete(key)
                own[key] = None
            else:  # a new key or an overwrite of one written before
                key = rng.choice(prefixes) + bytes([rng.randrange(256)])
                txn.put(key, b"p%d" % step)
                own[key] = b"p%d" % step
            lo, hi = sorted(rng.choice(prefixes) + bytes([rng.randrange(256)]) for _ in range(2))
            expected = overlay(BASE, own)
            assert await txn.scan(lo, hi) == [(k, v) for k, v in expected if lo <= k < hi]
            assert await txn.scan(b"", None, reverse=True) == expected[::-1]

    run(tmp_path, body)


def test_statement_views_read_own_writes_as_they_stood_when_taken(tmp_path):
    """A statement's view (get_many, scan, forward and reverse) shows the transaction's
    writes as they were when it was taken, whatever is written after (put, put_many,
    delete, overwrites), while other views are taken and ended around it; reads without
    a view see every write; past VIEWS_MAX views the oldest reads every write."""
    async def body(cluster, client):
        await commit_rows(client, BASE)
        txn = client.begin()
        own: dict[bytes, bytes | None] = {}
        rng = random.Random(11)
        prefixes = (S0, S1, S2)
        views: list[tuple[object, dict[bytes, bytes | None]]] = []

        async def check(view, seen: dict[bytes, bytes | None]) -> None:
            expected = overlay(BASE, seen)
            assert await txn.scan(b"", None, view=view) == expected
            assert await txn.scan(b"", None, reverse=True, view=view) == expected[::-1]
            probe = sorted({*BASE, *own, S1 + b"none"})
            assert await txn.get_many(probe, view=view) == \
                [dict(expected).get(k) for k in probe]

        for step in range(60):
            if step % 15 == 0:
                for view, _ in views:  # the statements end, a new one begins
                    txn.end_view(view)
                assert not txn._views
                views = [(txn.statement_view(), dict(own))]
            elif step % 15 in (4, 7):  # another one begins (a portal, a function's)
                views.append((txn.statement_view(), dict(own)))
            elif step % 15 == 11 and len(views) > 1:
                txn.end_view(views.pop(1)[0])
            kind = rng.randrange(3)
            if kind == 0:
                keys = [rng.choice(prefixes) + bytes([rng.randrange(256)]) for _ in range(5)]
                keys = list(dict.fromkeys(k for k in keys if k not in own))
                txn.put_many(keys, [b"m%d" % step] * len(keys))
                own.update(dict.fromkeys(keys, b"m%d" % step))
            elif kind == 1:
                key = rng.choice([*BASE, *own])
                txn.delete(key)
                own[key] = None
            else:
                key = rng.choice([*BASE, *own, rng.choice(prefixes) + b"n%d" % step])
                txn.put(key, b"p%d" % step)
                own[key] = b"p%d" % step
            for view, seen in views:
                await check(view, seen)
            await check(None, own)
        # The first view of a statement with nothing written yet records nothing.
        fresh = client.begin()
        blind = fresh.statement_view()
        fresh.put(S0 + b"a", b"x")
        assert blind.blind and not fresh._views
        assert await fresh.get(S0 + b"a", view=blind) == b"s0a"
        assert await fresh.get(S0 + b"a") == b"x"
        # Views recording at once are bounded: the oldest then reads every write.
        many = [fresh.statement_view() for _ in range(VIEWS_MAX + 1)]
        fresh.put(S0 + b"a", b"y")
        assert len(fresh._views) == VIEWS_MAX and many[0].lost
        assert await fresh.get(S0 + b"a", view=many[0]) == b"y"
        assert await fresh.get(S0 + b"a", view=many[1]) == b"x"

    run(tmp_path, body)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_limit_with_own_writes(tmp_path, reverse):
    async def body(cluster, client):
        base = {S0 + bytes([i]): b"b%d" % i for i in range(4)}
        base |= {S1 + bytes([i]): b"c%d" % i for i in range(4)}
        base |= {S2 + bytes([i]): b"d%d" % i for i in range(4)}
        await commit_rows(client, base)
        txn = client.begin()
        # Delete the rows a limited storage read would return first, in both directions.
        own: dict[bytes, bytes | None] = {k: None for k in sorted(base)[:3] + sorted(base)[-3:]}
        own[S1 + b"\x01\x00"] = b"inserted"
        own[S1 + b"\x02"] = b"updated"
        for key, value in own.items():
            if value is None:
                txn.delete(key)
            else:
                txn.put(key, value)
        expected = overlay(base, own)
        if reverse:
            expected.reverse()
        for limit in (1, 2, 3, 5, len(expected), len(expected) + 4):
            assert await txn.scan(b"", None, limit=limit, reverse=reverse) == expected[:limit]
        inside = [(k, v) for k, v in expected if S1 <= k < S2 + b"\x02"]
        assert await txn.scan(S1, S2 + b"\x02", limit=3, reverse=reverse) == inside[:3]

    run(tmp_path, body)


def test_filter_and_projection_apply_to_own_rows(tmp_path):
    async def body(cluster, client):
        stored = {S0 + b"1": (1, "ann", 10), S1 + b"2": (2, "bob", 1),
                  S2 + b"3": (3, "cy", 20), S2 + b"4": (4, "dee", 30)}
        await commit_rows(client, {k: values.dumps(r) for k, r in stored.items()})
        txn = client.begin()
        txn.put(S0 + b"0", values.dumps((0, "new-pass", 99)))
        txn.put(S0 + b"5", values.dumps((5, "new-fail", 2)))
        txn.put(S1 + b"2", values.dumps((2, "bob-now-passes", 50)))
        txn.put(S2 + b"3", values.dumps((3, "cy-now-fails", None)))
        txn.delete(S2 + b"4")
        f = ("cmp", ">=", ("col", 2), ("const", 10))
        assert await txn.scan(b"", None, filter=f, projection=(1,)) == [
            (S0 + b"0", ("new-pass",)),
            (S0 + b"1", ("ann",)),
            (S1 + b"2", ("bob-now-passes",)),
        ]
        assert await txn.scan(b"", None, filter=f, projection=(2, 0), reverse=True,
                              limit=2) == [(S1 + b"2", (50, 2)), (S0 + b"1", (10, 1))]
        # Filter only: full decoded rows; projection only: every visible row.
        assert await txn.scan(S0, S1, filter=f) == [
            (S0 + b"0", (0, "new-pass", 99)), (S0 + b"1", (1, "ann", 10))]
        assert [v for _, v in await txn.scan(b"", None, projection=(0,))] == \
            [(0,), (1,), (5,), (2,), (3,)]

    run(tmp_path, body)


# ----------------------------------------------------------------- snapshots


def test_read_only_commit_returns_t_start_and_never_conflicts(tmp_path):
    async def body(cluster, client):
        await commit_rows(client, {S1 + b"k": b"v1"})
        reader = client.begin()
        assert await reader.get(S1 + b"k") == b"v1"
        await reader.scan(b"", None)
        reader.check(CATALOG_VERSION_KEY)
        t_commit = await commit_rows(client, {S1 + b"k": b"v2", CATALOG_VERSION_KEY: b"1"})
        assert t_commit > reader.t_start
        assert reader.read_only
        assert await reader.commit() == reader.t_start
        assert reader.state == "committed"

    run(tmp_path, body)


def test_snapshot_does_not_see_later_commits(tmp_path):
    async def body(cluster, client):
        await commit_rows(client, {S0 + b"k": b"old", S2 + b"k": b"old"})
        snap = client.begin()
        assert await snap.get(S0 + b"k") == b"old"
        t_commit = await commit_rows(client, {S0 + b"k": b"new", S1 + b"k": b"new",
                                              S2 + b"k": None})
        assert t_commit > snap.t_start
        assert await snap.get(S0 + b"k") == b"old"
        assert await snap.get(S1 + b"k") is None
        assert await snap.scan(b"", None) == [(S0 + b"k", b"old"), (S2 + b"k", b"old")]
        later = client.begin()
        assert await later.scan(b"", None) == [(S0 + b"k", b"new"), (S1 + b"k", b"new")]

    run(tmp_path, body)


def test_snapshot_is_taken_at_first_use(tmp_path):
    async def body(cluster, client):
        txn = client.begin()
        assert txn.t_start is None
        await commit_rows(client, {S1 + b"k": b"v"})
        assert await txn.get(S1 + b"k") == b"v"
        first = txn.t_start
        assert first is not None
        await txn.get(S0 + b"x")
        assert txn.t_start == first

    run(tmp_path, body)


# ----------------------------------------------------------------- conflicts


def test_write_write_conflict_aborts_the_later_committer(tmp_path):
    async def body(cluster, client):
        await commit_rows(client, {S1 + b"k": b"v0"})
        first, second = client.begin(), client.begin()
        first.put(S1 + b"k", b"first")
        second.put(S1 + b"k", b"second")
        await first.commit()
        with pytest.raises(errors.OccConflict) as info:
            await second.commit()
        assert info.value.sqlstate == "40001"
        assert "(OC000)" in str(info.value)
        assert second.state == "aborted"
        assert (await read_all(client))[S1 + b"k"] == b"first"
        # A transaction that starts after the commit may write the key.
        await commit_rows(client, {S1 + b"k": b"third"})
        assert (await read_all(client))[S1 + b"k"] == b"third"

    run(tmp_path, body)


def test_disjoint_concurrent_writers_both_commit(tmp_path):
    async def body(cluster, client):
        a, b = client.begin(), client.begin()
        a.put(S0 + b"a", b"1")
        b.put(S0 + b"b", b"2")
        t_a = await a.commit()
        t_b = await b.commit()
        assert t_a != t_b
        assert await read_all(client) == {S0 + b"a": b"1", S0 + b"b": b"2"}

    run(tmp_path, body)


@pytest.mark.parametrize("data_key", [S0 + b"row", S2 + b"row"], ids=["same-shard", "other-shard"])
def test_catalog_version_check_gives_schema_conflict(tmp_path, data_key):
    async def body(cluster, client):
        txn = client.begin()
        txn.check(CATALOG_VERSION_KEY)
        txn.put(data_key, b"v")
        await commit_rows(client, {CATALOG_VERSION_KEY: b"2"})  # a DDL elsewhere
        with pytest.raises(errors.SchemaConflict) as info:
            await txn.commit()
        assert info.value.sqlstate == "40001"
        assert "(OC001)" in str(info.value)
        assert data_key not in await read_all(client)

    run(tmp_path, body)


def test_check_without_a_concurrent_write_commits(tmp_path):
    async def body(cluster, client):
        await commit_rows(client, {CATALOG_VERSION_KEY: b"1"})
        txn = client.begin()
        txn.check(CATALOG_VERSION_KEY)
        txn.put(S1 + b"row", b"v")
        await txn.commit()
        assert (await read_all(client))[S1 + b"row"] == b"v"

    run(tmp_path, body)


def test_lock_conflicts_like_a_write(tmp_path):
    async def body(cluster, client):
        await commit_rows(client, {S1 + b"k": b"v0"})
        # A writer commits first: the locker aborts.
        locker, writer = client.begin(), client.begin()
        locker.lock(S1 + b"k")
        locker.put(S2 + b"other", b"x")
        writer.put(S1 + b"k", b"w")
        await writer.commit()
        with pytest.raises(errors.OccConflict):
            await locker.commit()
        # The locker commits first: the writer aborts, and the lock wrote no value.
        locker, writer = client.begin(), client.begin()
        locker.lock(S1 + b"k")
        writer.put(S1 + b"k", b"w2")
        await locker.commit()
        with pytest.raises(errors.OccConflict):
            await writer.commit()
        rows = await read_all(client)
        assert rows[S1 + b"k"] == b"w"
        assert S2 + b"other" not in rows

    run(tmp_path, body)


def test_a_share_fails_the_writer_that_commits_after_it(tmp_path):
    """A share (a foreign-key parent, a FOR KEY SHARE row) on another adjudicator than
    the transaction's writes: the writer of the shared key fails whichever commits
    second; sharers of one key never conflict with each other."""
    async def body(cluster, client):
        parent = S2 + b"parent"
        await commit_rows(client, {parent: b"p"})
        # The sharer commits first: a writer that read before that commit fails.
        deleter, child, other_child = client.begin(), client.begin(), client.begin()
        deleter.snapshot()
        child.share(parent)
        child.put(S0 + b"child-1", b"c")
        other_child.share(parent)
        other_child.put(S1 + b"child-2", b"c")
        await child.commit()
        await other_child.commit()
        deleter.delete(parent)
        with pytest.raises(errors.OccConflict):
            await deleter.commit()
        # The writer commits first: the sharer that read before it fails.
        deleter, child = client.begin(), client.begin()
        child.share(parent)
        child.put(S0 + b"child-3", b"c")
        deleter.delete(parent)
        await deleter.commit()
        with pytest.raises(errors.OccConflict):
            await child.commit()
        rows = await read_all(client)
        assert parent not in rows
        assert (S0 + b"child-1" in rows, S1 + b"child-2" in rows, S0 + b"child-3" in rows) == \
            (True, True, False)

    run(tmp_path, body)


def test_shares_are_rebuilt_from_the_journal_after_a_restart(tmp_path):
    parent = S2 + b"parent"

    async def first(cluster, client):
        txn = client.begin()
        txn.share(parent)
        txn.put(S2 + b"child", b"c")  # one adjudicator: recorded in its CommitRecord
        await txn.commit()

    async def second(cluster, client):
        owner = cluster.adjudicators[cluster.map.adjudicator_for(parent)]
        assert parent in owner.table.last_shared
        assert parent not in owner.table.last_commit

    run(tmp_path, first)
    run(tmp_path, second)


def test_the_adjudicator_refuses_a_key_storage_cannot_hold(tmp_path):
    """A request that bypasses the QP's own check (a buggy or hostile client) is refused
    at the commit point with 54000, and the cluster keeps working."""
    async def body(cluster, client):
        txn = client.begin()
        txn.put(S0 + b"ok", b"v")
        txn.writes[S1 + b"k" * 600] = b"too long"  # what txn.put would have refused
        with pytest.raises(errors.KeySizeTooLarge):
            await txn.commit()
        await commit_rows(client, {S0 + b"after": b"v"})
        assert await read_all(client) == {S0 + b"after": b"v"}

    run(tmp_path, body)


# ----------------------------------------------------------------- atomicity


def test_multi_shard_commit_is_visible_whole(tmp_path):
    async def body(cluster, client):
        rows = {S0 + b"x": b"0", S1 + b"x": b"1", S2 + b"x": b"2"}
        t_commit = await commit_rows(client, rows)
        txn = client.begin()
        assert txn.snapshot() > t_commit
        assert await txn.get_many(list(rows)) == list(rows.values())
        assert await txn.scan(b"", None) == sorted(rows.items())

    run(tmp_path, body)


def test_multi_shard_conflict_writes_nothing_anywhere(tmp_path):
    async def body(cluster, client):
        big = client.begin()
        for prefix in (S0, S1, S2):
            big.put(prefix + b"x", b"big")
        await commit_rows(client, {S1 + b"x": b"winner"})
        with pytest.raises(errors.OccConflict):
            await big.commit()
        assert await read_all(client) == {S1 + b"x": b"winner"}
        # The refused transaction's keys are free again: promises were released.
        await commit_rows(client, {S0 + b"x": b"after", S2 + b"x": b"after"})
        assert await read_all(client) == {S0 + b"x": b"after", S1 + b"x": b"winner",
                                          S2 + b"x": b"after"}

    run(tmp_path, body)


def test_leader_refusal_releases_participant_promises(tmp_path):
    """The leader (lowest adjudicator) refuses on its own keys while the participants
    have already promised theirs on Prepare: it must tell them, or their keys stay
    blocked (OC000 for every other writer) until the commit deadline has passed."""
    async def body(cluster, client):
        big = client.begin()
        for prefix in (S0, S1, S2):
            big.put(prefix + b"y", b"big")
        await commit_rows(client, {S0 + b"y": b"winner"})  # the leader's key
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(errors.OccConflict):
            await big.commit()
        for _ in range(10_000):
            if all(big.txn_id not in a._promised for a in cluster.adjudicators):
                break
            await asyncio.sleep(0.001)
        released = loop.time() - started
        assert all(big.txn_id not in a._promised for a in cluster.adjudicators)
        assert released < client.config.commit_timeout_ns / 1e9  # not by the deadline
        await commit_rows(client, {S1 + b"y": b"after", S2 + b"y": b"after"})

    run(tmp_path, body)


# ----------------------------------------------------------------- lifecycle


def test_transaction_is_closed_after_commit(tmp_path):
    async def body(cluster, client):
        txn = client.begin()
        txn.put(S0 + b"k", b"v")
        await txn.commit()
        reader = client.begin()
        await reader.commit()
        aborted = client.begin()
        aborted.abort()
        for closed in (txn, reader, aborted):
            with pytest.raises(errors.TransactionClosed):
                await closed.get(S0 + b"k")
            with pytest.raises(errors.TransactionClosed):
                await closed.scan(b"", None)
            with pytest.raises(errors.TransactionClosed):
                closed.put(S0 + b"k", b"again")
            with pytest.raises(errors.TransactionClosed):
                closed.delete(S0 + b"k")
            with pytest.raises(errors.TransactionClosed):
                closed.lock(S0 + b"k")
            with pytest.raises(errors.TransactionClosed):
                closed.check(CATALOG_VERSION_KEY)
            with pytest.raises(errors.TransactionClosed):
                await closed.commit()
        assert errors.TransactionClosed.sqlstate == "25P02"
        assert await read_all(client) == {S0 + b"k": b"v"}

    run(tmp_path, body)


def test_transaction_is_closed_after_a_failed_commit(tmp_path):
    async def body(cluster, client):
        a, b = client.begin(), client.begin()
        a.put(S2 + b"k", b"a")
        b.put(S2 + b"k", b"b")
        await a.commit()
        with pytest.raises(errors.OccConflict):
            await b.commit()
        with pytest.raises(errors.TransactionClosed):
            await b.get(S2 + b"k")
        with pytest.raises(errors.TransactionClosed):
            await b.commit()

    run(tmp_path, body)


def test_data_survives_a_restart(tmp_path):
    rows = {S0 + b"p": b"0", S1 + b"p": b"1", S2 + b"p": b"2", S2 + b"q": b"gone"}

    async def first(cluster, client):
        await commit_rows(client, rows)
        await commit_rows(client, {S2 + b"q": None, S1 + b"p": b"1b"})

    async def second(cluster, client):
        expected = {S0 + b"p": b"0", S1 + b"p": b"1b", S2 + b"p": b"2"}
        assert await read_all(client) == expected
        # Still a working cluster: conflicts and new commits behave as before.
        a, b = client.begin(), client.begin()
        a.put(S0 + b"p", b"a")
        b.put(S0 + b"p", b"b")
        await a.commit()
        with pytest.raises(errors.OccConflict):
            await b.commit()
        assert (await read_all(client))[S0 + b"p"] == b"a"

    run(tmp_path, first)
    run(tmp_path, second)


def delay_outcomes(cluster: EmbeddedCluster, seconds: float, settle_wait_max_ns: int) -> None:
    """Every adjudicator's Outcome messages arrive `seconds` late (as a network may
    deliver them after the leader's reply); participants wait that long at most."""
    from borealis.adjudicator.messages import Outcome
    transmit = cluster.network.transmit
    loop = asyncio.get_running_loop()

    def late_outcomes(address, envelope):
        if isinstance(envelope.body, Outcome):
            loop.call_later(seconds, transmit, address, envelope)
        else:
            transmit(address, envelope)

    for adjudicator in cluster.adjudicators:
        adjudicator.rt.rpc._transmit = late_outcomes
        adjudicator.config.settle_wait_max_ns = settle_wait_max_ns


def test_a_participant_waits_for_an_outcome_the_client_may_have_seen(tmp_path):
    """A participant that has not heard the Outcome of a distributed commit yet holds
    its keys promised. The client's next transaction on them, or its retry after a
    refusal, may reach it first (a network may deliver the Outcome after the reply to
    the client): it waits for the Outcome, not refused (OC000) for nothing. Outcomes
    are delayed here."""
    async def body(cluster, client):
        # (A slow machine must not turn the wait into a refusal.)
        delay_outcomes(cluster, 0.02, client.config.commit_timeout_ns)
        for round_ in range(3):
            await commit_rows(client, {S0 + b"z": b"%d" % round_, S1 + b"z": b"%d" % round_})
            # The next transaction writes the participants' keys at once.
            await commit_rows(client, {S1 + b"z": b"after", S2 + b"z": b"after"})
        assert (await read_all(client))[S1 + b"z"] == b"after"
        # A refusal too: the leader refuses on its own key, the participants have
        # promised theirs; the client's retry writes them at once.
        for round_ in range(3):
            big = client.begin()
            for prefix in (S0, S1, S2):
                big.put(prefix + b"w", b"big")
            await commit_rows(client, {S0 + b"w": b"%d" % round_})
            with pytest.raises(errors.OccConflict):
                await big.commit()
            await commit_rows(client, {S1 + b"w": b"retry", S2 + b"w": b"retry"})

    run(tmp_path, body)


def test_a_wait_for_an_outcome_keeps_the_refusal_it_had(tmp_path):
    """A refusal that waited for a promise's Outcome in vain (it came too late) is the
    refusal it was: OC001 for a catalog-version conflict, not OC000. And a key
    written after the snapshot refuses at once, with no wait for another key's
    promise."""
    async def body(cluster, client):
        delay_outcomes(cluster, 1.0, 20_000_000)
        ddl = client.begin()
        ddl.snapshot()
        txn = client.begin()
        txn.snapshot()
        ddl.put(CATALOG_VERSION_KEY, b"2")
        ddl.put(S0 + b"x", b"1")
        await ddl.commit()  # the catalog key stays promised at the other adjudicators
        txn.check(CATALOG_VERSION_KEY)
        txn.put(S1 + b"y", b"1")
        with pytest.raises(errors.SchemaConflict):
            await txn.commit()

        older = client.begin()
        older.snapshot()
        txn = client.begin()
        txn.snapshot()
        await commit_rows(client, {S1 + b"k2": b"other"})  # after txn's snapshot
        older.put(S0 + b"a", b"o")
        older.put(S1 + b"k1", b"o")
        await older.commit()  # S1+k1 stays promised at adjudicator 1
        txn.put(S1 + b"k1", b"t")
        txn.put(S1 + b"k2", b"t")
        waits = []
        settled = cluster.adjudicators[1]._settled

        async def counted(txn_id, until):
            waits.append(txn_id)
            return await settled(txn_id, until)

        cluster.adjudicators[1]._settled = counted
        with pytest.raises(errors.OccConflict):
            await txn.commit()
        assert waits == []

    run(tmp_path, body)


def test_a_late_prepare_of_an_aborted_transaction_promises_nothing(tmp_path):
    """Once a participant has settled an abort, a duplicated or late Prepare of that
    transaction is refused: promising its keys again would hold them (and make
    others wait or be refused) until its deadline."""
    from borealis.adjudicator.messages import Prepare
    from borealis.control.shardmap import adjudicator_address

    async def body(cluster, client):
        prepares = []
        send = client.rt.send

        def recorded(address, message):
            if isinstance(message, Prepare):
                prepares.append((address, message))
            return send(address, message)

        client.rt.send = recorded
        big = client.begin()
        for prefix in (S0, S1, S2):
            big.put(prefix + b"w", b"big")
        await commit_rows(client, {S0 + b"w": b"winner"})  # the leader refuses big
        with pytest.raises(errors.OccConflict):
            await big.commit()
        participant = cluster.adjudicators[1]
        for _ in range(1000):
            if big.txn_id not in participant._promised:
                break
            await asyncio.sleep(0.001)
        assert big.txn_id not in participant._promised
        address, prepare = next(p for p in prepares if p[0] == adjudicator_address(1))
        send(address, prepare)  # again, late
        await asyncio.sleep(0.05)
        assert big.txn_id not in participant._promised

    run(tmp_path, body)
