"""sql.literals: a simple query's literals as the parameters of a template, and which
templates may stand in for their literals."""

from __future__ import annotations

import pytest
from pglast.parser import parse_sql

from borealis.sql.literals import INT4, INT8, NUMERIC, UNKNOWN, safe_template, shape


def test_pgbench_statements_become_templates():
    s = shape("UPDATE pgbench_accounts SET abalance = abalance + -5 WHERE aid = 3;")
    assert s.template == "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;"
    assert (s.types, s.values) == ((INT4, INT4), ("-5", "3"))
    s = shape("INSERT INTO h (tid, delta, mtime) VALUES (7, -4999, CURRENT_TIMESTAMP);")
    assert s.template == "INSERT INTO h (tid, delta, mtime) VALUES ($1, $2, CURRENT_TIMESTAMP);"
    assert s.values == ("7", "-4999")


def test_a_minus_after_a_value_is_a_subtraction():
    s = shape("select a - 1, b -2, (c) - 3 from t where d = - 4")
    assert s.template == "select a - $1, b -$2, (c) - $3 from t where d = $4"
    assert s.values == ("1", "2", "3", "-4")


@pytest.mark.parametrize(("literal", "oid"), [
    ("5", INT4), ("-2147483648", INT4), ("2147483648", INT8), ("-9223372036854775808", INT8),
    ("9223372036854775808", NUMERIC), ("1.5", NUMERIC), ("1e3", NUMERIC), (".5", NUMERIC),
    ("'x'", UNKNOWN),
])
def test_literal_types_are_postgresqls(literal, oid):
    assert shape(f"select * from t where a = {literal}").types == (oid,)


def test_quoted_strings_are_unescaped():
    assert shape("select * from t where a = 'it''s' and b = ''").values == ("it's", "")


@pytest.mark.parametrize("sql", [
    "select * from t",  # no literals
    "select * from t where a = 'é'",  # not ASCII: the lexer's offsets are not characters
    "select * from t where a = E'\\n'",
    "select * from t where a = $$x$$",
    "select * from t where a = U&'x'",
    "select * from t where a = b'101'",
    "select * from t where a = $1 and b = 2",
    "select 1; select 2",
    "select * from t where a = 1 and not - 2 = b",  # a sign after NOT: not worth guessing
])
def test_texts_the_lexer_cannot_take_apart_exactly(sql):
    assert shape(sql) is None


def test_comments_after_the_statement_are_allowed():
    assert shape("select * from t where a = 1; -- done").values == ("1",)


def _safe(sql: str) -> bool:
    return safe_template(parse_sql(shape(sql).template)[0].stmt)


@pytest.mark.parametrize("sql", [
    "select abalance from a where aid = 5",
    "update a set abalance = abalance + -5, name = 'x' where aid = 3",
    "insert into t (a, b) values (1, 'x'), (2, 'y')",
    "select * from t where k between 1 and 5 and z in ('a', 'b') and c::text = 'q'",
    "select * from t where a > 1 limit 10 offset 5",
    "delete from t where a + 1 > 2",
    "select * from t where a = '7'::int",
])
def test_safe_places(sql):
    assert _safe(sql)


@pytest.mark.parametrize("sql", [
    "select 'a' || 'b'",  # both operands would be unknown parameters
    "select 1",  # a bare select-list value
    "select * from t order by 1",  # a column number, not a value
    "select * from t group by 1",
    "select x::numeric(10, 2) from t",  # a type modifier
    "select * from t where f(a, 1) = b",  # function arguments: not attempted
    "insert into t values (1) on conflict (a) where b = 'q' do nothing",  # arbiter inference
    "select * from (values (1, 2)) v",  # VALUES outside INSERT
    "select case when a = 1 then 'x' end from t",
    "create table t (a int default 5)",
])
def test_unsafe_places(sql):
    found = shape(sql)
    try:
        node = parse_sql(found.template)[0].stmt
    except Exception:  # a template that does not parse is unsafe too
        return
    assert not safe_template(node)
