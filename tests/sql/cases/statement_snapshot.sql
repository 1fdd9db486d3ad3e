-- A statement reads the transaction as it stood when the statement began: its scans and
-- subqueries (RETURNING's too) never see the rows it writes itself.
CREATE TABLE t (a int PRIMARY KEY, b int);
INSERT INTO t SELECT g, g FROM generate_series(1, 1500) g;
-- INSERT ... SELECT from the same table, more rows than a scan page: the rows it
-- inserts lie ahead of the scan in key order and are not read again.
INSERT INTO t SELECT a + 1500, b FROM t WHERE a + 1500 <= 4500;
SELECT count(*), sum(a), max(a) FROM t;
INSERT INTO t SELECT a + 10000, (SELECT count(*) FROM t) FROM t WHERE a <= 3 RETURNING *;
-- RETURNING's subqueries: the table before the statement.
UPDATE t SET b = b + 100 WHERE a <= 3 RETURNING a, (SELECT sum(b) FROM t WHERE a <= 3);
DELETE FROM t WHERE a > 10000 RETURNING a, (SELECT count(*) FROM t WHERE a > 10000);
UPDATE t SET b = 0 WHERE a <= 2 RETURNING a, (SELECT b FROM t t2 WHERE t2.a = t.a);
-- SET's subqueries: rows the statement updated earlier still hold their old values.
UPDATE t SET b = (SELECT coalesce(sum(b), 0) FROM t t2 WHERE t2.a < t.a AND t2.a > t.a - 3) + 1 WHERE a < 10;
SELECT * FROM t WHERE a < 10 ORDER BY a;
-- Through a secondary index.
CREATE TABLE h (a int PRIMARY KEY, b int);
CREATE INDEX h_b ON h (b);
INSERT INTO h VALUES (1, 1), (2, 1), (3, 2);
UPDATE h SET b = b + 1 WHERE b = 1 RETURNING a, (SELECT count(*) FROM h WHERE b = 2);
SELECT * FROM h ORDER BY a;
-- Inside a transaction block: earlier statements' writes are seen, this one's are not.
BEGIN;
INSERT INTO t VALUES (100000, 1);
UPDATE t SET b = 7 WHERE a = 100000 RETURNING (SELECT b FROM t WHERE a = 100000);
SELECT b FROM t WHERE a = 100000;
INSERT INTO t SELECT a + 100000, b FROM t WHERE a >= 4000 RETURNING a, (SELECT count(*) FROM t WHERE a > 100000);
SELECT count(*), max(a) FROM t WHERE a >= 100000;
DELETE FROM t WHERE a >= 100000 RETURNING a, (SELECT count(*) FROM t WHERE a >= 100000);
SELECT count(*) FROM t WHERE a >= 100000;
COMMIT;
-- A VOLATILE SQL function's statements each see what was written before them, the
-- calling statement's writes so far included; a STABLE one reads as the caller does.
CREATE TABLE log (x int PRIMARY KEY);
CREATE FUNCTION note(x int) RETURNS bigint VOLATILE LANGUAGE sql AS 'INSERT INTO log VALUES (x); SELECT count(*) FROM log';
SELECT note(1);
SELECT a, note(a + 1) FROM t WHERE a <= 3 ORDER BY a;
CREATE FUNCTION logged() RETURNS bigint VOLATILE LANGUAGE sql AS 'SELECT count(*) FROM log';
CREATE FUNCTION logged_stable() RETURNS bigint STABLE LANGUAGE sql AS 'SELECT count(*) FROM log';
DELETE FROM log WHERE x <= 2 RETURNING x, logged(), logged_stable();
BEGIN;
INSERT INTO log VALUES (50);
SELECT logged(), logged_stable();
UPDATE log SET x = x + 100 WHERE x = 50 RETURNING x, logged(), logged_stable(), (SELECT count(*) FROM log WHERE x > 100);
COMMIT;
SELECT * FROM log ORDER BY x;
