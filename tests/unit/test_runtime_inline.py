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


@pytest.mark.parametrize("inline", [True, False])
def test_plain_handlers_answer_without_a_task_and_may_hand_back_a_coroutine(tmp_path, inline):
    """A handler that is a plain function replies from the delivery itself (no task is
    made for it); it may return a coroutine for the requests that must wait, which then
    runs as an async handler would. Errors cross as they do from an async handler."""
    async def body() -> None:
        net = LocalNetwork(codec_roundtrip=True)
        a, b = AioRuntime("a", net, str(tmp_path)), AioRuntime("b", net, str(tmp_path))
        seen: list = []
        gate = asyncio.Event()

        async def later(value):
            seen.append(("later", asyncio.current_task()))
            await gate.wait()
            return value + 1

        def handler(sender, msg):
            seen.append(("plain", asyncio.current_task()))
            if msg == "bad":
                raise errors.ReadTimeout()
            if msg == "bug":
                raise KeyError("x")
            if isinstance(msg, int) and msg < 0:
                return later(msg)
            return ("echo", msg)

        b.listen("plain", handler, inline=inline)
        assert await a.call("plain", 7, TIMEOUT_NS) == ("echo", 7)
        assert seen[-1][1] is (asyncio.current_task() if inline else None)
        call = asyncio.ensure_future(a.call("plain", -5, TIMEOUT_NS))
        await asyncio.sleep(0.01)
        assert not call.done()  # the coroutine it handed back is waiting
        assert seen[-1][0] == "later" and seen[-1][1] is not None
        gate.set()
        assert await call == -4
        with pytest.raises(errors.ReadTimeout):
            await a.call("plain", "bad", TIMEOUT_NS)
        with pytest.raises(errors.BorealisError) as info:
            await a.call("plain", "bug", TIMEOUT_NS)
        assert type(info.value).__name__ == "InternalError" and "KeyError" in info.value.message
        before = len(seen)
        a.send("plain", 3)  # one-way: handled on delivery, nothing comes back
        await asyncio.sleep(0.01)
        assert seen[before:] == [("plain", None)]
        await a.close()
        await b.close()

    run(body)
