"""Messages the crossbar accepts."""

from __future__ import annotations

from borealis.core.messages import message


@message(40)
class NeedWatermark:
    """Storage shard `shard` has a read waiting for τ = `ts`: ask the journals to
    heartbeat now, and send that shard the watermark as soon as it reaches `ts`."""

    ts: int
    shard: int = -1  # -1: not said; every shard then gets every watermark


@message(41)
class Vouch:
    """Journal `journal`'s answer to a Bump: every record it will hold after LSN
    `last_lsn` (its durable end when it answered) has ts > `watermark`. A crossbar that
    has read up to `last_lsn` may take `watermark` as that journal's horizon at once,
    without waiting for its long poll to return."""

    journal: int
    watermark: int
    last_lsn: int
