-- Foreign keys: declaration forms, violations, referential actions, MATCH FULL,
-- self-references, deferred checks, ALTER TABLE ... NOT VALID / VALIDATE, DROP.

-- Declaration forms and default names.
CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, a int, b int, UNIQUE (a, b));
CREATE TABLE c1 (id int PRIMARY KEY, p_id int REFERENCES p);
CREATE TABLE c2 (id int PRIMARY KEY, p_code text REFERENCES p (code) ON DELETE CASCADE);
CREATE TABLE c3 (id int PRIMARY KEY, x int, y int,
                 FOREIGN KEY (x, y) REFERENCES p (a, b) MATCH FULL ON UPDATE CASCADE);
CREATE TABLE c4 (id int PRIMARY KEY, p_id bigint,
                 CONSTRAINT c4_parent FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);
CREATE TABLE c5 (id int PRIMARY KEY, p_id int DEFAULT 0 REFERENCES p ON DELETE SET DEFAULT ON UPDATE RESTRICT);
-- sorted
SELECT conname, contype, conkey, confkey, confupdtype, confdeltype, confmatchtype,
       condeferrable, condeferred, convalidated, confrelid::regclass, conindid::regclass
FROM pg_constraint
WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
ORDER BY conname;
-- sorted
SELECT conname, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true)
FROM pg_constraint
WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
ORDER BY conname;

-- What a foreign key may reference.
-- error 42830
CREATE TABLE bad1 (a int REFERENCES p (a));
-- error 42804
CREATE TABLE bad2 (a text REFERENCES p);
-- error 42804
CREATE TABLE bad3 (a numeric REFERENCES p (id));
-- error 42703
CREATE TABLE bad4 (a int REFERENCES p (nope));
-- error 42703
CREATE TABLE bad5 (a int, FOREIGN KEY (nope) REFERENCES p);
-- error 42830
CREATE TABLE bad6 (a int, FOREIGN KEY (a) REFERENCES p (a, b));
-- error 42830
CREATE TABLE bad7 (a int, b int, FOREIGN KEY (a, b) REFERENCES p (id, id));
-- error 42830
CREATE TABLE bad8 (a int, b int, FOREIGN KEY (a, b) REFERENCES p);
-- error 42P01
CREATE TABLE bad9 (a int REFERENCES nowhere);
CREATE TABLE nokey (x int);
-- error 42704
CREATE TABLE bad10 (a int REFERENCES nokey);
CREATE VIEW pv AS SELECT id FROM p;
-- error 42809
CREATE TABLE bad11 (a int REFERENCES pv);
-- error 42P10
CREATE TABLE bad12 (a int, b int, FOREIGN KEY (a) REFERENCES p ON DELETE SET NULL (b));
-- error 42710
CREATE TABLE bad13 (a int CONSTRAINT same REFERENCES p, b int CONSTRAINT same REFERENCES p);
-- error 42601
CREATE TABLE bad14 (a int NOT NULL DEFERRABLE);
-- error 42601
CREATE TABLE bad15 (a int CHECK (a > 0) DEFERRABLE);
CREATE TABLE okt (a smallint REFERENCES p, b varchar(10) REFERENCES p (code));
DROP TABLE okt;

-- Inserting and updating children.
INSERT INTO p VALUES (0, 'zero', 0, 0), (1, 'one', 10, 11), (2, 'two', 20, 21), (3, 'three', 30, 31);
INSERT INTO c1 VALUES (1, 1), (2, NULL), (3, 2);
-- error 23503
INSERT INTO c1 VALUES (4, 7);
-- error 23503
UPDATE c1 SET p_id = 9 WHERE id = 1;
UPDATE c1 SET p_id = 3 WHERE id = 1;
INSERT INTO c3 VALUES (1, 10, 11), (2, NULL, NULL);
-- error 23503
INSERT INTO c3 VALUES (3, 10, NULL);
-- error 23503
INSERT INTO c3 VALUES (3, 10, 12);
INSERT INTO c4 VALUES (1, 2), (2, 3);
-- error 23503
INSERT INTO c4 VALUES (3, 99999999999);
INSERT INTO c2 VALUES (1, 'one'), (2, 'two'), (3, 'two');
INSERT INTO c5 VALUES (1, 1), (2, 2), (3, 0);

