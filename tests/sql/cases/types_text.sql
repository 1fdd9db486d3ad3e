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
