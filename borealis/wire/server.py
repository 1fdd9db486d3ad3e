"""The asyncio shell around `protocol.ServerProtocol`: sockets, TLS, limits, cancel routing.

Everything protocol-shaped lives in the sans-IO state machine; this module only moves
bytes. Per connection:

    accept ─▶ peek first byte ─┬─ 0x16 (TLS ClientHello) ─▶ TLS handshake, ALPN must be
                               │                            `postgresql` (direct TLS)
                               └─ anything else ──────────▶ plain TCP
          ─▶ loop: read ─▶ protocol.feed ─▶ write output (await drain)
                   └─ protocol.wants_tls (it answered SSLRequest with 'S') ─▶ start_tls
          ─▶ end (Terminate, FATAL, client gone, server closing) ─▶ protocol.close()
             which calls Session.terminate() exactly once

With `tls_required` (Aurora DSQL's behaviour) a client that starts up in plain text is
refused with FATAL 08P01 "SSL is mandatory"; both ways into TLS stay open.

Bounds: `connections_max` sessions; up to `connections_overflow_max` more are accepted
only to be told FATAL 53300 (after their startup packet, so the client sees a proper
error even over TLS); beyond that a connection is closed at once. With
`connection_rate_per_s`, admitted connections also take a token from a bucket of
`connection_burst` tokens refilled at that rate; a connection that finds it empty is told
FATAL 53400 the same way. With `connection_lifetime_s`, a session that has lived that
long is ended with FATAL 57P01 at the first moment no transaction is open (between
messages, status idle); an open transaction may finish first, for at most
`connection_lifetime_grace_s` more, after which a running statement is cancelled and the
session ends anyway (DSQL: a connection runs transactions for up to an hour; one begun
in the 60th minute still runs to its 5-minute limit). The whole startup
(TLS, startup packet, authentication) must finish within `startup_timeout_s`. A
connection stops reading while `read_buffer_bytes_max` bytes wait unprocessed, and the
state machine stops producing output while the socket's write buffer is full, so one
slow client never makes the server buffer without limit.

CancelRequest arrives on a new connection carrying (process id, secret key); the
server keeps a registry of live connections by process id and, if the secret matches,
calls `cancel()` on that connection's session.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import logging
import secrets
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from borealis.core import errors, limits
from borealis.core.errors import ProtocolViolation
from borealis.wire import tls
from borealis.wire.auth import Authenticator
from borealis.wire.backend import Backend, TransactionStatus
from borealis.wire.errors import ConnectionLost
from borealis.wire.protocol import ProtocolConfig, ServerProtocol, State

logger = logging.getLogger(__name__)

CONNECTIONS_MAX = 100
CONNECTIONS_OVERFLOW_MAX = 16  # extra connections accepted only to be refused with 53300
STARTUP_TIMEOUT_S = 60.0  # PostgreSQL's authentication_timeout
READ_BUFFER_BYTES_MAX = 1024 * 1024
LISTEN_BACKLOG = 128
ACCEPT_RETRY_DELAY_S = 0.1  # after EMFILE and the like: let connections close first
CLOSE_TIMEOUT_S = 10.0  # server shutdown: how long connections get to wind down
CLOSE_FLUSH_TIMEOUT_S = 5.0  # a closing connection's last bytes; then it is cut off
SHUTDOWN_FLUSH_TIMEOUT_S = 0.5  # the same while the whole server shuts down
_PROCESS_ID_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 5432  # 0 picks a free port (see `Server.port`)
    ssl_context: ssl.SSLContext | None = None
    # DSQL's rule: a StartupMessage that did not come over TLS (SSLRequest or direct
    # TLS) gets FATAL 08P01 "SSL is mandatory …". Needs `ssl_context`.
    tls_required: bool = False
    connections_max: int = CONNECTIONS_MAX
    connections_overflow_max: int = CONNECTIONS_OVERFLOW_MAX
    startup_timeout_s: float = STARTUP_TIMEOUT_S
    read_buffer_bytes_max: int = READ_BUFFER_BYTES_MAX
    protocol: ProtocolConfig = field(default_factory=ProtocolConfig)
    # DSQL's connection rate limit (53400) and lifetime (57P01); None: no limit. The CLI
    # turns both on with `--compat dsql` (borealis/core/limits.py has DSQL's values).
    connection_rate_per_s: float | None = None
    connection_burst: int = limits.CONNECTION_BURST
    connection_lifetime_s: float | None = None
    connection_lifetime_grace_s: float = limits.CONNECTION_AGE_GRACE_S
    # The rate bucket's clock, in seconds (tests inject one); default: the event loop's.
    # Timers (startup timeout, lifetime) always run on the event loop's clock.
    rate_clock: Callable[[], float] | None = None

    def __post_init__(self) -> None:
        if self.tls_required and self.ssl_context is None:
            raise ValueError("tls_required needs an ssl_context")
        if self.connections_max < 1 or self.connections_overflow_max < 0:
            raise ValueError("connections_max must be positive, the overflow not negative")
        if self.connection_rate_per_s is not None and not self.connection_rate_per_s > 0:
            raise ValueError("connection_rate_per_s must be positive (or None: no limit)")
        if self.connection_burst < 1:
            raise ValueError("connection_burst must be at least 1")
        if self.connection_lifetime_s is not None and not self.connection_lifetime_s > 0:
            raise ValueError("connection_lifetime_s must be positive (or None: no limit)")
        if self.connection_lifetime_grace_s < 0:
            raise ValueError("connection_lifetime_grace_s must not be negative")


class TokenBucket:
    """Admission at `rate_per_s` on average with bursts of up to `burst`: a token per
    admission, refilled continuously. Pure: the caller passes the time, in seconds."""

    def __init__(self, rate_per_s: float, burst: int, now: float) -> None:
        self._rate_per_s = rate_per_s
        self._burst = burst
        self._tokens = float(burst)  # starts full
        self._at = now

    def take(self, now: float) -> bool:
        """Take one token if there is one; a clock that steps back refills nothing."""
        if now > self._at:
            refill = (now - self._at) * self._rate_per_s
            self._tokens = min(float(self._burst), self._tokens + refill)
            self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass(frozen=True, slots=True)
class _Lifetime:
    """When one session must end, on the event loop's clock."""

    limit_s: float
    expires_at: float  # from here on, close as soon as no transaction is open
    hard_at: float  # from here on, close whatever it is doing

    def over(self, now: float, proto: ServerProtocol) -> bool:
        return now >= self.hard_at or (now >= self.expires_at and _between_transactions(proto))

    def next_check(self, now: float) -> float:
        return self.expires_at if now < self.expires_at else self.hard_at


