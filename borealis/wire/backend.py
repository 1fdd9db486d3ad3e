"""The interface between the wire protocol and the SQL engine.

The wire layer (`protocol.py`) knows bytes and message order; the SQL engine knows SQL,
types and transactions. They meet only here. Nothing in this module knows about wire
framing: values arrive and leave as already-encoded column bytes, errors are
`borealis.core.errors.BorealisError` exceptions, and results are small frozen events.

    Backend.open_session(SessionInfo) ─▶ Session        (once per connection, after auth)

    simple query   'Q'      ─▶ Session.simple_query(sql)          async iterator of events
    extended       'P'      ─▶ Session.parse(statement, sql, param_oids)
                   'D' S    ─▶ Session.describe_statement(statement)
                   'B'      ─▶ Session.bind(portal, statement, param_formats, params,
                                            result_formats)
                   'D' P    ─▶ Session.describe_portal(portal)
                   'E'      ─▶ Session.execute(portal, max_rows)  async iterator of events
                   'C'      ─▶ Session.close_statement(name) / close_portal(name)
                   'S'      ─▶ Session.sync()
    COPY FROM STDIN         ─▶ (event CopyIn) Session.copy_data(chunk)*, copy_end(failure)
    CancelRequest           ─▶ Session.cancel()        (sync; from another connection)
    connection ends         ─▶ Session.terminate()     (exactly once, however it ends)

Contract for the implementer (the SQL engine):

- Every method may raise `BorealisError`; the wire sends it as an ErrorResponse with its
  SQLSTATE, message, detail, hint and position. Any other exception is a bug: the wire
  logs it and sends XX000. After an error in an extended-query message the wire
  discards messages until Sync, then calls `sync()`; the session decides what an error
  does to the transaction (`transaction_status` becomes FAILED inside a block).
- `simple_query` yields, per statement of the query string, `RowDescription` (if the
  statement returns rows), any number of `Rows`, then `CommandComplete` — or
  `EmptyQuery` for an empty statement. An exception ends the whole query string.
- `execute` yields `Rows` (never `RowDescription`: the client learned it from Describe)
  and ends with exactly one of `CommandComplete`, `PortalSuspended` (the row limit was
  reached and the portal can be executed again), `EmptyQuery` or `CopyIn`.
- Either iterator may yield `Notice` and `ParameterChanged` at any point.
- After yielding `CopyIn` the iterator is not resumed until the client's data has been
  handed over: `copy_data(chunk)` per CopyData message, then `copy_end(None)` on
  CopyDone or `copy_end(message)` on CopyFail. `copy_end` returns the CommandComplete
  tag (e.g. ``"COPY 3"``) or raises. If `copy_data` raises, the copy is over and
  `copy_end` is not called. Then the iterator is resumed (a simple query may have more
  statements after the COPY).
- Column values in `Rows` are already encoded in the format the client asked for
  (text or binary); the wire only frames them. ``None`` is SQL NULL.
- `transaction_status` is read after every ReadyForQuery-worthy step; keep it cheap.
- `terminate()` must roll back any open transaction: a client that vanishes
  mid-transaction must leave nothing behind.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

TEXT_FORMAT = 0
BINARY_FORMAT = 1


class TransactionStatus(enum.StrEnum):
    """The ReadyForQuery status byte."""

    IDLE = "I"
    IN_TRANSACTION = "T"
    FAILED = "E"  # inside a block that hit an error; only ROLLBACK is accepted


@dataclass(frozen=True, slots=True)
class Column:
    """One RowDescription field. `type_size` is pg_type.typlen (-1 varlena, -2 cstring)."""

    name: str
    type_oid: int
    type_size: int = -1
    type_modifier: int = -1
    table_oid: int = 0
    column_attnum: int = 0
    format: int = TEXT_FORMAT


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """What Describe(statement) reports: parameter types and result columns.

    `columns` is None when the statement returns no rows (the wire sends NoData). The
    result formats are not known before Bind, so every column's `format` is text here.
    """

    param_oids: tuple[int, ...]
    columns: tuple[Column, ...] | None


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Who connected, as established by the startup packet and authentication."""

    user: str
    database: str
    application_name: str
    process_id: int
    parameters: Mapping[str, str] = field(default_factory=dict)  # the startup packet, as sent
    options: Mapping[str, str] = field(default_factory=dict)  # `-c name=value` from `options`
    remote_address: str | None = None
    tls: bool = False


