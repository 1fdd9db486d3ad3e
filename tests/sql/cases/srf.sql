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
SELECT t.id, g FROM t, generate_series(1, t.id) AS g WHERE t.id <= 3;
SELECT t.id, g FROM t CROSS JOIN LATERAL generate_series(t.id, t.id + 1) AS g WHERE t.id < 3;
SELECT t.id, x.total FROM t, LATERAL (SELECT sum(n) AS total FROM t AS u WHERE u.id <= t.id) AS x WHERE t.id <= 4;
SELECT t.id, x.n FROM t LEFT JOIN LATERAL (SELECT u.n FROM t AS u WHERE u.id = t.id + 18) AS x ON true WHERE t.id <= 4;
SELECT t.id, x.n FROM t JOIN LATERAL (SELECT u.n FROM t AS u WHERE u.id > t.id ORDER BY u.id LIMIT 2) AS x ON x.n % 2 = 0 WHERE t.id <= 3;
SELECT t.id, x.* FROM t, LATERAL (SELECT t.n * 2 AS dbl, t.id + 100 AS shifted) AS x WHERE t.id IN (2, 5);
SELECT a.id, b.id, c.v FROM t AS a, t AS b, LATERAL (SELECT a.n + b.n AS v) AS c WHERE a.id = 1 AND b.id < 3;
SELECT * FROM LATERAL (SELECT 1 AS one) AS x;
SELECT t.id, e.value FROM t, jsonb_array_elements(jsonb_build_array(t.id, t.n)) AS e WHERE t.id <= 2;
SELECT t.id, u.x FROM t, unnest(ARRAY[t.id, -t.id]) WITH ORDINALITY AS u(x, i) WHERE t.id <= 2 ORDER BY t.id, u.i;
-- error 42P10
SELECT * FROM t RIGHT JOIN LATERAL (SELECT t.id) AS x ON true;
-- error 42P01
SELECT * FROM (SELECT t.id) AS x, t;
-- error 22023
SELECT * FROM generate_series(1, 5, 0);
