-- Numeric and float functions swept over many values.
CREATE TABLE n (id int PRIMARY KEY, x numeric, f float8);
INSERT INTO n SELECT g, (g * 37.125 - 400) / 7, (g * 37.125 - 400) / 7 FROM generate_series(0, 60) AS g;
INSERT INTO n VALUES (100, 0, 0), (101, 0.5, 0.5), (102, -0.5, -0.5), (103, 1.5, 1.5), (104, 2.5, 2.5), (105, -2.5, -2.5), (106, 123456789.987654321, 123456789.987654321);
SELECT id, x, round(x), round(x, 2), round(x, -1), trunc(x), trunc(x, 3), ceil(x), floor(x), sign(x), abs(x) FROM n;
SELECT id, f, round(f), trunc(f), ceil(f), floor(f), sign(f), abs(f) FROM n;
SELECT id, x / 3, x * x, x % 3, f / 3, f * f FROM n;
SELECT id, sqrt(abs(x)), sqrt(abs(f)), exp(x / 100), exp(f / 100), power(abs(x), 0.5), power(abs(f), 0.5), x ^ 2 FROM n WHERE id <> 106;
-- error 22003
SELECT exp(x) FROM n WHERE id = 106;
SELECT id, ln(abs(x) + 1), log(abs(x) + 1), ln(abs(f) + 1), log10(abs(f) + 1), log(2, abs(x) + 2) FROM n;
SELECT id, to_char(x, '999999.99'), to_char(x, 'FM999990.0000'), to_char(x, '000000.0'), to_char(f, '9,999.99'), to_char(x::int, '99999') FROM n;
SELECT id, x::int, x::int8, x::float4, f::numeric(12,3), f::int, f::text, x::text FROM n;
SELECT id, width_bucket(f, -60, 300, 12), width_bucket(x, 300, -60, 5) FROM n;
SELECT g, g::float8 / 7, g::float4 / 7, 1 / g::float8, g::float8 ^ 0.3 FROM generate_series(1, 30) AS g;
SELECT g, 10::numeric ^ g, 2::numeric ^ (g / 4.0), g::numeric / 7, 1 / g::numeric, factorial(g % 20) FROM generate_series(1, 30) AS g;
SELECT sum(x), avg(x), sum(f), avg(f), min(x), max(f), count(*) FROM n;
-- to_char(number) over values x patterns
SELECT v, p, to_char(v, p) FROM (VALUES (0::numeric), (1), (-1), (0.5), (-0.5), (12.345), (-12.345), (999.999), (1234567.891), (-0.004)) AS vs(v),
  (VALUES ('999'), ('9999.99'), ('0000.00'), ('FM9999.99'), ('FM0000.00'), ('9,999.999'), ('S9999.99'), ('9999.99S'), ('9999.99MI'), ('FM9999.99MI'), ('9999.99PR'), ('99D99'), ('9G999'), ('FM999990.09'), ('.999'), ('0.99')) AS ps(p);
SELECT v, p, to_char(v, p) FROM (VALUES (0::float8), (1.5), (-2.25), (1e6), (123.456)) AS vs(v), (VALUES ('999.9'), ('FM9990.00'), ('S999'), ('9,999,999.9')) AS ps(p);
SELECT v, p, to_char(v, p) FROM (VALUES (0), (7), (-42), (12345)) AS vs(v), (VALUES ('999'), ('00000'), ('FM99999'), ('S99999'), ('99999MI')) AS ps(p);
