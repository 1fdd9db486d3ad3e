-- text, varchar(n), char(n): input, padding, truncation, comparison.
SELECT 'abc'::text, 'abc'::varchar, 'abc'::varchar(5), 'abcdef'::varchar(3), 'ab'::char(4), 'abcdef'::char(2), 'x'::char;
SELECT length('ab'::char(4)), 'ab'::char(4) = 'ab', 'ab'::char(4) || '|', octet_length('ab'::char(4));
SELECT 'it''s', E'tab\there', E'new\nline', 'back\slash', U&'\0041', $$dollar 'quoted'$$, $tag$x$tag$;
SELECT 'a' < 'b', 'B' < 'a', 'abc' < 'abd', '' < 'a', 'a' = 'a ';
SELECT pg_typeof('x'::varchar(3) || 'y'), pg_typeof('x'::char(2));
CREATE TABLE s (id int PRIMARY KEY, v varchar(5), c char(3), t text);
INSERT INTO s VALUES (1, 'abc', 'ab', 'free'), (2, 'abcde', 'abc', ''), (3, NULL, NULL, NULL);
INSERT INTO s VALUES (4, 'abc  ', 'a  ', ' spaced ');
SELECT * FROM s;
SELECT id, length(v), length(c), length(t), c || '|' FROM s;
SELECT id FROM s WHERE c = 'ab';
SELECT id FROM s WHERE v = 'abc';
-- error 22001
INSERT INTO s VALUES (5, 'abcdef', 'a', 'x');
-- error 22001
INSERT INTO s VALUES (5, 'a', 'abcd', 'x');
-- error 22001
UPDATE s SET v = v || 'xyz' WHERE id = 1;
INSERT INTO s VALUES (6, 'ab'::varchar(10), 'xy'::text, 'z');
SELECT * FROM s WHERE id = 6;
SELECT 'Hello' LIKE 'H%', 'Hello' LIKE 'h%', 'Hello' ILIKE 'h%', 'a_c' LIKE 'a\_c', 'abc' LIKE 'a\_c', '100%' LIKE '100\%';
SELECT 'abc' ~ 'b', 'abc' ~* 'B', 'abc' !~ 'z', 'abc' SIMILAR TO 'a%';
SELECT 'a' || NULL, concat('a', NULL, 'b'), 'x' || 1 || true;
SELECT 'ǅemoji 😀' AS u, length('😀'), octet_length('😀');
-- character(n)'s = ignores trailing blanks, and so does whatever groups, hashes or
-- looks up by it: DISTINCT, GROUP BY, set operations, joins, IN and = ANY, window
-- partitions, DISTINCT aggregates, primary keys
SELECT DISTINCT x FROM (VALUES ('a'::char(3)), ('a'::bpchar)) t(x);
SELECT x, count(*) FROM (VALUES ('a'::char(3)), ('a'::bpchar)) t(x) GROUP BY x;
SELECT 'a'::char(3) INTERSECT SELECT 'a'::char(1);
SELECT 'a'::char(3) UNION SELECT 'a';
SELECT 'a'::char(3) EXCEPT SELECT 'a'::char(5);
SELECT count(DISTINCT x) FROM (VALUES ('a'::char(3)), ('a'::bpchar)) t(x);
SELECT count(*) OVER (PARTITION BY k) FROM (VALUES ('a'::char(2)), ('a'::char(4))) s(k);
CREATE TABLE bp (k char(3) PRIMARY KEY, n float8, m numeric);
INSERT INTO bp VALUES ('a', 'NaN', 'NaN'), ('b', 1, 1);
SELECT k FROM bp WHERE k IN ('a');
SELECT k FROM bp WHERE k IN ('a', 'b') ORDER BY k;
SELECT k FROM bp WHERE k NOT IN ('a');
SELECT k FROM bp WHERE k NOT IN ('a', NULL);
SELECT k FROM bp WHERE k = ANY(ARRAY['a'::bpchar]);
SELECT k FROM bp WHERE k = ANY('{a, c}');
SELECT k, x FROM bp JOIN (VALUES ('a'::bpchar)) v(x) ON k = x;
SELECT k FROM bp WHERE k IN (SELECT 'b'::bpchar);
-- NaN = NaN in IN, as in =
SELECT k FROM bp WHERE n IN ('NaN');
SELECT k FROM bp WHERE n IN (n, 2) ORDER BY k;
SELECT k FROM bp WHERE m IN ('NaN', 5);
SELECT 'NaN'::numeric IN ('NaN');
-- char(n) against text compares as text (operators and IN favour the preferred type)
SELECT k FROM bp WHERE k = 'a  '::text;
SELECT k FROM bp WHERE k IN ('a  '::text);
SELECT k FROM bp WHERE k IN ('a  '::varchar);
SELECT NULLIF(k, 'a  '::text) FROM bp ORDER BY 1;
