-- Indexes on expressions and partial indexes (CREATE INDEX ... ((expr)) ... WHERE ...):
-- uniqueness over expression keys and among the rows a predicate selects, entries kept
-- right by UPDATE and DELETE, ON CONFLICT inference, the catalog's view of them, and
-- query results through the index paths.
CREATE TABLE users (id int PRIMARY KEY, email varchar(50), a int, b int, active bool, name text);
INSERT INTO users VALUES (1, 'Ann@x.org', 1, 2, true, 'ann'), (2, 'bob@x.org', 2, 3, true, 'bob'),
  (3, 'Cy@x.org', 3, 0, false, 'ann'), (4, NULL, 0, 0, false, 'dee'), (5, NULL, 4, -1, true, 'eve');
CREATE UNIQUE INDEX users_lower_email ON users (lower(email));
CREATE INDEX users_ab ON users ((a + b), id);
CREATE UNIQUE INDEX users_active_name ON users (name) WHERE active;
CREATE INDEX ON users (upper(name)) WHERE email IS NOT NULL AND a > 0;
CREATE INDEX users_twice ON users ((a * 2) DESC, lower(name), lower(email));
-- Uniqueness of an expression key; NULL keys never collide.
-- error 23505
INSERT INTO users VALUES (6, 'ANN@X.ORG', 0, 0, false, 'fay');
INSERT INTO users VALUES (6, NULL, 0, 0, false, 'fay');
-- Uniqueness among the rows of a partial index only.
-- error 23505
INSERT INTO users VALUES (7, 'gil@x.org', 0, 0, true, 'bob');
INSERT INTO users VALUES (7, 'gil@x.org', 0, 0, false, 'bob');
-- error 23505
UPDATE users SET active = true WHERE id = 7;
-- error 23505
UPDATE users SET email = 'cy@X.ORG' WHERE id = 1;
UPDATE users SET email = 'GIL@x.org' WHERE id = 7;
SELECT id, email FROM users WHERE lower(email) = 'gil@x.org';
-- Reads through the indexes agree with the rows.
SELECT id FROM users WHERE lower(email) = 'ann@x.org';
SELECT id FROM users WHERE lower(email) = lower('BOB@X.ORG');
SELECT id, name FROM users WHERE a + b = 3 ORDER BY id;
SELECT id FROM users WHERE name = 'ann' AND active;
SELECT id FROM users WHERE name = 'ann' ORDER BY id;
SELECT id FROM users WHERE upper(name) = 'ANN' AND email IS NOT NULL AND a > 0;
SELECT id FROM users WHERE upper(name) = 'ANN' ORDER BY id;
SELECT id FROM users WHERE a * 2 = 4 AND lower(name) = 'bob';
-- UPDATE and DELETE move and remove entries.
UPDATE users SET email = 'zed@x.org' WHERE id = 1;
SELECT id FROM users WHERE lower(email) = 'ann@x.org';
SELECT id FROM users WHERE lower(email) = 'zed@x.org';
INSERT INTO users VALUES (8, 'ann@X.org', 9, 9, false, 'hal');
DELETE FROM users WHERE id = 2;
SELECT id FROM users WHERE lower(email) = 'bob@x.org';
INSERT INTO users VALUES (9, 'BOB@x.org', 1, 1, true, 'bob');
UPDATE users SET active = false WHERE id = 9;
INSERT INTO users VALUES (10, 'ivy@x.org', 2, 2, true, 'bob');
SELECT id, name, active FROM users WHERE name = 'bob' ORDER BY id;
SELECT id FROM users WHERE a + b = 2 ORDER BY id;
-- What the catalog says.
SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users' AND schemaname = current_schema() ORDER BY indexname;
SELECT c.relname, i.indkey::text, i.indnatts, i.indisunique, i.indexprs IS NOT NULL AS has_exprs,
       pg_get_expr(i.indpred, i.indrelid) AS predicate
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = 'users'::regclass ORDER BY c.relname;
SELECT pg_get_expr(indexprs, indrelid) FROM pg_index WHERE indexrelid = 'users_lower_email'::regclass;
SELECT pg_get_indexdef('users_ab'::regclass, 1, true), pg_get_indexdef('users_ab'::regclass, 1, false),
       pg_get_indexdef('users_ab'::regclass, 2, true);
SELECT pg_get_indexdef('users_twice'::regclass, 0, true);
SELECT pg_get_indexdef('users_upper_idx'::regclass, 0, true);
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
 WHERE a.attrelid = 'users_twice'::regclass ORDER BY a.attnum;
