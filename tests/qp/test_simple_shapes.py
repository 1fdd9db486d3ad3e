"""Simple queries of one shape share a bound template (qp.shapes, sql.literals): the
answers are those of the ordinary path, whatever the literals, across catalog changes,
SET ROLE and search_path, and a literal the template cannot take fails as it would
without the template."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from borealis.core import errors
from borealis.core.limits import Compat
from borealis.qp import shapes
from borealis.qp.session import Prepared, Session
from borealis.sql.literals import shape
from tests.qp.embedded import run_session, sql


def run(tmp_path, body: Callable[[Session], Awaitable[None]]) -> None:
    run_session(tmp_path, Compat.RELAXED, body)


def entry(s: Session, text: str):
    found = shape(text)
    return s.shapes.get((found.template, found.types, s.settings.get("search_path")))


def test_a_shape_runs_from_its_template_from_the_second_query_on(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "create table acc (id int primary key, bal int not null, name varchar(10))")
        for i in range(1, 6):
            await sql(s, f"insert into acc values ({i}, {i * 10}, 'n{i}')")
        assert isinstance(entry(s, "insert into acc values (9, 9, 'x')"), Prepared)
        assert await sql(s, "select bal from acc where id = 3") == [("30",)]
        assert entry(s, "select bal from acc where id = 3") is shapes.SEEN
        assert await sql(s, "select bal from acc where id = 4") == [("40",)]
        assert isinstance(entry(s, "select bal from acc where id = 3"), Prepared)
        assert await sql(s, "select bal from acc where id = 5") == [("50",)]
        assert await sql(s, "select bal from acc where id = 99") == []
        for delta in (-5, 7, -2147483648 + 100):
            await sql(s, f"update acc set bal = bal + {delta} where id = 1")
        assert await sql(s, "select bal from acc where id = 1") == [(str(10 - 5 + 7 - 2147483548),)]
        for lo, hi in ((1, 2), (2, 4), (5, 5)):
            assert await sql(s, f"select id from acc where id between {lo} and {hi} order by id") \
                == [(str(i),) for i in range(lo, hi + 1)]
        for names in (("n1", "n3"), ("n2", "n5")):
            got = await sql(s, f"select id from acc where name in ('{names[0]}', '{names[1]}') "
                               "order by id")
            assert got == [(n[1],) for n in names]
        # a bigint literal is another shape (int8), with its own template
        assert await sql(s, "select bal from acc where id = 3000000000") == []
        assert await sql(s, "select bal from acc where id = 4000000000") == []
        assert await sql(s, "select bal from acc where id = 2") == [("20",)]

    run(tmp_path, body)


def test_a_literal_the_template_cannot_take_fails_as_without_it(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "insert into t values (1, 10), (2, 20)")
        assert await sql(s, "select v from t where id = '1'") == [("10",)]
        assert await sql(s, "select v from t where id = '2'") == [("20",)]
        assert isinstance(entry(s, "select v from t where id = '2'"), Prepared)
        with pytest.raises(errors.BorealisError) as info:
            await sql(s, "select v from t where id = 'x'")
        assert info.value.sqlstate == "22P02"
        assert info.value.message == 'invalid input syntax for type integer: "x"'
        assert await sql(s, "select v from t where id = '1'") == [("10",)]
        with pytest.raises(errors.BorealisError) as info:
            await sql(s, "update t set v = '99999999999' where id = 1")
        assert info.value.sqlstate == "22003"

    run(tmp_path, body)


def test_templates_follow_catalog_changes_roles_and_search_path(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "insert into t values (1, 10), (2, 20)")
        for i in (1, 2):
            assert await sql(s, f"select * from t where id = {i}") == [(str(i), str(i * 10))]
        await sql(s, "alter table t add column w text")
        await sql(s, "update t set w = 'w'")
        assert await sql(s, "select * from t where id = 1") == [("1", "10", "w")]
        assert await sql(s, "select * from t where id = 2") == [("2", "20", "w")]
        # search_path: the same text names another table
        await sql(s, "create schema other")
        await sql(s, "create table other.t (id int primary key, v int)")
        await sql(s, "insert into other.t values (1, -1)")
        await sql(s, "set search_path = other")
        assert await sql(s, "select * from t where id = 1") == [("1", "-1")]
        await sql(s, "set search_path = public")
        assert await sql(s, "select * from t where id = 1") == [("1", "10", "w")]
        # SET ROLE: privileges are checked for the role that runs it
        await sql(s, "create role reader")
        await sql(s, "grant usage on schema public to reader")
        await sql(s, "grant reader to admin")
        await sql(s, "set role reader")
        with pytest.raises(errors.BorealisError) as info:
            await sql(s, "select * from t where id = 2")
        assert info.value.sqlstate == "42501"
        await sql(s, "reset role")
        assert await sql(s, "select * from t where id = 2") == [("2", "20", "w")]

    run(tmp_path, body)


def test_unsafe_shapes_keep_the_ordinary_path(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "insert into t values (1, 30), (2, 20), (3, 10)")
        for _ in range(3):
            assert await sql(s, "select 'a' || 'b'") == [("ab",)]
        assert entry(s, "select 'a' || 'b'") is shapes.NEVER
        assert await sql(s, "select id, v from t order by 1 limit 1") == [("1", "30")]
        assert await sql(s, "select id, v from t order by 2 limit 1") == [("3", "10")]
        assert await sql(s, "select id, v from t order by 1 limit 2") == [("1", "30"), ("2", "20")]
        assert entry(s, "select id, v from t order by 1 limit 2") is shapes.NEVER

    run(tmp_path, body)


def test_templates_run_inside_transaction_blocks(tmp_path):
    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "insert into t values (1, 0)")
        for _ in range(2):
            await sql(s, "update t set v = v + 1 where id = 1")
        await sql(s, "begin")
        await sql(s, "update t set v = v + 100 where id = 1")
        assert await sql(s, "select v from t where id = 1") == [("102",)]
        await sql(s, "rollback")
        assert await sql(s, "select v from t where id = 1") == [("2",)]
        await sql(s, "begin")
        with pytest.raises(errors.BorealisError):
            await sql(s, "select v from t where id = 'x'")
        with pytest.raises(errors.TransactionClosed):  # a failed block takes no template
            await sql(s, "select v from t where id = 1")
        await sql(s, "rollback")
        assert await sql(s, "select v from t where id = 1") == [("2",)]

    run(tmp_path, body)


def test_the_cache_is_bounded(tmp_path):
    async def body(s: Session) -> None:
        s.shapes = shapes.ShapeCache(size=4)
        await sql(s, "create table t (id int primary key)")
        for i in range(10):
            await sql(s, f"select id from t where id = {i} and {i} = id and id < {i} + 1" + " " * i)
        assert len(s.shapes) == 4

    run(tmp_path, body)


def test_a_query_without_literals_is_parsed_once_per_session(tmp_path, monkeypatch):
    """BEGIN, COMMIT and other literal-free texts reuse their parsed statements; the
    statements still run afresh each time, DDL included."""
    from borealis.qp import session as session_module

    parsed: list[str] = []
    original = session_module.parse

    def counting(text, *args, **kwargs):
        parsed.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(session_module, "parse", counting)

    async def body(s: Session) -> None:
        create = "create table t (id int primary key, v text)"
        for _ in range(3):
            await sql(s, create)
            await sql(s, "begin")
            await sql(s, "insert into t values (1, 'a')")
            assert await sql(s, "select v from t") == [("a",)]
            await sql(s, "rollback")
            assert await sql(s, "select v from t") == []
            await sql(s, "drop table t")
        for text in (create, "begin", "rollback", "select v from t", "drop table t"):
            assert parsed.count(text) == 1, text
        assert isinstance(s.texts.get("begin"), list)
        # A parse error is not remembered: it is reported every time.
        for _ in range(2):
            with pytest.raises(errors.SyntaxError):
                await sql(s, "selec v from t")
        assert parsed.count("selec v from t") == 2

    run(tmp_path, body)


def test_a_text_without_a_template_is_parsed_and_bound_once(tmp_path, monkeypatch):
    """`SELECT 1` (a pool's ping) has its literal in the select list, so its shape has no
    template; the text itself keeps its bound plan, which is made again when the catalog,
    the role or the search path changes."""
    from borealis.qp import session as session_module

    planned: list[str] = []
    original = session_module.optimize

    def counting(node):
        planned.append(type(node).__name__)
        return original(node)

    monkeypatch.setattr(session_module, "optimize", counting)

    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "insert into t values (1, 10)")
        ping = "select 1, v from t"
        for _ in range(4):
            assert await sql(s, ping) == [("1", "10")]
        assert entry(s, ping) is shapes.NEVER
        assert isinstance(s.texts.get(ping), list)
        # the first two runs bind (seen; template refused), then the text's plan serves
        assert len(planned) == 2
        await sql(s, "alter table t add column w int")  # another catalog version
        assert await sql(s, ping) == [("1", "10")]
        assert len(planned) == 3
        await sql(s, "create schema other")
        await sql(s, "create table other.t (id int primary key, v int)")
        await sql(s, "insert into other.t values (1, -1)")
        await sql(s, "set search_path = other")
        assert await sql(s, ping) == [("1", "-1")]
        await sql(s, "reset search_path")
        assert await sql(s, ping) == [("1", "10")]
        await sql(s, "create role reader")
        await sql(s, "grant usage on schema public to reader")
        await sql(s, "grant reader to admin")
        await sql(s, "set role reader")
        with pytest.raises(errors.BorealisError) as info:
            await sql(s, ping)
        assert info.value.sqlstate == "42501"
        await sql(s, "reset role")
        before = len(planned)
        assert await sql(s, ping) == [("1", "10")]
        assert await sql(s, ping) == [("1", "10")]
        assert len(planned) == before + 1

    run(tmp_path, body)


async def _execute(s: Session, statement: str) -> list:
    await s.bind("", statement, [], [], [0])
    rows = []
    async for event in s.execute("", 0):
        if hasattr(event, "rows"):
            rows.extend(tuple(v.decode() for v in r) for r in event.rows)
    await s.sync()
    return rows


def test_prepared_statements_and_dollar_user_follow_the_search_path(tmp_path):
    """A named prepared statement is planned again after SET search_path (PostgreSQL's
    plan cache does the same), and `$user` in search_path is current_user, so SET ROLE
    changes which schema it names."""
    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v text)")
        await sql(s, "insert into t values (1, 'public')")
        await sql(s, "create role reader")
        await sql(s, "grant reader to admin")
        await sql(s, "create schema reader")
        await sql(s, "create table reader.t (id int primary key, v text)")
        await sql(s, "insert into reader.t values (1, 'reader')")
        await sql(s, "grant usage on schema reader to reader")
        await sql(s, "grant select on reader.t to reader")
        await s.parse("q", "select v from t", [])
        assert await _execute(s, "q") == [("public",)]
        await sql(s, "set search_path = reader")
        assert await _execute(s, "q") == [("reader",)]
        await sql(s, "set search_path = \"$user\", public")
        assert await _execute(s, "q") == [("public",)]  # no schema named admin
        assert await sql(s, "select current_schema()") == [("public",)]
        await sql(s, "set role reader")
        assert await _execute(s, "q") == [("reader",)]
        assert await sql(s, "select current_schema()") == [("reader",)]
        await sql(s, "reset role")
        assert await _execute(s, "q") == [("public",)]

    run(tmp_path, body)
