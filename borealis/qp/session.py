"""A client session: transactions, statements, prepared statements and portals.

This is the query processor's side of `wire.backend.Session`. One session runs one
transaction at a time over the transactional core (`qp.txn`):

```
 IDLE ──BEGIN──▶ BLOCK ──error──▶ FAILED ──ROLLBACK/COMMIT──▶ IDLE
   │               └──COMMIT──▶ commit (OCC may say 40001) ──▶ IDLE
   └─ a statement outside a block runs in an implicit transaction, committed at the
      end of the simple-query string or at Sync (extended protocol)
```

τ_start is taken at the transaction's first statement; every statement binds against
the catalog snapshot at τ_start (cached by catalog version), so a DDL committed in
between surfaces as OC001 at COMMIT. Prepared statements keep their bound plan for the
catalog version they were bound against and rebind when it moves.
"""

from __future__ import annotations

import base64
import datetime
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import TransactionStmtKind, VariableSetKind

from borealis.catalog.model import CatalogSnapshot
from borealis.catalog.store import CatalogCache, CatalogWriter
from borealis.catalog.virtual import CatalogNames
from borealis.core import errors
from borealis.core.limits import Compat
from borealis.qp import rules, shapes
from borealis.qp.copy import CopyIn, copy_options
from borealis.qp.jobs import JobConfig, JobRunner
from borealis.qp.roles import ADMIN_NAME, ROLE_SETTINGS, CatalogRoleDirectory, set_role
from borealis.qp.sequences import SessionSequences
from borealis.qp.txn import Transaction, TxnClient, TxnLimits
from borealis.sql import fk, literals
from borealis.sql import types as T
from borealis.sql.analyze import analyze
from borealis.sql.bind import BindContext, Binder, BoundQuery
from borealis.sql.ddl import DDL_NODES, DdlResult, ddl_result_columns, execute_ddl
from borealis.sql.dml import (
    InsertPlan,
    ModifyPlan,
    bind_insert,
    bind_modify,
    run_dml,
)
from borealis.sql.expr import Params
from borealis.sql.parse import Statement, parse
from borealis.sql.plan import ExecContext, OutCol
from borealis.sql.planner import optimize
from borealis.sql.procedures import bind_call
from borealis.sql.types.strings import text_out as text_out_identity
from borealis.wire import backend as wb

log = logging.getLogger(__name__)

SERVER_VERSION = "16.15"
VERSION_STRING = f"PostgreSQL {SERVER_VERSION} (Borealis 0.1.0)"
DSQL_VERSION_STRING = "PostgreSQL 16"  # what Aurora DSQL's version() says (dsql-clients.md §0)
PREPARED_MAX = 10_000
PORTALS_MAX = 10_000
ROWS_PER_MESSAGE = 256


DEFAULT_SETTINGS = {
    "application_name": "",
    "client_encoding": "UTF8",
    "server_encoding": "UTF8",
    "datestyle": "ISO, MDY",
    "intervalstyle": "postgres",
    "timezone": "UTC",
    "search_path": '"$user", public',
    "standard_conforming_strings": "on",
    "integer_datetimes": "on",
    "server_version": SERVER_VERSION,
    "server_version_num": "160015",
    "transaction_isolation": "repeatable read",
    "default_transaction_isolation": "repeatable read",
    "transaction_read_only": "off",
    "default_transaction_read_only": "off",
    "statement_timeout": "0",
    "lock_timeout": "0",
    "idle_in_transaction_session_timeout": "0",
    "extra_float_digits": "1",
    "max_identifier_length": "63",
    "is_superuser": "on",
    "role": "none",
    "client_min_messages": "notice",
    "bytea_output": "hex",
    "lc_collate": "C",
    "lc_ctype": "C",
    "timezone_abbreviations": "Default",
    "default_table_access_method": "heap",
}
REPORTED = ("application_name", "client_encoding", "datestyle", "intervalstyle", "timezone",
            "standard_conforming_strings", "integer_datetimes", "server_version", "server_encoding",
            "is_superuser", "session_authorization")
DISPLAY_NAMES = {"datestyle": "DateStyle", "intervalstyle": "IntervalStyle", "timezone": "TimeZone"}


@dataclass
class Prepared:
    sql: str
    statements: list[Statement]
    param_oids: list[int]
    params: Params = field(default_factory=Params)
    version: int = -1
    bound: Any = None  # the bound plan for `version`
    role: str | None = None  # ... and for this current role (privileges are checked at bind)
    search_path: tuple[str, ...] | None = None  # ... and this search path (names resolve at bind)
    columns: list[OutCol] | None = None
    fixed_params: bool = False  # a simple query's: no parameters at all ($n is 42P02)


@dataclass
class Portal:
    prepared: Prepared
    params: list[Any]
    result_formats: Sequence[int]
    rows: AsyncIterator | None = None  # open generator of row batches
    pending: list[tuple] = field(default_factory=list)
    tag: str = ""
    done: bool = False
    columns: list[OutCol] | None = None


class QpBackend:
    """The SQL engine as the wire sees it: sessions over one cluster's transaction core."""

    def __init__(self, client_factory, *, virtual=None, compat: Compat = Compat.DSQL,
                 jobs: JobConfig | None = None) -> None:
        self._client_factory = client_factory
        self.catalog = CatalogCache()
        self.virtual = virtual
        self.compat = compat  # DSQL's rules and limits, or relaxed (core/limits.py)
        # Async jobs (CREATE INDEX ASYNC); started with the first session, or by start().
        self.jobs = JobRunner(client_factory, self.catalog, jobs)
        # Which roles may log in, and as which IAM principals (wire.iam.RoleDirectory).
        self.role_directory = CatalogRoleDirectory(client_factory, self.catalog)

    def start(self) -> None:
        """Start background work now (resume unfinished jobs); needs a running loop."""
        self.jobs.start()

    async def open_session(self, info: wb.SessionInfo) -> Session:
        if info.database not in ("postgres", info.user):
            raise errors.InvalidCatalogName(f'database "{info.database}" does not exist')
        self.jobs.start()
        return Session(self, self._client_factory(), info)