class _Connection(asyncio.Protocol):
    """Bytes in, bytes out, with flow control both ways. Knows nothing of PostgreSQL."""

    def __init__(self, read_buffer_bytes_max: int) -> None:
        self.transport: asyncio.Transport | None = None
        self.on_lost: Callable[[], None] | None = None
        self._read_buffer_bytes_max = read_buffer_bytes_max
        self._incoming = bytearray()
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._lost = False
        self._closed = asyncio.Event()  # connection_lost ran: the socket is closed
        self._reading_paused = False

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop transports are not asyncio.Transport subclasses; check the methods used.
        assert hasattr(transport, "write") and hasattr(transport, "pause_reading")
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._incoming += data
        self._readable.set()
        if len(self._incoming) >= self._read_buffer_bytes_max and not self._reading_paused:
            self._reading_paused = True
            self._require_transport().pause_reading()

    def eof_received(self) -> bool:
        self._mark_lost()
        return False  # close our side too: PostgreSQL clients never half-close

    def connection_lost(self, exc: Exception | None) -> None:
        self._mark_lost()
        self._closed.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # the shell's side

    @property
    def has_unread(self) -> bool:
        return bool(self._incoming)

    async def read(self) -> bytes:
        """Everything received so far; b"" once the client is gone."""
        while not self._incoming and not self._lost:
            self._readable.clear()
            await self._readable.wait()
        data = bytes(self._incoming)
        self._incoming.clear()
        if self._reading_paused and not self._lost:
            self._reading_paused = False
            self._require_transport().resume_reading()
        return data

    async def write(self, data: bytes) -> None:
        if not data:
            return
        transport = self._require_transport()
        if self._lost or transport.is_closing():
            raise ConnectionLost()
        transport.write(data)
        await self._writable.wait()
        if self._lost:
            raise ConnectionLost()

    async def start_tls(self, context: ssl.SSLContext, timeout_s: float) -> None:
        loop = asyncio.get_running_loop()
        transport = await loop.start_tls(
            self._require_transport(),
            self,
            context,
            server_side=True,
            ssl_handshake_timeout=timeout_s,
            ssl_shutdown_timeout=CLOSE_FLUSH_TIMEOUT_S,
        )
        if transport is None:
            raise ConnectionLost()
        self.transport = transport

    async def close(self, timeout_s: float) -> None:
        """Send what is buffered (e.g. a FATAL), then close; a client that does not
        take it within `timeout_s` is cut off. Returns once the socket is closed."""
        if self.transport is None:
            return
        self.transport.close()
        try:
            await asyncio.wait_for(self._closed.wait(), timeout_s)
        except TimeoutError:
            pass
        finally:
            self.abort()  # too slow, or cancelled: the socket closes on the loop's next turn

    def abort(self) -> None:
        """Drop the connection now, unless it is closed already."""
        if self.transport is not None and not self._closed.is_set():
            self.transport.abort()

    def _mark_lost(self) -> None:
        first = not self._lost
        self._lost = True
        self._readable.set()
        self._writable.set()
        if first and self.on_lost is not None:
            self.on_lost()

    def _require_transport(self) -> asyncio.Transport:
        if self.transport is None:
            raise ConnectionLost()
        return self.transport


