-- WITH and WITH RECURSIVE.
CREATE TABLE tree (id int PRIMARY KEY, parent int, label text);
INSERT INTO tree VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1'), (5, 4, 'a1x'), (6, 3, 'b1');
WITH big AS (SELECT * FROM tree WHERE id > 3) SELECT label FROM big;
WITH x AS (SELECT 1 AS n), y AS (SELECT n + 1 AS n FROM x) SELECT * FROM x, y;
WITH c(a, b) AS (VALUES (1, 'one'), (2, 'two')) SELECT b FROM c WHERE a = 2;
WITH t AS (SELECT parent, count(*) AS kids FROM tree GROUP BY parent) SELECT tree.label, t.kids FROM tree JOIN t ON t.parent = tree.id;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT sum(i), count(*) FROM n;
WITH RECURSIVE sub AS (
    SELECT id, label, 0 AS depth FROM tree WHERE id = 2
    UNION ALL
    SELECT t.id, t.label, s.depth + 1 FROM tree t JOIN sub s ON t.parent = s.id
) SELECT * FROM sub ORDER BY depth, id;
WITH RECURSIVE path(id, p) AS (
    SELECT id, label FROM tree WHERE parent IS NULL
    UNION ALL
    SELECT t.id, path.p || '/' || t.label FROM tree t JOIN path ON t.parent = path.id
) SELECT p FROM path ORDER BY p;
WITH RECURSIVE fib(a, b, n) AS (SELECT 0::int8, 1::int8, 1 UNION ALL SELECT b, a + b, n + 1 FROM fib WHERE n < 50) SELECT max(a) FROM fib;
WITH RECURSIVE u(x) AS (SELECT 1 UNION SELECT x FROM u) SELECT * FROM u;
WITH w AS (SELECT * FROM tree) SELECT count(*) FROM w a, w b WHERE a.parent = b.id;
WITH ins AS (SELECT 7 AS id) INSERT INTO tree SELECT id, 6, 'new' FROM ins;
WITH v AS (SELECT 9 AS id) INSERT INTO tree VALUES ((SELECT id FROM v), 6, 'nine') RETURNING *;
WITH gone AS (SELECT id FROM tree WHERE label = 'nine') DELETE FROM tree WHERE id IN (SELECT id FROM gone) RETURNING id;
WITH lbl AS (SELECT 'renamed' AS l) UPDATE tree SET label = lbl.l FROM lbl WHERE tree.id = 7 RETURNING tree.id, tree.label;
WITH lbl AS (SELECT 'new' AS l) UPDATE tree SET label = (SELECT l FROM lbl) WHERE id = 7;
INSERT INTO tree SELECT id, 6, 'newer' FROM (WITH ins AS (SELECT 8 AS id) SELECT * FROM ins) AS x;
SELECT * FROM tree WHERE id >= 7;
-- error 42P01
WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a;
-- error 42712
WITH a AS (SELECT 1), a AS (SELECT 2) SELECT * FROM a;
-- a WITH query reading an enclosing row is computed for each such row (it was computed
-- for the first and kept), inside a correlated subquery and a LATERAL item alike
CREATE TABLE cte_outer (a int PRIMARY KEY);
INSERT INTO cte_outer VALUES (1), (2), (3);
SELECT a, (WITH c AS (SELECT cte_outer.a * 10 AS x) SELECT x FROM c) FROM cte_outer ORDER BY a;
SELECT a, (WITH c AS (SELECT cte_outer.a AS x) SELECT (SELECT x FROM c)) FROM cte_outer ORDER BY a;
SELECT a, x FROM cte_outer, LATERAL (WITH c AS (SELECT cte_outer.a + 100 AS x) SELECT x FROM c) y ORDER BY a;
SELECT a, (SELECT sum(x) FROM (WITH c AS (SELECT cte_outer.a AS x) SELECT x FROM c UNION ALL SELECT x FROM c) u) FROM cte_outer ORDER BY a;
-- ... and once per such row: not again for each row of a subquery or LATERAL item inside
CREATE SEQUENCE cte_seq2;
SELECT a, (WITH c AS (SELECT nextval('cte_seq2') + cte_outer.a * 0 AS v) SELECT count(DISTINCT (SELECT v FROM c)) FROM generate_series(1, 3) g) FROM cte_outer ORDER BY a;
SELECT a, (WITH c AS (SELECT nextval('cte_seq2') + cte_outer.a * 0 AS v) SELECT count(DISTINCT l.v) FROM generate_series(1, 3) g, LATERAL (SELECT g, v FROM c) l) FROM cte_outer ORDER BY a;
SELECT a, (WITH c AS (SELECT random() + cte_outer.a * 0 AS v) SELECT v = (SELECT v FROM c) FROM c) FROM cte_outer ORDER BY a;
SELECT a, (WITH RECURSIVE c AS (SELECT nextval('cte_seq2') + cte_outer.a * 0 AS v), r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r, c WHERE n < 3) SELECT count(*) FROM r) FROM cte_outer ORDER BY a;
SELECT currval('cte_seq2');
-- a subquery of a grouped level that reads an enclosing row runs per such row
SELECT a, (SELECT count(*) + (SELECT cte_outer.a) FROM tree) FROM cte_outer ORDER BY a;
SELECT a, x FROM cte_outer, LATERAL (SELECT count(*) + (SELECT cte_outer.a) AS x FROM tree) l ORDER BY a;
-- a FROM subquery and a grouped level see their level's WITH queries
WITH c AS (SELECT 1 AS x) SELECT * FROM (SELECT * FROM c) d;
WITH c AS (SELECT 1 AS x) SELECT count(*), (SELECT x FROM c) FROM cte_outer;
SELECT a, (SELECT x FROM (WITH c AS (SELECT cte_outer.a AS x) SELECT x FROM c) d) FROM cte_outer ORDER BY a;
-- one that does not is computed once per statement, wherever it is read
CREATE SEQUENCE cte_seq;
SELECT a, (WITH c AS (SELECT nextval('cte_seq') AS n) SELECT n FROM c) FROM cte_outer ORDER BY a;
WITH c AS (SELECT nextval('cte_seq') AS n) SELECT a, (SELECT n FROM c) = (SELECT n FROM c) FROM cte_outer ORDER BY a;
SELECT currval('cte_seq');
-- PostgreSQL's rules for a recursive query's form
CREATE TABLE rec_t (a int PRIMARY KEY);
INSERT INTO rec_t VALUES (1), (2);
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM (SELECT * FROM r) x WHERE n < 4) SELECT * FROM r;
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n + 1 FROM r LEFT JOIN rec_t ON r.n = rec_t.a WHERE r.n < 4) SELECT * FROM r;
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL (SELECT n + 1 FROM r WHERE n < 4 EXCEPT SELECT 2)) SELECT * FROM r;
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT x.n + 1 FROM (WITH r AS (SELECT 5 AS n) SELECT n FROM r) x, r WHERE r.n < 3) SELECT * FROM r;
-- error 42P19
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < (SELECT 3 + count(*) FROM r)) SELECT * FROM r;
-- error 42P19
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n + 1 FROM r, r r2 WHERE r.n < 4) SELECT * FROM r;
-- error 42P19
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n + 1 FROM rec_t LEFT JOIN r ON r.n = rec_t.a WHERE r.n < 4) SELECT * FROM r;
-- error 42P19
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT max(n) + 1 FROM r WHERE n < 4) SELECT * FROM r;
-- error 0A000
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4 LIMIT 2) SELECT * FROM r;
-- error 0A000
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4 ORDER BY 1) SELECT * FROM r;
-- error 42P19
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL (SELECT 2 EXCEPT SELECT n + 1 FROM r WHERE n < 4)) SELECT * FROM r;
-- error 42P19
WITH RECURSIVE r(n) AS (SELECT n FROM r UNION ALL SELECT 1) SELECT * FROM r;
-- error 42P19
WITH RECURSIVE r(n) AS (SELECT 1 FROM r) SELECT * FROM r;
