-- ANALYZE: accepted with PostgreSQL's checks (relations and columns exist, options),
-- a no-op in Borealis, which keeps no statistics. Its WARNINGs (a relation the role
-- does not own, a view) are checked in tests/qp/test_dsql_rules.py; here they are
-- statements that succeed on both. VACUUM stays refused.
CREATE TABLE an_t (id int PRIMARY KEY, a int, b text);
CREATE TABLE an_u (id int PRIMARY KEY);
CREATE INDEX an_t_a ON an_t (a);
CREATE VIEW an_v AS SELECT id, a FROM an_t;
INSERT INTO an_t SELECT g, g % 3, 'b' || g FROM generate_series(1, 20) g;
ANALYZE an_t;
ANALYSE an_t;
ANALYZE VERBOSE an_t;
ANALYZE an_t (a, b);
ANALYZE an_t (A);
ANALYZE an_t, an_u;
ANALYZE an_t (id), an_u (id), an_t;
ANALYZE;
ANALYZE (VERBOSE) an_t;
ANALYZE (VERBOSE false, SKIP_LOCKED true) an_t (a);
ANALYZE (SKIP_LOCKED 1) an_t;
-- Views and indexes are skipped with a WARNING, their column lists unchecked.
ANALYZE an_v;
ANALYZE an_v (nope);
ANALYZE an_t_a;
-- Errors.
-- error 42P01
ANALYZE an_missing;
-- error 42P01
ANALYZE an_t, an_missing;
-- error 42P01
ANALYZE "AN_T";
-- error 3F000
ANALYZE an_no_schema.an_t;
-- error 42703
ANALYZE an_t (nope);
-- error 42703
ANALYZE an_t ("A");
-- error 42703
ANALYZE an_t (a), an_u (a);
-- error 42703
ANALYZE an_t (nope), an_v;
-- error 42701
ANALYZE an_t (a, b, a);
-- error 42601
ANALYZE (FULL) an_t;
-- error 42601
ANALYZE (FREEZE) an_t;
-- error 42601
ANALYZE (VERBOSE maybe) an_t;
-- error 42601
ANALYZE an_t (a) (b);
-- only borealis: VACUUM is refused (DSQL has none; Borealis's storage needs none)
-- error 0A000
VACUUM an_t;
-- only borealis: VACUUM is refused (DSQL has none; Borealis's storage needs none)
-- error 0A000
VACUUM ANALYZE an_t;
-- only borealis: VACUUM is refused (DSQL has none; Borealis's storage needs none)
-- error 0A000
VACUUM (ANALYZE) an_t (a);
-- In a transaction block, after writes, and in a read-only transaction.
BEGIN;
INSERT INTO an_u VALUES (1);
ANALYZE an_u;
SELECT count(*) FROM an_u;
COMMIT;
BEGIN READ ONLY;
ANALYZE an_t;
COMMIT;
-- Another role: its own tables, and a WARNING (not an error) for the others'.
CREATE ROLE an_role;
GRANT an_role TO CURRENT_USER;
CREATE SCHEMA an_s;
CREATE TABLE an_s.theirs (id int PRIMARY KEY);
GRANT USAGE, CREATE ON SCHEMA an_s TO an_role;
GRANT SELECT ON an_s.theirs TO an_role;
SET ROLE an_role;
CREATE TABLE an_s.mine (id int PRIMARY KEY, x int);
ANALYZE an_s.mine (x);
ANALYZE an_s.theirs;
ANALYZE an_s.theirs (nope);
ANALYZE an_s.mine, an_s.theirs;
-- error 42703
ANALYZE an_s.mine (nope);
-- error 42P01
ANALYZE an_s.an_missing;
-- error 42P01
ANALYZE an_s.theirs, an_s.an_missing;
RESET ROLE;
-- The owner's role's members may (here: the session's user).
ANALYZE an_s.mine (x);
REVOKE USAGE ON SCHEMA an_s FROM an_role;
SET ROLE an_role;
-- error 42501
ANALYZE an_s.mine;
RESET ROLE;
DROP TABLE an_s.mine;
DROP TABLE an_s.theirs;
DROP SCHEMA an_s;
DROP ROLE an_role;