class Server:
    """A PostgreSQL endpoint: `await start()`, then `await close()`."""

    def __init__(
        self, backend: Backend, authenticator: Authenticator, config: ServerConfig | None = None
    ) -> None:
        self._backend = backend
        self._authenticator = authenticator
        self._config = config or ServerConfig()
        self._protocol_config = _protocol_config(self._config)
        self._listeners: list[socket.socket] = []
        self._accept_tasks: list[asyncio.Task[None]] = []
        self._connection_tasks: set[asyncio.Task[None]] = set()
        self._live: dict[int, tuple[int, ServerProtocol]] = {}  # process id → (secret, proto)
        self._next_process_id = 1
        self._connections = 0
        self._closing = False
        self._bucket: TokenBucket | None = None  # made in start(): it needs the loop's clock

    @property
    def port(self) -> int:
        if not self._listeners:
            raise RuntimeError("server not started")
        return self._listeners[0].getsockname()[1]

    @property
    def connection_count(self) -> int:
        return self._connections

    async def start(self) -> None:
        rate = self._config.connection_rate_per_s
        if rate is not None:
            self._bucket = TokenBucket(rate, self._config.connection_burst, self._rate_now())
        self._listeners = _listen(self._config.host, self._config.port)
        for listener in self._listeners:
            self._accept_tasks.append(asyncio.create_task(self._accept_loop(listener)))

    async def close(self) -> None:
        """Stop accepting; end every connection with FATAL 57P01, terminating sessions."""
        self._closing = True
        for task in self._accept_tasks:
            task.cancel()
        for listener in self._listeners:
            listener.close()
        for task in list(self._connection_tasks):
            task.cancel()
        pending = [*self._accept_tasks, *self._connection_tasks]
        if pending:
            await asyncio.wait(pending, timeout=CLOSE_TIMEOUT_S)
        self._accept_tasks.clear()
        await asyncio.sleep(0)  # let aborted transports close their sockets

    async def serve_forever(self) -> None:
        await asyncio.gather(*self._accept_tasks)

    # --- accepting --------------------------------------------------------------------

    async def _accept_loop(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        hard_limit = self._config.connections_max + self._config.connections_overflow_max
        while True:
            try:
                sock, address = await loop.sock_accept(listener)
            except OSError as exc:  # EMFILE, ENFILE, ECONNABORTED: keep the server up
                logger.warning("accept failed: %s", exc)
                await asyncio.sleep(ACCEPT_RETRY_DELAY_S)
                continue
            if self._connections >= hard_limit:
                sock.close()
                continue
            self._connections += 1
            task = asyncio.create_task(self._serve(sock, _format_address(address)))
            self._connection_tasks.add(task)
            task.add_done_callback(functools.partial(self._connection_done, sock))

    def _connection_done(self, sock: socket.socket, task: asyncio.Task[None]) -> None:
        self._connection_tasks.discard(task)
        self._connections -= 1  # here, not in _serve: a task cancelled unstarted ends too
        # Normally a no-op (the transport closed it). Not so if the task was cancelled
        # before it ran, or ended before a transport took the socket over.
        sock.close()

    # --- one connection ---------------------------------------------------------------

    async def _serve(self, sock: socket.socket, address: str) -> None:
        conn = _Connection(self._config.read_buffer_bytes_max)
        proto = self._new_protocol(conn, address)
        self._live[proto.process_id] = (proto.secret_key, proto)
        try:
            await self._serve_connection(sock, conn, proto)
        except (ConnectionLost, ConnectionError, TimeoutError, ssl.SSLError) as exc:
            logger.debug("connection %s ended: %r", address, exc)
        except Exception:
            logger.exception("connection %s failed", address)
        finally:
            self._live.pop(proto.process_id, None)
            await self._finish(conn, proto)

    def _new_protocol(self, conn: _Connection, address: str) -> ServerProtocol:
        process_id = self._allocate_process_id()
        reject: errors.BorealisError | None = None
        if self._connections > self._config.connections_max:
            reject = errors.TooManyConnections()
        elif self._bucket is not None and not self._bucket.take(self._rate_now()):
            # Every admitted connection takes a token (a CancelRequest too: the kind of
            # connection is not known yet); ones refused for the count take none.
            reject = errors.ConnectionRateExceeded()
        proto: ServerProtocol

        async def flush() -> None:
            await conn.write(proto.take_output())

        proto = ServerProtocol(
            self._backend,
            self._authenticator,
            config=self._protocol_config,
            process_id=process_id,
            secret_key=secrets.randbits(32),
            remote_address=address,
            reject=reject,
            on_cancel=self._cancel,
            flush=flush,
        )
        return proto

    async def _serve_connection(
        self, sock: socket.socket, conn: _Connection, proto: ServerProtocol
    ) -> None:
        opened_at = asyncio.get_running_loop().time()
        async with asyncio.timeout(self._config.startup_timeout_s):
            if not await self._open(sock, conn, proto):
                return
            await self._pump(conn, proto, until_session=True)
        limit_s = self._config.connection_lifetime_s
        if limit_s is None:
            await self._pump(conn, proto, until_session=False)
            return
        expires_at = opened_at + limit_s
        hard_at = expires_at + self._config.connection_lifetime_grace_s
        await self._pump_until_expiry(conn, proto, _Lifetime(limit_s, expires_at, hard_at))

    async def _open(self, sock: socket.socket, conn: _Connection, proto: ServerProtocol) -> bool:
        """Attach the socket to asyncio, doing the TLS handshake now if the client
        started with one (direct TLS). False if the connection is already over."""
        loop = asyncio.get_running_loop()
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)  # find dead peers
        first = await _peek(loop, sock)
        if not first:
            return False
        context = self._config.ssl_context
        direct = tls.is_tls_handshake(first)
        if direct and context is None:
            return False  # a ClientHello to a plain-text server: nothing sensible to say
        await loop.connect_accepted_socket(
            lambda: conn,
            sock,
            ssl=context if direct else None,
            ssl_handshake_timeout=self._config.startup_timeout_s if direct else None,
            ssl_shutdown_timeout=CLOSE_FLUSH_TIMEOUT_S if direct else None,
        )
        if direct:
            return await self._check_alpn(conn, proto)
        return True

    async def _check_alpn(self, conn: _Connection, proto: ServerProtocol) -> bool:
        assert conn.transport is not None
        ssl_object = conn.transport.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == tls.ALPN_PROTOCOL:
            proto.direct_tls_established()
            return True
        proto.abort(
            ProtocolViolation(
                what="received direct SSL connection request without ALPN protocol "
                "negotiation extension"
            )
        )
        await conn.write(proto.take_output())
        return False

    async def _pump(self, conn: _Connection, proto: ServerProtocol, *, until_session: bool) -> None:
        conn.on_lost = lambda: proto.cancel() if proto.busy else None  # left mid-statement
        while not proto.closed and not (until_session and proto.session is not None):
            data = await conn.read()
            if not data:
                return
            await proto.feed(data)
            await conn.write(proto.take_output())
            if proto.wants_tls:
                await self._upgrade(conn, proto)

    async def _pump_until_expiry(
        self, conn: _Connection, proto: ServerProtocol, lifetime: _Lifetime
    ) -> None:
        """`_pump` for a session with a lifetime: reads wake up at the lifetime's
        deadlines, and a statement still running at the hard deadline is cancelled."""
        loop = asyncio.get_running_loop()
        conn.on_lost = lambda: proto.cancel() if proto.busy else None
        watchdog = loop.call_at(lifetime.hard_at, lambda: proto.cancel() if proto.busy else None)
        try:
            while not proto.closed:
                now = loop.time()
                if lifetime.over(now, proto):
                    proto.abort(errors.ConnectionLifetimeExceeded(seconds=f"{lifetime.limit_s:g}"))
                    return
                try:
                    # Cancelling a pending read loses nothing: the bytes stay in `conn`.
                    async with asyncio.timeout_at(lifetime.next_check(now)):
                        data = await conn.read()
                except TimeoutError:
                    continue
                if not data:
                    return
                await proto.feed(data)
                await conn.write(proto.take_output())
        finally:
            watchdog.cancel()

    async def _upgrade(self, conn: _Connection, proto: ServerProtocol) -> None:
        if conn.has_unread:  # plain-text bytes behind the SSLRequest (CVE-2021-23214)
            proto.abort(ProtocolViolation(what="received unencrypted data after SSL request"))
            return
        assert self._config.ssl_context is not None
        await conn.start_tls(self._config.ssl_context, self._config.startup_timeout_s)
        proto.tls_established()

    async def _finish(self, conn: _Connection, proto: ServerProtocol) -> None:
        timeout_s = CLOSE_FLUSH_TIMEOUT_S
        if self._closing:
            proto.abort(errors.AdminShutdown())
            timeout_s = SHUTDOWN_FLUSH_TIMEOUT_S
        try:
            with contextlib.suppress(ConnectionLost, ConnectionError, TimeoutError):
                async with asyncio.timeout(timeout_s):  # a client that stopped reading
                    await conn.write(proto.take_output())  # e.g. the FATAL that ended it
                await conn.close(timeout_s)
        finally:
            conn.abort()
            await proto.close()  # Session.terminate(), exactly once

    # --- cancel routing ---------------------------------------------------------------

    def _cancel(self, process_id: int, secret_key: int) -> None:
        entry = self._live.get(process_id)
        if entry is None:
            return
        known, proto = entry
        # Constant-time: the secret is the only thing that authorizes a cancel.
        if hmac.compare_digest(known.to_bytes(4, "big"), secret_key.to_bytes(4, "big")):
            try:
                proto.cancel()
            except Exception:
                logger.exception("cancel of session %d failed", process_id)

    def _rate_now(self) -> float:
        clock = self._config.rate_clock or asyncio.get_running_loop().time
        return clock()

    def _allocate_process_id(self) -> int:
        # Bounded: at most (live connections + 1) candidates are taken.
        while True:
            candidate = self._next_process_id
            self._next_process_id = candidate % _PROCESS_ID_MAX + 1
            if candidate not in self._live:
                return candidate


