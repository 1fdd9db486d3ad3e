-- Integers, numeric, floats: input, output, arithmetic, casts and range errors.
SELECT 1::int2, 2::int4, 3::int8, 32767::smallint, (-32768)::smallint, 2147483647::int, 9223372036854775807::bigint;
SELECT '  42  '::int, '-0'::int, '+7'::int8, '0010'::int2;
SELECT pg_typeof(1), pg_typeof(2147483648), pg_typeof(9223372036854775808), pg_typeof(1.5), pg_typeof(1e3);
SELECT 1.5::numeric, 1.50::numeric(5,2), 123.456::numeric(5,1), 0.005::numeric(3,2), -0.005::numeric(3,2), 1e3::numeric;
SELECT '1.234567890123456789'::numeric, '-0.000001'::numeric, 'NaN'::numeric, '1e-3'::numeric;
SELECT 10::numeric / 3, 1::numeric / 7, 2::numeric / 3 * 3, 100.0 / 8, 1 / 3.0;
SELECT 12.5 % 5, -12.5 % 5, 7.0 * 3.00, 0.1 + 0.2, 1.00 - 1;
SELECT round(2.5), round(-2.5), round(2.345, 2), round(1234.5, -2), trunc(2.99), trunc(-2.99, 1);
SELECT 1.5::float8, 0.1::float8 + 0.2::float8, 1e300::float8 * 10, -0.0::float8, 1.0::float8 / 3;
SELECT 3.14159::float4, 1::float4 / 3, 100000000::float4, 1.5e-5::float8, 123456789012345678::float8;
SELECT 'Infinity'::float8, '-inf'::float8, 'nan'::float8, 'NaN'::float8 = 'NaN'::float8;
SELECT 2::float8 ^ 0.5, 2 ^ 3, (-8)::float8 ^ 3, 2 ^ -1;
-- error 2201F
SELECT (-8)::float8 ^ (1.0/3);
SELECT 7 / 2, -7 / 2, 7 % -3, -7 % 3, 7::int8 / 2, 7::int2 / 2::int2;
SELECT 5::int2 + 1, pg_typeof(5::int2 + 1), pg_typeof(5::int2 + 1::int2), pg_typeof(1 + 1::int8), pg_typeof(1 + 1.5), pg_typeof(1 + 1.5::float8);
SELECT 1::int = 1.0, 1::int8 < 2::int2, 1.5 > 1, 0.1::float8 = 0.1::numeric;
SELECT 3.7::int, -3.5::int, 2.5::int, 3.5::int, 1.9999::int8, '3.5'::numeric::int;
SELECT 3.7::float8::int, 2.5::float8::int, -2.5::float8::int, 1e10::float8::int8;
SELECT 42::text, 42::numeric(6,2)::text, 1.10::float8::text, (1.0 / 3)::float4::text;
SELECT abs(-5), abs(-5.5), abs(-2::int8), @ -3;
SELECT -(-3), - 2147483647, +5;
-- error 22003
SELECT 2147483647 + 1;
-- error 22003
SELECT (-2147483648)::int * -1;
-- error 22003
SELECT 32767::int2 + 1::int2;
-- error 22003
SELECT 9223372036854775807 + 1;
-- error 22003
SELECT 40000::int2;
-- error 22003
SELECT 3000000000::int4;
-- error 22003
SELECT '99999999999'::int4;
-- error 22003
SELECT 123.456::numeric(4,2);
-- error 22003
SELECT 1e400::float8;
-- error 22003
SELECT 1e39::float4;
-- error 22P02
SELECT 'abc'::int;
-- error 22P02
SELECT '1.5'::int;
-- error 22P02
SELECT ''::int8;
-- error 22P02
SELECT 'one'::numeric;
-- error 22P02
SELECT 'x'::float8;
-- error 22012
SELECT 1 / 0;
-- error 22012
SELECT 1 % 0;
-- error 22012
SELECT 1.5 / 0;
-- error 22012
SELECT 1::float8 / 0;
-- error 22012
SELECT 5::numeric % 0;
-- columns with numeric types
CREATE TABLE nums (id int PRIMARY KEY, a smallint, b integer, c bigint, d numeric(6,2), e real, f double precision, g numeric);
INSERT INTO nums VALUES (1, 1, 2, 3, 4.555, 5.5, 6.25, 7.000), (2, -1, -2, -3, -4.444, -5.5, -6.25, -7), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO nums VALUES (4, '12', '13', '14', '15.5', '16.5', '17.5', '1e2');
SELECT * FROM nums;
SELECT id, a + b + c, d * 2, e + f, g / 3 FROM nums;
-- error 22003
INSERT INTO nums (id, a) VALUES (5, 40000);
-- error 22003
INSERT INTO nums (id, d) VALUES (5, 10000);
-- error 22003
UPDATE nums SET b = b * 2000000000 WHERE id = 1;
SELECT id, d FROM nums WHERE d > 4.55;
SELECT id FROM nums WHERE c = 3.0;
SELECT sum(a), sum(b), sum(c), sum(d), sum(e), sum(f), sum(g) FROM nums;
-- numeric results past 28 significant digits are exact (not rounded to Python's
-- default context, nor an internal error)
SELECT abs(-12345678901234567890123456789.5), -12345678901234567890123456789.5::numeric;
SELECT -(12345678901234567890123456789.5::numeric(40,2));
SELECT round(1e28), round(1e30, 2), trunc(1e30), ceil(1e30), floor(1e30);
SELECT round(123.456, 1000) = 123.456;
SELECT trunc(12345678901234567890123456789.56, 1), round(12345678901234567890123456789.56, 1);
SELECT ceil(12345678901234567890123456789.5), floor(-12345678901234567890123456789.5);
SELECT 1234567890123456789012345.6789 / 1, 1::numeric / 1e-50, 1e300::numeric / 1e-300;
SELECT avg(x) FROM (VALUES (12345678901234567890123456789.5), (1)) v(x);
SELECT 10::numeric ^ 100;
SELECT abs(NULL::numeric), -(NULL::numeric), abs('NaN'::numeric), -('-Infinity'::numeric);