-- A column rename carries into the expressions and predicates.
ALTER TABLE users RENAME COLUMN email TO mail;
ALTER TABLE users RENAME COLUMN name TO label;
SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users' AND schemaname = current_schema() ORDER BY indexname;
-- error 23505
INSERT INTO users VALUES (11, 'IVY@x.org', 0, 0, false, 'jo');
-- error 23505
INSERT INTO users VALUES (11, 'jo@x.org', 0, 0, true, 'bob');
SELECT id FROM users WHERE lower(mail) = 'ivy@x.org';
-- What PostgreSQL refuses in an index expression or predicate.
-- error 42P17
CREATE INDEX bad ON users (random());
-- error 42P17
CREATE INDEX bad ON users (a) WHERE now() > '2020-01-01';
-- error 0A000
CREATE INDEX bad ON users ((a + (SELECT 1)));
-- error 42803
CREATE INDEX bad ON users (max(a));
-- error 42P20
CREATE INDEX bad ON users ((row_number() OVER ()));
-- error 0A000
CREATE INDEX bad ON users (a) WHERE a > (SELECT 1);
-- error 42803
CREATE INDEX bad ON users (a) WHERE max(a) > 1;
-- error 42804
CREATE INDEX bad ON users (a) WHERE a;
-- error 42703
CREATE INDEX bad ON users ((nosuch + 1));
CREATE TABLE events (id int PRIMARY KEY, at timestamptz, day date, note text);
-- error 42P17
CREATE INDEX bad ON events ((at::date));
-- error 42P17
CREATE INDEX bad ON events (date_trunc('day', at));
-- error 42P17
CREATE INDEX bad ON events ((at + interval '1 day'));
-- error 42P17
CREATE INDEX bad ON events ((day::text));
CREATE INDEX events_year ON events (date_part('year', day::timestamp));
CREATE INDEX events_note ON events ((note || id));
INSERT INTO events VALUES (1, '2024-05-06 07:08:09+00', '2024-05-06', 'n'), (2, NULL, '2023-01-01', NULL);
SELECT id FROM events WHERE date_part('year', day::timestamp) = 2024;
SELECT id FROM events WHERE note || id = 'n1';
-- ON CONFLICT: a partial arbiter needs the WHERE that implies its predicate.
CREATE TABLE subs (id int PRIMARY KEY, email text, plan text, active bool);
CREATE UNIQUE INDEX subs_active_email ON subs (email) WHERE active;
INSERT INTO subs VALUES (1, 'a@x', 'free', true);
-- error 42P10
INSERT INTO subs VALUES (2, 'a@x', 'pro', true) ON CONFLICT (email) DO NOTHING;
-- error 42P10
INSERT INTO subs VALUES (2, 'a@x', 'pro', true) ON CONFLICT (email) WHERE plan = 'pro' DO NOTHING;
INSERT INTO subs VALUES (2, 'a@x', 'pro', true) ON CONFLICT (email) WHERE active DO NOTHING;
INSERT INTO subs VALUES (2, 'a@x', 'pro', true) ON CONFLICT (email) WHERE active AND plan <> '' DO NOTHING;
INSERT INTO subs VALUES (2, 'a@x', 'pro', true) ON CONFLICT (email) WHERE active
  DO UPDATE SET plan = excluded.plan RETURNING *;
INSERT INTO subs VALUES (3, 'a@x', 'old', false) ON CONFLICT (email) WHERE active
  DO UPDATE SET plan = 'never' RETURNING *;
INSERT INTO subs VALUES (4, 'a@x', 'dup', true) ON CONFLICT DO NOTHING;
INSERT INTO subs VALUES (4, 'b@x', 'new', true) ON CONFLICT DO NOTHING;
-- error 42704
INSERT INTO subs VALUES (5, 'c@x', 'x', true) ON CONFLICT ON CONSTRAINT subs_active_email DO NOTHING;
SELECT * FROM subs ORDER BY id;
-- An expression arbiter.
CREATE UNIQUE INDEX subs_lower_plan ON subs (lower(plan));
INSERT INTO subs VALUES (6, 'c@x', 'OLD', false) ON CONFLICT (lower(plan))
  DO UPDATE SET plan = subs.plan || '+' RETURNING id, plan, active;
INSERT INTO subs VALUES (6, 'c@x', 'NEW', false) ON CONFLICT ((lower(plan))) DO NOTHING;
-- error 42P10
INSERT INTO subs VALUES (7, 'd@x', 'Pro', false) ON CONFLICT (plan) DO NOTHING;
-- error 23505
INSERT INTO subs VALUES (7, 'd@x', 'Pro', false) ON CONFLICT (id) DO NOTHING;
SELECT * FROM subs ORDER BY id;
DROP INDEX subs_lower_plan;
INSERT INTO subs VALUES (7, 'd@x', 'Pro', false);
SELECT count(*) FROM subs WHERE lower(plan) = 'pro';
-- How definitions print, plainly and pretty (psql's \d reads the pretty forms).
CREATE TABLE shapes (a int, b int, c bool, s text, f float8);
CREATE INDEX shapes_1 ON shapes ((a + b * 2)) WHERE a + 1 > 5 AND (c OR b < 3) AND NOT c AND s IS NOT NULL;
CREATE INDEX shapes_2 ON shapes (((a + b) * 2), (a - b - 1), (a - (b - 1))) WHERE a > b + 1;
CREATE INDEX shapes_3 ON shapes ((s::int + 1), (-a), (a::text), (abs(-a))) WHERE s LIKE 'x%' AND a BETWEEN 1 AND 5;
CREATE INDEX shapes_4 ON shapes ((a IS NULL), (c IS NOT TRUE)) WHERE c IS TRUE AND a IN (1, 2) AND coalesce(b, 0) = 1;
CREATE INDEX shapes_5 ON shapes (greatest(a, b), nullif(a, 0), (CASE WHEN a > 0 THEN 'p' ELSE 'n' END))
  WHERE a IS DISTINCT FROM b AND f > 1.5 AND b <> -1;
SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'shapes' AND schemaname = current_schema() ORDER BY indexname;
SELECT c.relname, pg_get_indexdef(c.oid, 0, true), pg_get_expr(i.indpred, i.indrelid, true)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = 'shapes'::regclass ORDER BY c.relname;
SELECT c.relname, a.attnum, a.attname, pg_get_indexdef(c.oid, a.attnum, true), pg_get_indexdef(c.oid, a.attnum, false)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE a.attrelid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'shapes'::regclass)
 ORDER BY c.relname, a.attnum;
