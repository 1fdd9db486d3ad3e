-- WITH queries that are INSERT, UPDATE or DELETE (data-modifying statements in WITH).
CREATE TABLE t (a int PRIMARY KEY, b int);
CREATE TABLE arch (a int PRIMARY KEY, b int);
INSERT INTO t VALUES (1, 10), (2, 20), (3, 30);
-- The primary query reads the table as it was before the statement.
WITH u AS (UPDATE t SET b = 0 WHERE a = 1 RETURNING a) SELECT (SELECT b FROM t WHERE a = 1), * FROM u;
SELECT * FROM t ORDER BY a;
-- Moving rows: DELETE ... RETURNING feeding an INSERT.
WITH d AS (DELETE FROM t WHERE a = 3 RETURNING *) INSERT INTO arch SELECT * FROM d RETURNING *;
SELECT * FROM t ORDER BY a;
SELECT * FROM arch;
-- A WITH query reads the ones before it; column names from the WITH list.
WITH i AS (INSERT INTO t VALUES (5, 50) RETURNING a), j AS (INSERT INTO t SELECT a + 10, 0 FROM i RETURNING a) SELECT * FROM i, j;
WITH x (z) AS (UPDATE t SET b = b + 1 WHERE a = 2 RETURNING b) SELECT z FROM x;
WITH k AS (SELECT 15 AS key), d AS (DELETE FROM t WHERE a IN (SELECT key FROM k) RETURNING b) SELECT * FROM d;
-- It runs to completion even when nothing reads it.
WITH x AS (DELETE FROM t WHERE a = 5) SELECT count(*) FROM t;
SELECT count(*) FROM t;
WITH x AS (INSERT INTO t VALUES (6, 60) RETURNING *) SELECT * FROM x LIMIT 0;
SELECT * FROM t ORDER BY a;
-- A row one part of the statement changed is left alone by the others.
WITH u AS (INSERT INTO t VALUES (6, 1) ON CONFLICT (a) DO UPDATE SET b = t.b + 100 RETURNING *) UPDATE t SET b = b * 10 WHERE a IN (SELECT a FROM u) RETURNING *;
SELECT * FROM t ORDER BY a;
WITH d AS (DELETE FROM t WHERE a = 1 RETURNING *) UPDATE t SET b = -1 WHERE a = 1 RETURNING *;
SELECT * FROM t ORDER BY a;
WITH x AS (UPDATE t SET b = 7 WHERE a = 6 RETURNING *) DELETE FROM t WHERE a = 6 RETURNING *;
SELECT * FROM t ORDER BY a;
-- Uniqueness sees every part's writes.
-- error 23505
WITH x AS (INSERT INTO t VALUES (8, 8)) INSERT INTO t VALUES (8, 9);
-- error 23505
WITH x AS (DELETE FROM t WHERE a = 2) INSERT INTO t VALUES (2, 22);
SELECT * FROM t ORDER BY a;
-- Foreign keys are checked at the end of the whole statement.
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p (id));
WITH x AS (INSERT INTO c VALUES (1, 1)) INSERT INTO p VALUES (1);
-- error 23503
WITH x AS (INSERT INTO c VALUES (2, 9)) INSERT INTO p VALUES (2);
-- error 23503
WITH x AS (DELETE FROM p WHERE id = 1) SELECT 1;
WITH x AS (DELETE FROM c WHERE id = 1 RETURNING id), y AS (DELETE FROM p WHERE id = 1 RETURNING id) SELECT * FROM x, y;
SELECT count(*) FROM p;
-- In a read-only transaction PostgreSQL names the statement.
BEGIN READ ONLY;
-- error 25006
WITH x AS (INSERT INTO p VALUES (7) RETURNING id) SELECT * FROM x;
ROLLBACK;
-- Where they are not allowed.
-- error 0A000
SELECT (WITH x AS (DELETE FROM t RETURNING a) SELECT 1);
-- error 0A000
SELECT * FROM (WITH x AS (DELETE FROM t RETURNING a) SELECT * FROM x) s;
WITH RECURSIVE x AS (DELETE FROM t WHERE a = 9 RETURNING a) SELECT * FROM x;
-- error 42P19
WITH RECURSIVE x AS (DELETE FROM t WHERE a IN (SELECT a FROM x) RETURNING a) SELECT * FROM x;
-- error 0A000
WITH x AS (DELETE FROM t WHERE a = 1) SELECT * FROM x;
-- error 0A000
CREATE VIEW v AS WITH x AS (DELETE FROM t RETURNING a) SELECT * FROM x;
SELECT * FROM t ORDER BY a;
-- In a SQL function's body.
CREATE FUNCTION archive(k int) RETURNS bigint LANGUAGE sql AS 'WITH d AS (DELETE FROM t WHERE a = k RETURNING *) INSERT INTO arch SELECT * FROM d; SELECT count(*) FROM arch';
SELECT archive(2);
SELECT * FROM t ORDER BY a;
SELECT * FROM arch ORDER BY a;
-- A function returning one value still runs its writing WITH queries, and their checks.
CREATE TABLE o (x int PRIMARY KEY);
CREATE FUNCTION put_o(k int) RETURNS int LANGUAGE sql AS 'WITH i AS (INSERT INTO o VALUES (k)) SELECT k * 2';
SELECT put_o(5);
SELECT * FROM put_o(6);
SELECT * FROM o ORDER BY x;
CREATE FUNCTION orphan() RETURNS int LANGUAGE sql AS 'WITH i AS (INSERT INTO c VALUES (1, 999) RETURNING id) SELECT id FROM i';
-- error 23503
SELECT orphan();
SELECT count(*) FROM c;
-- ON CONFLICT DO UPDATE never changes a row another part of the statement changed.
-- error 21000
WITH x AS (INSERT INTO t VALUES (1, 5) ON CONFLICT (a) DO UPDATE SET b = 100 RETURNING *) INSERT INTO t VALUES (1, 6) ON CONFLICT (a) DO UPDATE SET b = 200;
-- error 21000
WITH x AS (UPDATE t SET b = 5 WHERE a = 1 RETURNING a) INSERT INTO t SELECT a, 2 FROM x ON CONFLICT (a) DO UPDATE SET b = 99;
-- error 21000
WITH x AS (INSERT INTO t VALUES (40, 40) RETURNING a) INSERT INTO t SELECT a, 2 FROM x ON CONFLICT (a) DO UPDATE SET b = 99;
WITH x AS (INSERT INTO t VALUES (41, 41) RETURNING a) INSERT INTO t SELECT a, 2 FROM x ON CONFLICT (a) DO NOTHING;
SELECT * FROM t ORDER BY a;
-- A STABLE or IMMUTABLE function writes nothing.
CREATE FUNCTION bump() RETURNS int STABLE LANGUAGE sql AS 'UPDATE t SET b = b + 1 WHERE a = 1 RETURNING b';
-- error 0A000
SELECT bump();
CREATE FUNCTION bump_with() RETURNS bigint IMMUTABLE LANGUAGE sql AS 'WITH d AS (DELETE FROM t WHERE a = 1) SELECT 1::bigint';
-- error 0A000
SELECT bump_with();
SELECT * FROM t ORDER BY a;
