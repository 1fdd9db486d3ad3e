-- More DDL: table constraints, indexes, views over views, DSQL-specific forms.
CREATE TABLE t (a int, b text, c numeric(5,2) DEFAULT 1.5 NOT NULL, PRIMARY KEY (a), UNIQUE (b, c), CHECK (c > 0), CONSTRAINT small CHECK (a < 1000));
INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y');
SELECT * FROM t;
-- error 23505
INSERT INTO t (a, b) VALUES (3, 'x');
-- error 23505
INSERT INTO t (a, b, c) VALUES (2, 'new', 9);
-- error 23514
INSERT INTO t (a, b, c) VALUES (3, 'y', -1);
-- error 23514
INSERT INTO t (a, b) VALUES (1000, 'z');
INSERT INTO t (a, b, c) VALUES (3, 'x', 2), (4, NULL, 1.5), (5, NULL, 1.5);
SELECT a, b, c FROM t WHERE b IS NULL;
CREATE INDEX t_c ON t (c DESC);
CREATE UNIQUE INDEX IF NOT EXISTS t_b_only ON t (a, b);
SELECT a FROM t WHERE c = 1.5;
DROP INDEX t_c, t_b_only;
CREATE VIEW v1 AS SELECT a, b FROM t WHERE a > 1;
CREATE VIEW v2 (x, y) AS SELECT a * 10, upper(b) FROM v1;
SELECT * FROM v2;
SELECT v1.a, v2.y FROM v1 JOIN v2 ON v2.x = v1.a * 10;
-- only postgres: simple views are automatically updatable in PostgreSQL; Borealis refuses writes to views (42809)
INSERT INTO v1 VALUES (9, 'q');
-- error 42809
-- only borealis: see above
INSERT INTO v1 VALUES (9, 'q');
-- only postgres: undo the row the view insert added on PostgreSQL
DELETE FROM t WHERE a = 9;
-- views follow renames of what they read: a table, and a view under a view
ALTER TABLE t RENAME TO t_renamed;
SELECT * FROM v1 ORDER BY a;
SELECT * FROM v2 ORDER BY x;
ALTER VIEW v1 RENAME TO v1_renamed;
SELECT * FROM v2 ORDER BY x;
SELECT v1_renamed.a, v2.y FROM v1_renamed JOIN v2 ON v2.x = v1_renamed.a * 10 ORDER BY 1;
-- error 42P01
SELECT * FROM v1;
ALTER VIEW v1_renamed RENAME TO v1;
ALTER TABLE t_renamed RENAME TO t;
SELECT * FROM v2 ORDER BY x;
-- views follow a column rename, and show the column under its old name: bare and
-- qualified references, a subquery's, WHERE, ORDER BY, a CTE, GROUP BY; another
-- table's column of the same name is left alone
CREATE TABLE u (a int PRIMARY KEY, b text);
INSERT INTO u VALUES (2, 'uu'), (3, 'vv');
CREATE VIEW v3 AS SELECT t.b, t.a + 1 AS a1, (SELECT max(b) FROM t) AS mb, u.b AS ub FROM t JOIN u ON u.a = t.a WHERE t.b > 'a' ORDER BY t.b;
CREATE VIEW v4 AS SELECT b, a FROM t WHERE b IS NOT NULL ORDER BY b DESC;
CREATE VIEW v5 AS WITH q AS (SELECT b FROM t) SELECT b > 'x' AS late, count(*) AS n FROM q GROUP BY b > 'x' ORDER BY 1;
CREATE VIEW v6 AS SELECT b, count(*) AS n FROM v4 GROUP BY b ORDER BY b;
ALTER TABLE t RENAME COLUMN b TO bee;
SELECT * FROM v1 ORDER BY a;
SELECT * FROM v2 ORDER BY x;
SELECT * FROM v3;
SELECT * FROM v4;
SELECT * FROM v5;
SELECT * FROM v6;
SELECT b FROM v4 WHERE a = 2;
ALTER TABLE t RENAME COLUMN bee TO b;
SELECT * FROM v3;
SELECT * FROM v4;
ALTER TABLE u RENAME COLUMN b TO ubee;
SELECT * FROM v3;
DROP VIEW v6;
DROP VIEW v5;
DROP VIEW v4;
DROP VIEW v3;
DROP TABLE u;
-- the command tag is the statement's; ALTER VIEW ... RENAME TO renames only views
CREATE VIEW v7 AS SELECT a FROM t;
CREATE VIEW v8 AS SELECT a FROM v7 WHERE a > 2;
ALTER TABLE v7 RENAME COLUMN a TO a2;
ALTER VIEW v7 RENAME COLUMN a2 TO a3;
SELECT * FROM v7 ORDER BY 1;
SELECT * FROM v8 ORDER BY 1;
ALTER TABLE v7 RENAME TO v9;
-- error 42809
ALTER VIEW t RENAME TO t9;
ALTER VIEW v9 RENAME TO v7;
DROP VIEW v8;
DROP VIEW v7;
DROP VIEW v2;
DROP VIEW v1;
ALTER TABLE t ADD COLUMN d date;
-- error 0A000
-- only borealis: DSQL's ADD COLUMN takes no DEFAULT, NOT NULL, CHECK or other clause
ALTER TABLE t ADD COLUMN e int DEFAULT 7;
ALTER TABLE t ADD COLUMN e int;
UPDATE t SET e = 7;
SELECT a, d, e FROM t;
INSERT INTO t (a, b, d) VALUES (6, 'w', '2024-01-01');
SELECT a, d, e FROM t WHERE a = 6;
ALTER TABLE t RENAME COLUMN e TO f;
-- error 42703
ALTER TABLE t RENAME COLUMN nope TO f2;
-- error 42701
ALTER TABLE t RENAME COLUMN f TO a;
CREATE SCHEMA other;
CREATE TABLE other.t (id int PRIMARY KEY);
INSERT INTO other.t VALUES (1), (2);
SELECT count(*) FROM other.t, t;
-- error 2BP01
DROP SCHEMA other;
DROP TABLE other.t;
DROP SCHEMA other;
-- error 42P01
CREATE VIEW bad AS SELECT * FROM nosuch;
-- error 42703
CREATE TABLE bad (a int PRIMARY KEY, CHECK (zz > 0));
-- error 42P16
CREATE TABLE bad2 (a int PRIMARY KEY, b int PRIMARY KEY);
-- error 42701
CREATE TABLE bad3 (a int, a text);
-- error 42704
CREATE TABLE bad4 (a nosuchtype);
-- A view reads the relations its names meant when it was created, whatever the search
-- path of the session that uses it (PostgreSQL's views hold the relations themselves).
CREATE SCHEMA vpath_a;
CREATE SCHEMA vpath_b;
CREATE TABLE vpath_a.vt (a int PRIMARY KEY);
CREATE TABLE vpath_b.vt (a int PRIMARY KEY);
INSERT INTO vpath_a.vt VALUES (1);
INSERT INTO vpath_b.vt VALUES (2);
BEGIN;
SET LOCAL search_path = vpath_a;
CREATE VIEW vpath_b.vv AS SELECT a FROM vt WHERE a IN (SELECT a FROM vt);
COMMIT;
SELECT * FROM vpath_b.vv;
BEGIN;
SET LOCAL search_path = vpath_b, vpath_a;
SELECT * FROM vv;
COMMIT;
ALTER TABLE vpath_a.vt RENAME TO vt2;
SELECT * FROM vpath_b.vv;
ALTER TABLE vpath_a.vt2 RENAME COLUMN a TO b;
SELECT * FROM vpath_b.vv;
-- error 2BP01
DROP TABLE vpath_a.vt2;
-- error 2BP01
ALTER TABLE vpath_a.vt2 DROP COLUMN b;
DROP VIEW vpath_b.vv;
DROP TABLE vpath_a.vt2;
DROP TABLE vpath_b.vt;
DROP SCHEMA vpath_a;
DROP SCHEMA vpath_b;
-- DSQL-specific behaviour (Aurora DSQL refuses these; PostgreSQL accepts them)
-- error 0A000
-- only borealis: DSQL refuses temporary tables
CREATE TEMPORARY TABLE tmp (id int);