-- Deleting and updating parents: NO ACTION, RESTRICT, CASCADE, SET NULL, SET DEFAULT.
-- error 23503
DELETE FROM p WHERE id = 3;
-- error 23503
UPDATE p SET id = 33 WHERE id = 3;
UPDATE c1 SET p_id = NULL WHERE p_id = 3;
UPDATE p SET a = 100 WHERE id = 1;
SELECT * FROM c3 ORDER BY id;
-- error 23503
UPDATE p SET id = 12 WHERE id = 1;
UPDATE c5 SET p_id = 0 WHERE p_id = 1;
-- error 23503
UPDATE p SET code = 'uno' WHERE id = 1;
UPDATE p SET code = 'trois' WHERE id = 3;
-- error 23503
DELETE FROM p WHERE id = 2;
DELETE FROM c1 WHERE p_id = 2;
DELETE FROM p WHERE id = 2;
SELECT * FROM c1 ORDER BY id;
SELECT * FROM c2 ORDER BY id;
SELECT * FROM c4 ORDER BY id;
SELECT * FROM c5 ORDER BY id;
-- error 23503
DELETE FROM p WHERE id = 0;
DELETE FROM c5 WHERE p_id = 0;
DELETE FROM p WHERE id = 0;
SELECT id FROM p ORDER BY id;

-- ON DELETE SET NULL (column list), and SET NULL meeting NOT NULL.
CREATE TABLE gp (x int, y int, PRIMARY KEY (x, y));
CREATE TABLE gc (id int PRIMARY KEY, x int, y int,
                 FOREIGN KEY (x, y) REFERENCES gp ON DELETE SET NULL (y));
CREATE TABLE gnn (id int PRIMARY KEY, x int NOT NULL, y int,
                  FOREIGN KEY (x, y) REFERENCES gp ON DELETE SET NULL);
-- error 42830
CREATE TABLE gbad (id int PRIMARY KEY, x int REFERENCES gp (x));
INSERT INTO gp VALUES (1, 1), (1, 2);
INSERT INTO gc VALUES (1, 1, 1), (2, 1, 2);
DELETE FROM gp WHERE y = 1;
SELECT * FROM gc ORDER BY id;
INSERT INTO gnn VALUES (1, 1, 2);
-- error 23502
DELETE FROM gp WHERE y = 2;

