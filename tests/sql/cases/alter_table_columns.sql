-- ALTER TABLE ... DROP COLUMN and RENAME COLUMN: what goes with a dropped column (its
-- indexes, constraints, sequences; with CASCADE its dependents), what stays (the stored
-- rows, pg_attribute's attisdropped entry), and the texts a rename rewrites. Plus
-- subqueries in LIMIT / OFFSET and in a FROM function's arguments, and $n without
-- parameters.
CREATE TABLE t (id int PRIMARY KEY, a int, b int UNIQUE, c int CHECK (c > 0), d text, CHECK (a < b));
CREATE INDEX t_d ON t (d);
CREATE INDEX t_lower ON t (lower(d));
CREATE INDEX t_part ON t (a) WHERE c > 5;
CREATE INDEX t_inc ON t (a) INCLUDE (d);
INSERT INTO t VALUES (1, 1, 2, 3, 'x'), (2, 2, 3, 7, 'y');
-- Indexes whose key, INCLUDE or expression use the column go with it.
ALTER TABLE t DROP COLUMN d;
SELECT indexname FROM pg_indexes WHERE tablename = 't' ORDER BY 1;
SELECT * FROM t ORDER BY id;
-- A UNIQUE constraint and a CHECK over two columns go too, without CASCADE.
ALTER TABLE t DROP COLUMN b;
SELECT conname, contype FROM pg_constraint WHERE conrelid = 't'::regclass ORDER BY 1;
INSERT INTO t VALUES (3, 9, 4);
-- error 23514
INSERT INTO t VALUES (4, 1, 0);
-- A partial index whose predicate reads the column.
ALTER TABLE t DROP COLUMN c RESTRICT;
SELECT indexname FROM pg_indexes WHERE tablename = 't' ORDER BY 1;
SELECT * FROM t ORDER BY id;
SELECT attname, attnum, attisdropped, atttypid = 0 AS untyped FROM pg_attribute
  WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum;
SELECT column_name, ordinal_position FROM information_schema.columns WHERE table_name = 't'
  ORDER BY ordinal_position;
-- error 42703
ALTER TABLE t DROP COLUMN zz;
ALTER TABLE t DROP COLUMN IF EXISTS zz;
-- error 42703
ALTER TABLE t DROP COLUMN b;
-- error 0A000
ALTER TABLE t DROP COLUMN ctid;
-- The name is free again; old rows read NULL for the new column.
ALTER TABLE t DROP COLUMN IF EXISTS zz, DROP COLUMN a, ADD COLUMN a text;
SELECT * FROM t ORDER BY id;
INSERT INTO t VALUES (5, 'five');
SELECT * FROM t ORDER BY id;
UPDATE t SET a = 'one' WHERE id = 1;
SELECT * FROM t WHERE a IS NOT NULL ORDER BY id;
-- error 42703
SELECT b FROM t;
-- error 42703
INSERT INTO t (id, b) VALUES (9, 9);
-- Relaxed mode drops the primary key with its column (DSQL refuses: tests/qp).
CREATE TABLE pk (id int PRIMARY KEY, u int UNIQUE, v text);
CREATE INDEX pk_v ON pk (v);
INSERT INTO pk SELECT g, g * 10, 'v' || (g % 3) FROM generate_series(1, 50) g;
ALTER TABLE pk DROP COLUMN id;
SELECT count(*), sum(u) FROM pk;
SELECT * FROM pk WHERE u = 100;
SELECT count(*) FROM pk WHERE v = 'v1';
-- error 23505
INSERT INTO pk VALUES (100, 'x');
INSERT INTO pk VALUES (NULL, 'x'), (NULL, 'x');
UPDATE pk SET v = 'w' WHERE u = 20;
DELETE FROM pk WHERE u <= 100;
SELECT count(*) FROM pk WHERE v = 'v1';
SELECT u, v FROM pk WHERE v IN ('w', 'x') ORDER BY u NULLS LAST, v;
SELECT conname, contype FROM pg_constraint WHERE conrelid = 'pk'::regclass ORDER BY 1;
CREATE TABLE two (a int, b int, PRIMARY KEY (a, b));
INSERT INTO two VALUES (1, 1), (1, 2);
ALTER TABLE two DROP COLUMN b;
INSERT INTO two VALUES (1);
SELECT a, count(*) FROM two GROUP BY a;
-- Foreign keys: a referencing column goes with its constraint; a referenced one needs
-- CASCADE, which drops the other table's constraint.
CREATE TABLE p (id int PRIMARY KEY, u int UNIQUE);
CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p, pu int REFERENCES p (u));
INSERT INTO p VALUES (1, 10);
INSERT INTO c VALUES (1, 1, 10);
-- error 2BP01
ALTER TABLE p DROP COLUMN u;
-- error 2BP01
ALTER TABLE p DROP COLUMN id;
ALTER TABLE p DROP COLUMN u CASCADE;
SELECT conname FROM pg_constraint WHERE conrelid = 'c'::regclass ORDER BY 1;
INSERT INTO c VALUES (2, 1, 99);
ALTER TABLE c DROP COLUMN pid;
SELECT conname FROM pg_constraint WHERE conrelid = 'c'::regclass ORDER BY 1;
INSERT INTO c VALUES (3, 5);
DELETE FROM p;
CREATE TABLE s (id int PRIMARY KEY, r int REFERENCES s);
-- error 2BP01
ALTER TABLE s DROP COLUMN id;
ALTER TABLE s DROP COLUMN id CASCADE;
SELECT conname FROM pg_constraint WHERE conrelid = 's'::regclass;
CREATE TABLE incl (id int PRIMARY KEY, a int, b int);
CREATE UNIQUE INDEX incl_a ON incl (a) INCLUDE (b);
CREATE TABLE inclc (id int PRIMARY KEY, x int REFERENCES incl (a));
-- error 2BP01
ALTER TABLE incl DROP COLUMN b;
ALTER TABLE incl DROP COLUMN b CASCADE;
SELECT conname FROM pg_constraint WHERE conrelid = 'inclc'::regclass;
-- Views over the column need CASCADE, and take the views over them along.
CREATE TABLE vt (id int PRIMARY KEY, a int, b int);
CREATE VIEW v1 AS SELECT id, a FROM vt;
CREATE VIEW v2 AS SELECT * FROM v1;
CREATE VIEW v3 AS SELECT * FROM vt;
CREATE VIEW v4 AS SELECT count(*) AS n FROM vt WHERE b > 0;
ALTER TABLE vt ADD COLUMN e int;
-- error 2BP01
ALTER TABLE vt DROP COLUMN a;
-- error 2BP01
ALTER TABLE vt DROP COLUMN b;
-- error 2BP01
ALTER TABLE vt DROP COLUMN id;
ALTER TABLE vt DROP COLUMN e;
ALTER TABLE vt DROP COLUMN a CASCADE;
SELECT viewname FROM pg_views WHERE schemaname = current_schema() ORDER BY 1;
SELECT * FROM v4;
-- Generated columns computed from the column need CASCADE.
CREATE TABLE g (id int PRIMARY KEY, a int, gg int GENERATED ALWAYS AS (a * 2) STORED, k int);
INSERT INTO g (id, a, k) VALUES (1, 2, 3);
-- error 2BP01
ALTER TABLE g DROP COLUMN a;
ALTER TABLE g DROP COLUMN a CASCADE;
SELECT * FROM g;
-- Identity and serial columns take their sequences along.
CREATE TABLE idt (id int PRIMARY KEY, n bigint GENERATED BY DEFAULT AS IDENTITY, s serial, k int);
SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace
  ORDER BY 1;
