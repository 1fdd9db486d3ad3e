"""Messages the crossbar accepts."""

from __future__ import annotations

from borealis.core.messages import message


@message(40)
class NeedWatermark:
    """Storage has a read waiting for τ = `ts`: ask the journals to heartbeat now."""

    ts: int
