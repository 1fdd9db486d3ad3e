"""Requests and replies of the storage role, and the crossbar's feed into it."""

from __future__ import annotations

from typing import Any

from borealis.core.messages import message
from borealis.journal.records import Write


@message(50)
class Apply:
    """Crossbar → storage: commits in τ order (only the writes this shard owns), and
    the watermark: the shard now has every commit with τ ≤ `watermark`."""

    commits: tuple[tuple[int, tuple[Write, ...]], ...]
    watermark: int


@message(51)
class Applied:
    applied: int  # the applied watermark
    durable: int  # the part of it that is fsynced (journals may trim below it)


@message(52)
class AppliedQuery:
    pass


@message(53)
class Get:
    keys: tuple[bytes, ...]
    ts: int


@message(54)
class GetReply:
    values: tuple[bytes | None, ...]


@message(55)
class Scan:
    """Rows with start ≤ key < end (end None: to the end), newest version ≤ ts,
    at most `limit` (0: no limit) rows, in key order or reversed.

    With `filter` or `projection` set (see `core.expr`), stored values are decoded as
    rows, filtered and projected in storage; the reply's values are then tuples.
    `scanned` in the reply counts rows read before the filter and `read_bytes` their
    keys and stored values (for EXPLAIN and its DPU estimate, `qp.metering`)."""

    start: bytes
    end: bytes | None
    ts: int
    limit: int
    reverse: bool
    filter: Any
    projection: tuple[int, ...] | None


@message(56)
class ScanReply:
    rows: tuple[tuple[bytes, Any], ...]
    more: bool  # stopped at `limit` or at the reply size bound: continue after last key
    scanned: int
    read_bytes: int = 0