ALTER TABLE idt DROP COLUMN n, DROP COLUMN s;
SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace
  ORDER BY 1;
INSERT INTO idt VALUES (1, 1);
SELECT * FROM idt;
-- The last column of a table.
CREATE TABLE one (a int);
INSERT INTO one VALUES (1);
ALTER TABLE one DROP COLUMN a;
SELECT * FROM one;
INSERT INTO one DEFAULT VALUES;
SELECT count(*) FROM one;
-- error 42703
ALTER TABLE one DROP COLUMN a;
-- Not a table.
CREATE TABLE base (id int PRIMARY KEY, a int);
CREATE VIEW vw AS SELECT * FROM base;
-- error 42809
ALTER TABLE vw DROP COLUMN a;
CREATE SEQUENCE sq;
-- error 42809
ALTER TABLE sq DROP COLUMN last_value;
-- error 42703
ALTER TABLE idt DROP COLUMN k, DROP COLUMN k;
SELECT * FROM idt;
-- RENAME COLUMN rewrites CHECK, generated column and index texts.
CREATE TABLE ck (id int PRIMARY KEY, a int CHECK (a > 0), d int DEFAULT 5,
  g int GENERATED ALWAYS AS (a * 2) STORED, CONSTRAINT two_cols CHECK (a <> id));
