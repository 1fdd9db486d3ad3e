"""PostgreSQL protocol v3, server side: a sans-IO state machine over bytes.

`ServerProtocol` never touches a socket, a clock or TLS. The shell (`server.py`) hands it
bytes with `await feed(data)` and sends whatever `take_output()` returns. `feed` frames
complete messages out of a bounded buffer and calls one `_on_<message>` method per
message type; the only things it awaits are the SQL engine (`backend.Session`), the
`auth.Authenticator`, and the optional `flush` callback the shell provides so that a
large result streams out with backpressure instead of piling up in memory.

States (every transition goes through `_set_state` and is checked against
`_TRANSITIONS`):

                 SSLRequest, TLS configured ('S')
     ┌─────────┐ ───────────────────────────────▶ TLS_UPGRADE ──┐ shell: handshake,
     │ STARTUP │ ◀──────────────────────────────────────────────┘ tls_established()
     └────┬────┘  SSLRequest without TLS, GSSENCRequest: answer 'N', stay
          │ StartupMessage 3.x          CancelRequest ─▶ callback ─▶ TERMINATED
          ▼
   AUTHENTICATING ── trust / password / SCRAM ok: ParameterStatus.., BackendKeyData, Z
          │
          ▼
   ┌─▶ READY ── 'Q' ─▶ QUERY ── results ── Z ─────────────────────────────▶ READY
   │     │               └─ CopyIn ─▶ COPY_IN ── CopyDone/CopyFail ─▶ QUERY
   │     │ P B D E C H
   │     ▼
   │  EXTENDED ── CopyIn ─▶ COPY_IN ── CopyDone ─▶ EXTENDED
   │     │  │
   │     │  └── error ─▶ FAILED_EXTENDED (discard all but Sync)
   │     │                      │
   └─────┴──── 'S' (Sync): Z ───┘

   any state ── malformed / oversized / unknown message: FATAL 08P01 ─▶ TERMINATED
   any state ── 'X' (Terminate), FATAL auth or startup error ─────────▶ TERMINATED

Errors: only this module turns exceptions into ErrorResponse. `BorealisError` keeps its
SQLSTATE and fields; any other exception from the backend is logged and sent as XX000.
Before the session exists every error is FATAL; after it, only protocol violations are.
"""

from __future__ import annotations

import base64
import enum
import functools
import logging
import secrets
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from borealis.core import errors
from borealis.core.errors import BorealisError, InternalError, ProtocolViolation
from borealis.wire import codec, scram
from borealis.wire.auth import Authenticator, AuthMethod
from borealis.wire.backend import (
    BINARY_FORMAT,
    TEXT_FORMAT,
    Backend,
    CommandComplete,
    CopyIn,
    EmptyQuery,
    Notice,
    ParameterChanged,
    PortalSuspended,
    QueryEvent,
    RowDescription,
    Rows,
    Session,
    SessionInfo,
)
from borealis.wire.errors import ConnectionLost, ProtocolError
from borealis.wire.startup import Startup, read_parameters, startup_from

logger = logging.getLogger(__name__)

SERVER_VERSION = "16.15"  # what Aurora DSQL reports

# Bounds on what a client may make us buffer (bytes, excluding the 5-byte header).
MESSAGE_BYTES_MAX = 64 * 1024 * 1024  # Query, Parse, Bind, CopyData
CONTROL_MESSAGE_BYTES_MAX = 10_000  # Describe, Close, Execute, Sync, ... (PostgreSQL's)
AUTH_MESSAGE_BYTES_MAX = 65_535  # password and SASL messages (PostgreSQL's)
STARTUP_PACKET_BYTES_MAX = 10 * 1024
# Soft: once the outbox holds this much, it is flushed before more rows are produced.
OUTBOX_BYTES_MAX = 256 * 1024

SSL_REQUEST_CODE = 80877103
GSSENC_REQUEST_CODE = 80877104
CANCEL_REQUEST_CODE = 80877102
PROTOCOL_MAJOR = 3
PROTOCOL_MINOR_MAX = 0

