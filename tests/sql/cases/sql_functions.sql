-- CREATE FUNCTION ... LANGUAGE sql: forms, parameters, results, resolution, DDL, catalog.
-- (BEGIN ATOMIC bodies hold semicolons the case splitter would cut: tests/qp/test_sql_functions.py.)

CREATE TABLE fn_t (a int PRIMARY KEY, x int, s text);
INSERT INTO fn_t VALUES (1, 10, 'one'), (2, 20, 'two'), (3, 30, 'three');

-- string bodies, named and positional parameters, defaults, named notation
CREATE FUNCTION add2(a int, b int DEFAULT 2) RETURNS int AS $$ SELECT a + b $$ LANGUAGE sql;
SELECT add2(1), add2(1, 5), add2(b => 10, a => 1), add2(1, b => 7), add2(a := 4);
CREATE FUNCTION pos(int, text) RETURNS text LANGUAGE sql AS 'SELECT $2 || $1';
SELECT pos(7, 'n'), pos(NULL, 'n');
CREATE FUNCTION qual(a int) RETURNS int LANGUAGE sql AS 'SELECT qual.a + $1 + a';
SELECT qual(2);
-- error 42883
SELECT add2(c => 1);
-- error 42883
SELECT add2();
-- error 42883
SELECT add2(1.5);
-- error 42883
SELECT add2(1, 2, 3);

-- SQL-standard bodies
CREATE FUNCTION ret7() RETURNS int LANGUAGE sql RETURN 7;
CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql IMMUTABLE RETURN x * 2;
SELECT ret7(), twice(21), twice(twice(3));

-- columns win over parameters of the same name; the function's name qualifies
CREATE FUNCTION col_first(x int) RETURNS int LANGUAGE sql AS $$ SELECT x FROM fn_t WHERE a = 1 $$;
SELECT col_first(5);
CREATE FUNCTION by_key(k int) RETURNS text LANGUAGE sql STABLE AS $$ SELECT s FROM fn_t WHERE a = k $$;
SELECT a, by_key(a), by_key(a + 1) FROM fn_t ORDER BY a;
SELECT by_key(99), by_key(NULL) IS NULL;
SELECT a FROM fn_t WHERE by_key(a) = 'two';
SELECT sum(length(by_key(a))), max(by_key(a)) FROM fn_t;
SELECT count(*) FILTER (WHERE by_key(a) LIKE 't%') FROM fn_t;
SELECT by_key(a) AS k, count(*) FROM fn_t GROUP BY by_key(a) ORDER BY k;
SELECT a FROM fn_t ORDER BY by_key(a);

-- the scalar result: the first row of the last statement, NULL when none
CREATE FUNCTION first_a() RETURNS int LANGUAGE sql AS $$ SELECT a FROM fn_t ORDER BY a DESC $$;
CREATE FUNCTION no_row() RETURNS int LANGUAGE sql AS $$ SELECT 1 WHERE false $$;
CREATE FUNCTION two_stmts(v int) RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT v + 1 $$;
SELECT first_a(), no_row(), no_row() IS NULL, two_stmts(41);

-- assignment casts to the declared type; PostgreSQL's 42P13 otherwise
CREATE FUNCTION to_int(int) RETURNS int LANGUAGE sql AS 'SELECT 1::bigint + $1';
CREATE FUNCTION to_num() RETURNS numeric LANGUAGE sql AS 'SELECT 1.5::float8';
CREATE FUNCTION to_text(int) RETURNS text LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION unknown_lit() RETURNS text LANGUAGE sql AS $$ SELECT '5' $$;
SELECT to_int(2), to_num(), to_text(3), unknown_lit(), pg_typeof(to_int(2)), pg_typeof(to_text(3));
-- error 42P13
CREATE FUNCTION unknown_int() RETURNS int LANGUAGE sql AS $$ SELECT '5' $$;
-- error 42P13
CREATE FUNCTION bad_type(int) RETURNS int LANGUAGE sql AS $$ SELECT 'x'::text $$;
-- error 42P13
CREATE FUNCTION bad_width(int) RETURNS int LANGUAGE sql AS 'SELECT 1, 2';
-- error 42P13
CREATE FUNCTION bad_last() RETURNS int LANGUAGE sql AS $$ INSERT INTO fn_t VALUES (9, 9, 'x') $$;
-- error 42P13
CREATE FUNCTION few_cols() RETURNS TABLE (a int, b text) LANGUAGE sql AS 'SELECT 1';
-- error 42P13
CREATE FUNCTION many_cols() RETURNS TABLE (a int, b text) LANGUAGE sql AS $$ SELECT 1, 'x', 3 $$;
-- error 42P13
CREATE FUNCTION col_type() RETURNS TABLE (a int, b int) LANGUAGE sql AS $$ SELECT 1, 'x'::text $$;

