-- GROUP BY, HAVING and aggregate functions.
CREATE TABLE s (id int PRIMARY KEY, g text, n int, x numeric(8,2), f float8, b boolean, t text);
INSERT INTO s VALUES
  (1, 'a', 1, 1.50, 0.5, true, 'p'), (2, 'a', 2, 2.25, 1.5, true, 'q'), (3, 'a', NULL, NULL, NULL, NULL, NULL),
  (4, 'b', 10, 10.00, 2.5, false, 'r'), (5, 'b', 20, -3.75, -1.0, true, 's'), (6, 'c', 5, 0.00, 0.0, false, 't'),
  (7, NULL, 7, 7.77, 7.0, NULL, 'u');
SELECT count(*), count(n), count(x), count(DISTINCT g), sum(n), avg(n), min(n), max(n) FROM s;
SELECT sum(x), avg(x), min(x), max(x) FROM s;
SELECT sum(f), avg(f), min(f), max(f) FROM s;
SELECT bool_and(b), bool_or(b), every(b) FROM s;
SELECT min(t), max(t), min(g), max(g) FROM s;
SELECT g, count(*), sum(n), avg(n), min(x), max(x) FROM s GROUP BY g;
SELECT g, count(*) FROM s GROUP BY g HAVING count(*) > 1;
SELECT g, sum(n) FROM s GROUP BY g HAVING sum(n) > 5 ORDER BY g;
SELECT g, sum(n) AS total FROM s GROUP BY g ORDER BY total DESC NULLS LAST, g;
SELECT g, bool_and(b), bool_or(b) FROM s GROUP BY g;
SELECT g, string_agg(t, ',' ORDER BY t) FROM s GROUP BY g;
SELECT string_agg(t, '-' ORDER BY t DESC) FROM s;
SELECT g, array_agg(n ORDER BY n) FROM s GROUP BY g;
SELECT array_agg(t ORDER BY id) FROM s;
SELECT array_agg(DISTINCT g ORDER BY g) FROM s;
SELECT count(DISTINCT n), sum(DISTINCT n) FROM s;
SELECT g, count(DISTINCT b) FROM s GROUP BY g;
SELECT count(*) FROM s WHERE false;
SELECT sum(n), avg(n), max(t), bool_and(b), string_agg(t, ','), array_agg(n) FROM s WHERE false;
SELECT g, count(*) FROM s WHERE false GROUP BY g;
SELECT n % 2 AS parity, count(*) FROM s GROUP BY n % 2;
SELECT n % 2 AS parity, count(*) FROM s GROUP BY parity;
SELECT g, count(*) FROM s GROUP BY 1;
SELECT upper(g), sum(n) * 2 FROM s GROUP BY upper(g);
SELECT g IS NULL, count(*) FROM s GROUP BY g IS NULL;
SELECT count(*) FILTER (WHERE n > 4), sum(n) FILTER (WHERE g = 'a') FROM s;
SELECT g, n FROM s GROUP BY g, n HAVING n IS NOT NULL;
SELECT sum(n) FROM s HAVING sum(n) > 1000;
SELECT 1 FROM s HAVING count(*) > 0;
SELECT avg(n)::numeric(10,3), sum(n)::float8 / count(n) FROM s;
SELECT sum(i) FROM generate_series(1, 100) AS i;
SELECT avg(v) FROM (VALUES (1), (2)) AS t(v);
SELECT avg(v) FROM (VALUES (1::int8), (2), (4)) AS t(v);
SELECT sum(v), avg(v) FROM (VALUES (1.5::float4), (2.25)) AS t(v);
SELECT sum(v) FROM (VALUES (9223372036854775807), (1)) AS t(v);
SELECT sum(v), pg_typeof(sum(v)) FROM (VALUES (1::int2), (2::int2)) AS t(v);
SELECT max(d), min(d) FROM (VALUES (date '2024-01-01'), (date '2023-05-06')) AS t(d);
SELECT sum(i) FROM (VALUES (interval '1 day'), (interval '2 hours')) AS t(i);
SELECT avg(i) FROM (VALUES (interval '1 day'), (interval '2 hours')) AS t(i);
-- error 42803
SELECT g, n FROM s GROUP BY g;
-- error 42803
SELECT id FROM s HAVING count(*) > 1;
-- error 42803
SELECT count(*) FROM s WHERE count(*) > 1;
-- error 42803
SELECT sum(count(*)) FROM s;
-- error 42883
SELECT sum(t) FROM s;
-- DISTINCT takes the values sorted by its arguments unless ORDER BY is given, and then
-- ORDER BY may only name arguments
SELECT array_agg(DISTINCT v) FROM (VALUES (3), (1), (2), (1), (NULL)) t(v);
SELECT string_agg(DISTINCT s, ',') FROM (VALUES ('c'), ('a'), ('b'), ('a')) t(s);
SELECT g, array_agg(DISTINCT v) FROM (VALUES (1, 3), (1, 1), (2, 5), (2, 4), (1, 3)) t(g, v) GROUP BY g ORDER BY g;
SELECT json_agg(DISTINCT v) FROM (VALUES (3), (1), (2), (1)) t(v);
SELECT array_agg(DISTINCT v ORDER BY v DESC) FROM (VALUES (3), (1), (2), (1)) t(v);
SELECT array_agg(DISTINCT v + 1 ORDER BY v + 1 DESC) FROM (VALUES (3), (1), (2), (1)) t(v);
-- error 42P10
SELECT array_agg(DISTINCT v ORDER BY k) FROM (VALUES (3, 1), (1, 2)) t(v, k);
-- variance and standard deviation: integers and numerics exactly (numeric result at
-- numeric division's scale), floats by running sums
CREATE TABLE st (g int, i int, x numeric, f float8, iv interval);
INSERT INTO st VALUES (1, 1, 1.5, 1.5, '1 hour'), (1, 2, 2.25, 2.25, '3 hours'), (1, 4, 3, 3, '1 day'),
  (2, 7, 10.10, 10.1, '1 min'), (2, NULL, NULL, NULL, NULL), (3, 5, 5, 5, '1 sec');
SELECT g, variance(i), var_pop(i), stddev(i), stddev_pop(i) FROM st GROUP BY g ORDER BY g;
SELECT g, variance(x), var_pop(x), stddev(x), stddev_samp(x), stddev_pop(x), var_samp(x) FROM st GROUP BY g ORDER BY g;
SELECT g, variance(f), var_pop(f), stddev(f), stddev_pop(f) FROM st GROUP BY g ORDER BY g;
SELECT stddev(v) FROM (VALUES (1e20), (1), (-1e20)) t(v);
SELECT stddev(v) FROM (VALUES (0.000001), (0.000002)) t(v);
SELECT variance(v), stddev(v) FROM (VALUES (5), (5)) t(v);
SELECT variance(v::float4) FROM (VALUES (1), (2), (3), (4)) t(v);
SELECT variance(f) FROM (VALUES ('NaN'::float8), (1)) t(f);
SELECT stddev(DISTINCT i), variance(DISTINCT f) FROM st;
SELECT stddev(i) OVER (ORDER BY i) FROM st ORDER BY i;
-- error 42883
SELECT stddev('1'::text) FROM st;
SELECT bit_and(i), bit_or(i), bit_xor(i), bit_and(i::int8), bit_or(i::int2) FROM st;
-- error 42883
SELECT bit_or(x) FROM st;
-- ordered-set aggregates
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f) FROM st;
SELECT g, percentile_cont(0.25) WITHIN GROUP (ORDER BY i), percentile_disc(0.25) WITHIN GROUP (ORDER BY i),
  mode() WITHIN GROUP (ORDER BY i) FROM st GROUP BY g ORDER BY g;