-- Cascades over several levels, and into a unique-index reference.
CREATE TABLE l1 (id int PRIMARY KEY);
CREATE TABLE l2 (id int PRIMARY KEY, l1 int REFERENCES l1 ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE l3 (id int PRIMARY KEY, l2 int REFERENCES l2 ON DELETE CASCADE ON UPDATE CASCADE);
CREATE INDEX l3_l2_idx ON l3 (l2);
INSERT INTO l1 VALUES (1), (2);
INSERT INTO l2 VALUES (10, 1), (11, 1), (20, 2);
INSERT INTO l3 VALUES (100, 10), (101, 11), (102, 11), (200, 20);
UPDATE l1 SET id = 5 WHERE id = 1;
SELECT * FROM l2 ORDER BY id;
UPDATE l2 SET id = 12 WHERE id = 11;
SELECT * FROM l3 ORDER BY id;
DELETE FROM l1 WHERE id = 5;
SELECT * FROM l2 ORDER BY id;
SELECT * FROM l3 ORDER BY id;

-- Children found through the child's primary key, and in a table without one.
CREATE TABLE kp (id int PRIMARY KEY);
CREATE TABLE kc (p int REFERENCES kp ON DELETE CASCADE, n int, PRIMARY KEY (p, n));
CREATE TABLE kn (p int REFERENCES kp ON DELETE SET NULL, note text);
INSERT INTO kp VALUES (1), (2);
INSERT INTO kc VALUES (1, 1), (1, 2), (2, 1);
INSERT INTO kn VALUES (1, 'a'), (2, 'b'), (1, 'c');
DELETE FROM kp WHERE id = 1;
SELECT * FROM kc ORDER BY p, n;
SELECT * FROM kn ORDER BY note;
-- error 23503
INSERT INTO kn VALUES (5, 'e');

-- Many parent rows at once, multi-column keys in another column order, no index.
CREATE TABLE mp (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE mc (id int PRIMARY KEY, b int, a int, FOREIGN KEY (a, b) REFERENCES mp ON DELETE CASCADE);
CREATE TABLE mr (id int PRIMARY KEY, a int, b int, FOREIGN KEY (b, a) REFERENCES mp (b, a));
INSERT INTO mp SELECT i, j FROM generate_series(1, 4) i, generate_series(1, 3) j;
INSERT INTO mc SELECT i * 10 + j, j, i FROM generate_series(1, 4) i, generate_series(1, 3) j;
INSERT INTO mr VALUES (1, 4, 3), (2, NULL, 5);
-- error 23503
INSERT INTO mr VALUES (3, 5, 1);
DELETE FROM mp WHERE a <= 2;
SELECT count(*) FROM mc;
-- error 23503
DELETE FROM mp WHERE a >= 3;
DELETE FROM mp WHERE a = 3;
SELECT * FROM mc ORDER BY id;

-- Referencing and referenced columns of different (comparable) types.
CREATE TABLE tp (n numeric PRIMARY KEY, d date UNIQUE, s char(5) UNIQUE, f float4 UNIQUE);
CREATE TABLE tc (id int PRIMARY KEY, n int REFERENCES tp ON DELETE CASCADE,
                 t timestamp REFERENCES tp (d) ON DELETE CASCADE, s text REFERENCES tp (s),
                 f float8 REFERENCES tp (f));
INSERT INTO tp VALUES (1.0, '2024-01-01', 'ab', 0.5), (2.5, '2024-01-02', 'abcde', 1.5);
INSERT INTO tc VALUES (1, 1, '2024-01-01 00:00', 'ab', 0.5), (2, NULL, '2024-01-02', 'abcde', 1.5);
-- error 23503
INSERT INTO tc VALUES (3, 3, NULL, NULL, NULL);
-- error 23503
INSERT INTO tc VALUES (3, NULL, '2024-01-01 10:00', NULL, NULL);
-- error 23503
INSERT INTO tc VALUES (3, NULL, NULL, 'abc', NULL);
-- error 23503
INSERT INTO tc VALUES (3, NULL, NULL, NULL, 0.1);
DELETE FROM tp WHERE n = 1;
DELETE FROM tp WHERE d = '2024-01-02';
SELECT count(*) FROM tc;

-- Self-reference: rows referencing each other in one statement, cascading chains.
CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree ON DELETE CASCADE, name text);
INSERT INTO tree VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 3, 'c'), (5, 1, 'd');
INSERT INTO tree VALUES (7, 6, 'later'), (6, 5, 'earlier');
-- error 23503
INSERT INTO tree VALUES (8, 80, 'orphan');
DELETE FROM tree WHERE id = 2;
SELECT * FROM tree ORDER BY id;
CREATE TABLE ring (id int PRIMARY KEY, next int);
INSERT INTO ring VALUES (1, 2), (2, 3), (3, 1);
ALTER TABLE ring ADD CONSTRAINT ring_next FOREIGN KEY (next) REFERENCES ring ON DELETE CASCADE;
DELETE FROM ring WHERE id = 1;
SELECT count(*) FROM ring;
CREATE TABLE emp (id int PRIMARY KEY, boss int REFERENCES emp ON DELETE SET NULL);
INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 1), (4, 2);
DELETE FROM emp WHERE id = 1;
SELECT * FROM emp ORDER BY id;
-- error 23503
UPDATE emp SET boss = 9 WHERE id = 4;

