"""DSQL's rules in-process: the parse gate's tables in both modes, the transaction's
write accounting and limits, the 300 s age limit (by moving τ_start back), schema-object
counts without creating thousands of objects, the keys FOR UPDATE / FOR KEY SHARE put in
the lock and check sets, and the storage key-size guard in relaxed mode.

No pytest-asyncio: tests run their body with `asyncio.run`.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import pytest

from borealis.catalog.model import PUBLIC_SCHEMA_OID, Relation, Schema
from borealis.core import errors
from borealis.core.clock import Clock
from borealis.core.limits import Compat
from borealis.qp import rules
from borealis.qp.session import Session
from borealis.qp.txn import S, Transaction, TxnLimits
from borealis.sql import dsql_limits
from borealis.sql.parse import parse
from borealis.wire import backend as wb
from tests.qp.embedded import run_session, sql

# -- the parse gate ----------------------------------------------------------------------

# (statement, DSQL mode's message, relaxed mode's message or None when relaxed accepts it)
GATE = [
    ("create database d", "unsupported statement", "unsupported statement: Createdb"),
    ("truncate t", "unsupported statement: Truncate", "unsupported statement: Truncate"),
    ("explain execute p", "unsupported statement: Execute", "unsupported statement: Execute"),
    ("create table t (a int) partition by list (a)", "PARTITION BY clause not supported for CREATE TABLE",
     None),
    ("create unlogged table t (a int)", "UNLOGGED clause not supported for CREATE TABLE", None),
    ("create table t (a int) on commit preserve rows", "ON COMMIT clause not supported for CREATE TABLE",
     None),
    ("create table t (a int, exclude using gist (a with =))", "EXCLUDE clause not supported for CREATE TABLE",
     None),
    ('create table t (a text collate "default")', None, None),
    ("alter table t add constraint c foreign key (a) references u (b)",
     "unsupported ALTER TABLE ADD FOREIGN KEY without NOT VALID statement", None),
    ("alter table t add constraint c foreign key (a) references u (b) not valid", None, None),
    ("alter table t add constraint c unique using index i", None, None),
    ("alter table t add constraint c primary key using index i",
     "unsupported ALTER TABLE ADD PRIMARY KEY USING INDEX statement", None),
    ("alter table t set (fillfactor = 1)", "unsupported ALTER TABLE SET (storage parameters) statement",
     None),
    ("alter table t drop column a", None, None),
    ("copy t from stdin", None, None),
    ("copy t from program 'cat'", "COPY to or from a file not supported: use STDIN or STDOUT", None),
    ("create function f() returns int language sql as $$select 1$$", None, None),
    ("create function f() returns int language plpgsql as $$begin return 1; end$$",
     'language "plpgsql" not supported', None),  # relaxed: refused when it runs (sql.function_ddl)
    ("create procedure p() language sql as $$select 1$$", "CREATE PROCEDURE not supported", None),
]


@pytest.mark.parametrize(("sql", "dsql", "relaxed"), GATE, ids=[g[0] for g in GATE])
def test_parse_gate(sql, dsql, relaxed):
    for compat, message in ((Compat.DSQL, dsql), (Compat.RELAXED, relaxed)):
        if message is None:
            assert len(parse(sql, compat)) == 1
        else:
            with pytest.raises(errors.BorealisError) as info:
                parse(sql, compat)
            assert (info.value.sqlstate, info.value.message) == ("0A000", message), compat


# -- transaction accounting -----------------------------------------------------------------

def _txn(limits: TxnLimits | None) -> Transaction:
    rt = SimpleNamespace(random=random.Random(7), clock=Clock(lambda: 10**18))
    txn = Transaction(SimpleNamespace(rt=rt))
    txn.limits = limits
    return txn


def test_write_bytes_count_each_key_once_at_its_latest_value():
    txn = _txn(None)
    txn.put(b"\x10a", b"x" * 100)
    txn.put(b"\x10a", b"y" * 10)
    txn.delete(b"\x10b")
    assert txn.write_bytes == (2 + 10) + 2
    txn.mark_modified(b"\x10a")
    txn.mark_modified(b"\x10a")
    assert len(txn.modified_rows) == 1


def test_limits_raise_when_crossed():
    txn = _txn(TxnLimits(modified_rows_max=2, write_bytes_max=100))
    for key in (b"\x10a", b"\x10b"):
        txn.mark_modified(key)
    with pytest.raises(errors.TransactionRowLimit):
        txn.mark_modified(b"\x10c")
    txn.put(b"\x10k", b"v" * 90)
    with pytest.raises(errors.TransactionSizeLimit) as info:
        txn.put(b"\x10l", b"v" * 10)
    assert info.value.detail == "Current transaction size 1mb 0mb"
    assert _txn(None).limits is None  # relaxed: nothing is limited
    relaxed = _txn(None)
    relaxed.put(b"\x10k", b"v" * 200)
    assert relaxed.write_bytes == 202


def test_keys_storage_cannot_hold_are_refused_in_every_mode():
    txn = _txn(None)
    with pytest.raises(errors.KeySizeTooLarge) as info:
        txn.put(b"\x10" + b"k" * 600, b"v")
    assert "LMDB" in info.value.detail
    with pytest.raises(errors.KeySizeTooLarge):
        txn.delete(b"\x10" + b"\x00" * 300)  # escaping doubles NUL bytes
    assert txn.writes == {}


def test_age_is_measured_from_the_first_statement():
    now = [10**18]
    rt = SimpleNamespace(random=random.Random(7), clock=Clock(lambda: now[0]))
    txn = Transaction(SimpleNamespace(rt=rt))
    now[0] += 400 * S
    rules.check_age(txn, Compat.DSQL)  # no statement yet: no τ_start, no age
    txn.snapshot()
    now[0] += 300 * S
    rules.check_age(txn, Compat.DSQL)
    now[0] += 1
    with pytest.raises(errors.TransactionAgeLimit):
        rules.check_age(txn, Compat.DSQL)
    rules.check_age(txn, Compat.RELAXED)


def test_startup_and_set_rules():
    rules.check_startup({"user": "u", "database": "d", "client_encoding": "UTF8",
                         "DateStyle": "ISO", "_pq_.x": "1"}, {"search_path": "a"}, Compat.DSQL)
    for params, options in (({"default_transaction_read_only": "on"}, {}), ({}, {"role": "admin"})):
        with pytest.raises(errors.SettingNotSupported):
            rules.check_startup(params, options, Compat.DSQL)
        rules.check_startup(params, options, Compat.RELAXED)
    assert rules.settable("enable_nestloop") and rules.settable("TimeZone")
    assert not rules.settable("statement_timeout")
    rules.check_set("statement_timeout", Compat.RELAXED)


# -- schema object counts -------------------------------------------------------------------

def _binder(compat: Compat, relations=(), schemas=()):
    catalog = SimpleNamespace(relations=tuple(relations), schemas=tuple(schemas))
    return SimpleNamespace(ctx=SimpleNamespace(settings=SimpleNamespace(compat=compat)), catalog=catalog)


def _relations(kind: str, n: int):
    return [Relation(20000 + i, PUBLIC_SCHEMA_OID, f"{kind}{i}", kind, ()) for i in range(n)]


@pytest.mark.parametrize(("kind", "limit", "error"), [("r", 1000, errors.TableLimit),
                                                      ("v", 5000, errors.ViewLimit)])
def test_table_and_view_counts(kind, limit, error):
    dsql_limits.check_new_relation(_binder(Compat.DSQL, _relations(kind, limit - 1)), kind)
    full = _relations(kind, limit)
    with pytest.raises(error):
        dsql_limits.check_new_relation(_binder(Compat.DSQL, full), kind)
    dsql_limits.check_new_relation(_binder(Compat.RELAXED, full), kind)
    other = "v" if kind == "r" else "r"
    dsql_limits.check_new_relation(_binder(Compat.DSQL, full), other)


def test_schema_count_leaves_out_public():
    schemas = [Schema(PUBLIC_SCHEMA_OID, "public")] + [Schema(30000 + i, f"s{i}") for i in range(10)]
    with pytest.raises(errors.SchemaLimit):
        dsql_limits.check_new_schema(_binder(Compat.DSQL, schemas=schemas))
    dsql_limits.check_new_schema(_binder(Compat.DSQL, schemas=schemas[:10]))
    dsql_limits.check_new_schema(_binder(Compat.RELAXED, schemas=schemas))


# -- sessions over an embedded cluster --------------------------------------------------------

def run(tmp_path, compat: Compat, body: Callable[[Session], Awaitable[None]]) -> None:
    run_session(tmp_path, compat, body)


def user_keys(keys) -> list[bytes]:
    """Leave out system keys (0x00…: the catalog version every statement checks)."""
    return [k for k in keys if not k.startswith(b"\x00")]


def test_transaction_age_limit(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "create table aged (id int primary key)")
        await sql(s, "begin")
        await sql(s, "insert into aged values (1)")
        s.txn.t_start -= 301 * S
        with pytest.raises(errors.TransactionAgeLimit):
            await sql(s, "select 1")
        await sql(s, "rollback")
        await sql(s, "begin")
        await sql(s, "insert into aged values (2)")
        s.txn.t_start -= 301 * S
        with pytest.raises(errors.TransactionAgeLimit) as info:
            await sql(s, "commit")
        assert info.value.sqlstate == "54000"
        assert s.transaction_status == wb.TransactionStatus.IDLE
        assert await sql(s, "select count(*) from aged") == [("0",)]
        await sql(s, "insert into aged values (3)")
        assert await sql(s, "select id from aged") == [("3",)]

    run(tmp_path, Compat.DSQL, body)


def test_locking_clauses_fill_the_lock_and_share_sets(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "create table lk (id int primary key, v int)")
        await sql(s, "create table other (id int primary key)")
        await sql(s, "insert into lk select g, g from generate_series(1, 10) g")
        await sql(s, "insert into other values (1)")
        await sql(s, "begin")
        rows = await sql(s, "select id from lk where v > 7 for update")
        assert sorted(rows) == [("10",), ("8",), ("9",)]
        assert (len(user_keys(s.txn.locks)), len(user_keys(s.txn.shares))) == (3, 0)  # rows returned
        await sql(s, "select l.id from lk l, other o where l.id = o.id for key share of o")
        assert (len(user_keys(s.txn.locks)), len(user_keys(s.txn.shares))) == (3, 1)
        await sql(s, "rollback")
        await sql(s, "begin")
        await sql(s, "select * from lk where id = 1 for no key update")
        await sql(s, "select * from lk where id = 2 for share")
        # relaxed mode: NO KEY UPDATE locks, SHARE shares
        assert (len(user_keys(s.txn.locks)), len(user_keys(s.txn.shares))) == (1, 1)
        await sql(s, "rollback")

    run(tmp_path, Compat.RELAXED, body)


def test_relaxed_mode_keeps_postgresql_behaviour(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "begin")
        await sql(s, "create table r1 (id int primary key)")
        await sql(s, "create table r2 (id int primary key)")
        await sql(s, "insert into r1 select g from generate_series(1, 3001) g")
        await sql(s, "commit")
        assert await sql(s, "select count(*) from r1") == [("3001",)]
        await sql(s, "set statement_timeout = 0")
        assert await sql(s, "select pg_backend_pid()") == [("1",)]
        assert (await sql(s, "select version()"))[0][0].startswith("PostgreSQL 16.15")
        await sql(s, "create table rk (k text primary key)")
        with pytest.raises(errors.KeySizeTooLarge):  # storage's own limit holds in every mode
            await sql(s, "insert into rk values (repeat('k', 600))")
        await sql(s, "insert into rk values ('ok')")
        assert await sql(s, "select k from rk") == [("ok",)]

    run(tmp_path, Compat.RELAXED, body)
