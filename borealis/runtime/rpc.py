"""Request/reply over a one-way datagram transport, shared by every runtime.

A runtime provides `transmit(address, envelope)` (best effort: the simulator may drop,
delay or duplicate it) and calls `RpcEndpoint.receive(envelope, address)` when one
arrives. This class matches replies to calls by `call_id`, runs handlers as tasks of
the owning process, and turns a handler's `BorealisError` into an `ErrorReply` that the
caller re-raises, so errors cross role boundaries with their SQLSTATE.

Duplicated replies are ignored (the future is already done); a duplicated request runs
the handler twice, which is why every protocol above this is idempotent.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from borealis.core import errors
from borealis.core.messages import Envelope, ErrorReply
from borealis.runtime.base import Handler

log = logging.getLogger(__name__)

PENDING_CALLS_MAX = 100_000


class RpcEndpoint:
    def __init__(
        self,
        name: str,
        transmit: Callable[[str, Envelope], None],
        spawn: Callable[[Coroutine[Any, Any, Any]], Any],
    ) -> None:
        self.name = name  # the address replies come back to
        self._transmit = transmit
        self._spawn = spawn
        self._handlers: dict[str, Handler] = {}
        self._pending: dict[int, asyncio.Future] = {}
        self._next_call_id = 1

    def listen(self, address: str, handler: Handler) -> None:
        self._handlers[address] = handler

    def addresses(self) -> list[str]:
        return list(self._handlers)

    def send(self, address: str, message: Any) -> None:
        self._transmit(address, Envelope(self.name, 0, message))

    async def call(self, address: str, request: Any, timeout_ns: int) -> Any:
        if len(self._pending) >= PENDING_CALLS_MAX:
            raise errors.Unavailable(what=f"{address} (too many calls in flight)")
        call_id = self._next_call_id
        self._next_call_id += 1
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending[call_id] = future
        # One timer that fails the future, not asyncio.timeout/wait_for around the await:
        # cheaper on this hot path, and a cancellation of the caller is never lost (3.11's
        # wait_for drops one that arrives together with the reply).
        timer = loop.call_later(timeout_ns / 1e9, _expire, future)
        try:
            self._transmit(address, Envelope(self.name, call_id, request))
            reply = await future
        except TimeoutError:
            raise errors.Unavailable(what=address) from None
        finally:
            timer.cancel()
            self._pending.pop(call_id, None)
        if isinstance(reply, ErrorReply):
            raise errors.error_class(reply.name)(reply.message)
        return reply

    def receive(self, envelope: Envelope, address: str) -> None:
        if envelope.call_id < 0:
            future = self._pending.get(-envelope.call_id)
            if future is not None and not future.done():
                future.set_result(envelope.body)
            return
        handler = self._handlers.get(address)
        if handler is None:
            return  # nobody listens there: like a closed port, the caller times out
        try:
            reply = handler(envelope.sender, envelope.body)
        except Exception as exc:
            self._reply(envelope, error_reply(exc, envelope.body))
            return
        if inspect.isawaitable(reply):  # an async handler: it runs as its own task
            self._spawn(self._serve(reply, envelope))
        else:
            self._reply(envelope, reply)

    async def _serve(self, pending: Awaitable[Any], envelope: Envelope) -> None:
        try:
            reply = await pending
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reply = error_reply(exc, envelope.body)
        self._reply(envelope, reply)

    def _reply(self, envelope: Envelope, reply: Any) -> None:
        if envelope.call_id > 0:
            self._transmit(envelope.sender, Envelope(self.name, -envelope.call_id, reply))

    def fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.cancel()
        self._pending.clear()


def error_reply(exc: Exception, request: Any) -> ErrorReply:
    """A handler's error as the caller will re-raise it: a `BorealisError` keeps its
    SQLSTATE; anything else is a bug in the handler, logged, and must not kill the
    process."""
    if isinstance(exc, errors.BorealisError):
        return ErrorReply(type(exc).__name__, exc.message)
    log.error("handler for %s failed", type(request).__name__, exc_info=exc)
    return ErrorReply("InternalError", f"{type(exc).__name__}: {exc}")


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_exception(TimeoutError())
