"""What an adjudicator writes into its journal, and what readers get back.

Every record carries a timestamp strictly greater than the previous record's in the
same journal, so a journal is a monotonic stream the crossbar can merge. Only
`CommitRecord`s carry data: the whole transaction's post-images, written once, to the
leader adjudicator's journal; that append is the commit point (DESIGN.md §4). The
other kinds exist so an adjudicator can rebuild its state after a restart:

- `VoteRecord`: a participant promised keys to a multi-adjudicator transaction; it is
  fsynced before the vote is sent, so the promise survives a crash and is resolved
  later from the leader's journal.
- `OutcomeRecord`: the participant learned how that transaction ended (written lazily).
- `PromiseRecord`: the adjudicator may announce watermarks up to `promise`; after a
  restart it never commits at or below it, even if its clock stepped back.
"""

from __future__ import annotations

from typing import Any

from borealis.core.messages import message

Write = tuple[bytes, bytes | None]  # (key, post-image or None for a delete)


@message(30)
class CommitRecord:
    txn_id: bytes
    ts: int
    writes: tuple[Write, ...]
    locks: tuple[bytes, ...]  # FOR UPDATE keys: conflict-recorded, no post-image
    participants: tuple[int, ...]  # adjudicators other than the leader
    shares: tuple[bytes, ...] = ()  # keys depended on, not written (ConflictTable)


@message(31)
class VoteRecord:
    txn_id: bytes
    ts: int
    leader: int
    keys: tuple[bytes, ...]
    deadline: int
    shares: tuple[bytes, ...] = ()


@message(32)
class OutcomeRecord:
    txn_id: bytes
    ts: int
    committed: bool
    t_commit: int


@message(33)
class PromiseRecord:
    ts: int
    promise: int


JournalRecord = CommitRecord | VoteRecord | OutcomeRecord | PromiseRecord


@message(35)
class JournalRead:
    """Long-poll: records after `after_lsn` (or, when `after_lsn` < 0, the first
    record with ts > `after_ts`), at most `max_records`, waiting up to `wait_ns` for
    one to exist or for the watermark to pass `seen_watermark`."""

    after_lsn: int
    after_ts: int
    max_records: int
    wait_ns: int
    seen_watermark: int


@message(36)
class JournalBatch:
    """Durable records in order, and the journal's watermark: every record this
    journal will ever hold beyond these has ts > `watermark`."""

    records: tuple[tuple[int, int, bytes], ...]  # (lsn, ts, encoded record)
    watermark: int
    last_lsn: int


@message(37)
class Bump:
    """A reader needs the watermark to reach `ts`: raise the floor now."""

    ts: int


@message(38)
class Trim:
    """Every storage shard has durably applied every commit ≤ `durable_ts`: records
    below it may go once the adjudicator no longer needs them for recovery."""

    durable_ts: int


def describe(record: Any) -> str:
    return f"{type(record).__name__}(ts={record.ts})"