CREATE INDEX ck_expr ON ck ((a + 1)) WHERE a > 1;
ALTER TABLE ck RENAME COLUMN a TO b;
INSERT INTO ck (id, b) VALUES (1, 2);
-- error 23514
INSERT INTO ck (id, b) VALUES (2, 0);
-- error 23514
INSERT INTO ck (id, b) VALUES (3, 3);
SELECT * FROM ck;
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ck'::regclass
  ORDER BY 1;
SELECT pg_get_indexdef('ck_expr'::regclass);
SELECT id FROM ck WHERE b + 1 = 3 AND b > 1;
ALTER TABLE ck RENAME COLUMN b TO "B b";
UPDATE ck SET "B b" = 4;
SELECT * FROM ck;
-- error 23514
UPDATE ck SET "B b" = -4;
ALTER TABLE ck RENAME COLUMN id TO key;
-- error 23514
INSERT INTO ck (key, "B b") VALUES (7, 7);
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ck'::regclass
  ORDER BY 1;
-- Subqueries in LIMIT, OFFSET and a FROM function's arguments.
SELECT * FROM generate_series(1, (SELECT 3));
SELECT 1 LIMIT (SELECT 1);
SELECT 1 OFFSET (SELECT 0);
SELECT * FROM generate_series(1, 10) LIMIT (SELECT 2) OFFSET (SELECT 3);
SELECT * FROM generate_series(1, 3) g, LATERAL generate_series(1, (SELECT g.g + 0)) h
  ORDER BY 1, 2;
SELECT * FROM (VALUES (1), (2)) v(x), generate_series(1, (SELECT v.x)) h ORDER BY 1, 2;
SELECT * FROM unnest((SELECT ARRAY[1, 2]));
SELECT * FROM base LIMIT (SELECT count(*) FROM base);
-- error 2201W
SELECT 1 LIMIT (SELECT -1);
SELECT 1 LIMIT (SELECT NULL::int);
-- $n with no parameters: 42P02.
-- error 42P02
SELECT $0;
-- No star shows a dropped column, nor the row key an UPDATE ... FROM carries.
CREATE TABLE star_drop (a int PRIMARY KEY, b int, c int);
ALTER TABLE star_drop DROP COLUMN b;
INSERT INTO star_drop VALUES (1, 2) RETURNING *;
INSERT INTO star_drop VALUES (2, 3) RETURNING star_drop.*;
SELECT star_drop.* FROM star_drop ORDER BY a;
SELECT x.* FROM star_drop x ORDER BY a;
CREATE TABLE star_src (a int PRIMARY KEY, v int);
INSERT INTO star_src VALUES (1, 5);
UPDATE star_drop SET c = star_src.v FROM star_src WHERE star_src.a = star_drop.a RETURNING star_drop.*;
UPDATE star_drop SET c = 6 WHERE a = 1 RETURNING *;
INSERT INTO star_drop VALUES (2, 9) ON CONFLICT (a) DO UPDATE SET c = excluded.c + 1 RETURNING *;
DELETE FROM star_drop USING star_src WHERE star_src.a = star_drop.a RETURNING star_drop.*;
-- A column alias list names the columns left, in order: a dropped column takes no name
-- and counts for no "columns available".
SELECT * FROM star_drop AS x(p, q) ORDER BY p;
SELECT p, q FROM star_drop AS x(p, q) ORDER BY p;
SELECT x.* FROM star_drop x(p) ORDER BY p;
SELECT y.p FROM star_drop x(p) JOIN star_drop y(p) USING (p) ORDER BY 1;
-- error 42P10
SELECT * FROM star_drop x(p, q, r);
