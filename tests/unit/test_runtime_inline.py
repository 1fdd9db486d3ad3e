"""AioRuntime's inline calls (Runtime.listen(inline=True)): the handler runs in the
caller's task, and what crosses — request, reply, errors — is what a message would
carry; a closed runtime's addresses answer nobody."""

from __future__ import annotations

import asyncio

import pytest

from borealis.core import errors
from borealis.runtime.aio import AioRuntime, LocalNetwork

TIMEOUT_NS = 2_000_000_000


def run(body) -> None:
    asyncio.run(body())


@pytest.mark.parametrize("roundtrip", [True, False])
def test_inline_calls_run_in_the_callers_task_and_cross_the_codec(tmp_path, roundtrip):
    async def body() -> None:
        net = LocalNetwork(codec_roundtrip=roundtrip)
        a, b = AioRuntime("a", net, str(tmp_path)), AioRuntime("b", net, str(tmp_path))
        seen = []

        async def handler(sender, body):
            seen.append((sender, asyncio.current_task()))
            if body == "bad":
                raise errors.ReadTimeout()
            if body == "bug":
                raise KeyError("x")
            return [body, body]

        b.listen("inline", handler, inline=True)
        b.listen("queued", handler)
        reply = await a.call("inline", ("x", 1), TIMEOUT_NS)
        assert seen[-1] == ("@a", asyncio.current_task())
        assert reply == ((("x", 1), ("x", 1)) if roundtrip else [("x", 1), ("x", 1)])
        await a.call("queued", 1, TIMEOUT_NS)
        assert seen[-1][1] is not asyncio.current_task()  # a task of its own
        with pytest.raises(errors.ReadTimeout) as info:
            await a.call("inline", "bad", TIMEOUT_NS)
        assert info.value.sqlstate == errors.ReadTimeout().sqlstate
        with pytest.raises(errors.BorealisError) as info:
            await a.call("inline", "bug", TIMEOUT_NS)
        assert type(info.value).__name__ == "InternalError"
        assert "KeyError" in info.value.message
        await b.close()
        with pytest.raises(errors.Unavailable):  # like a closed port
            await a.call("inline", 1, 50_000_000)
        await a.close()

    run(body)
