-- Math functions.
SELECT abs(-3), abs(3.5), abs(-2.5::float8), sign(-4), sign(0.0), sign(2.5::float8);
SELECT ceil(4.2), ceil(-4.2), ceiling(4.0), floor(4.8), floor(-4.2), ceil(4.2::float8), floor(-4.5::float8);
SELECT round(4.5), round(5.5), round(-4.5), round(4.4999), round(4.5::float8), round(5.5::float8), round(-0.5::float8), round(1.23456, 3), round(15, -1);
SELECT trunc(4.789), trunc(4.789, 2), trunc(-4.789), trunc(4.789::float8), trunc(1234.5, -2);
SELECT sqrt(16), sqrt(2), sqrt(2::numeric), cbrt(27), exp(1), exp(0), ln(10), log(100), log(2, 8), log10(1000);
SELECT power(2, 10), power(2.0, 0.5), pow(9, 0.5), power(2::numeric, 3), 2 ^ 0.5, 10 ^ -2;
SELECT mod(10, 3), mod(-10, 3), mod(10.5, 3), div(10, 3), div(-7, 2), 10 % 4;
SELECT pi(), degrees(pi()), radians(180), sin(0), cos(0), tan(0), asin(1), acos(1), atan(1), atan2(1, 1);
SELECT greatest(1, 5, 3), least(1, 5, 3), greatest(1.5, 2), least('b', 'a', 'c'), greatest(NULL, 1), least(NULL::int, NULL), greatest(date '2024-01-01', '2023-01-01');
SELECT gcd(12, 18), lcm(4, 6), factorial(5), width_bucket(5.35, 0.024, 10.06, 5);
SELECT 5 & 3, 5 | 3, 5 # 3, ~5, 1 << 4, 256 >> 2;
SELECT scale(1.2300), trim_scale(1.2300), min_scale(1.2300);
SELECT pg_typeof(round(1.5)), pg_typeof(round(1.5::float8)), pg_typeof(sqrt(4)), pg_typeof(abs(1::int2)), pg_typeof(ceil(1)), pg_typeof(power(2, 2)), pg_typeof(mod(1::int8, 2));
SELECT random() >= 0 AND random() < 1 AS in_range;
-- error 2201F
SELECT sqrt(-1);
-- error 2201E
SELECT ln(0);
-- error 2201E
SELECT ln(-1);
-- error 2201E
SELECT log(0);
-- error 22012
SELECT mod(1, 0);
-- error 22003
SELECT abs(-2147483648::int4);
-- error 22003
SELECT exp(10000);
-- error 22003
SELECT power(10::float8, 400);
-- error 2201F
SELECT power(-1::float8, 0.5);
-- a numeric square root with more integer digits than its scale: every digit exact
SELECT sqrt(2e100::numeric), sqrt(2e60::numeric), sqrt(123456789012345678901234567890123456789012345::numeric);
SELECT stddev(v) FROM (VALUES (1e50), (3e50), (4e50)) t(v);