# --- result events ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowDescription:
    columns: tuple[Column, ...]


@dataclass(frozen=True, slots=True)
class Rows:
    """A batch of data rows, each a sequence of encoded column values (None is NULL)."""

    rows: Sequence[Sequence[bytes | None]]


@dataclass(frozen=True, slots=True)
class CommandComplete:
    tag: str  # e.g. "SELECT 1", "INSERT 0 3", "BEGIN"


@dataclass(frozen=True, slots=True)
class EmptyQuery:
    pass


@dataclass(frozen=True, slots=True)
class PortalSuspended:
    pass


@dataclass(frozen=True, slots=True)
class CopyIn:
    """COPY FROM STDIN starts: the client will send CopyData. Formats: 0 text, 1 binary."""

    format: int = TEXT_FORMAT
    column_formats: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    message: str
    severity: str = "NOTICE"  # WARNING, NOTICE, INFO, LOG or DEBUG
    sqlstate: str = "00000"
    detail: str | None = None
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class ParameterChanged:
    """A reported setting changed (e.g. SET application_name): sent as ParameterStatus."""

    name: str
    value: str


QueryEvent = (
    RowDescription
    | Rows
    | CommandComplete
    | EmptyQuery
    | PortalSuspended
    | CopyIn
    | Notice
    | ParameterChanged
)


def result_format(result_formats: Sequence[int], column: int) -> int:
    """The format of result column `column` under Bind's rule: none → all text, one →
    all the same, else one per column."""
    if not result_formats:
        return TEXT_FORMAT
    if len(result_formats) == 1:
        return result_formats[0]
    return result_formats[column]


# --- the interface ----------------------------------------------------------------------


class Session(Protocol):
    """One client connection's SQL session. Methods are called one at a time, in order,
    except `cancel`, which may arrive at any moment from another connection."""

    @property
    def transaction_status(self) -> TransactionStatus: ...

    @property
    def parameters(self) -> Mapping[str, str]:
        """ParameterStatus values to report at startup; they override the wire's
        defaults (server_version, TimeZone, is_superuser, ...)."""
        ...

    def simple_query(self, sql: str) -> AsyncIterator[QueryEvent]: ...

    async def parse(self, statement: str, sql: str, param_oids: Sequence[int]) -> None:
        """Prepare `sql` as `statement` ("" is the unnamed one, silently replaced).
        A param oid of 0 means "infer the type"."""
        ...

    async def describe_statement(self, statement: str) -> ParsedStatement: ...

    async def bind(
        self,
        portal: str,
        statement: str,
        param_formats: Sequence[int],
        params: Sequence[bytes | None],
        result_formats: Sequence[int],
    ) -> None:
        """Create `portal` from `statement`. `param_formats` has one entry per parameter
        (the wire expands Bind's shorthand); `result_formats` is as sent: see
        `result_format`."""
        ...

    async def describe_portal(self, portal: str) -> tuple[Column, ...] | None:
        """The portal's result columns with their final formats, or None (no rows)."""
        ...

    def execute(self, portal: str, max_rows: int) -> AsyncIterator[QueryEvent]:
        """Run (or continue) `portal`; `max_rows` 0 means all rows."""
        ...

    async def close_statement(self, statement: str) -> None: ...

    async def close_portal(self, portal: str) -> None: ...

    async def sync(self) -> None:
        """End of an extended-query batch: commit an implicit transaction, or roll it
        back if it failed."""
        ...

    async def copy_data(self, data: bytes) -> None: ...

    async def copy_end(self, failure: str | None) -> str:
        """CopyDone (failure None) → the CommandComplete tag; CopyFail → raise."""
        ...

    def cancel(self) -> None:
        """Cancel the running statement, if any (it should raise 57014). Never blocks."""
        ...

    async def terminate(self) -> None:
        """The connection is gone: roll back any open transaction, free resources."""
        ...


class Backend(Protocol):
    """The SQL engine as the wire sees it: a factory of sessions."""

    async def open_session(self, info: SessionInfo) -> Session:
        """Raise BorealisError (e.g. 3D000 unknown database) to refuse: sent as FATAL."""
        ...