-- Deferred constraints.
CREATE TABLE dp (id int PRIMARY KEY);
CREATE TABLE dc (id int PRIMARY KEY, p int REFERENCES dp DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE dc2 (id int PRIMARY KEY, p int CONSTRAINT dc2_p REFERENCES dp DEFERRABLE);
CREATE TABLE dr (id int PRIMARY KEY, p int REFERENCES dp ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED);
BEGIN;
INSERT INTO dc VALUES (1, 1);
INSERT INTO dp VALUES (1);
COMMIT;
BEGIN;
INSERT INTO dc VALUES (2, 2);
-- error 23503
COMMIT;
SELECT * FROM dc ORDER BY id;
BEGIN;
INSERT INTO dc VALUES (3, 3);
-- error 23503
SET CONSTRAINTS ALL IMMEDIATE;
ROLLBACK;
BEGIN;
SET CONSTRAINTS dc2_p DEFERRED;
INSERT INTO dc2 VALUES (1, 4);
INSERT INTO dp VALUES (4);
COMMIT;
BEGIN;
-- error 23503
INSERT INTO dc2 VALUES (2, 5);
ROLLBACK;
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO dc2 VALUES (2, 5);
DELETE FROM dc2 WHERE id = 2;
COMMIT;
BEGIN;
DELETE FROM dp WHERE id = 1;
INSERT INTO dp VALUES (1);
COMMIT;
BEGIN;
DELETE FROM dp WHERE id = 1;
-- error 23503
COMMIT;
BEGIN;
INSERT INTO dc VALUES (20, 20);
UPDATE dc SET id = 21 WHERE id = 20;
-- error 23503
COMMIT;
BEGIN;
SET CONSTRAINTS dc2_p DEFERRED;
INSERT INTO dc2 VALUES (3, 30);
-- error 23503
SET CONSTRAINTS dc2_p IMMEDIATE;
ROLLBACK;
BEGIN;
SET CONSTRAINTS dc2_p DEFERRED;
INSERT INTO dc2 VALUES (3, 30);
INSERT INTO dp VALUES (30);
SET CONSTRAINTS dc2_p IMMEDIATE;
COMMIT;
SELECT * FROM dc2 ORDER BY id;
INSERT INTO dr VALUES (1, 4);
BEGIN;
-- error 23503
DELETE FROM dp WHERE id = 4;
ROLLBACK;
BEGIN;
-- error 42704
SET CONSTRAINTS no_such_constraint DEFERRED;
ROLLBACK;
BEGIN;
-- error 42809
SET CONSTRAINTS dp_pkey DEFERRED;
ROLLBACK;
SELECT conname, condeferrable, condeferred FROM pg_constraint
WHERE conrelid IN ('dc'::regclass, 'dc2'::regclass, 'dr'::regclass) AND contype = 'f' ORDER BY conname;

-- ALTER TABLE: ADD CONSTRAINT (validated now, or NOT VALID), VALIDATE, DROP CONSTRAINT.
CREATE TABLE ap (id int PRIMARY KEY);
CREATE TABLE ac (id int PRIMARY KEY, p int);
INSERT INTO ap VALUES (1), (2);
INSERT INTO ac VALUES (1, 1), (2, 3);
-- error 23503
ALTER TABLE ac ADD FOREIGN KEY (p) REFERENCES ap;
ALTER TABLE ac ADD CONSTRAINT ac_p_nv FOREIGN KEY (p) REFERENCES ap NOT VALID;
SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ac'::regclass AND contype = 'f';
-- error 23503
INSERT INTO ac VALUES (3, 4);
-- error 23503
ALTER TABLE ac VALIDATE CONSTRAINT ac_p_nv;
UPDATE ac SET p = 2 WHERE id = 2;
ALTER TABLE ac VALIDATE CONSTRAINT ac_p_nv;
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'ac'::regclass AND contype = 'f';
-- error 42704
ALTER TABLE ac VALIDATE CONSTRAINT nope;
-- error 42809
ALTER TABLE ac VALIDATE CONSTRAINT ac_pkey;
-- error 42710
ALTER TABLE ac ADD CONSTRAINT ac_p_nv FOREIGN KEY (p) REFERENCES ap;
ALTER TABLE ac ADD FOREIGN KEY (p) REFERENCES ap ON DELETE CASCADE;
ALTER TABLE ac ADD FOREIGN KEY (p) REFERENCES ap;
-- sorted
SELECT conname FROM pg_constraint WHERE conrelid = 'ac'::regclass ORDER BY conname;
ALTER TABLE ac DROP CONSTRAINT ac_p_nv;
ALTER TABLE ac DROP CONSTRAINT ac_p_fkey1;
-- error 42704
ALTER TABLE ac DROP CONSTRAINT ac_p_nv;
ALTER TABLE ac DROP CONSTRAINT IF EXISTS ac_p_nv;
DELETE FROM ap WHERE id = 1;
SELECT * FROM ac ORDER BY id;
ALTER TABLE ac ADD CONSTRAINT ac_positive CHECK (p > 0) NOT VALID;
-- error 23514
INSERT INTO ac VALUES (5, -1);
ALTER TABLE ac VALIDATE CONSTRAINT ac_positive;

-- information_schema.
-- sorted
SELECT constraint_name, unique_constraint_name, match_option, update_rule, delete_rule
FROM information_schema.referential_constraints
WHERE constraint_schema = current_schema() ORDER BY constraint_name;
-- sorted
SELECT table_name, constraint_name, constraint_type, is_deferrable, initially_deferred
FROM information_schema.table_constraints
WHERE table_schema = current_schema() AND constraint_type = 'FOREIGN KEY'
ORDER BY table_name, constraint_name;
-- sorted
SELECT table_name, constraint_name, column_name, ordinal_position, position_in_unique_constraint
FROM information_schema.key_column_usage
WHERE table_schema = current_schema() AND table_name IN ('c3', 'gc', 'c1', 'c2')
ORDER BY table_name, constraint_name, ordinal_position;
SELECT table_name, column_name, constraint_name
FROM information_schema.constraint_column_usage
WHERE table_schema = current_schema() AND constraint_name IN ('c3_x_y_fkey', 'c2_p_code_fkey', 'gc_x_y_fkey')
ORDER BY constraint_name, column_name;

-- Indexes a foreign key depends on.
CREATE TABLE up (id int PRIMARY KEY, u int);
CREATE UNIQUE INDEX up_u_idx ON up (u);
CREATE TABLE uc (id int PRIMARY KEY, u int REFERENCES up (u));
-- error 2BP01
DROP INDEX up_u_idx;
DROP INDEX up_u_idx CASCADE;
SELECT count(*) FROM pg_constraint WHERE conrelid = 'uc'::regclass AND contype = 'f';
INSERT INTO uc VALUES (1, 42);

-- DROP TABLE of a referenced table.
-- error 2BP01
DROP TABLE p;
DROP TABLE l1, l2, l3;
DROP TABLE dp CASCADE;
SELECT count(*) FROM pg_constraint WHERE conrelid IN ('dc'::regclass, 'dc2'::regclass, 'dr'::regclass) AND contype = 'f';
INSERT INTO dc VALUES (9, 9);
DROP TABLE p CASCADE;
-- sorted
SELECT conrelid::regclass, conname FROM pg_constraint
WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY 1, 2;