class Session:
    def __init__(self, backend: QpBackend, client: TxnClient, info: wb.SessionInfo) -> None:
        self.backend = backend
        self.client = client
        self.info = info
        self.user = info.user
        self.compat = backend.compat
        self.process_id = info.process_id
        self.random = client.rt.random
        self.settings = dict(DEFAULT_SETTINGS)
        # ((search_path setting, current_user), the schemas it names)
        self._search_path: tuple[tuple[str, str] | None, tuple[str, ...]] = (None, ())
        self.settings["application_name"] = info.application_name
        self.settings["session_authorization"] = info.user
        self.role: str | None = None  # SET ROLE (None: the session user); qp.roles
        self.settings["is_superuser"] = "on" if info.user == ADMIN_NAME else "off"
        for name, value in info.options.items():
            self.settings[name.lower()] = value
        rules.check_startup(info.parameters, info.options, self.compat)  # FATAL 0A000 in DSQL mode
        # sys.current_session_id(): stable for the session, in the form of DSQL's ids.
        self.session_id = base64.b32encode(self.random.randbytes(16)).decode().rstrip("=").lower()
        self._txn_read_only: bool | None = None  # BEGIN/SET TRANSACTION READ ONLY|WRITE, per block
        self.txn: Transaction | None = None
        self.block = False  # inside BEGIN ... COMMIT
        self.failed = False
        self.prepared: dict[str, Prepared] = {}
        self.portals: dict[str, Portal] = {}
        self._statement_ts: datetime.datetime | None = None
        # now(): the start of the transaction, the same in all its statements. An
        # explicit block's is BEGIN's time; an implicit one's, its first statement's.
        self._transaction_ts: datetime.datetime | None = None
        self.started_at = self.clock_timestamp()  # pg_stat_activity.backend_start
        self._canceled = False
        self._copy: CopyIn | None = None
        self.sequences = SessionSequences()  # reserved values, currval, lastval
        self.shapes = shapes.ShapeCache()  # simple queries' templates (sql.literals)
        self.texts = shapes.ShapeCache()  # simple query text -> its statements' Prepared

    # -- wire interface -------------------------------------------------------------

    @property
    def transaction_status(self) -> wb.TransactionStatus:
        if self.failed:
            return wb.TransactionStatus.FAILED
        if self.block:
            return wb.TransactionStatus.IN_TRANSACTION
        return wb.TransactionStatus.IDLE

    @property
    def parameters(self) -> Mapping[str, str]:
        return {DISPLAY_NAMES.get(k, k): self.settings.get(k, "") for k in REPORTED}

    async def simple_query(self, sql: str) -> AsyncIterator[wb.QueryEvent]:
        self._canceled = False
        # A text run before whose shape has no template: its statements, bound (qp.shapes).
        runs = self.texts.get(sql)
        found = literals.shape(sql) if runs is None else None
        key = (found.template, found.types, self.settings.get("search_path")) if found else ()
        try:
            planned = await self._shape_plan(found, key) if found and not self.failed else None
            if planned is not None:  # a template's plan, its literals as parameters
                async for event in self._run(*planned, (), max_rows=0, describe=True):
                    yield event
                if not self.block:
                    await self._finish_implicit()
                return
            if runs is None:
                runs = [Prepared(stmt.text, [stmt], [], fixed_params=True)
                        for stmt in parse(sql, self.compat)]
                if len(sql) <= literals.SHAPE_TEXT_MAX and (
                        found is None or self.shapes.get(key) is shapes.NEVER):
                    self.texts.put(sql, runs)
            if not runs:
                yield wb.EmptyQuery()
                return
            for prepared in runs:
                async for event in self._run(prepared, [], (), max_rows=0, describe=True):
                    yield event
            if not self.block:
                await self._finish_implicit()
        except errors.BorealisError:
            await self._on_error()
            raise
        if found:
            self.shapes.seen(key)

    async def _shape_plan(self, found: literals.Shape,
                          key: tuple) -> tuple[Prepared, list[Any]] | None:
        """The bound template for this query's shape and its literals decoded, or None
        for the ordinary path (qp.shapes). Starts the implicit transaction."""
        entry = self.shapes.get(key)
        if entry is None or entry is shapes.NEVER:
            return None
        if entry is shapes.SEEN:
            try:
                statements = parse(found.template, self.compat)
            except errors.BorealisError:
                statements = []
            if len(statements) != 1 or not literals.safe_template(statements[0].node):
                self.shapes.put(key, shapes.NEVER)
                return None
            # UNKNOWN (705) is an untyped parameter to the binder, as in a Parse message
            entry = Prepared(found.template, statements, list(found.types), fixed_params=True)
        catalog = await self._catalog(self._transaction())
        if entry.bound is None:
            try:
                await self._bind(entry, catalog)
            except errors.BorealisError:
                self.shapes.put(key, shapes.NEVER)  # e.g. a parameter it cannot type
                return None
            self.shapes.put(key, entry)
        elif not self._plan_is_current(entry, catalog):
            self.shapes.forget(key)  # planned for another catalog or role: start over
            return None
        try:
            params = [_decode_param(value.encode(), 0, oid)
                      for value, oid in zip(found.values, entry.param_oids, strict=True)]
        except errors.BorealisError:
            return None  # the ordinary path reports it, with the literal's position
        return entry, params

    async def parse(self, statement: str, sql: str, param_oids: Sequence[int]) -> None:
        if statement and statement in self.prepared:
            raise errors.DuplicatePreparedStatement(name=statement)
        if len(self.prepared) >= PREPARED_MAX:
            raise errors.OutOfMemory(what="too many prepared statements")
        try:
            statements = parse(sql, self.compat)
        except errors.BorealisError:
            await self._on_error()
            raise
        if len(statements) > 1:
            raise errors.SyntaxError(what="cannot insert multiple commands into a prepared statement")
        self.prepared[statement] = Prepared(sql, statements, list(param_oids))

    async def describe_statement(self, statement: str) -> wb.ParsedStatement:
        prepared = self._prepared(statement)
        columns = await self._describe(prepared)
        oids = tuple(o if o not in (0, 705) else 25 for o in prepared.param_oids)
        return wb.ParsedStatement(oids, _wire_columns(columns, ()) if columns is not None else None)

    async def bind(self, portal: str, statement: str, param_formats: Sequence[int],
                   params: Sequence[bytes | None], result_formats: Sequence[int]) -> None:
        prepared = self._prepared(statement)
        if len(self.portals) >= PORTALS_MAX and portal not in self.portals:
            raise errors.OutOfMemory(what="too many portals")
        await self._describe(prepared)
        oids = prepared.param_oids
        if len(params) != len(oids):
            raise errors.ProtocolViolation(
                what=f"bind message supplies {len(params)} parameters, but prepared statement "
                     f'"{statement}" requires {len(oids)}')
        decoded = []
        for raw, fmt, oid in zip(params, param_formats, oids):
            decoded.append(_decode_param(raw, fmt, oid))
        await _close_portal(self.portals.get(portal))  # the unnamed one, bound again
        self.portals[portal] = Portal(prepared, decoded, result_formats)

    async def describe_portal(self, portal: str) -> tuple[wb.Column, ...] | None:
        p = self._portal(portal)
        columns = await self._describe(p.prepared)
        return _wire_columns(columns, p.result_formats) if columns is not None else None

    async def execute(self, portal: str, max_rows: int) -> AsyncIterator[wb.QueryEvent]:
        p = self._portal(portal)
        self._canceled = False
        try:
            if p.rows is None and not p.done:
                stmts = p.prepared.statements
                if not stmts:
                    yield wb.EmptyQuery()
                    return
                p.rows = self._run(p.prepared, p.params, p.result_formats, max_rows=0, describe=False)
            count = 0
            while True:
                if p.pending:
                    take = p.pending if not max_rows else p.pending[: max_rows - count]
                    p.pending = p.pending[len(take):]
                    count += len(take)
                    yield wb.Rows(take)
                    if max_rows and count >= max_rows and (p.pending or not p.done):
                        yield wb.PortalSuspended()
                        return
                if p.done:
                    yield wb.CommandComplete(p.tag)
                    return
                try:
                    event = await p.rows.__anext__()  # type: ignore[union-attr]
                except StopAsyncIteration:
                    p.done = True
                    if not p.tag:
                        p.tag = "SELECT 0"
                    continue
                if isinstance(event, wb.Rows):
                    p.pending.extend(event.rows)
                elif isinstance(event, wb.CommandComplete):
                    p.tag = event.tag
                    p.done = True
                    await _run_to_end(p.rows)
                else:
                    yield event
        except errors.BorealisError:
            p.done = True
            await self._on_error()
            raise

    async def close_statement(self, statement: str) -> None:
        self.prepared.pop(statement, None)

    async def close_portal(self, portal: str) -> None:
        await _close_portal(self.portals.pop(portal, None))

    async def sync(self) -> None:
        if self.portals:  # the unnamed portal ends here; named ones end with the block
            kept = {k: v for k, v in self.portals.items() if k and self.block}
            for name in self.portals.keys() - kept.keys():
                await _close_portal(self.portals[name])
            self.portals = kept
        if not self.block and not self.failed:
            try:
                await self._finish_implicit()
            except errors.BorealisError:
                await self._on_error()
                raise
        if not self.block:
            self.failed = False

    async def copy_data(self, data: bytes) -> None:
        if self._copy is None:
            raise errors.ProtocolViolation(what="unexpected CopyData")
        try:
            await self._copy.feed(data)
        except errors.BorealisError:
            self._copy.ctx.close()
            self._copy = None
            await self._on_error()
            raise

    async def copy_end(self, failure: str | None) -> str:
        copy, self._copy = self._copy, None
        if copy is None:
            raise errors.ProtocolViolation(what="unexpected end of COPY")
        try:
            if failure is not None:
                raise errors.QueryCanceled(f"COPY from stdin failed: {failure}")
            await copy.finish()
        except errors.BorealisError:
            await self._on_error()
            raise
        finally:
            copy.ctx.close()
        return f"COPY {copy.count}"

    def cancel(self) -> None:
        self._canceled = True

    async def terminate(self) -> None:
        if self.txn is not None:
            self.txn.abort()
        self.txn = None
        self.block = False
        for p in self.portals.values():
            await _close_portal(p)
        self.portals.clear()
        self.prepared.clear()

    # -- settings (also used by functions: current_setting, now(), ...) ----------------

    def show(self, name: str, missing_ok: bool = False) -> str | None:
        key = name.lower()
        if key == "transaction_read_only":
            return "on" if self.transaction_read_only else "off"
        if key in self.settings:
            return self.settings[key]
        if missing_ok:
            return None
        raise errors.UndefinedParameter(name=name)

    def set(self, name: str, value: str | None, *, local: bool = False) -> str:
        key = name.lower()
        if value is None:
            value = DEFAULT_SETTINGS.get(key, "")
        else:
            rules.check_set(key, self.compat)  # DSQL accepts only some parameters
        if key in ("server_version", "server_encoding", "integer_datetimes", "lc_collate", "lc_ctype",
                   "server_version_num", "max_identifier_length"):
            raise errors.CantChangeRuntimeParam(f'parameter "{name}" cannot be changed')
        if key == "client_encoding" and value.upper().replace("-", "") not in ("UTF8", "UNICODE"):
            raise errors.FeatureNotSupported(what=f"encoding {value} is not supported: only UTF8")
        if key == "client_encoding":
            value = "UTF8"
        if key == "timezone" and value.upper() not in ("UTC", "GMT", "Z", "ETC/UTC", "+00", "0"):
            raise errors.InvalidParameterValue(what=f'time zone "{value}" is not supported: only UTC')
        if key == "timezone":
            value = "UTC"
        if key in ("transaction_isolation", "default_transaction_isolation"):
            rules.check_isolation(value)
            value = "repeatable read"
        if key in ("transaction_read_only", "default_transaction_read_only"):
            flag = value.strip().strip("'").lower() in ("on", "true", "1", "yes")
            value = "on" if flag else "off"
            if key == "transaction_read_only":  # this transaction only, not a session setting
                if self.block:
                    self._txn_access(flag)
                return value
        self.settings[key] = value
        return value

    @property
    def current_user(self) -> str:
        """current_user / current_role: whose privileges apply (SET ROLE)."""
        return self.role or self.user

    @property
    def session_user(self) -> str:
        return self.user

    def version_string(self) -> str:
        return DSQL_VERSION_STRING if self.compat is Compat.DSQL else VERSION_STRING

    def backend_pid(self) -> int:
        """pg_backend_pid(): DSQL refuses it (drivers read the pid from BackendKeyData)."""
        if self.compat is Compat.DSQL:
            raise errors.FunctionNotSupported(name="pg_backend_pid")
        return self.process_id

    @property
    def transaction_read_only(self) -> bool:
        if self._txn_read_only is not None:
            return self._txn_read_only
        return self.settings.get("default_transaction_read_only") == "on"

    def _txn_access(self, read_only: bool) -> None:
        """READ ONLY / READ WRITE for the current block; read-write must come first."""
        started = self.txn is not None and self.txn.t_start is not None
        if not read_only and self.transaction_read_only and started:
            raise errors.ActiveSqlTransaction(what="transaction read-write mode must be set before any query")
        self._txn_read_only = read_only

    def search_path(self) -> tuple[str, ...]:
        """The schemas names resolve in; `$user` is current_user, as in PostgreSQL."""
        raw = (self.settings.get("search_path", "public"), self.current_user)
        cached = self._search_path
        if cached[0] == raw:  # asked several times per statement, set rarely
            return cached[1]
        parts = [p.strip().strip('"') for p in raw[0].split(",")]
        path = tuple(raw[1] if p == "$user" else p for p in parts if p)
        self._search_path = (raw, path)
        return path

    def statement_timestamp(self) -> datetime.datetime:
        if self._statement_ts is None:
            self._statement_ts = self.clock_timestamp()
        return self._statement_ts

    def transaction_timestamp(self) -> datetime.datetime:
        """now(), CURRENT_TIMESTAMP, CURRENT_DATE ...: PostgreSQL's transaction start."""
        if self._transaction_ts is None:
            self._transaction_ts = self.statement_timestamp()
        return self._transaction_ts

    def clock_timestamp(self) -> datetime.datetime:
        ns = self.client.rt.clock.now()
        return datetime.datetime.fromtimestamp(ns // 1000 / 1e6, tz=datetime.UTC)

    # -- transactions ---------------------------------------------------------------

    def _transaction(self) -> Transaction:
        if self.failed:
            raise errors.TransactionClosed()
        if self.txn is None:
            self.txn = self.client.begin()
            self.txn.limits = TxnLimits() if self.compat is Compat.DSQL else None
            self._statement_ts = None
            if not self.block:  # a block's started at BEGIN
                self._transaction_ts = None
        rules.check_age(self.txn, self.compat)
        return self.txn

    async def _finish_implicit(self) -> None:
        txn, self.txn = self.txn, None
        if txn is not None and txn.state == "open":
            await self._commit(txn)

    async def _commit(self, txn: Transaction) -> None:
        try:
            rules.check_age(txn, self.compat)
            await fk.before_commit(txn, self)  # deferred foreign-key checks (sql.fk)
        except errors.BorealisError:
            txn.abort()
            raise
        await txn.commit()

    async def _on_error(self) -> None:
        if self.block:
            self.failed = True
            if self.txn is not None:
                self.txn.abort()
        else:
            if self.txn is not None:
                self.txn.abort()
            self.txn = None

    # -- running statements -----------------------------------------------------------

    async def _catalog(self, txn: Transaction) -> CatalogSnapshot:
        snapshot = await self.backend.catalog.snapshot(txn)
        # regclass I/O ('t'::regclass, oid::regclass) names relations of this snapshot.
        T.RELATION_RESOLVER.set(CatalogNames(snapshot, self.search_path(), self.user))
        T.TRANSACTION_TIMESTAMP.set(self.transaction_timestamp)  # 'now', 'today' ...
        return snapshot

    def _binder(self, catalog: CatalogSnapshot, prepared: Prepared) -> Binder:
        ctx = BindContext(catalog, self.search_path(), prepared.params, prepared.param_oids,
                          settings=self, virtual=self.backend.virtual,
                          fixed_params=prepared.fixed_params)
        return Binder(ctx)

    async def _describe(self, prepared: Prepared) -> list[OutCol] | None:
        """Bind (if needed) to learn parameter types and result columns."""
        if not prepared.statements:
            return None
        node = prepared.statements[0].node
        if type(node) in DDL_NODES:  # CREATE INDEX ASYNC returns its job id
            return ddl_result_columns(node, prepared.statements[0].modifiers)
        if not isinstance(node, (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt,
                                 ast.VariableShowStmt, ast.ExplainStmt, ast.CallStmt)):
            return None
        if isinstance(node, ast.VariableShowStmt):
            return [OutCol(DISPLAY_NAMES.get(node.name.lower(), node.name), 25)]
        if isinstance(node, ast.ExplainStmt):
            return [OutCol("QUERY PLAN", 25)]
        # Binding starts the implicit transaction Execute will run in (PostgreSQL's
        # extended protocol does too): one τ_start, one catalog read for Bind, Describe
        # and Execute. A failed block has none to offer: bind on a throwaway one.
        own = self.txn is None and self.failed
        txn = self._transaction() if not own else self.client.begin()
        try:
            catalog = await self._catalog(txn)
            await self._bind(prepared, catalog)
        finally:
            if own:
                txn.abort()
        return prepared.columns

    def _plan_is_current(self, prepared: Prepared, catalog: CatalogSnapshot) -> bool:
        """Whether `prepared`'s bound plan was made for this catalog, role and search path,
        so that binding again would give the same plan (PostgreSQL's plan cache also
        re-plans when search_path changes)."""
        return (prepared.version == catalog.ident and prepared.role == self.current_user
                and prepared.search_path == self.search_path())

    async def _bind(self, prepared: Prepared, catalog: CatalogSnapshot) -> Any:
        if prepared.bound is not None and self._plan_is_current(prepared, catalog):
            return prepared.bound
        binder = self._binder(catalog, prepared)
        node = prepared.statements[0].node
        if isinstance(node, ast.SelectStmt):
            q = binder.bind_query(node)
            bound: Any = BoundQuery(optimize(q.node), q.columns)
            prepared.columns = q.columns
        elif isinstance(node, ast.InsertStmt):
            bound = bind_insert(binder, node)
            prepared.columns = bound.returning_cols or None
        elif isinstance(node, (ast.UpdateStmt, ast.DeleteStmt)):
            bound = bind_modify(binder, node)
            prepared.columns = bound.returning_cols or None
        elif isinstance(node, ast.CallStmt):  # CALL sys.wait_for_job(...): runs as a query
            bound = bind_call(binder, node)
            prepared.columns = bound.columns
        else:
            return None
        for i, oid in enumerate(prepared.param_oids):
            if oid in (0, 705):
                prepared.param_oids[i] = 25
        prepared.bound = bound
        prepared.version = catalog.ident
        prepared.role = self.current_user
        prepared.search_path = self.search_path()
        return bound

    async def _run(self, prepared: Prepared, params: list[Any], result_formats: Sequence[int], *,
                   max_rows: int, describe: bool) -> AsyncIterator[wb.QueryEvent]:
        stmt = prepared.statements[0]
        node = stmt.node
        if isinstance(node, ast.TransactionStmt):
            async for event in self._transaction_statement(node):
                yield event
            return
        if self.failed:
            raise errors.TransactionClosed()
        if isinstance(node, ast.VariableSetStmt) and node.name in ROLE_SETTINGS:
            for event in await set_role(self, node):  # SET ROLE, SET SESSION AUTHORIZATION
                yield event
            return
        if isinstance(node, ast.VariableSetStmt):
            for event in self._set_statement(node):
                yield event
            return
        if isinstance(node, ast.ConstraintsSetStmt):
            async for event in self._set_constraints(node):
                yield event
            return
        if isinstance(node, ast.VariableShowStmt):
            value = self.show(node.name) if node.name.lower() != "all" else None
            if describe:
                yield wb.RowDescription((wb.Column(DISPLAY_NAMES.get(node.name.lower(), node.name), 25),))
            if value is not None:
                yield wb.Rows([[value.encode()]])
            yield wb.CommandComplete("SHOW")
            return
        if isinstance(node, ast.DeallocateStmt):
            if node.name is None:
                self.prepared = {k: v for k, v in self.prepared.items() if not k}
            else:
                self.prepared.pop(node.name, None)
            yield wb.CommandComplete("DEALLOCATE ALL" if node.name is None else "DEALLOCATE")
            return
        txn = self._transaction()
        self._statement_ts = None
        self._check_statement_in_transaction(node, txn)
        catalog = await self._catalog(txn)
        if type(node) in DDL_NODES:
            binder = self._binder(catalog, prepared)
            writer = CatalogWriter(txn, catalog)
            writer.owner = self.current_user  # what this DDL creates belongs to it
            result = await execute_ddl(binder, writer, node, stmt.text, modifiers=stmt.modifiers)
            if isinstance(result, DdlResult):  # rows: the job id of CREATE INDEX ASYNC
                if describe:
                    yield wb.RowDescription(_wire_columns(result.columns, result_formats))
                yield wb.Rows(_rows_encoder(result.columns, result_formats)(result.rows))
                result = result.tag
            yield wb.CommandComplete(result)
            return
        if isinstance(node, ast.ExplainStmt):
            async for event in self._explain(node, catalog, describe, prepared, params):
                yield event
            return
        if isinstance(node, ast.VacuumStmt):  # ANALYZE: checks only (sql.analyze)
            for warning in analyze(self._binder(catalog, prepared), node):
                yield wb.Notice(warning, "WARNING", "01000")
            yield wb.CommandComplete("ANALYZE")
            return
        if isinstance(node, ast.CopyStmt):
            self._copy = self._start_copy(node, catalog, prepared, txn)
            yield wb.CopyIn(0, tuple(0 for _ in self._copy.columns))
            return
        prepared.params.values = list(params)
        bound = await self._bind(prepared, catalog)
        prepared.params.values = list(params)
        with ExecContext(txn, self) as ctx:  # (its view ends with the statement)
            if isinstance(bound, BoundQuery):
                if describe:
                    yield wb.RowDescription(_wire_columns(bound.columns, result_formats))
                encode = _rows_encoder(bound.columns, result_formats)
                count = 0
                async for batch in bound.node.batches(ctx):
                    self._check_cancel()
                    count += len(batch)
                    yield wb.Rows(encode(batch))
                yield wb.CommandComplete(f"SELECT {count}")
                return
            if not isinstance(bound, (InsertPlan, ModifyPlan)):
                raise errors.FeatureNotSupported(what=f"statement {type(node).__name__}")
            count, rows = await run_dml(bound, ctx)
        tag = f"INSERT 0 {count}" if isinstance(bound, InsertPlan) else f"{bound.command} {count}"
        if bound.returning_cols:
            if describe:
                yield wb.RowDescription(_wire_columns(bound.returning_cols, result_formats))
            yield wb.Rows(_rows_encoder(bound.returning_cols, result_formats)(rows))
        yield wb.CommandComplete(tag)

    def _start_copy(self, node: ast.CopyStmt, catalog: CatalogSnapshot, prepared: Prepared,
                    txn: Transaction) -> CopyIn:
        if not node.is_from or node.filename is not None or node.is_program or node.relation is None:
            raise errors.FeatureNotSupported(
                what="COPY to or from a file or program is not supported: use COPY ... FROM STDIN")
        binder = self._binder(catalog, prepared)
        rel = binder.relation(node.relation, privileges="a")  # COPY FROM needs INSERT
        if node.attlist:
            names = [a.sval for a in node.attlist]
        else:
            names = [c.name for c in rel.live_columns if not c.generated]
        quoted = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
        schema = catalog.schema_by_oid(rel.schema_oid)
        target = f'"{schema.name}"."{rel.name}"' if schema else f'"{rel.name}"'
        nulls = ", ".join("NULL" for _ in names)
        # COPY writes identity columns as given: GENERATED ALWAYS does not apply to it.
        sql = f"INSERT INTO {target} ({quoted}) OVERRIDING SYSTEM VALUE VALUES ({nulls})"
        plan = bind_insert(binder, parse(sql)[0].node)
        columns = [OutCol(n, rel.column_by_name[n].type_oid, rel.column_by_name[n].typmod) for n in names]
        return CopyIn(plan, columns, copy_options(node), ExecContext(txn, self))

    def _check_statement_in_transaction(self, node: ast.Node, txn: Transaction) -> None:
        """Read-only transactions (25006) and DSQL's one-DDL, no-DDL-with-DML rule."""
        is_ddl = type(node) in DDL_NODES
        if self.transaction_read_only:
            command = rules.write_command(node, is_ddl)
            if command is not None:
                raise errors.ReadOnlyTransaction(what=command)
        if is_ddl:
            rules.check_ddl(txn, self.compat)
        elif type(node) in rules.DML_NODES:
            rules.check_dml(txn, self.compat)

    def _check_cancel(self) -> None:
        if self._canceled:
            self._canceled = False
            raise errors.QueryCanceled()

    async def _transaction_statement(self, node: ast.TransactionStmt) -> AsyncIterator[wb.QueryEvent]:
        kind = node.kind
        if kind in (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START):
            read_only = _transaction_options(node)
            if self.block:
                yield wb.Notice("there is already a transaction in progress", "WARNING", "25001")
            else:
                if self.txn is not None and self.txn.state == "open" and self.txn.read_only:
                    self.txn = None  # statements before BEGIN in the same query string
                self.block = True
                self._txn_read_only = read_only
                self._transaction_ts = self.clock_timestamp()
            yield wb.CommandComplete("BEGIN" if kind == TransactionStmtKind.TRANS_STMT_BEGIN
                                     else "START TRANSACTION")
            return
        if kind == TransactionStmtKind.TRANS_STMT_COMMIT:
            if not self.block:
                yield wb.Notice("there is no transaction in progress", "WARNING", "25P01")
                yield wb.CommandComplete("COMMIT")
                return
            failed = self.failed
            txn, self.txn = self.txn, None
            self.block = False
            self.failed = False
            self._txn_read_only = None
            if failed:
                yield wb.CommandComplete("ROLLBACK")
                return
            if txn is not None:
                await self._commit(txn)
            yield wb.CommandComplete("COMMIT")
            return
        if kind == TransactionStmtKind.TRANS_STMT_ROLLBACK:
            if not self.block:
                yield wb.Notice("there is no transaction in progress", "WARNING", "25P01")
            if self.txn is not None:
                self.txn.abort()
            self.txn = None
            self.block = False
            self.failed = False
            self._txn_read_only = None
            yield wb.CommandComplete("ROLLBACK")
            return
        if kind in (TransactionStmtKind.TRANS_STMT_SAVEPOINT, TransactionStmtKind.TRANS_STMT_RELEASE,
                    TransactionStmtKind.TRANS_STMT_ROLLBACK_TO):
            raise errors.UnsupportedStatement(what="Savepoint" if kind == TransactionStmtKind.TRANS_STMT_SAVEPOINT
                                              else "ReleaseSavepoint" if kind == TransactionStmtKind.TRANS_STMT_RELEASE
                                              else "RollbackToSavepoint")
        raise errors.FeatureNotSupported(what=f"transaction statement {kind.name} is not supported")

    def _set_statement(self, node: ast.VariableSetStmt) -> list[wb.QueryEvent]:
        kind = node.kind
        if kind == VariableSetKind.VAR_SET_MULTI:
            return self._set_transaction(node)
        if kind in (VariableSetKind.VAR_RESET, VariableSetKind.VAR_SET_DEFAULT):
            self.set(node.name, None)
            return _set_complete(node.name, self, "RESET" if kind == VariableSetKind.VAR_RESET else "SET")
        if kind == VariableSetKind.VAR_RESET_ALL:
            app = self.settings.get("application_name", "")
            self.settings = dict(DEFAULT_SETTINGS)
            self.settings["application_name"] = app
            self.settings["session_authorization"] = self.user
            self.settings["is_superuser"] = "on" if self.user == ADMIN_NAME else "off"
            self.role = None
            return [wb.CommandComplete("RESET")]
        if kind == VariableSetKind.VAR_SET_CURRENT:
            raise errors.FeatureNotSupported(what="SET ... FROM CURRENT is not supported")
        values = [_const_text(arg) for arg in node.args or ()]
        if node.name.lower() == "transaction_read_only" and not self.block:
            rules.check_set(node.name, self.compat)
            return [_SET_TRANSACTION_OUTSIDE_BLOCK, wb.CommandComplete("SET")]
        self.set(node.name, ", ".join(values))
        return _set_complete(node.name, self, "SET")

    def _set_transaction(self, node: ast.VariableSetStmt) -> list[wb.QueryEvent]:
        """SET TRANSACTION ... and SET SESSION CHARACTERISTICS AS TRANSACTION ...: only
        REPEATABLE READ; READ ONLY / READ WRITE for the block or the session's default."""
        session_wide = node.name.upper() != "TRANSACTION"
        options = {o.defname: _const_text(o.arg) for o in node.args or () if isinstance(o, ast.DefElem)}
        if "transaction_isolation" in options:
            rules.check_isolation(options["transaction_isolation"])
        read_only = options.get("transaction_read_only")
        if session_wide:
            if read_only is not None:
                self.settings["default_transaction_read_only"] = "on" if read_only == "1" else "off"
            return [wb.CommandComplete("SET")]
        if not self.block:
            return [_SET_TRANSACTION_OUTSIDE_BLOCK, wb.CommandComplete("SET")]
        if read_only is not None:
            self._txn_access(read_only == "1")
        return [wb.CommandComplete("SET")]

    async def _set_constraints(self, node: ast.ConstraintsSetStmt) -> AsyncIterator[wb.QueryEvent]:
        """SET CONSTRAINTS {ALL | name, ...} {DEFERRED | IMMEDIATE}: whether this
        transaction's deferrable foreign keys are checked at COMMIT (`sql.fk`); IMMEDIATE
        runs the checks deferred so far. Outside a block PostgreSQL only warns."""
        if not self.block:
            yield wb.Notice("SET CONSTRAINTS can only be used in transaction blocks", "WARNING", "25P01")
            yield wb.CommandComplete("SET CONSTRAINTS")
            return
        txn = self._transaction()
        catalog = await self._catalog(txn) if node.constraints else None
        with ExecContext(txn, self) as ctx:
            await fk.set_constraints(ctx, catalog, self.search_path(), node)
        yield wb.CommandComplete("SET CONSTRAINTS")

    async def _explain(self, node: ast.ExplainStmt, catalog: CatalogSnapshot, describe: bool,
                       outer: Prepared | None = None, params: Sequence[Any] = ()
                       ) -> AsyncIterator[wb.QueryEvent]:
        """EXPLAIN [ANALYZE] [VERBOSE] (`sql.explain`). ANALYZE runs the statement in the
        current transaction, as PostgreSQL does (an UPDATE really updates); its storage
        traffic and time give the DPU estimate of ANALYZE VERBOSE (`qp.metering`)."""
        from borealis.sql.explain import analyze, explain_lines, explain_options, query_identifier
        options = explain_options(node.options)
        now_ns = self.client.rt.now_ns
        txn = self._transaction()
        before = txn.usage.snapshot()
        started = now_ns()
        # The explained statement sees the EXPLAIN's parameters ($n, extended protocol).
        prepared = Prepared("", [Statement(node.query, "", 0)], list(outer.param_oids) if outer else [],
                            fixed_params=outer is not None and outer.fixed_params)
        prepared.params.values = list(params)
        bound = await self._bind(prepared, catalog)
        if bound is None or type(node.query) is ast.CallStmt:
            raise errors.FeatureNotSupported(
                what=f"EXPLAIN of {type(node.query).__name__.removesuffix('Stmt')} is not supported")
        planning_ns = now_ns() - started
        analysis = None
        if options.analyze:
            self._check_statement_in_transaction(node.query, txn)  # read-only, DDL/DML mix
            with ExecContext(txn, self, analyze=True) as ctx:
                analysis = await analyze(bound, ctx, now_ns)
        schemas = {s.oid: s.name for s in catalog.schemas}
        lines = explain_lines(bound, options, analysis,
                              schema_name=lambda rel: schemas.get(rel.schema_oid),
                              query_id=query_identifier(node.query) if options.verbose else None,
                              planning_ns=planning_ns, usage=txn.usage.since(before))
        if describe:
            yield wb.RowDescription((wb.Column("QUERY PLAN", 25),))
        yield wb.Rows([[line.encode()] for line in lines])
        yield wb.CommandComplete("EXPLAIN")

    def _prepared(self, name: str) -> Prepared:
        p = self.prepared.get(name)
        if p is None:
            raise errors.InvalidPreparedStatement(name=name)
        return p

    def _portal(self, name: str) -> Portal:
        p = self.portals.get(name)
        if p is None:
            raise errors.InvalidCursorName(name=name)
        return p


async def _close_portal(portal: Portal | None) -> None:
    """Close the statement stream of a portal that Execute left suspended (max_rows),
    here rather than at garbage collection (see `_run_to_end`)."""
    if portal is not None and portal.rows is not None and not portal.done:
        portal.done = True
        try:
            await portal.rows.aclose()  # type: ignore[attr-defined]
        except (RuntimeError, errors.BorealisError):  # running (terminate), or failed closing
            log.debug("portal stream not closed", exc_info=True)


async def _run_to_end(events: AsyncIterator[wb.QueryEvent]) -> None:
    """Take a statement's event stream past its CommandComplete to its end.

    Left suspended there, the generator (and the one it delegates to, say
    `_transaction_statement`) would be finished at garbage collection by the event
    loop's async-generator finalizer: a thread-safe wakeup (an eventfd write on uvloop)
    and a task running `aclose` for each, several per transaction. Nothing follows a
    CommandComplete; should something, it is dropped, as the finalizer would."""
    try:
        await anext(events)
    except StopAsyncIteration:
        return
    await events.aclose()  # type: ignore[attr-defined]


def _set_complete(name: str, session: Session, tag: str) -> list[wb.QueryEvent]:
    key = name.lower()
    if key in REPORTED:
        return [wb.ParameterChanged(DISPLAY_NAMES.get(key, key), session.settings[key]),
                wb.CommandComplete(tag)]
    return [wb.CommandComplete(tag)]


_SET_TRANSACTION_OUTSIDE_BLOCK = wb.Notice("SET TRANSACTION can only be used in transaction blocks",
                                           "WARNING", "25P01")


def _transaction_options(node: ast.TransactionStmt) -> bool | None:
    """BEGIN / START TRANSACTION options: the isolation level is checked (REPEATABLE READ
    only); returns READ ONLY (True), READ WRITE (False) or neither (None)."""
    read_only = None
    for opt in node.options or ():
        if not isinstance(opt, ast.DefElem):
            continue
        if opt.defname == "transaction_isolation":
            rules.check_isolation(_const_text(opt.arg))
        elif opt.defname == "transaction_read_only":
            read_only = _const_text(opt.arg) == "1"
    return read_only


def _const_text(arg: Any) -> str:
    """The text of a SET value or a statement option (a constant, maybe cast)."""
    if isinstance(arg, ast.TypeCast):
        arg = arg.arg
    if isinstance(arg, ast.A_Const):
        v = arg.val
        for attr in ("sval", "ival", "fval", "boolval"):
            value = getattr(v, attr, None)
            if value is not None:
                return str(int(value) if isinstance(value, bool) else value)
        return ""
    return str(arg)


def _wire_columns(columns: list[OutCol], result_formats: Sequence[int]) -> tuple[wb.Column, ...]:
    out = []
    for i, c in enumerate(columns):
        info = T.type_by_oid(c.oid)
        size = info.typlen if info is not None else -1
        fmt = wb.result_format(result_formats, i) if result_formats else 0
        out.append(wb.Column(c.name, c.oid, size, c.typmod, c.table_oid, c.attnum, fmt))
    return tuple(out)


def _rows_encoder(columns: list[OutCol], result_formats: Sequence[int]):
    """rows → their values encoded for the wire in each column's format, one list per
    row (one function for a whole batch: a one-column result, the commonest, skips the
    zip per row)."""
    encoders = _value_encoders(columns, result_formats)
    if len(encoders) == 1:
        enc = encoders[0]
        return lambda rows: [[None if (v := r[0]) is None else enc(v)] for r in rows]
    return lambda rows: [[None if v is None else enc(v) for v, enc in zip(r, encoders)]
                         for r in rows]


def _value_encoders(columns: list[OutCol], result_formats: Sequence[int]):
    out = []
    for i, c in enumerate(columns):
        info = T.type_by_oid(c.oid)
        fmt = wb.result_format(result_formats, i) if result_formats else 0
        if info is None:
            out.append(lambda v: str(v).encode())
        elif fmt == 1:
            out.append(info.binary_out)
        elif info.text_out is text_out_identity:  # text, varchar, char(n), name, json
            out.append(str.encode)
        elif info.text_out is str:  # integers, oid
            out.append(lambda v: str(v).encode())
        else:
            text_out = info.text_out
            out.append(lambda v, f=text_out: f(v).encode())
    return out


def _decode_param(raw: bytes | None, fmt: int, oid: int) -> Any:
    if raw is None:
        return None
    info = T.type_by_oid(oid if oid not in (0, 705) else 25)
    if info is None:
        raise errors.FeatureNotSupported(what=f"parameter type {oid} is not supported")
    if fmt == 1:
        return info.binary_in(raw, -1)
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise errors.invalid_utf8(raw, exc) from None
    return info.text_in(text, -1)