# --- helpers ----------------------------------------------------------------------------


def _protocol_config(config: ServerConfig) -> ProtocolConfig:
    base = config.protocol
    return ProtocolConfig(
        tls_available=config.ssl_context is not None,
        tls_required=config.tls_required,
        server_version=base.server_version,
        message_bytes_max=base.message_bytes_max,
        control_message_bytes_max=base.control_message_bytes_max,
        auth_message_bytes_max=base.auth_message_bytes_max,
        startup_packet_bytes_max=base.startup_packet_bytes_max,
        outbox_bytes_max=base.outbox_bytes_max,
        scram_mock_key=base.scram_mock_key or secrets.token_bytes(32),
    )


def _listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for every address of `host`, all on one port."""
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    listeners: list[socket.socket] = []
    seen: set[tuple[int, str]] = set()
    try:
        for family, kind, proto, _, address in infos:
            if (family, address[0]) in seen:
                continue
            seen.add((family, address[0]))
            if listeners:  # port 0: every address gets the port the first one got
                address = (address[0], listeners[0].getsockname()[1], *address[2:])
            listeners.append(_listen_one(family, kind, proto, address))
    except BaseException:
        for listener in listeners:
            listener.close()
        raise
    return listeners


def _listen_one(family: int, kind: int, proto: int, address: tuple) -> socket.socket:
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def _peek(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytes:
    """The first byte the client sent, left in the socket; b"" if it closed."""
    while True:
        try:
            return sock.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            await _readable(loop, sock)
        except ConnectionError:
            return b""


async def _readable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
    ready = loop.create_future()
    fd = sock.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await ready
    finally:
        loop.remove_reader(fd)


def _between_transactions(proto: ServerProtocol) -> bool:
    """Idle with no transaction open: ReadyForQuery 'I' sent and nothing under way."""
    session = proto.session
    return (
        proto.state is State.READY
        and not proto.busy
        and session is not None
        and session.transaction_status == TransactionStatus.IDLE
    )


def _format_address(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)
