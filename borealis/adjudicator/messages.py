"""Requests and replies of the adjudicator role (DESIGN.md §4)."""

from __future__ import annotations

from borealis.core.messages import message
from borealis.journal.records import Write


@message(10)
class CommitRequest:
    """From the QP to the leader adjudicator (or the only one).

    `writes` is the whole transaction's write set with post-images; each adjudicator
    validates only the keys it owns among `writes`, `locks`, `checks` and `shares`.
    `participants` are the other adjudicators (each got a `Prepare`). `shares` are keys
    the transaction depends on without writing them (foreign-key parents, FOR KEY SHARE
    rows): checked like `checks`, and recorded so that a later writer that read before
    this commit fails (see `ConflictTable`).
    """

    txn_id: bytes
    t_start: int
    deadline: int
    writes: tuple[Write, ...]
    locks: tuple[bytes, ...]
    checks: tuple[bytes, ...]
    participants: tuple[int, ...]
    shares: tuple[bytes, ...] = ()


@message(11)
class CommitReply:
    t_commit: int


@message(12)
class Prepare:
    """From the QP to a non-leader participant: validate these keys, vote to `leader`."""

    txn_id: bytes
    t_start: int
    deadline: int
    keys: tuple[bytes, ...]  # written or locked keys: recorded on commit
    checks: tuple[bytes, ...]  # checked only
    leader: int
    shares: tuple[bytes, ...] = ()  # checked, and recorded as shared on commit


@message(13)
class Vote:
    txn_id: bytes
    voter: int
    yes: bool
    ts: int  # the voter's clock value / lower bound for τ_commit
    conflict: str  # "", "data" or "schema"


@message(14)
class Outcome:
    txn_id: bytes
    committed: bool
    t_commit: int


@message(15)
class Resolve:
    """A participant asks the leader how `txn_id` ended (after its deadline)."""

    txn_id: bytes
    deadline: int


@message(16)
class Ack:
    pass
