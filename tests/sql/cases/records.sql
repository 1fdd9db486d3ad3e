-- Row values: whole-row references (a FROM item's alias used as a value) and row
-- constructors (ROW(a, b), (a, b)) in select lists, functions, comparisons and ordering.
CREATE TABLE people (id int PRIMARY KEY, name text, score numeric(5, 2));
INSERT INTO people VALUES (1, 'ann', 1.50), (2, NULL, NULL), (3, '', 0), (4, 'a,b', -2), (5, 'q"q', 10), (6, 'b\s', 3.25), (7, '(p)', 1), (8, 'x y', 2), (9, 'NULL', 5), (10, 'tab	here', 6);
-- composite text output: empty and special strings quoted, quotes and backslashes doubled
SELECT people FROM people;
SELECT p FROM people AS p ORDER BY id;
SELECT p, id FROM people AS p WHERE id < 4 ORDER BY id;
SELECT p.* FROM people AS p WHERE id = 1;
SELECT x FROM (VALUES (1, 'a'), (2, NULL)) AS x(k, v);
SELECT s FROM (SELECT 1 AS x, 'y'::text AS y, NULL::int AS z) AS s;
SELECT g FROM generate_series(1, 3) AS g(n);
SELECT e FROM jsonb_each('{"a": 1, "b": [2]}') AS e ORDER BY e;
WITH c AS (SELECT 1 AS p, 'q'::text AS q) SELECT c, row_to_json(c) FROM c;
-- a column wins over a FROM item of the same name
SELECT v FROM (VALUES (7)) AS v(v);
-- row constructors as values
SELECT ROW(1, 2), (1, 'a'), ROW(), ROW(1), ROW(1, NULL, 'x y'), ROW(1, ROW(2, 'x y'), ARRAY[1, 2]);
SELECT ROW(1.50, 'x'::varchar, date '2024-01-02', true, NULL::int, ARRAY['a b'], '{"k": [1]}'::jsonb);
SELECT ROW(p.*), ROW(p.*, 1), (id, name) FROM people AS p WHERE id = 2;
SELECT ARRAY[ROW(1, 'a'), ROW(2, 'b c')], array_agg(p ORDER BY id) FROM people AS p WHERE id < 3;
SELECT p::text FROM people AS p WHERE id IN (5, 6) ORDER BY id;
-- JSON with field names
SELECT row_to_json(p), to_json(p), to_jsonb(p) FROM people AS p;
SELECT row_to_json(p.*), row_to_json(p, true), row_to_json(ROW(1, 'x')) FROM people AS p WHERE id = 1;
SELECT json_agg(p ORDER BY id), jsonb_agg(p ORDER BY id) FROM people AS p WHERE id < 4;
SELECT json_agg(ROW(id, name) ORDER BY id), jsonb_agg((id, name) ORDER BY id) FROM people WHERE id < 3;
SELECT json_build_object('p', p), jsonb_build_object('p', p), json_build_array(p, 1) FROM people AS p WHERE id = 1;
SELECT to_jsonb(ROW(1, 'x')), to_json(ROW(1, NULL)), row_to_json(s) FROM (SELECT 1 AS x, ARRAY[1, 2] AS y, NULL::int AS z, '{"k": 1}'::jsonb AS j) AS s;
SELECT row_to_json(ROW(1, ROW(2, ARRAY[[1, 2], [3, 4]])));
-- error 42883
SELECT row_to_json(g) FROM generate_series(1, 2) AS g(n);
-- aggregates, grouping, DISTINCT and ordering by rows (field by field, NULLs last)
SELECT count(p), count(*), count(DISTINCT p) FROM people AS p;
SELECT p FROM people AS p ORDER BY p DESC;
SELECT ROW(name, score) AS r FROM people ORDER BY r;
SELECT ROW(score) AS r FROM people ORDER BY r DESC NULLS LAST;
SELECT DISTINCT ROW(id % 3, id % 2) AS r FROM people ORDER BY r;
SELECT p, count(*) FROM people AS p GROUP BY p ORDER BY p;
SELECT ROW(id % 2), count(*) FROM people GROUP BY ROW(id % 2) ORDER BY 1;
-- NULL tests: a row IS NULL when every field is, IS NOT NULL when none is
SELECT id, p IS NULL, p IS NOT NULL, NOT p IS NULL FROM people AS p WHERE id < 4 ORDER BY id;
SELECT ROW(1, 2) IS NULL, ROW(NULL, NULL) IS NULL, ROW(NULL, 1) IS NOT NULL, ROW(NULL, 1) IS NULL, ROW() IS NULL;
SELECT id FROM people AS p WHERE p IS NOT NULL ORDER BY id;
-- comparisons of row values: two NULL fields are equal (unlike row constructors)
SELECT p = p, p <> p, p IS DISTINCT FROM p, p IS NOT DISTINCT FROM p FROM people AS p WHERE id IN (1, 2) ORDER BY id;
SELECT a.id, b.id, a = b, a < b, a >= b FROM people AS a, people AS b WHERE a.id IN (2, 3) AND b.id IN (2, 3) ORDER BY 1, 2;
SELECT p = ROW(1, 'ann'::text, 1.50), ROW(1, 'ann'::text, 1.50::numeric) = p FROM people AS p ORDER BY id;
SELECT id FROM people AS p WHERE p = (SELECT q FROM people AS q WHERE q.id = 3);
SELECT id, p IN (SELECT q FROM people AS q WHERE q.id < 3) FROM people AS p WHERE id < 5 ORDER BY id;
SELECT ROW(1, 2) < ROW(1, 3), ROW(1, NULL) = ROW(1, NULL), (1, 2) IN ((1, 2), (3, 4)), (1, 2) = (1, 2);
-- error 42804
SELECT p = ROW(1, 2) FROM people AS p;
-- error 42804
SELECT p = ROW(1) FROM people AS p;
-- error 42804
SELECT p = ROW(1, 'ann', 1.50) FROM people AS p;
-- error 0A000
SELECT '(1,2)'::record;
-- rows in joins, subqueries and expressions
SELECT a, b FROM people AS a LEFT JOIN people AS b ON b.id = a.id + 8 ORDER BY a.id;
SELECT count(b), count(*) FROM people AS a LEFT JOIN people AS b ON b.id = a.id + 8;
SELECT a FROM people AS a JOIN people AS b USING (id) WHERE id = 1;
SELECT (SELECT row_to_json(q) FROM people AS q WHERE q.id = p.id) FROM people AS p WHERE id < 3 ORDER BY id;
SELECT (SELECT p FROM people AS q WHERE q.id = 1) FROM people AS p WHERE id = 2;
SELECT coalesce(NULL, p), CASE WHEN id = 1 THEN p END FROM people AS p WHERE id < 3 ORDER BY id;
SELECT id FROM people AS p WHERE row_to_json(p)::jsonb @> '{"name": "ann"}';
CREATE VIEW named AS SELECT id, upper(name) AS shout FROM people WHERE id < 3;
SELECT n, row_to_json(n) FROM named AS n ORDER BY id;
SELECT s FROM (SELECT 1 AS k, 2 AS v) AS s JOIN (SELECT 1 AS k) AS u USING (k);
SELECT s FROM (SELECT p FROM people AS p WHERE id < 3) AS s ORDER BY s;
SELECT row_to_json(s) FROM (SELECT p, id * 2 AS twice FROM people AS p WHERE id = 1) AS s;
-- whole rows in RETURNING
CREATE TABLE ledger (id int PRIMARY KEY, note text, n int);
INSERT INTO ledger VALUES (1, 'a', 10), (2, NULL, 20) RETURNING ledger;
UPDATE ledger SET n = n + 1 WHERE id = 1 RETURNING ledger, row_to_json(ledger);
DELETE FROM ledger AS l WHERE id = 2 RETURNING l;
SELECT ledger FROM ledger;