-- the body is checked at CREATE
-- error 42P01
CREATE FUNCTION no_table() RETURNS int LANGUAGE sql AS 'SELECT x FROM no_such_table';
-- error 42703
CREATE FUNCTION no_column() RETURNS int LANGUAGE sql AS 'SELECT no_such_column';
-- error 42883
CREATE FUNCTION no_fn() RETURNS int LANGUAGE sql AS 'SELECT no_such_fn(1)';
-- error 42P02
CREATE FUNCTION no_param(int) RETURNS int LANGUAGE sql AS 'SELECT $2';
-- error 42P13
CREATE FUNCTION no_lang() RETURNS int AS 'SELECT 1';
-- error 42P13
CREATE FUNCTION no_result() AS 'SELECT 1' LANGUAGE sql;
-- error 42P13
CREATE FUNCTION no_body() RETURNS int LANGUAGE sql;
-- error 42601
CREATE FUNCTION two_vol() RETURNS int LANGUAGE sql IMMUTABLE VOLATILE AS 'SELECT 1';
-- error 42P13
CREATE FUNCTION two_bodies() RETURNS int LANGUAGE sql AS 'SELECT 1' RETURN 1;
-- error 42P13
CREATE FUNCTION dup_param(a int, a int) RETURNS int LANGUAGE sql AS 'SELECT 1';
-- error 42P13
CREATE FUNCTION gap_default(a int DEFAULT 1, b int) RETURNS int LANGUAGE sql AS 'SELECT 1';
-- error 42P13
CREATE FUNCTION out_mismatch(OUT a int) RETURNS text LANGUAGE sql AS 'SELECT 1';
-- error 42883
CREATE FUNCTION self_return(n int) RETURNS int LANGUAGE sql RETURN self_return(n);

-- STRICT, volatility, void
CREATE FUNCTION strict5(int) RETURNS int STRICT LANGUAGE sql AS 'SELECT 5';
CREATE FUNCTION lax5(int) RETURNS int CALLED ON NULL INPUT LANGUAGE sql AS 'SELECT 5';
CREATE FUNCTION nn5(int) RETURNS int RETURNS NULL ON NULL INPUT LANGUAGE sql AS 'SELECT 5';
SELECT strict5(NULL), strict5(1), lax5(NULL), nn5(NULL);
CREATE FUNCTION nothing() RETURNS void LANGUAGE sql AS 'SELECT 1';
SELECT nothing(), nothing() IS NULL;
SELECT * FROM nothing();

-- DML in a body
CREATE FUNCTION add_row(k int, v text) RETURNS int LANGUAGE sql AS $$
  INSERT INTO fn_t VALUES (k, k * 10, v);
  SELECT count(*)::int FROM fn_t
$$;
SELECT add_row(4, 'four');
SELECT * FROM fn_t ORDER BY a;
CREATE FUNCTION bump(k int) RETURNS int LANGUAGE sql AS $$ UPDATE fn_t SET x = x + 1 WHERE a = k RETURNING x $$;
SELECT bump(4), bump(4);
CREATE FUNCTION drop_row(k int) RETURNS void LANGUAGE sql AS $$ DELETE FROM fn_t WHERE a = k $$;
SELECT drop_row(4);
SELECT count(*) FROM fn_t;

