"""Messages the crossbar accepts."""

from __future__ import annotations

from borealis.core.messages import message


@message(40)
class NeedWatermark:
    """Storage shard `shard` has a read waiting for τ = `ts`: ask the journals to
    heartbeat now, and send that shard the watermark as soon as it reaches `ts`."""

    ts: int
    shard: int = -1  # -1: not said; every shard then gets every watermark
