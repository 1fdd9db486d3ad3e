"""The adjudicator role: conflict checks, commit timestamps, and its journal.

```
 QP ──CommitRequest──▶ leader ─┬─ validate own keys (ConflictTable)
    ──Prepare────────▶ others ─┤  each: vote ts > floor, VoteRecord fsynced, Vote ▶ leader
                               └─ τ_commit = max(votes, floor+1) → CommitRecord appended
                                  to the leader's journal (the commit point) → reply,
                                  Outcome ▶ participants
 crossbar ──JournalRead (long poll)──▶ records + watermark (heartbeat)
 storage read waits ──Bump(τ)──▶ floor ≥ τ now, instead of at the next heartbeat;
                                  Vouch(watermark, durable LSN) ▶ crossbar at once
```

Rules (DESIGN.md §4):
- Every journal record gets `ts = max(minimum, floor + 1, clock.latest)` and the floor
  becomes `ts`: the adjudicator promises never to commit at or below its floor, so its
  journal is strictly monotonic and the crossbar can merge it.
- The watermark it publishes is `min(floor, promise, first in-flight ts − 1)`: records
  still being fsynced hold it back, so storage never serves a read at τ before every
  commit ≤ τ is in its stream.
- A transaction conflicts if any key it writes, locks, checks or shares was written in
  (τ_start, τ_commit], or is promised to an undecided multi-adjudicator writer; and
  if a key it writes or locks was shared (depended on by a committed or undecided
  transaction) in that interval. A conflict on the catalog-version key is OC001, any
  other OC000.
- Requests are deduplicated by transaction id (`_recent`), so a duplicated or retried
  request can never get a different answer than the first.
- After a restart the state is rebuilt from the journal: commit times of the last
  300 s, votes not yet resolved (asked of the leader), and the highest promise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from borealis.adjudicator.conflicts import ConflictTable
from borealis.adjudicator.messages import (
    Ack,
    CommitReply,
    CommitRequest,
    Outcome,
    Prepare,
    Resolve,
    Vote,
)
from borealis.control.shardmap import (
    CROSSBAR_ADDRESS,
    ShardMap,
    adjudicator_address,
    journal_address,
)
from borealis.core import errors, messages
from borealis.core.keyspace import CATALOG_VERSION_KEY
from borealis.crossbar.messages import Vouch
from borealis.journal.log import JournalLog
from borealis.journal.records import (
    Bump,
    CommitRecord,
    JournalBatch,
    JournalRead,
    OutcomeRecord,
    PromiseRecord,
    Trim,
    VoteRecord,
)
from borealis.runtime.base import Runtime
from borealis.storage.engine import check_key as check_storage_key

log = logging.getLogger(__name__)

MS = 1_000_000
S = 1_000_000_000


@dataclass
class AdjudicatorConfig:
    window_ns: int = 300 * S  # conflict state and maximum transaction age
    heartbeat_interval_ns: int = 20 * MS
    promise_ahead_ns: int = 250 * MS
    bump_ahead_max_ns: int = 50 * MS  # how far past its clock a Bump may push the floor
    resolve_grace_ns: int = 50 * MS
    resolve_retry_ns: int = 100 * MS
    vote_resend_ns: int = 30 * MS
    outcome_attempt_ns: int = 40 * MS
    settle_wait_max_ns: int = 100 * MS  # how long a refusal may wait on a promise's outcome
    trim_margin_ns: int = 60 * S
    journal_read_records_max: int = 1024
    # Deliberate bug for negative tests: skip the conflict check entirely.
    buggy_skip_conflict_check: bool = False


@dataclass
class _Promised:
    """A yes-vote this adjudicator cast for another leader's transaction."""

    keys: tuple[bytes, ...]
    leader: int
    deadline: int
    vote: Vote
    shares: tuple[bytes, ...] = ()
    t_start: int | None = None  # its snapshot (not journaled: unknown after a restart)