-- set-returning functions
CREATE FUNCTION one_two() RETURNS SETOF int LANGUAGE sql AS 'SELECT 1 UNION ALL SELECT 2';
SELECT one_two();
SELECT * FROM one_two() ORDER BY 1;
SELECT y FROM one_two() AS x(y) ORDER BY y;
SELECT one_two() + 10 AS v ORDER BY v;
SELECT * FROM one_two() WITH ORDINALITY ORDER BY 1;
CREATE FUNCTION pairs() RETURNS TABLE (a int, b text) LANGUAGE sql AS $$ SELECT 1, 'x' UNION ALL SELECT 2, 'y' $$;
SELECT * FROM pairs() ORDER BY a;
SELECT b FROM pairs() p WHERE p.a = 2;
CREATE FUNCTION rows_from(lo int) RETURNS SETOF fn_t LANGUAGE sql AS $$ SELECT * FROM fn_t WHERE a >= lo $$;
SELECT * FROM rows_from(2) ORDER BY a;
SELECT r.s FROM rows_from(3) r;
SELECT t.a, f.v FROM fn_t t, LATERAL (SELECT * FROM one_two()) f(v) ORDER BY 1, 2;
CREATE FUNCTION upto(n int) RETURNS SETOF int LANGUAGE sql AS 'SELECT generate_series(1, n)';
SELECT t.a, u FROM fn_t t, upto(t.a) u ORDER BY 1, 2;
CREATE FUNCTION outs(OUT a int, OUT b text) LANGUAGE sql AS $$ SELECT 1, 'z' $$;
SELECT * FROM outs();
SELECT outs();
CREATE FUNCTION outs_none(OUT a int, OUT b int) LANGUAGE sql AS 'SELECT 1, 2 WHERE false';
SELECT * FROM outs_none();
SELECT outs_none() IS NULL;
SELECT * FROM no_row();
SELECT * FROM twice(5);
SELECT * FROM twice(5) AS t(v);
-- error 0A000
SELECT 1 WHERE one_two() = 1;

-- recursion
CREATE FUNCTION fact(n int) RETURNS numeric LANGUAGE sql AS $$ SELECT CASE WHEN n <= 1 THEN 1::numeric ELSE n * fact(n - 1) END $$;
SELECT fact(1), fact(10), fact(25);
CREATE FUNCTION tsum(n int) RETURNS bigint LANGUAGE sql AS $$ SELECT CASE WHEN n <= 0 THEN 0 ELSE (SELECT x FROM fn_t WHERE a = 1) + tsum(n - 1) END $$;
SELECT tsum(3);

-- overloading and resolution
CREATE FUNCTION ov(int) RETURNS text LANGUAGE sql AS $$ SELECT 'int' $$;
CREATE FUNCTION ov(text) RETURNS text LANGUAGE sql AS $$ SELECT 'text' $$;
CREATE FUNCTION ov(numeric) RETURNS text LANGUAGE sql AS $$ SELECT 'numeric' $$;
SELECT ov(1), ov('a'), ov(1.5), ov(1::bigint), ov(NULL), ov('a'::varchar);
-- error 42725
SELECT ov(1::smallint);
CREATE FUNCTION ov2(int) RETURNS text LANGUAGE sql AS $$ SELECT 'int' $$;
CREATE FUNCTION ov2(bigint) RETURNS text LANGUAGE sql AS $$ SELECT 'bigint' $$;
SELECT ov2(1), ov2(1::bigint);
-- error 42725
SELECT ov2('1');
-- error 42725
SELECT ov2(1::smallint);
CREATE FUNCTION ov3(int, int DEFAULT 0) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
CREATE FUNCTION ov3(int) RETURNS int LANGUAGE sql AS 'SELECT -$1';
-- error 42725
SELECT ov3(1);
SELECT ov3(1, 1);

-- a SQL function does not shadow a built-in (pg_catalog is searched first) unless qualified
CREATE FUNCTION upper(int) RETURNS text LANGUAGE sql AS $$ SELECT 'mine' $$;
SELECT upper(1), upper('a');
CREATE FUNCTION lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'mine' $$;
SELECT lower('A');