_UINT32 = struct.Struct("!I")
_CONTROL_KINDS = frozenset(b"DCEHSXc")
_QUERY_KINDS = frozenset(b"QPBDECHSXFdcf")


class State(enum.Enum):
    STARTUP = "startup"  # expecting SSLRequest, GSSENCRequest, CancelRequest, StartupMessage
    TLS_UPGRADE = "tls-upgrade"  # answered 'S': the shell owns the connection until the handshake
    AUTHENTICATING = "authenticating"  # expecting a password or SASL message
    READY = "ready"  # ReadyForQuery sent, idle
    QUERY = "query"  # running a simple query
    EXTENDED = "extended"  # inside an extended-query batch: ReadyForQuery waits for Sync
    FAILED_EXTENDED = "failed-extended"  # an extended message failed: ignore all until Sync
    COPY_IN = "copy-in"  # COPY FROM STDIN: expecting CopyData, CopyDone or CopyFail
    TERMINATED = "terminated"  # the shell closes the connection; input is ignored


_TRANSITIONS: dict[State, frozenset[State]] = {
    State.STARTUP: frozenset({State.TLS_UPGRADE, State.AUTHENTICATING}),
    State.TLS_UPGRADE: frozenset({State.STARTUP}),
    State.AUTHENTICATING: frozenset({State.READY}),
    State.READY: frozenset({State.READY, State.QUERY, State.EXTENDED}),
    State.QUERY: frozenset({State.READY, State.COPY_IN}),
    State.EXTENDED: frozenset(
        {State.EXTENDED, State.FAILED_EXTENDED, State.COPY_IN, State.READY, State.QUERY}
    ),
    State.FAILED_EXTENDED: frozenset({State.READY}),
    State.COPY_IN: frozenset({State.QUERY, State.EXTENDED, State.READY, State.FAILED_EXTENDED}),
    State.TERMINATED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class ProtocolConfig:
    """Per-server settings of the state machine; bounds default to the constants above."""

    tls_available: bool = False  # answer SSLRequest with 'S'
    tls_required: bool = False  # refuse a StartupMessage that did not come over TLS
    server_version: str = SERVER_VERSION
    message_bytes_max: int = MESSAGE_BYTES_MAX
    control_message_bytes_max: int = CONTROL_MESSAGE_BYTES_MAX
    auth_message_bytes_max: int = AUTH_MESSAGE_BYTES_MAX
    startup_packet_bytes_max: int = STARTUP_PACKET_BYTES_MAX
    outbox_bytes_max: int = OUTBOX_BYTES_MAX
    scram_mock_key: bytes = b""  # per-server key for mock SCRAM exchanges (unknown users)


@dataclass(slots=True)
class _PendingCopy:
    """A result stream parked at CopyIn while the client sends its data."""

    events: AsyncIterator[QueryEvent]
    simple: bool


def _extended_message(handler: Callable[[ServerProtocol, codec.Reader], Awaitable[None]]):
    """Run an extended-query message handler; an error sends ErrorResponse and then
    discards everything until Sync (protocol violations still end the connection)."""

    @functools.wraps(handler)
    async def run(self: ServerProtocol, reader: codec.Reader) -> None:
        self._set_state(State.EXTENDED)
        try:
            await handler(self, reader)
        except (ProtocolError, ConnectionLost):
            raise
        except Exception as exc:
            self._send_error(exc)
            self._set_state(State.FAILED_EXTENDED)

    return run


class ServerProtocol:
    """One client connection's protocol state. Not thread-safe; `feed` calls must not
    overlap (the shell awaits each one before reading more)."""

    def __init__(
        self,
        backend: Backend,
        authenticator: Authenticator,
        *,
        config: ProtocolConfig | None = None,
        process_id: int = 0,
        secret_key: int = 0,
        tls_active: bool = False,
        remote_address: str | None = None,
        reject: BorealisError | None = None,
        on_cancel: Callable[[int, int], None] | None = None,
        flush: Callable[[], Awaitable[None]] | None = None,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self._backend = backend
        self._authenticator = authenticator
        self._config = config or ProtocolConfig()
        self._process_id = process_id
        self._secret_key = secret_key
        self._tls_active = tls_active  # direct TLS: the shell did the handshake already
        self._remote_address = remote_address
        self._reject = reject  # e.g. too many connections: refused after the startup packet
        self._on_cancel = on_cancel
        self._flush = flush
        self._random_bytes = random_bytes
        self._state = State.STARTUP
        self._buf = bytearray()
        self._pos = 0
        self._outbox = bytearray()
        self._ssl_requested = False
        self._gss_requested = False
        self._startup: Startup | None = None
        self._auth_method: AuthMethod | None = None
        self._scram: scram.ScramServer | None = None
        self._session: Session | None = None
        self._session_terminated = False
        self._copy: _PendingCopy | None = None
        self._feeding = False
        self._handlers: dict[int, Callable[[codec.Reader], Awaitable[None]]] = {
            ord("Q"): self._on_query,
            ord("P"): self._on_parse,
            ord("B"): self._on_bind,
            ord("D"): self._on_describe,
            ord("E"): self._on_execute,
            ord("C"): self._on_close,
            ord("H"): self._on_flush,
            ord("S"): self._on_sync,
            ord("F"): self._on_function_call,
        }

    # --- the shell's view -------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def closed(self) -> bool:
        return self._state is State.TERMINATED

    @property
    def wants_tls(self) -> bool:
        """The shell must now run the TLS handshake, then call `tls_established`."""
        return self._state is State.TLS_UPGRADE

    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def process_id(self) -> int:
        return self._process_id

    @property
    def secret_key(self) -> int:
        return self._secret_key

    @property
    def busy(self) -> bool:
        """A `feed` call is in progress (e.g. waiting for the backend)."""
        return self._feeding

    def take_output(self) -> bytes:
        data = bytes(self._outbox)
        self._outbox.clear()
        return data

    def direct_tls_established(self) -> None:
        """The shell completed a direct TLS handshake before any protocol byte."""
        if self._state is not State.STARTUP or self._buf:
            raise AssertionError("direct TLS must come before any protocol message")
        self._tls_active = True

    def tls_established(self) -> None:
        if self._state is not State.TLS_UPGRADE:
            raise AssertionError(f"tls_established in state {self._state}")
        self._tls_active = True
        self._set_state(State.STARTUP)

    def abort(self, error: BorealisError) -> None:
        """Refuse the connection with a FATAL error (used by the shell, e.g. no ALPN)."""
        if not self.closed:
            self._fatal(error)

    def cancel(self) -> None:
        """A CancelRequest for this connection arrived (on another connection)."""
        if self._session is not None:
            self._session.cancel()

    async def close(self) -> None:
        """The connection is over, however it ended: release the session exactly once."""
        self._set_state(State.TERMINATED)
        if self._copy is not None:
            copy, self._copy = self._copy, None
            await _aclose(copy.events)
        if self._session is None or self._session_terminated:
            return
        self._session_terminated = True  # before awaiting: a second close must not re-enter
        try:
            await self._session.terminate()
        except Exception:
            logger.exception("session %d: terminate failed", self._process_id)

    async def feed(self, data: bytes) -> None:
        """Consume bytes from the client; handle every complete message in them."""
        if self._feeding:
            raise AssertionError("feed() re-entered")
        if self.closed:
            return
        if self._state is State.TLS_UPGRADE:
            self._fatal(ProtocolViolation(what="received unencrypted data after SSL request"))
            return
        self._feeding = True
        self._buf += data
        try:
            await self._process()
        finally:
            self._feeding = False
            self._compact()

    # --- framing ----------------------------------------------------------------------

    async def _process(self) -> None:
        try:
            while self._state not in (State.TERMINATED, State.TLS_UPGRADE):
                frame = self._next_frame()
                if frame is None:
                    return
                await self._dispatch(*frame)
        except ProtocolError as exc:
            self._fatal(ProtocolViolation(what=str(exc)))
        except ConnectionLost:
            raise
        except BorealisError as exc:
            self._fatal(exc)
        except Exception as exc:
            logger.exception("session %d: internal error in the wire protocol", self._process_id)
            self._fatal(InternalError(what=f"internal error: {type(exc).__name__}"))

    def _next_frame(self) -> tuple[int | None, bytes] | None:
        """The next complete message as (type byte or None for startup packets, payload),
        or None if more bytes are needed. Oversized lengths fail before any buffering."""
        available = len(self._buf) - self._pos
        if self._state is State.STARTUP:
            if available < 4:
                return None
            length = _UINT32.unpack_from(self._buf, self._pos)[0]
            if not 8 <= length <= self._config.startup_packet_bytes_max:
                raise ProtocolError("invalid length of startup packet")
            return self._take(None, 4, length - 4)
        if available < 5:
            return None
        kind = self._buf[self._pos]
        self._check_kind(kind)
        length = _UINT32.unpack_from(self._buf, self._pos + 1)[0]
        if not 4 <= length <= self._payload_bytes_max(kind) + 4:
            raise ProtocolError(f"invalid message length {length} for message type {kind}")
        return self._take(kind, 5, length - 4)

    def _take(self, kind: int | None, header: int, size: int) -> tuple[int | None, bytes] | None:
        start = self._pos + header
        if len(self._buf) < start + size:
            return None
        payload = bytes(self._buf[start : start + size])
        self._pos = start + size
        return kind, payload

    def _compact(self) -> None:
        if self.closed:
            self._buf.clear()
        elif self._pos:
            del self._buf[: self._pos]
        self._pos = 0

    def _check_kind(self, kind: int) -> None:
        allowed = b"pX" if self._state is State.AUTHENTICATING else _QUERY_KINDS
        if kind not in allowed:
            if self._state is State.AUTHENTICATING:
                raise ProtocolError(f"expected password response, got message type {kind}")
            raise ProtocolError(f"invalid frontend message type {kind}")

    def _payload_bytes_max(self, kind: int) -> int:
        if kind in _CONTROL_KINDS:
            return self._config.control_message_bytes_max
        if kind == ord("p"):
            return self._config.auth_message_bytes_max
        return self._config.message_bytes_max

    async def _dispatch(self, kind: int | None, payload: bytes) -> None:
        reader = codec.Reader(payload)
        if kind is None:
            await self._on_startup_packet(reader)
        elif kind == ord("X"):
            self._on_terminate(reader)
        elif self._state is State.AUTHENTICATING:
            await self._on_password(reader)
        elif self._state is State.FAILED_EXTENDED:
            if kind == ord("S"):  # everything else is discarded until Sync
                await self._on_sync(reader)
        elif self._state is State.COPY_IN:
            await self._dispatch_copy(kind, reader)
        elif kind in b"dcf":
            pass  # leftovers of a COPY that already failed: ignored, as PostgreSQL does
        else:
            await self._handlers[kind](reader)

    # --- output -----------------------------------------------------------------------

    def _set_state(self, new: State) -> None:
        if new is not State.TERMINATED and new not in _TRANSITIONS[self._state]:
            raise AssertionError(f"illegal protocol transition {self._state} -> {new}")
        self._state = new

    def _send(self, data: bytes) -> None:
        self._outbox += data

    async def _maybe_flush(self) -> None:
        if self._flush is not None and len(self._outbox) >= self._config.outbox_bytes_max:
            await self._flush()

    def _ready_for_query(self) -> None:
        self._set_state(State.READY)
        status = self._session.transaction_status if self._session is not None else "I"
        self._send(codec.ready_for_query(str(status)))

    def _send_error(self, exc: BaseException, *, fatal: bool = False) -> None:
        if not isinstance(exc, BorealisError):
            logger.error("session %d: internal error", self._process_id, exc_info=exc)
            exc = InternalError(what="internal error")
        severity = "FATAL" if fatal else exc.severity
        fields = codec.error_fields(
            severity,
            exc.sqlstate,
            exc.message,
            detail=exc.detail,
            hint=exc.hint,
            position=exc.position,
            context=exc.context,
        )
        self._send(codec.error_response(fields))

    def _fatal(self, exc: BorealisError) -> None:
        self._send_error(exc, fatal=True)
        self._set_state(State.TERMINATED)

    async def _send_event(self, event: QueryEvent) -> None:
        match event:
            case Rows(rows=rows):
                # A batch may be large: stream it, flushing whenever the outbox is full
                # (`_flush` empties the same bytearray in place).
                outbox, data_row = self._outbox, codec.data_row
                full = self._config.outbox_bytes_max
                for row in rows:
                    outbox += data_row(row)
                    if len(outbox) >= full:
                        await self._maybe_flush()
            case RowDescription(columns=columns):
                self._send(codec.row_description(columns))
            case CommandComplete(tag=tag):
                self._send(codec.command_complete(tag))
            case EmptyQuery():
                self._send(codec.EMPTY_QUERY_RESPONSE)
            case PortalSuspended():
                self._send(codec.PORTAL_SUSPENDED)
            case Notice():
                self._send_notice(event)
            case ParameterChanged(name=name, value=value):
                self._send(codec.parameter_status(name, value))
            case _:
                raise TypeError(f"unknown result event {event!r}")

    def _send_notice(self, notice: Notice) -> None:
        fields = codec.error_fields(
            notice.severity, notice.sqlstate, notice.message, detail=notice.detail, hint=notice.hint
        )
        self._send(codec.notice_response(fields))

    # --- startup ----------------------------------------------------------------------

    async def _on_startup_packet(self, reader: codec.Reader) -> None:
        code = reader.uint32()
        if code == SSL_REQUEST_CODE:
            self._on_ssl_request(reader)
        elif code == GSSENC_REQUEST_CODE:
            self._on_gssenc_request(reader)
        elif code == CANCEL_REQUEST_CODE:
            self._on_cancel_request(reader)
        else:
            await self._on_startup_message(code, reader)

    def _on_ssl_request(self, reader: codec.Reader) -> None:
        reader.end()
        if self._tls_active or self._ssl_requested:
            raise ProtocolError("unexpected SSLRequest")
        self._ssl_requested = True
        if not self._config.tls_available:
            self._send(b"N")
            return
        # Bytes sent after the SSLRequest but before the handshake would be read as if
        # they had come over TLS (CVE-2021-23214): refuse them.
        if len(self._buf) > self._pos:
            raise ProtocolError("received unencrypted data after SSL request")
        self._send(b"S")
        self._set_state(State.TLS_UPGRADE)

    def _on_gssenc_request(self, reader: codec.Reader) -> None:
        reader.end()
        if self._tls_active or self._gss_requested:
            raise ProtocolError("unexpected GSSENCRequest")
        self._gss_requested = True
        self._send(b"N")  # no GSSAPI: the client goes on in plain text or asks for TLS

    def _on_cancel_request(self, reader: codec.Reader) -> None:
        process_id, secret_key = reader.uint32(), reader.uint32()
        reader.end()
        self._set_state(State.TERMINATED)  # a cancel connection never gets a reply
        if self._on_cancel is not None:
            self._on_cancel(process_id, secret_key)

    async def _on_startup_message(self, version: int, reader: codec.Reader) -> None:
        major, minor = version >> 16, version & 0xFFFF
        if major != PROTOCOL_MAJOR:
            raise errors.FeatureNotSupported(
                what=f"unsupported frontend protocol {major}.{minor}: "
                f"server supports {PROTOCOL_MAJOR}.0 to {PROTOCOL_MAJOR}.{PROTOCOL_MINOR_MAX}"
            )
        parameters = read_parameters(reader)
        if self._config.tls_required and not self._tls_active:
            raise ProtocolViolation(what="SSL is mandatory: connect with sslmode=require")
        if self._reject is not None:
            raise self._reject
        # A newer 3.x client (e.g. libpq asking for 3.2) is told to speak 3.0, not refused.
        unknown = [name for name in parameters if name.startswith("_pq_.")]
        if minor > PROTOCOL_MINOR_MAX or unknown:
            self._send(codec.negotiate_protocol_version(PROTOCOL_MINOR_MAX, unknown))
        self._startup = startup_from(parameters)
        self._set_state(State.AUTHENTICATING)
        await self._begin_authentication()

    # --- authentication ---------------------------------------------------------------

    async def _begin_authentication(self) -> None:
        startup = self._require_startup()
        method = await self._authenticator.method(startup.user, startup.database)
        self._auth_method = method
        if method is AuthMethod.TRUST:
            await self._authenticated()
        elif method is AuthMethod.PASSWORD:
            self._send(codec.authentication(codec.AUTH_CLEARTEXT_PASSWORD))
        else:
            self._scram = await self._scram_exchange(startup.user)
            self._send(codec.authentication_sasl([scram.MECHANISM]))

    async def _scram_exchange(self, user: str) -> scram.ScramServer:
        stored = await self._authenticator.scram_secret(user)
        secret = None
        if stored is not None:
            try:
                secret = scram.parse_secret(stored)
            except ValueError:
                logger.warning("user %r has an invalid SCRAM secret", user)
        nonce = base64.b64encode(self._random_bytes(scram.NONCE_BYTES)).decode("ascii")
        if secret is None:
            mock = scram.mock_secret(user, self._config.scram_mock_key)
            return scram.ScramServer(mock, nonce, doomed=True)
        return scram.ScramServer(secret, nonce)

    async def _on_password(self, reader: codec.Reader) -> None:
        if self._auth_method is AuthMethod.PASSWORD:
            await self._on_cleartext_password(reader)
        elif self._scram is not None and self._scram.expects_first:
            self._on_sasl_initial_response(reader)
        elif self._scram is not None:
            await self._on_sasl_response(reader)
        else:
            raise ProtocolError("unexpected password message")

    async def _on_cleartext_password(self, reader: codec.Reader) -> None:
        password = reader.cstring()
        reader.end()
        user = self._require_startup().user
        if not await self._authenticator.check_password(user, password):
            raise errors.InvalidPassword(user=user)
        await self._authenticated()

    def _on_sasl_initial_response(self, reader: codec.Reader) -> None:
        mechanism = reader.cstring()
        size = reader.int32()
        if size < 0:
            raise ProtocolError("SASL initial response without data")
        data = reader.bytes(size)
        reader.end()
        if mechanism != scram.MECHANISM:
            raise ProtocolError("client selected an invalid SASL authentication mechanism")
        assert self._scram is not None
        server_first = self._scram.handle_client_first(data)
        self._send(codec.authentication(codec.AUTH_SASL_CONTINUE, server_first))

    async def _on_sasl_response(self, reader: codec.Reader) -> None:
        assert self._scram is not None
        user = self._require_startup().user
        try:
            server_final = self._scram.handle_client_final(reader.rest())
        except scram.ScramAuthFailed:
            raise errors.InvalidPassword(user=user) from None
        self._send(codec.authentication(codec.AUTH_SASL_FINAL, server_final))
        await self._authenticated()

    async def _authenticated(self) -> None:
        startup = self._require_startup()
        self._send(codec.authentication(codec.AUTH_OK))
        self._scram = None
        info = SessionInfo(
            user=startup.user,
            database=startup.database,
            application_name=startup.application_name,
            process_id=self._process_id,
            parameters=dict(startup.parameters),
            options=dict(startup.options),
            remote_address=self._remote_address,
            tls=self._tls_active,
        )
        self._session = await self._backend.open_session(info)
        for name, value in self._initial_parameters(self._session).items():
            self._send(codec.parameter_status(name, value))
        self._send(codec.backend_key_data(self._process_id, self._secret_key))
        self._ready_for_query()

    def _initial_parameters(self, session: Session) -> dict[str, str]:
        startup = self._require_startup()
        reported = {
            "server_version": self._config.server_version,
            "server_encoding": "UTF8",
            "client_encoding": startup.client_encoding,
            "DateStyle": "ISO, MDY",
            "IntervalStyle": "postgres",
            "TimeZone": "UTC",
            "integer_datetimes": "on",
            "standard_conforming_strings": "on",
            "application_name": startup.application_name,
            "is_superuser": "off",
            "session_authorization": startup.user,
            "default_transaction_read_only": "off",
            "in_hot_standby": "off",
            "scram_iterations": str(scram.ITERATIONS_DEFAULT),
        }
        reported.update(session.parameters)
        return reported

    def _require_startup(self) -> Startup:
        if self._startup is None:
            raise AssertionError("no startup packet yet")
        return self._startup

    def _require_session(self) -> Session:
        if self._session is None:
            raise AssertionError("no session yet")
        return self._session

    # --- simple query -----------------------------------------------------------------

    async def _on_query(self, reader: codec.Reader) -> None:
        self._set_state(State.QUERY)
        session = self._require_session()
        try:
            sql = reader.cstring()
            reader.end()
            await self._run_events(session.simple_query(sql), simple=True)
        except (ProtocolError, ConnectionLost):
            raise
        except Exception as exc:
            self._send_error(exc)
        if self._state is State.QUERY:
            self._ready_for_query()

    async def _run_events(self, events: AsyncIterator[QueryEvent], *, simple: bool) -> None:
        """Send a result stream until it ends, or park it at CopyIn (state COPY_IN)."""
        while True:
            try:
                event = await anext(events)
            except StopAsyncIteration:
                return
            if isinstance(event, CopyIn):
                self._start_copy(events, event, simple=simple)
                return
            try:
                await self._send_event(event)
            except ConnectionLost:
                await _aclose(events)
                raise

    async def _on_function_call(self, reader: codec.Reader) -> None:
        reader.rest()
        self._send_error(errors.FeatureNotSupported(what="fastpath function calls are not supported"))
        self._ready_for_query()

    # --- extended query ---------------------------------------------------------------

    @_extended_message
    async def _on_parse(self, reader: codec.Reader) -> None:
        statement = reader.cstring()
        sql = reader.cstring()
        param_oids = tuple(reader.uint32() for _ in range(reader.uint16()))
        reader.end()
        await self._require_session().parse(statement, sql, param_oids)
        self._send(codec.PARSE_COMPLETE)

    @_extended_message
    async def _on_bind(self, reader: codec.Reader) -> None:
        portal = reader.cstring()
        statement = reader.cstring()
        formats = tuple(reader.int16() for _ in range(reader.uint16()))
        params = tuple(_read_param(reader) for _ in range(reader.uint16()))
        result_formats = tuple(reader.int16() for _ in range(reader.uint16()))
        reader.end()
        param_formats = _expand_formats(formats, len(params))
        _check_formats(result_formats)
        session = self._require_session()
        await session.bind(portal, statement, param_formats, params, result_formats)
        self._send(codec.BIND_COMPLETE)

    @_extended_message
    async def _on_describe(self, reader: codec.Reader) -> None:
        target = reader.byte()
        name = reader.cstring()
        reader.end()
        session = self._require_session()
        if target == ord("S"):
            described = await session.describe_statement(name)
            self._send(codec.parameter_description(described.param_oids))
            columns = described.columns
        elif target == ord("P"):
            columns = await session.describe_portal(name)
        else:
            raise ProtocolError(f"invalid DESCRIBE message subtype {target}")
        self._send(codec.row_description(columns) if columns is not None else codec.NO_DATA)

    @_extended_message
    async def _on_execute(self, reader: codec.Reader) -> None:
        portal = reader.cstring()
        max_rows = reader.int32()
        reader.end()
        events = self._require_session().execute(portal, max(max_rows, 0))
        await self._run_events(events, simple=False)

    @_extended_message
    async def _on_close(self, reader: codec.Reader) -> None:
        target = reader.byte()
        name = reader.cstring()
        reader.end()
        session = self._require_session()
        if target == ord("S"):
            await session.close_statement(name)
        elif target == ord("P"):
            await session.close_portal(name)
        else:
            raise ProtocolError(f"invalid CLOSE message subtype {target}")
        self._send(codec.CLOSE_COMPLETE)

    async def _on_flush(self, reader: codec.Reader) -> None:
        reader.end()
        if self._flush is not None:
            await self._flush()

    async def _on_sync(self, reader: codec.Reader) -> None:
        reader.end()
        try:
            await self._require_session().sync()
        except (ProtocolError, ConnectionLost):
            raise
        except Exception as exc:
            self._send_error(exc)
        self._ready_for_query()

    def _on_terminate(self, reader: codec.Reader) -> None:
        self._set_state(State.TERMINATED)

    # --- COPY FROM STDIN --------------------------------------------------------------

    def _start_copy(
        self, events: AsyncIterator[QueryEvent], event: CopyIn, *, simple: bool
    ) -> None:
        self._copy = _PendingCopy(events, simple)
        self._set_state(State.COPY_IN)
        self._send(codec.copy_in_response(event.format, event.column_formats))

    async def _dispatch_copy(self, kind: int, reader: codec.Reader) -> None:
        if kind == ord("d"):
            await self._on_copy_data(reader)
        elif kind == ord("c"):
            reader.end()
            await self._end_copy(None)
        elif kind == ord("f"):
            await self._on_copy_fail(reader)
        elif kind not in b"HS":  # Flush and Sync are ignored during COPY, per protocol
            await self._interrupt_copy(kind)

    async def _on_copy_data(self, reader: codec.Reader) -> None:
        try:
            await self._require_session().copy_data(reader.rest())
        except (ProtocolError, ConnectionLost):
            raise
        except Exception as exc:
            await self._abandon_copy(exc)

    async def _on_copy_fail(self, reader: codec.Reader) -> None:
        # The client's reason is only echoed back: never fail the connection over it.
        reason = reader.cstring_bytes().decode("utf-8", "replace")
        reader.end()
        await self._end_copy(reason)

    async def _end_copy(self, failure: str | None) -> None:
        try:
            tag = await self._require_session().copy_end(failure)
        except (ProtocolError, ConnectionLost):
            raise
        except Exception as exc:
            await self._abandon_copy(exc)
            return
        self._send(codec.command_complete(tag))
        copy = self._take_copy()
        self._set_state(State.QUERY if copy.simple else State.EXTENDED)
        try:
            await self._run_events(copy.events, simple=copy.simple)
        except (ProtocolError, ConnectionLost):
            raise
        except Exception as exc:
            self._finish_failed(exc, simple=copy.simple)
            return
        if self._state is State.QUERY:
            self._ready_for_query()

    async def _interrupt_copy(self, kind: int) -> None:
        error = ProtocolViolation(
            what=f"unexpected message type 0x{kind:02X} during COPY from stdin"
        )
        try:
            await self._require_session().copy_end(error.message)
        except (ProtocolError, ConnectionLost):
            raise
        except Exception:
            pass  # the session's own "COPY failed" error is superseded by ours
        await self._abandon_copy(error)

    async def _abandon_copy(self, exc: BaseException) -> None:
        copy = self._take_copy()
        await _aclose(copy.events)
        self._finish_failed(exc, simple=copy.simple)

    def _take_copy(self) -> _PendingCopy:
        if self._copy is None:
            raise AssertionError("no COPY in progress")
        copy, self._copy = self._copy, None
        return copy

    def _finish_failed(self, exc: BaseException, *, simple: bool) -> None:
        self._send_error(exc)
        if simple:
            self._ready_for_query()
        else:
            self._set_state(State.FAILED_EXTENDED)


# --- helpers ----------------------------------------------------------------------------


async def _aclose(events: AsyncIterator[QueryEvent]) -> None:
    """Close an abandoned result stream so the backend's generator runs its cleanup."""
    aclose = getattr(events, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except Exception:
        logger.exception("closing an abandoned result stream failed")


def _read_param(reader: codec.Reader) -> bytes | None:
    size = reader.int32()
    if size == -1:
        return None
    if size < 0:
        raise ProtocolError(f"invalid parameter length {size}")
    return reader.bytes(size)


def _check_formats(formats: tuple[int, ...]) -> None:
    for fmt in formats:
        if fmt not in (TEXT_FORMAT, BINARY_FORMAT):
            raise ProtocolError(f"unsupported format code: {fmt}")


def _expand_formats(formats: tuple[int, ...], count: int) -> tuple[int, ...]:
    """Bind's shorthand: no codes → all text, one code → all the same, else one each."""
    _check_formats(formats)
    if not formats:
        return (TEXT_FORMAT,) * count
    if len(formats) == 1:
        return formats * count
    if len(formats) != count:
        raise ProtocolError(
            f"bind message has {len(formats)} parameter formats but {count} parameters"
        )
    return formats
