"""Renaming a relation rewrites the views that name it (`alter_columns.rename_in_views`):
the view goes on reading the same relation, and a WITH query of the view's own that has
the old name is left alone. Renaming a column rewrites the references that bind to it
(`alter_columns.rename_column_in_views`). The case file `ddl_more.sql` compares the
answers with PostgreSQL; this looks at the stored text."""

from __future__ import annotations

from borealis.core import errors
from borealis.core.limits import Compat
from tests.qp.embedded import run_session, sql


def test_views_follow_a_rename_of_what_they_read(tmp_path):
    async def body(s) -> None:
        await sql(s, "create table t (a int primary key, b text)")
        await sql(s, "insert into t values (1, 'x'), (2, 'y')")
        await sql(s, "create view v as select t.a, b from t where a > 0")
        await sql(s, "create view w as select a from v")
        await sql(s, "create view c as with t as (select 5 as a) "
                     "select a from t union all select a from public.t")
        await sql(s, "alter table t rename to t2")
        assert await sql(s, "select * from v order by a") == [("1", "x"), ("2", "y")]
        assert await sql(s, "select * from c order by a") == [("1",), ("2",), ("5",)]
        await sql(s, "alter view v rename to v2")
        assert await sql(s, "select * from w order by a") == [("1",), ("2",)]
        assert await sql(s, "select viewname, definition from pg_views "
                            "where viewname in ('c', 'v2', 'w') order by 1") == [
            ("c", " WITH t AS (SELECT 5 AS a) SELECT a FROM t UNION ALL SELECT a FROM public.t2 AS t;"),
            ("v2", " SELECT t.a, b FROM t2 AS t WHERE a > 0;"),
            ("w", " SELECT a FROM v2 AS v;")]
        # a new table under the old name is another relation: the views do not follow it
        await sql(s, "create table t (a int primary key, b text)")
        assert await sql(s, "select * from v2 order by a") == [("1", "x"), ("2", "y")]
        await sql(s, "drop view c")
        await sql(s, "drop view w")
        await sql(s, "drop view v2")
        try:
            await sql(s, "select * from v2")
        except errors.BorealisError as exc:
            assert exc.sqlstate == "42P01"
        else:
            raise AssertionError("the dropped view answered")

    run_session(tmp_path, Compat.RELAXED, body)


def test_views_follow_a_column_rename_by_what_each_reference_binds_to(tmp_path):
    """Only references that bind to the renamed column change; a bare select-list item
    keeps its output name; a same-named column of another table, a WITH query's output
    and an ORDER BY of an output name stay as they were."""
    async def body(s) -> None:
        await sql(s, "create table t (a int primary key, c text)")
        await sql(s, "create table u (a int primary key, c text)")
        await sql(s, "insert into t values (1, 'x'), (2, 'y')")
        await sql(s, "insert into u values (1, 'ux')")
        await sql(s, "create view v as select t.c, t.a, u.c as uc from t left join u using (a) "
                     "where t.c > '' order by t.c")
        await sql(s, "create view w as with q as (select c from t) "
                     "select c, (select max(c) from u) as m from q")
        await sql(s, "alter table t rename column c to c2")
        assert await sql(s, "select viewname, definition from pg_views "
                            "where viewname in ('v', 'w') order by 1") == [
            ("v", " SELECT t.c2 AS c, t.a, u.c AS uc FROM t LEFT JOIN u USING (a) "
                  "WHERE t.c2 > '' ORDER BY t.c2;"),
            ("w", " WITH q AS (SELECT t.c2 AS c FROM t) SELECT c, (SELECT max(c) FROM u) AS m FROM q;")]
        assert await sql(s, "select * from v") == [("x", "1", "ux"), ("y", "2", None)]
        assert await sql(s, "select * from w order by c") == [("x", "ux"), ("y", "ux")]

    run_session(tmp_path, Compat.RELAXED, body)


def test_a_renamed_column_is_named_qualified_so_nothing_else_takes_it(tmp_path):
    """The rewritten reference names its FROM item: a correlated subquery's own column,
    or an output column, of the new name cannot capture it. GROUP BY keys and the
    select-list items that match them are renamed together, and a column a column
    alias list names is left alone."""
    async def body(s) -> None:
        await sql(s, "create table t (a int primary key, c int)")
        await sql(s, "insert into t values (1, 30), (2, 10), (3, 20)")
        await sql(s, "create table u (k int primary key, d int)")
        await sql(s, "insert into u values (1, 0), (2, 0), (3, 0)")
        await sql(s, "create view corr as select a, (select max(k) from u where u.k <= c / 10) as m from t")
        await sql(s, "create view ord as select a as d from t order by c")
        await sql(s, "create view grp as select c, count(*) as n from t group by c having c > 5")
        await sql(s, "create view lst as select x.a from t as x(c, a)")
        before = {v: await sql(s, f"select * from {v}") for v in ("corr", "ord", "grp", "lst")}
        await sql(s, "alter table t rename column c to d")
        for view, rows in before.items():
            assert await sql(s, f"select * from {view}") == rows, view
        assert await sql(s, "select definition from pg_views where viewname = 'corr'") == [
            (" SELECT a, (SELECT max(k) FROM u WHERE u.k <= t.d / 10) AS m FROM t;",)]
        assert await sql(s, "select definition from pg_views where viewname = 'grp'") == [
            (" SELECT t.d AS c, count(*) AS n FROM t GROUP BY t.d HAVING t.d > 5;",)]

    run_session(tmp_path, Compat.RELAXED, body)


def test_a_view_stored_with_sequence_names_keeps_its_sequences(tmp_path, monkeypatch):
    """A view stored before views named their sequences by OID (its text calls
    nextval('s')) still keeps the sequence from being dropped; a new view names it by
    OID; a string that reads like such a name is a string."""
    from borealis.sql import sequence_ddl

    async def refused(s, text: str) -> None:
        try:
            await sql(s, text)
        except errors.BorealisError as exc:
            assert exc.sqlstate == "2BP01"
        else:
            raise AssertionError(f"{text}: a view's sequence was dropped")

    async def body(s) -> None:
        await sql(s, "create sequence s")
        oid = (await sql(s, "select 's'::regclass::oid"))[0][0]
        with monkeypatch.context() as m:  # as the code before stored views
            m.setattr(sequence_ddl, "canonical_sequences", lambda binder, node: None)
            await sql(s, "create view old_v as select nextval('s') as n")
        await sql(s, "create view new_v as select currval('s') as c")
        await sql(s, f"create view lit_v as select 'CAST({oid} AS regclass)' as t")
        assert await sql(s, "select viewname, definition from pg_views "
                            "where viewname like '%\\_v' order by 1") == [
            ("lit_v", f" SELECT 'CAST({oid} AS regclass)' AS t;"),
            ("new_v", " SELECT currval('s'::regclass) AS c;"),
            ("old_v", " SELECT nextval('s') AS n;")]
        await refused(s, "drop sequence s")
        await sql(s, "drop view new_v")
        await refused(s, "drop sequence s")  # old_v
        await sql(s, "drop view old_v")
        await sql(s, "drop sequence s")  # lit_v does not call it
        assert await sql(s, "select t from lit_v") == [(f"CAST({oid} AS regclass)",)]

    run_session(tmp_path, Compat.RELAXED, body)