-- CREATE OR REPLACE
CREATE FUNCTION repl(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
-- error 42723
CREATE FUNCTION repl(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
CREATE OR REPLACE FUNCTION repl(a int) RETURNS int LANGUAGE sql AS 'SELECT a * 100';
SELECT repl(2);
-- error 42P13
CREATE OR REPLACE FUNCTION repl(a int) RETURNS bigint LANGUAGE sql AS 'SELECT a';
-- error 42P13
CREATE OR REPLACE FUNCTION repl(b int) RETURNS int LANGUAGE sql AS 'SELECT b';
CREATE OR REPLACE FUNCTION repl(a int DEFAULT 3) RETURNS int LANGUAGE sql AS 'SELECT a';
SELECT repl();
-- error 42P13
CREATE OR REPLACE FUNCTION repl(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
-- error 42P13
CREATE OR REPLACE FUNCTION pairs() RETURNS TABLE (a int, c text) LANGUAGE sql AS $$ SELECT 1, 'x' $$;

-- DROP FUNCTION / ROUTINE
-- error 42725
DROP FUNCTION ov;
DROP FUNCTION ov(int);
-- error 42883
DROP FUNCTION ov(int);
DROP FUNCTION IF EXISTS ov(int);
-- error 42883
DROP FUNCTION no_such_function;
DROP FUNCTION IF EXISTS no_such_function;
DROP FUNCTION ov(text), ov(numeric);
-- error 42883
SELECT ov('a');
DROP ROUTINE ov2(int);
DROP FUNCTION ov2 CASCADE;
DROP FUNCTION IF EXISTS ov3(int), ov3(int, int) RESTRICT;

-- ALTER FUNCTION / ROUTINE
CREATE FUNCTION alt(bigint) RETURNS text LANGUAGE sql AS $$ SELECT 'alt' $$;
ALTER FUNCTION alt(bigint) RENAME TO alt2;
SELECT alt2(1);
-- error 42883
SELECT alt(1);
CREATE FUNCTION alt3(bigint) RETURNS text LANGUAGE sql AS $$ SELECT 'alt3' $$;
-- error 42723
ALTER FUNCTION alt3(bigint) RENAME TO alt2;
-- error 42883
ALTER FUNCTION alt(bigint) RENAME TO alt4;
ALTER ROUTINE alt2 IMMUTABLE STRICT;
SELECT provolatile, proisstrict FROM pg_proc WHERE proname = 'alt2' AND pronamespace = current_schema()::regnamespace;
ALTER FUNCTION alt2(bigint) VOLATILE CALLED ON NULL INPUT;
SELECT provolatile, proisstrict FROM pg_proc WHERE proname = 'alt2' AND pronamespace = current_schema()::regnamespace;
-- error 3F000
ALTER FUNCTION alt2 SET SCHEMA no_such_schema;

-- pg_proc and the functions psql's \df calls
SELECT p.proname, p.pronargs, p.pronargdefaults, p.proretset, p.provolatile, p.proisstrict,
       p.prokind, l.lanname, p.proargnames, p.proargmodes, p.prosrc,
       pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result,
       pg_get_function_identity_arguments(p.oid) AS ident, format_type(p.prorettype, NULL) AS rettype
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = current_schema() AND p.proname IN ('add2', 'pos', 'one_two', 'pairs', 'outs', 'nothing', 'to_num', 'strict5', 'by_key')
ORDER BY p.proname;
SELECT pg_get_functiondef(p.oid) FROM pg_proc p
WHERE p.pronamespace = current_schema()::regnamespace AND p.proname IN ('add2', 'pos', 'one_two', 'pairs', 'outs', 'by_key', 'strict5')
ORDER BY p.proname;
SELECT 'twice'::regproc, 'twice'::regproc::oid = (SELECT oid FROM pg_proc WHERE proname = 'twice'
  AND pronamespace = current_schema()::regnamespace);
SELECT p.proname AS "Name", pg_catalog.pg_get_function_result(p.oid) AS "Result data type",
  pg_catalog.pg_get_function_arguments(p.oid) AS "Argument data types",
  CASE p.prokind WHEN 'a' THEN 'agg' WHEN 'w' THEN 'window' WHEN 'p' THEN 'proc' ELSE 'func' END AS "Type"
FROM pg_catalog.pg_proc p LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE pg_catalog.pg_function_is_visible(p.oid) AND n.nspname = current_schema()
  AND p.proname IN ('add2', 'upper', 'lower', 'fact', 'alt2')
ORDER BY 1, 3;
COMMENT ON FUNCTION alt2(bigint) IS 'renamed';
SELECT obj_description(oid, 'pg_proc') FROM pg_proc WHERE proname = 'alt2' AND pronamespace = current_schema()::regnamespace;

-- a schema's functions go with it
CREATE SCHEMA fn_s;
CREATE FUNCTION fn_s.inner_fn(int) RETURNS int LANGUAGE sql AS 'SELECT $1 + 1000';
SELECT fn_s.inner_fn(1);
-- error 42883
SELECT inner_fn(1);
ALTER FUNCTION alt2(bigint) SET SCHEMA fn_s;
SELECT fn_s.alt2(1);
-- error 2BP01
DROP SCHEMA fn_s;
DROP SCHEMA fn_s CASCADE;
-- error 3F000
SELECT fn_s.inner_fn(1);

-- functions in other statements
CREATE VIEW fn_v AS SELECT a, twice(a) AS t2, by_key(a) AS k FROM fn_t;
SELECT * FROM fn_v ORDER BY a;
INSERT INTO fn_t VALUES (twice(3), twice(30), by_key(1));
UPDATE fn_t SET s = by_key(1) || '!' WHERE a = twice(3) RETURNING a, s;
DELETE FROM fn_t WHERE a = twice(3) RETURNING twice(a);
WITH w AS (SELECT twice(a) AS v FROM fn_t) SELECT sum(v) FROM w;
SELECT (SELECT twice(max(a)) FROM fn_t), EXISTS (SELECT 1 FROM pairs() WHERE a = 2);
SELECT a FROM fn_t WHERE a IN (SELECT * FROM one_two()) ORDER BY a;
CREATE FUNCTION shout(k int) RETURNS text LANGUAGE sql AS $$ SELECT by_key(k) || '!' $$;
SELECT shout(1), shout(2), shout(NULL);
SELECT rows_from(3);
SELECT t1.a, t2.a FROM fn_t t1 JOIN fn_t t2 ON twice(t1.a) = t2.a ORDER BY 1;
SELECT t1.a, t2.a FROM fn_t t1 JOIN fn_t t2 ON by_key(t1.a) = t2.s ORDER BY 1;
SELECT a, CASE WHEN a > 100 THEN by_key(a) ELSE 'small' END FROM fn_t ORDER BY a;
SELECT DISTINCT length(by_key(a)) AS l FROM fn_t ORDER BY l;
SELECT a, sum(twice(a)) OVER (ORDER BY a) FROM fn_t ORDER BY a;
CREATE TABLE fn_d (id int PRIMARY KEY, v int DEFAULT twice(21), w text DEFAULT by_key(2));
INSERT INTO fn_d (id) VALUES (1);
SELECT * FROM fn_d;
SELECT twice(x) FROM fn_t WHERE a = 1 UNION ALL SELECT twice(2) ORDER BY 1;
SELECT pairs() ORDER BY 1;
SELECT a, rows_from(a) FROM fn_t WHERE a >= 2 ORDER BY a, 2;
-- subqueries in aggregate arguments and group keys run per row, as the calls above do
SELECT sum((SELECT 1)), count(*) FILTER (WHERE (SELECT true)) FROM fn_t;
SELECT (SELECT 1) AS one, count(*) FROM fn_t GROUP BY (SELECT 1);
-- each call runs the body anew: its WITH queries and uncorrelated subqueries too (a WITH
-- query was computed for the first call's arguments and kept for the others)
CREATE FUNCTION fn_with(int) RETURNS int LANGUAGE sql AS 'WITH c AS (SELECT $1 * 2 AS y) SELECT y FROM c';
SELECT a, fn_with(a) FROM fn_t ORDER BY a;
CREATE SEQUENCE fn_seq;
CREATE FUNCTION fn_init() RETURNS bigint LANGUAGE sql AS 'SELECT (SELECT nextval(''fn_seq''))';
SELECT count(DISTINCT fn_init()) FROM fn_t;
CREATE FUNCTION fn_named(n int) RETURNS bigint LANGUAGE sql AS 'WITH c AS (SELECT nextval(''fn_seq'') + n * 0 AS v) SELECT count(DISTINCT (SELECT v FROM c)) FROM generate_series(1, 3) g';
SELECT fn_named(1), fn_named(2);
-- A subquery among the arguments of a function in FROM may read an earlier FROM item.
CREATE TABLE fn_lat (a int PRIMARY KEY);
INSERT INTO fn_lat VALUES (1), (2);
CREATE FUNCTION fn_tens(x int) RETURNS TABLE (y int) LANGUAGE sql AS 'SELECT x * 10 UNION ALL SELECT x * 100';
CREATE FUNCTION fn_next(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';
SELECT * FROM fn_lat, fn_tens((SELECT fn_lat.a)) ORDER BY 1, 2;
SELECT * FROM fn_lat, LATERAL fn_tens((SELECT fn_lat.a + 1)) ORDER BY 1, 2;
SELECT * FROM fn_lat, fn_next((SELECT max(a) FROM fn_lat f2 WHERE f2.a <= fn_lat.a)) ORDER BY 1;
