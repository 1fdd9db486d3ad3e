-- Set-returning functions: generate_series, unnest.
SELECT * FROM generate_series(1, 5);
SELECT * FROM generate_series(1, 10, 3);
SELECT * FROM generate_series(5, 1, -2);
SELECT * FROM generate_series(5, 1);
SELECT * FROM generate_series(1, 3) AS g(n);
SELECT n * 2 FROM generate_series(1, 3) AS n;
SELECT generate_series(1, 3);
SELECT generate_series(1, 3) AS x, 'const';
SELECT * FROM generate_series(0.5, 2.0, 0.5);
SELECT * FROM generate_series(1::int8, 3::int8);
SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-03', '1 day');
SELECT * FROM generate_series(timestamptz '2024-01-01 00:00+00', timestamptz '2024-01-01 02:00+00', interval '30 minutes');
SELECT d::date FROM generate_series(date '2024-01-30', date '2024-02-02', interval '1 day') AS d;
SELECT count(*), sum(g), min(g), max(g) FROM generate_series(1, 1000) AS g;
SELECT a.g, b.g FROM generate_series(1, 2) AS a(g), generate_series(1, 2) AS b(g);
SELECT * FROM unnest(ARRAY[3, 1, 2]);
SELECT * FROM unnest(ARRAY[3, 1, 2]) WITH ORDINALITY AS u(v, i);
SELECT * FROM unnest(ARRAY['a', NULL]) AS u(v);
SELECT * FROM unnest('{}'::int[]);
SELECT unnest(ARRAY[1, 2]) AS v ORDER BY v DESC;
CREATE TABLE t (id int PRIMARY KEY, n int);
INSERT INTO t SELECT g, g * g FROM generate_series(1, 20) AS g;
SELECT count(*), sum(n) FROM t;
SELECT t.id FROM t JOIN generate_series(5, 7) AS g ON g = t.id;
-- only postgres: a FROM-clause function referring to an earlier FROM item is an implicit LATERAL join, not implemented (0A000)
SELECT t.id, g FROM t, generate_series(1, t.id) AS g WHERE t.id <= 3;
-- error 0A000
-- only borealis: refused cleanly instead of computing wrong rows
SELECT t.id, g FROM t, generate_series(1, t.id) AS g WHERE t.id <= 3;
-- error 22023
SELECT * FROM generate_series(1, 5, 0);