@dataclass
class _Deciding:
    """A multi-adjudicator transaction this adjudicator leads, waiting for votes."""

    expected: frozenset[int]
    votes: dict[int, Vote] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Adjudicator:
    def __init__(self, runtime: Runtime, index: int, shard_map: ShardMap,
                 config: AdjudicatorConfig | None = None) -> None:
        self.rt = runtime
        self.index = index
        self.map = shard_map
        self.config = config or AdjudicatorConfig()
        self.table = ConflictTable()
        self.floor = 0
        self.promise = 0  # durable: watermarks never exceed it
        self.journal: JournalLog | None = None
        self._inflight: dict[int, None] = {}  # ts of records not yet durable, in order
        self._recent: dict[bytes, tuple[int, asyncio.Future]] = {}  # txn -> (deadline, result)
        self._committed: dict[bytes, int] = {}  # led here, within the window
        self._deciding: dict[bytes, _Deciding] = {}
        self._early_votes: dict[bytes, dict[int, Vote]] = {}
        self._promised: dict[bytes, _Promised] = {}
        # Aborts announced (before their Prepare arrived, when the leader refused at
        # once, or after): a late or duplicated Prepare for one of these is refused
        # instead of promising its keys again until the deadline.
        self._aborted: dict[bytes, None] = {}
        # Promised transactions others wait to see settled (`_blocker`); at most one
        # entry per promise, dropped when it settles.
        self._settling: dict[bytes, asyncio.Event] = {}
        self._progress = asyncio.Event()  # set when a record becomes durable or the floor moves
        self.commits = 0
        self.aborts = 0

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        self.journal = await JournalLog.open(self.rt.disk, "journal", spawn=self.rt.spawn)
        self.rt.on_close(self.journal.close)
        self._recover()
        self.rt.listen(adjudicator_address(self.index), self._handle)
        self.rt.listen(journal_address(self.index), self._handle_journal)
        self.rt.spawn(self._heartbeat_loop(), name=f"adj{self.index} heartbeat")
        for txn_id in list(self._promised):
            self.rt.spawn(self._resolve_later(txn_id), name="resolve")

    def _recover(self) -> None:
        assert self.journal is not None
        after = self.journal.first_lsn - 1
        while True:
            batch = self.journal.read(after, 4096)
            if not batch:
                break
            for lsn, ts, payload in batch:
                self._replay(messages.decode(payload))
                self.floor = max(self.floor, ts)
                after = lsn
        self.floor = max(self.floor, self.promise)
        self.table.trim(self.rt.clock.now() - self.config.window_ns)

    def _replay(self, record) -> None:
        if isinstance(record, CommitRecord):
            self.table.record(self._owned_keys(record.writes, record.locks), record.ts)
            self.table.record_shared(self._owned(record.shares), record.ts)
            self._committed[record.txn_id] = record.ts
        elif isinstance(record, VoteRecord):
            vote = Vote(record.txn_id, self.index, True, record.ts, "")
            self._promised[record.txn_id] = _Promised(record.keys, record.leader,
                                                      record.deadline, vote, record.shares)
            self.table.promise(record.keys, record.txn_id)
            self.table.promise_shared(record.shares, record.txn_id)
        elif isinstance(record, OutcomeRecord):
            self._settle(record.txn_id, record.committed, record.t_commit)
        elif isinstance(record, PromiseRecord):
            self.promise = max(self.promise, record.promise)

    # -- timestamps and the journal -------------------------------------------------

    def _next_ts(self, minimum: int = 0) -> int:
        ts = max(minimum, self.floor + 1, self.rt.clock.latest)
        self.floor = ts
        return ts

    def watermark(self) -> int:
        """Every record this journal will hold beyond the durable ones has ts > this."""
        w = min(self.floor, self.promise)
        for ts in self._inflight:
            return min(w, ts - 1)
        return w

    async def _append(self, ts: int, record) -> None:
        """Append a record whose ts the caller just took from `_next_ts`; returns once
        durable. The caller allocates the ts and calls this with no await in between,
        so journal order equals ts order and `_inflight` holds the watermark back."""
        assert self.journal is not None
        self._inflight[ts] = None
        try:
            await self.journal.append(ts, messages.encode(record))
        finally:
            del self._inflight[ts]
        self._wake()

    def _wake(self) -> None:
        self._progress.set()
        self._progress = asyncio.Event()

    async def _commit_wait(self, ts: int) -> None:
        """Acknowledge only once true time is surely past τ_commit (DESIGN.md §2)."""
        while True:
            earliest = self.rt.clock.earliest
            if earliest > ts:
                return
            await self.rt.sleep(ts - earliest + 1)

    # -- request handling -----------------------------------------------------------

    async def _handle(self, sender: str, msg):
        if isinstance(msg, CommitRequest):
            return await self._dedup(msg.txn_id, msg.deadline, lambda: self._commit(msg))
        if isinstance(msg, Prepare):
            await self._prepare(msg)
            return None
        if isinstance(msg, Vote):
            self._on_vote(msg)
            return None
        if isinstance(msg, Outcome):
            await self._on_outcome(msg)
            return Ack()
        if isinstance(msg, Resolve):
            return await self._resolve(msg)
        raise errors.ProtocolViolation(what=f"adjudicator got {type(msg).__name__}")

    async def _dedup(self, txn_id: bytes, deadline: int, run) -> CommitReply:
        committed = self._committed.get(txn_id)
        if committed is not None:
            # A retry of a commit that is already in the journal — possibly from before
            # a restart, so `_recent` forgot it. Re-validating would make the
            # transaction conflict with its own writes. The answer still waits out
            # commit-wait: τ_commit may be ahead of true time (a floor raised to a
            # promise after a restart), and acknowledging early breaks real-time order.
            await self._commit_wait(committed)
            return CommitReply(committed)
        entry = self._recent.get(txn_id)
        if entry is None:
            future = asyncio.get_running_loop().create_future()
            self._recent[txn_id] = (deadline, future)
            try:
                future.set_result(CommitReply(await run()))
            except errors.BorealisError as exc:
                future.set_exception(exc)
            except Exception as exc:
                future.set_exception(errors.InternalError(what=repr(exc)))
                raise
            self._purge_recent()
            return future.result()
        return await asyncio.shield(entry[1])

    def _purge_recent(self) -> None:
        """Forget answers old enough. Both maps are in insertion order, which is
        deadline / commit order give or take a little: look only at the oldest entries,
        so a purge costs what it removes, not the size of the maps (it runs per commit)."""
        now = self.rt.clock.now()
        horizon = now - self.config.window_ns
        recent = self._recent
        while recent:
            txn_id = next(iter(recent))
            deadline, future = recent[txn_id]
            if deadline > now - self.config.resolve_grace_ns * 20 or not future.done():
                break
            future.exception()  # mark retrieved
            del recent[txn_id]
        committed = self._committed
        while committed:
            txn_id = next(iter(committed))
            if committed[txn_id] >= horizon:
                break
            del committed[txn_id]
        self.table.trim(horizon)

    def _owned_keys(self, writes, locks) -> list[bytes]:
        keys = self.map.owned_of(self.index, [k for k, _ in writes])
        if locks:
            keys.extend(self.map.owned_of(self.index, list(locks)))
        return keys

    def _owned(self, keys) -> list[bytes]:
        return self.map.owned_of(self.index, list(keys)) if keys else []

    def _validate(self, t_start: int, deadline: int, keys: list[bytes], checks,
                  txn_id: bytes, shares: list[bytes] = ()) -> tuple[str, bytes | None]:
        """('', None) if the transaction may commit here, else (why, blocker): why is
        'data', 'schema', 'late' or 'age'; blocker is the id of the undecided
        transaction whose promise here alone refuses it when its outcome may lift the
        refusal (`_blocker`), else None."""
        if self.rt.clock.now() > deadline:
            return "late", None
        if t_start < self.table.horizon:
            return "age", None
        if self.config.buggy_skip_conflict_check:
            return "", None
        writer = True
        key = self.table.first_conflict(keys, t_start, txn_id)
        if key is None:
            writer = False
            key = self.table.first_read_conflict(self._owned(checks), t_start, txn_id)
        if key is None:
            key = self.table.first_read_conflict(shares, t_start, txn_id)
        if key is None:
            return "", None
        reason = "schema" if key == CATALOG_VERSION_KEY else "data"
        blocker = self._blocker(key, t_start, txn_id, writer)
        if blocker is not None and not self._only_promises(keys, checks, shares, t_start, txn_id):
            blocker = None  # another key refuses it whatever the outcome: no wait
        return reason, blocker

    def _only_promises(self, keys: list[bytes], checks, shares: list[bytes], t_start: int,
                       txn_id: bytes) -> bool:
        """Whether every key that refuses the transaction has a `_blocker` (the rare
        path: the first one had)."""
        table = self.table
        groups = ((table.conflicts(keys, t_start, txn_id), True),
                  (table.read_conflicts(self._owned(checks), t_start, txn_id), False),
                  (table.read_conflicts(list(shares), t_start, txn_id), False))
        return all(self._blocker(key, t_start, txn_id, writer) is not None
                   for bad, writer in groups for key in bad)

    def _blocker(self, key: bytes, t_start: int, txn_id: bytes, writer: bool) -> bytes | None:
        """The transaction to wait for when `key` refuses a transaction that read at
        `t_start` only because another one holds it promised here, and that one's
        outcome may lift the refusal.

        That is the case the leader's reply races: the client saw a distributed commit
        answered (or refused), began its next transaction (or the retry), and reached
        this participant before the leader's Outcome did. Refusing it (OC000) would be
        for nothing: the promised transaction committed before this snapshot, or not
        at all. So it waits for the outcome and is judged again.

        Only a younger transaction waits, for an older one: a promised transaction
        whose snapshot is earlier (ties broken by id). Two transactions therefore
        never wait for each other, and each wait is bounded besides. A key written
        after `t_start` conflicts whatever the outcome, a promise of a commit this
        adjudicator leads is undecided (its reply has not gone), a promise past its
        deadline waits for a leader that may be gone, and a restart forgets a
        promise's snapshot: these are refused at once, as before.

        A promise voted above `t_start` still gets a wait: if that transaction
        commits, this one is refused after all, but the common case is the client's
        retry after the leader refused it, whose Outcome (an abort) lifts the
        refusal."""
        table = self.table
        if table.last_commit.get(key, 0) > t_start:
            return None
        holders = []
        holder = table.pending.get(key)
        if holder is not None and holder != txn_id:
            holders.append(holder)
        if writer:
            if table.last_shared.get(key, 0) > t_start:
                return None
            holders.extend(h for h in table.pending_shared.get(key, ()) if h != txn_id)
        now = self.rt.clock.now()
        for holder in holders:
            promised = self._promised.get(holder)
            if promised is None or promised.t_start is None or promised.deadline < now \
                    or (promised.t_start, holder) >= (t_start, txn_id):
                return None
        return holders[0] if holders else None

    async def _validate_after(self, reason: str, blocker: bytes, t_start: int, deadline: int,
                              keys: list[bytes], checks, txn_id: bytes,
                              shares: list[bytes] = ()) -> str:
        """`_validate` again each time the transaction's blocker settles, until none is
        left or one does not settle in time (`settle_wait_max_ns`, and the deadline):
        then `reason`, the refusal it had."""
        wait_until = min(deadline, self.rt.clock.now() + self.config.settle_wait_max_ns)
        while blocker is not None:
            if not await self._settled(blocker, wait_until):
                return reason
            reason, blocker = self._validate(t_start, deadline, keys, checks, txn_id, shares)
        return reason

    async def _settled(self, txn_id: bytes, until: int) -> bool:
        """Wait until the promise of `txn_id` is settled (`_settle`) or the clock passes
        `until`; whether it settled."""
        if txn_id not in self._promised:
            return True
        event = self._settling.setdefault(txn_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0, until - self.rt.clock.now()) / 1e9):
                await event.wait()
        return event.is_set()

    def _refuse(self, reason: str) -> errors.BorealisError:
        self.aborts += 1
        if reason == "schema":
            return errors.SchemaConflict()
        if reason == "age":
            return errors.TransactionAgeLimit()
        if reason == "late":
            return errors.CommitDeadlineExceeded()
        return errors.OccConflict()

    async def _commit(self, req: CommitRequest) -> int:
        keys = self._owned_keys(req.writes, req.locks)
        shares = self._owned(req.shares)
        try:
            for key, _ in req.writes:  # the storage format's bound: refuse, never wedge a shard
                check_storage_key(key)
        except errors.KeySizeTooLarge:
            if req.participants:
                self._broadcast_outcome(req, False, 0)
            self.aborts += 1
            raise
        reason, blocker = self._validate(req.t_start, req.deadline, keys, req.checks,
                                         req.txn_id, shares)
        if blocker is not None:
            reason = await self._validate_after(reason, blocker, req.t_start, req.deadline, keys,
                                                req.checks, req.txn_id, shares)
        if reason:
            if req.participants:
                # The participants may already have promised their keys on Prepare: tell
                # them now, or the keys stay blocked (OC000 for everyone) until the deadline.
                self._broadcast_outcome(req, False, 0)
            raise self._refuse(reason)
        if req.participants:
            return await self._commit_distributed(req, keys, shares)
        ts = self._next_ts(req.t_start + 1)
        self.table.record(keys, ts)
        self.table.record_shared(shares, ts)
        await self._append(ts, CommitRecord(req.txn_id, ts, req.writes, req.locks, (),
                                            req.shares))
        self._committed[req.txn_id] = ts
        self.commits += 1
        await self._commit_wait(ts)
        return ts

    async def _commit_distributed(self, req: CommitRequest, keys: list[bytes],
                                  shares: list[bytes]) -> int:
        deciding = _Deciding(frozenset(req.participants))
        self._deciding[req.txn_id] = deciding
        for vote in self._early_votes.pop(req.txn_id, {}).values():
            self._on_vote(vote)
        self.table.promise(keys, req.txn_id)
        self.table.promise_shared(shares, req.txn_id)
        try:
            timeout = max(0, req.deadline - self.rt.clock.now())
            try:
                async with asyncio.timeout(timeout / 1e9):
                    await deciding.done.wait()
            except TimeoutError:
                self._broadcast_outcome(req, False, 0)
                raise errors.CommitDeadlineExceeded() from None
            votes = deciding.votes.values()
            refusal = next((v.conflict or "data" for v in votes if not v.yes), "")
            if not refusal and self.rt.clock.now() > req.deadline:
                refusal = "late"
            if refusal:
                self._broadcast_outcome(req, False, 0)
                raise self._refuse(refusal)
            minimum = max(v.ts for v in votes)
            self.table.release(keys, req.txn_id)
            self.table.release_shared(shares, req.txn_id)
            ts = self._next_ts(minimum)
            self.table.record(keys, ts)
            self.table.record_shared(shares, ts)
            await self._append(ts, CommitRecord(req.txn_id, ts, req.writes, req.locks,
                                                req.participants, req.shares))
        finally:
            self.table.release(keys, req.txn_id)
            self.table.release_shared(shares, req.txn_id)
            self._deciding.pop(req.txn_id, None)
        self._committed[req.txn_id] = ts
        self.commits += 1
        self._broadcast_outcome(req, True, ts)
        await self._commit_wait(ts)
        return ts

    def _broadcast_outcome(self, req: CommitRequest, committed: bool, ts: int) -> None:
        outcome = Outcome(req.txn_id, committed, ts)
        for p in req.participants:
            self.rt.spawn(self._deliver_outcome(p, outcome, req.deadline), name="outcome")

    async def _deliver_outcome(self, participant: int, outcome: Outcome, deadline: int) -> None:
        """Tell a participant, retrying: until it knows, its keys stay promised. Past
        the deadline it asks us itself (`Resolve`), so retries stop there."""
        cfg = self.config
        while self.rt.clock.now() <= deadline + cfg.resolve_grace_ns:
            try:
                await self.rt.call(adjudicator_address(participant), outcome, cfg.outcome_attempt_ns)
                return
            except errors.BorealisError:
                await self.rt.sleep(cfg.outcome_attempt_ns // 4)

    def _on_vote(self, vote: Vote) -> None:
        deciding = self._deciding.get(vote.txn_id)
        if deciding is None:
            early = self._early_votes.setdefault(vote.txn_id, {})
            early[vote.voter] = vote
            if len(self._early_votes) > 10_000:  # bound: drop the oldest stray votes
                del self._early_votes[next(iter(self._early_votes))]
            return
        if vote.voter in deciding.expected:
            deciding.votes[vote.voter] = vote
            if not vote.yes or len(deciding.votes) == len(deciding.expected):
                deciding.done.set()

    # -- participant side -----------------------------------------------------------

    async def _prepare(self, req: Prepare) -> None:
        promised = self._promised.get(req.txn_id)
        if promised is not None:
            self.rt.send(adjudicator_address(req.leader), promised.vote)
            return
        if req.txn_id in self._aborted:  # the leader already gave up on it
            self.rt.send(adjudicator_address(req.leader), Vote(req.txn_id, self.index, False, 0, "data"))
            return
        keys = self._owned(req.keys)
        shares = self._owned(req.shares)
        reason, blocker = self._validate(req.t_start, req.deadline, keys, req.checks,
                                         req.txn_id, shares)
        if blocker is not None:
            reason = await self._validate_after(reason, blocker, req.t_start, req.deadline, keys,
                                                req.checks, req.txn_id, shares)
            if req.txn_id in self._promised or req.txn_id in self._aborted:
                await self._prepare(req)  # a duplicate was judged meanwhile, or an abort came
                return
        if reason:
            self.aborts += 1
            conflict = "schema" if reason == "schema" else "data"
            self.rt.send(adjudicator_address(req.leader),
                         Vote(req.txn_id, self.index, False, 0, conflict))
            return
        self.table.promise(keys, req.txn_id)
        self.table.promise_shared(shares, req.txn_id)
        ts = self._next_ts(req.t_start + 1)
        self._promised[req.txn_id] = _Promised(tuple(keys), req.leader, req.deadline,
                                               Vote(req.txn_id, self.index, True, ts, ""),
                                               tuple(shares), req.t_start)
        await self._append(ts, VoteRecord(req.txn_id, ts, req.leader, tuple(keys), req.deadline,
                                          tuple(shares)))
        self.rt.spawn(self._send_vote(req.txn_id), name="vote")
        self.rt.spawn(self._resolve_later(req.txn_id), name="resolve")

    async def _send_vote(self, txn_id: bytes) -> None:
        """Send the vote, and again now and then: a lost vote would abort the commit."""
        while True:
            promised = self._promised.get(txn_id)
            if promised is None or self.rt.clock.now() > promised.deadline:
                return
            self.rt.send(adjudicator_address(promised.leader), promised.vote)
            await self.rt.sleep(self.config.vote_resend_ns)

    async def _on_outcome(self, msg: Outcome) -> None:
        if not msg.committed:
            self._aborted[msg.txn_id] = None
            if len(self._aborted) > 10_000:  # bound: forget the oldest
                del self._aborted[next(iter(self._aborted))]
        if msg.txn_id not in self._promised:
            return
        self._settle(msg.txn_id, msg.committed, msg.t_commit)
        ts = self._next_ts()
        await self._append(ts, OutcomeRecord(msg.txn_id, ts, msg.committed, msg.t_commit))

    def _settle(self, txn_id: bytes, committed: bool, t_commit: int) -> None:
        promised = self._promised.pop(txn_id, None)
        if promised is None:
            return
        waiting = self._settling.pop(txn_id, None)
        if waiting is not None:  # transactions it alone refused are judged again
            waiting.set()
        self.table.release(promised.keys, txn_id)
        self.table.release_shared(promised.shares, txn_id)
        if committed:
            self.table.record(promised.keys, t_commit)
            self.table.record_shared(promised.shares, t_commit)

    async def _resolve_later(self, txn_id: bytes) -> None:
        """Once the deadline has passed, ask the leader how a promised txn ended."""
        while (promised := self._promised.get(txn_id)) is not None:
            wait = promised.deadline + self.config.resolve_grace_ns - self.rt.clock.now()
            if wait > 0:
                await self.rt.sleep(wait)
                continue
            try:
                outcome = await self.rt.call(adjudicator_address(promised.leader),
                                             Resolve(txn_id, promised.deadline),
                                             self.config.resolve_retry_ns)
            except errors.BorealisError:
                outcome = None
            if isinstance(outcome, Outcome):
                await self._on_outcome(outcome)
                return
            await self.rt.sleep(self.config.resolve_retry_ns)

    async def _resolve(self, msg: Resolve) -> Outcome | None:
        """Leader side: the final outcome of `txn_id`, or None if not final yet."""
        entry = self._recent.get(msg.txn_id)
        if entry is not None:
            try:
                reply = await asyncio.shield(entry[1])
            except errors.BorealisError:
                return Outcome(msg.txn_id, False, 0)
            return Outcome(msg.txn_id, True, reply.t_commit)
        ts = self._committed.get(msg.txn_id)
        if ts is not None:
            return Outcome(msg.txn_id, True, ts)
        if self.rt.clock.now() <= msg.deadline:
            return None
        # Past its deadline and never seen: it can no longer commit here. Remember
        # the abort so a late duplicate request gets the same answer.
        future = asyncio.get_running_loop().create_future()
        future.set_exception(errors.CommitDeadlineExceeded())
        future.exception()
        self._recent[msg.txn_id] = (msg.deadline, future)
        return Outcome(msg.txn_id, False, 0)

    # -- heartbeats and the journal reader ------------------------------------------

    async def _heartbeat_loop(self) -> None:
        while True:
            await self.rt.sleep(self.config.heartbeat_interval_ns)
            await self._advance_floor(self.rt.clock.now())
            self._purge_recent()

    async def _advance_floor(self, target: int) -> None:
        if target > self.promise:
            new_promise = target + self.config.promise_ahead_ns
            ts = self._next_ts()
            await self._append(ts, PromiseRecord(ts, new_promise))
            self.promise = max(self.promise, new_promise)
        self._raise_floor(target)

    def _raise_floor(self, target: int, *, wake: bool = True) -> None:
        if target > self.floor:
            self.floor = target
            if wake:
                self._wake()

    def _handle_journal(self, sender: str, msg):
        # Plain, not async: a Bump that needs no promise record is answered at once
        # (no task); the rest return the coroutine the runtime runs as a task.
        if isinstance(msg, JournalRead):
            return self._read_journal(msg)
        if isinstance(msg, Bump):
            target = min(msg.ts, self.rt.clock.latest + self.config.bump_ahead_max_ns)
            if target > self.promise:
                return self._acked(self._bump_past_promise(target))
            # The raised floor goes to the crossbar as a Vouch, not through the long
            # poll: waking that would cost a JournalBatch, a new JournalRead and two
            # tasks per waiting read. A lost Vouch is healed by the next heartbeat,
            # which does wake the poll.
            self._raise_floor(target, wake=False)
            self._vouch()
            return Ack()
        if isinstance(msg, Trim):
            return self._acked(self._trim(msg.durable_ts))
        raise errors.ProtocolViolation(what=f"journal got {type(msg).__name__}")

    @staticmethod
    async def _acked(work) -> Ack:
        await work
        return Ack()

    async def _bump_past_promise(self, target: int) -> None:
        await self._advance_floor(target)
        self._vouch()

    def _vouch(self) -> None:
        """Tell the crossbar how far this journal vouches now: what `_read_journal`
        would put in an empty batch, with the durable end it holds for."""
        assert self.journal is not None
        self.rt.send(CROSSBAR_ADDRESS,
                     Vouch(self.index, self.watermark(), self.journal.durable_lsn))

    async def _trim(self, durable_ts: int) -> None:
        """Drop journal records storage has durably applied and recovery no longer
        needs: recovery rebuilds the last `window_ns` of commits and must still find
        every unresolved vote, so keep both."""
        assert self.journal is not None
        keep_from = min(durable_ts, self.rt.clock.now() - self.config.window_ns
                        - self.config.trim_margin_ns)
        for promised in self._promised.values():
            keep_from = min(keep_from, promised.vote.ts - 1)
        if keep_from > 0:
            await self.journal.trim(self.journal.first_lsn_after_ts(keep_from))

    async def _read_journal(self, msg: JournalRead) -> JournalBatch:
        assert self.journal is not None
        after = msg.after_lsn
        if after < 0:
            after = self.journal.first_lsn_after_ts(msg.after_ts) - 1
        count = max(1, min(msg.max_records, self.config.journal_read_records_max))
        records = self.journal.read(after, count)
        known = self.watermark()
        if not records and msg.wait_ns > 0 and known <= msg.seen_watermark:
            progress = self._progress
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(msg.wait_ns / 1e9):
                    await progress.wait()
            records = self.journal.read(after, count)
            if not records and self.watermark() == known:
                return JournalBatch((), known, after)
        if len(records) == count and records[-1][0] < self.journal.durable_lsn:
            watermark = records[-1][1]  # more are waiting: vouch only for what we send
        else:
            watermark = max(self.watermark(), records[-1][1] if records else 0)
        last = records[-1][0] if records else after
        return JournalBatch(tuple(records), watermark, last)