SELECT percentile_cont(0.3) WITHIN GROUP (ORDER BY iv) FROM st;
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x DESC) FROM st;
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY i DESC NULLS FIRST) FROM st;
SELECT percentile_cont(ARRAY[0, 0.5, 1, NULL]) WITHIN GROUP (ORDER BY f) FROM st;
SELECT percentile_disc(ARRAY[0.1, 0.9]) WITHIN GROUP (ORDER BY x) FROM st;
SELECT percentile_cont(NULL) WITHIN GROUP (ORDER BY f) FROM st;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f) FROM st WHERE false;
SELECT mode() WITHIN GROUP (ORDER BY v) FROM (VALUES ('b'), ('a'), ('b'), ('a'), ('c')) t(v);
SELECT mode() WITHIN GROUP (ORDER BY x DESC) FROM st;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i) FILTER (WHERE g = 1) FROM st;
SELECT g, percentile_cont(g / 10.0) WITHIN GROUP (ORDER BY i) FROM st GROUP BY g ORDER BY g;
SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY (SELECT i)) FROM st GROUP BY g ORDER BY g;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i) FROM st HAVING percentile_cont(0.5) WITHIN GROUP (ORDER BY i) > 1;
-- error 22003
SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY f) FROM st;
-- error 42883
SELECT percentile_cont(0.5) FROM st;
-- error 42883
SELECT sum(i) WITHIN GROUP (ORDER BY i) FROM st;
-- error 42883
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY 'x'::text) FROM st;
-- error 42883
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i, g) FROM st;
-- error 42803
SELECT percentile_cont(i) WITHIN GROUP (ORDER BY i) FROM st;
-- error 0A000
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY i) OVER () FROM st;
-- an aggregate's ORDER BY key may be a subquery
SELECT array_agg(i ORDER BY (SELECT -i)) FROM st;
SELECT string_agg(g::text, ',' ORDER BY (SELECT f) DESC NULLS LAST, g) FROM st;
SELECT g, array_agg(DISTINCT (SELECT x)) FROM st GROUP BY g ORDER BY g;
