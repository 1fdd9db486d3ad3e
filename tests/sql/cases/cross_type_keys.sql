-- Key lookups and ranges whose compared value is of a wider type of the key column's
-- family (PostgreSQL's cross-type btree operators): an integer key against bigint
-- values, a smallint key against integers, a real key against double precision, a
-- varchar key against text. Borealis widens the column ((id)::bigint = ...) and still
-- reads by key: a value past the column type's range matches no row for = / IN /
-- = ANY, and bounds a range as PostgreSQL does (`id < 2^32` on an integer is every row,
-- `id > 2^32` none). NULLs match nothing. Typed parameters: tests/qp/test_explain.py.
CREATE TABLE k4 (id int PRIMARY KEY, v text);
INSERT INTO k4 VALUES (-2147483648, 'min'), (-5, 'neg'), (0, 'zero'), (1, 'one'), (2, 'two'),
  (3, 'three'), (10, 'ten'), (2147483647, 'max');
-- Equality.
SELECT v FROM k4 WHERE id = 3::bigint;
SELECT v FROM k4 WHERE 3::bigint = id;
SELECT v FROM k4 WHERE id = 2147483647::bigint;
SELECT v FROM k4 WHERE id = -2147483648::bigint;
SELECT v FROM k4 WHERE id = 2147483648::bigint;
SELECT v FROM k4 WHERE id = -2147483649::bigint;
SELECT v FROM k4 WHERE id = 9223372036854775807;
SELECT v FROM k4 WHERE id = -9223372036854775808;
SELECT v FROM k4 WHERE id = NULL::bigint;
SELECT v FROM k4 WHERE id::bigint = 10;
-- Ranges inside, at and past the integer range.
SELECT v FROM k4 WHERE id < 4294967297::bigint;
SELECT v FROM k4 WHERE id <= 4294967297::bigint;
SELECT v FROM k4 WHERE id > 4294967297::bigint;
SELECT v FROM k4 WHERE id >= 4294967297::bigint;
SELECT v FROM k4 WHERE id > -4294967297::bigint;
SELECT v FROM k4 WHERE id >= -4294967297::bigint;
SELECT v FROM k4 WHERE id < -4294967297::bigint;
SELECT v FROM k4 WHERE id <= -4294967297::bigint;
SELECT v FROM k4 WHERE id > 2147483647::bigint;
SELECT v FROM k4 WHERE id >= 2147483647::bigint;
SELECT v FROM k4 WHERE id < -2147483648::bigint;
SELECT v FROM k4 WHERE id <= -2147483648::bigint;
SELECT v FROM k4 WHERE id > 2147483646::bigint;
SELECT v FROM k4 WHERE id < -2147483647::bigint;
SELECT v FROM k4 WHERE id > 1::bigint AND id < 10::bigint;
SELECT v FROM k4 WHERE id >= 1::bigint AND id <= 10::bigint;
SELECT v FROM k4 WHERE 2::bigint < id;
SELECT v FROM k4 WHERE id BETWEEN 0::bigint AND 3::bigint;
SELECT v FROM k4 WHERE id BETWEEN -9223372036854775808 AND 9223372036854775807;
SELECT v FROM k4 WHERE id BETWEEN 2147483648::bigint AND 9223372036854775807;
SELECT v FROM k4 WHERE id BETWEEN -9223372036854775808 AND -2147483649::bigint;
SELECT v FROM k4 WHERE id BETWEEN 3::bigint AND 1::bigint;
SELECT v FROM k4 WHERE id BETWEEN SYMMETRIC 3::bigint AND 1::bigint;
SELECT v FROM k4 WHERE id > NULL::bigint;
SELECT v FROM k4 WHERE id < 3::bigint AND id > NULL::bigint;
-- sorted
SELECT v FROM k4 WHERE id < 4294967297::bigint ORDER BY id DESC LIMIT 3;
-- sorted
SELECT v FROM k4 WHERE id > -4294967297::bigint ORDER BY id LIMIT 3;
-- IN lists and = ANY(array).
SELECT v FROM k4 WHERE id IN (1::bigint, 3::bigint, 4294967297::bigint, NULL);
SELECT v FROM k4 WHERE id IN (2147483648::bigint, -2147483649::bigint);
SELECT v FROM k4 WHERE id IN (2147483647::bigint, 2147483647::bigint);
SELECT v FROM k4 WHERE id = ANY ('{1,2,4294967297,NULL}'::bigint[]);
SELECT v FROM k4 WHERE id = ANY (ARRAY[10, 9223372036854775807, -2147483648]);
SELECT v FROM k4 WHERE id = ANY ('{{0,1},{2,3}}'::bigint[]);
SELECT v FROM k4 WHERE id = ANY ('{}'::bigint[]);
SELECT v FROM k4 WHERE id = ANY (NULL::bigint[]);
SELECT v FROM k4 WHERE id = ANY ('{1,2,3}'::int[]) AND v <> 'two';
-- UPDATE and DELETE find their rows the same way.
UPDATE k4 SET v = 'TEN' WHERE id = 10::bigint;
UPDATE k4 SET v = 'never' WHERE id = 4294967306::bigint;
UPDATE k4 SET v = upper(v) WHERE id < 4294967297::bigint AND id > 1::bigint RETURNING id, v;
DELETE FROM k4 WHERE id = ANY ('{-5,4294967291}'::bigint[]) RETURNING v;
DELETE FROM k4 WHERE id > 4294967297::bigint;
SELECT id, v FROM k4;
-- A smallint key against integer values (no cast in the query at all).
CREATE TABLE k2 (id smallint PRIMARY KEY, v text);
INSERT INTO k2 VALUES (-32768, 'min'), (1, 'one'), (2, 'two'), (32767, 'max');
SELECT v FROM k2 WHERE id = 1;
SELECT v FROM k2 WHERE id = 32767;
SELECT v FROM k2 WHERE id = 32768;
SELECT v FROM k2 WHERE id = -32769;
SELECT v FROM k2 WHERE id = 4294967297;
SELECT v FROM k2 WHERE id < 40000;
SELECT v FROM k2 WHERE id > 40000;
SELECT v FROM k2 WHERE id > -40000 AND id < 2;
SELECT v FROM k2 WHERE id IN (1, 2, 70000);
SELECT v FROM k2 WHERE id = ANY (ARRAY[2, 32768, 32767]);
-- A composite key: equality on the leading column, a list on the next.
CREATE TABLE kc (a int, b smallint, v text, PRIMARY KEY (a, b));
INSERT INTO kc SELECT g / 3, g % 3, 'r' || g FROM generate_series(0, 11) g;
SELECT v FROM kc WHERE a = 1::bigint AND b = 2::bigint;
SELECT v FROM kc WHERE a = 1::bigint AND b = 40000;
SELECT v FROM kc WHERE a = 2 AND b IN (0, 2, 40000);
SELECT v FROM kc WHERE a = 2 AND b = ANY ('{1,2,99999}'::int[]);
SELECT v FROM kc WHERE b IN (1, 2);
SELECT v FROM kc WHERE a IN (1::bigint, 2::bigint);
SELECT v FROM kc WHERE a = ANY ('{0,3,4294967296}'::bigint[]);
SELECT v FROM kc WHERE a = 3::bigint;
SELECT v FROM kc WHERE a = 3000000000::bigint;
SELECT v FROM kc WHERE a < 3000000000::bigint AND a > 2::bigint;
-- Secondary indexes.
CREATE TABLE ks (id int PRIMARY KEY, n int, s varchar(8), c char(4));
CREATE INDEX ks_n ON ks (n);
CREATE INDEX ks_s ON ks (s);
CREATE INDEX ks_c ON ks (c);
INSERT INTO ks SELECT g, g % 4, 'v' || (g % 5), 'c' || (g % 3) FROM generate_series(1, 20) g;
INSERT INTO ks VALUES (21, NULL, NULL, NULL), (22, 2147483647, 'v2 ', 'c1 ');
SELECT id FROM ks WHERE n = 2::bigint;
SELECT id FROM ks WHERE n = 2147483647::bigint;
SELECT id FROM ks WHERE n = 6442450946::bigint;
SELECT id FROM ks WHERE n = NULL::bigint;
SELECT id FROM ks WHERE n = 3::bigint AND id > 10;
SELECT id FROM ks WHERE s = 'v2'::text;
SELECT id FROM ks WHERE s = 'v2 '::text;
SELECT id FROM ks WHERE s = 'v2     xyz'::text;
SELECT id FROM ks WHERE c = 'c1'::text;
SELECT id FROM ks WHERE c = 'c1 '::text;
SELECT id FROM ks WHERE c = 'c1';
-- A real key against double precision: equal only when exactly representable.
CREATE TABLE kf (f real PRIMARY KEY, v text);
INSERT INTO kf VALUES ('-Infinity', '-inf'), (-3.5, 'neg'), (0, 'zero'), (0.1, 'tenth'),
  (0.25, 'quarter'), (1, 'one'), (3.4028235e38, 'max'), ('Infinity', 'inf'), ('NaN', 'nan');
SELECT v FROM kf WHERE f = 0.25::float8;
SELECT v FROM kf WHERE f = 0.1::float8;
SELECT v FROM kf WHERE f = 0.1::real::float8;
SELECT v FROM kf WHERE f = 0.25;
SELECT v FROM kf WHERE f = 'NaN'::float8;
SELECT v FROM kf WHERE f = 'Infinity'::float8;
SELECT v FROM kf WHERE f = 1e300::float8;
SELECT v FROM kf WHERE f = 0::float8;
SELECT v FROM kf WHERE f < 0.1::float8;
SELECT v FROM kf WHERE f <= 0.1::float8;
SELECT v FROM kf WHERE f > 0.1::float8;
SELECT v FROM kf WHERE f >= 0.1::float8;
SELECT v FROM kf WHERE f > 0.1::real::float8;
SELECT v FROM kf WHERE f >= 0.1::real::float8;
SELECT v FROM kf WHERE f < 1e300::float8;
SELECT v FROM kf WHERE f > 1e300::float8;
SELECT v FROM kf WHERE f > -1e300::float8;
SELECT v FROM kf WHERE f < -1e300::float8;
SELECT v FROM kf WHERE f > 1e-300::float8;
SELECT v FROM kf WHERE f >= -1e-300::float8;
SELECT v FROM kf WHERE f < -1e-300::float8;
SELECT v FROM kf WHERE f <= 1e-300::float8;
SELECT v FROM kf WHERE f >= 0::float8 AND f < 1::float8;
SELECT v FROM kf WHERE f > 'NaN'::float8;
SELECT v FROM kf WHERE f >= 'Infinity'::float8;
SELECT v FROM kf WHERE f < 'NaN'::float8 AND f > '-Infinity'::float8;
SELECT v FROM kf WHERE f IN (0.25::float8, 0.1::float8, 1::float8);
SELECT v FROM kf WHERE f = ANY ('{0.1,0.25,NaN}'::float8[]);
SELECT v FROM kf WHERE f = '-0'::float8;
SELECT v FROM kf WHERE f <= '-0'::float8;
SELECT v FROM kf WHERE f < '-0'::float8;
SELECT v FROM kf WHERE f >= '-0'::float8 AND f < 0.25::float8;
SELECT v FROM kf WHERE f > '-0'::float8 AND f < 0.25::float8;
-- Keys hold -0 as 0 (they are equal): a negative zero finds it, of either type.
CREATE TABLE k8 (f float8 PRIMARY KEY, v text);
CREATE INDEX k8_v ON k8 (v);
INSERT INTO k8 VALUES ('-0', 'zero'), (-1.5, 'neg'), (2.5, 'pos');
-- error 23505
INSERT INTO k8 VALUES (0, 'again');
SELECT v FROM k8 WHERE f = '-0'::float8;
SELECT v FROM k8 WHERE f = '-0'::real;
SELECT v FROM k8 WHERE f = 0;
SELECT v FROM k8 WHERE f <= '-0'::float8;
SELECT v FROM k8 WHERE f < '-0'::float8;
SELECT v FROM k8 WHERE f >= '-0'::float8;
SELECT v FROM k8 WHERE f > '-0'::float8;
SELECT v FROM k8 WHERE f IN ('-0'::float8, 2.5);
SELECT v FROM k8 WHERE f = ANY ('{-0,-1.5}'::float8[]);
UPDATE k8 SET v = 'ZERO' WHERE f = '-0'::float8 RETURNING f, v;
DELETE FROM k8 WHERE f = '-0'::real RETURNING v;
SELECT f, v FROM k8;
