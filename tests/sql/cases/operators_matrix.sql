-- Operator resolution across numeric types: result types and values.
CREATE TABLE v (id int PRIMARY KEY, s smallint, i int, b bigint, n numeric, r real, d double precision);
INSERT INTO v VALUES (1, 3, -7, 10000000000, 2.50, 1.25, -0.1), (2, -32768, 2147483647, -9223372036854775808, 0, 0, 0), (3, NULL, 5, NULL, 1e-5, NULL, 3e100);
SELECT id, s + i, i + b, b + n, n + r, r + d, s + r, i + n, pg_typeof(s + s), pg_typeof(s + i), pg_typeof(i + b), pg_typeof(b + n), pg_typeof(n + r), pg_typeof(r + r), pg_typeof(r + d), pg_typeof(i + r) FROM v WHERE id <> 2;
SELECT id, s * 2, i / 2, b % 3, n / 3, r / 3, d / 3, n * n, r * r, -s, -n, -r FROM v WHERE id <> 2;
SELECT id, s < i, i <= b, b = n, n > r, r >= d, s <> d, i = 5.0, n = 0.000010, r = 1.25, d > 1e99 FROM v;
SELECT id, s::int, i::int8, b::numeric, n::float8, r::numeric, d::real IS NULL, n::int, r::int, i::text || '' FROM v WHERE id <> 3;
SELECT 1 + 1.5, 1 + 1.5::float4, 1::int2 + 1.5::float4, 2 * 3.0::float8, 10 / 4, 10 / 4.0, 10::float8 / 4, 10 % 4.5, 2 ^ 0.5::float8;
SELECT 5 / 2 * 2.0, 5.0 / 2 * 2, (5 / 2) * 2, 7 % 3 * 2, -7 % 3, 7 % -3, -2 ^ 2, (-2) ^ 2, 2 ^ 3 ^ 2;
SELECT '1' + 1, 1 + '1', '1.5' + 1.5, '2' * '3'::int, 1 = '1', 1.5 = '1.5', '10' > '9', 10 > '9';
SELECT 9223372036854775807::int8 = 9223372036854775807::numeric, 0.1 + 0.2 = 0.3, 0.1::float8 + 0.2::float8 = 0.3::float8, 1e16::float8 + 1 = 1e16::float8;
SELECT 'NaN'::numeric = 'NaN'::numeric, 'NaN'::numeric > 1e300, 'NaN'::float8 > 'Infinity'::float8, 'NaN'::float8 = 'NaN'::float8, '-0'::float8 = '0'::float8;
SELECT x FROM (VALUES ('NaN'::float8), (1), ('-Infinity'), ('Infinity'), (-1), (0)) AS t(x) ORDER BY x;
SELECT x FROM (VALUES ('NaN'::numeric), (1), (-1.5), (0), (1e-20)) AS t(x) ORDER BY x DESC;
-- error 22003
SELECT (-32768)::int2 / (-1)::int2;
-- error 22003
SELECT (-2147483648) / (-1);
-- error 22003
SELECT (-9223372036854775808)::int8 * -1;
-- error 22003
SELECT 1e308::float8 * 10;
SELECT -(-2147483648), pg_typeof(-2147483648);
-- error 22003
SELECT -((-2147483648)::int4);
-- error 22003
SELECT 3e38::float4 * 10::float4;
-- error 22012
SELECT 1::int2 % 0::int2;
-- error 22012
SELECT 0.0 / 0.0;
-- error 42883
SELECT 'a'::text + 1;
-- error 42883
SELECT true + 1;
-- error 42883
SELECT date '2024-01-01' * 2;
