-- ORDER BY on one key sorts by the plain values when none is NULL or NaN, and by the
-- tagged key otherwise; both orders must be PostgreSQL's.
CREATE TABLE ob (id int PRIMARY KEY, f float8, n numeric, t text, i int, d date);
INSERT INTO ob VALUES
  (1, 2.5, 2.5, 'pear', 3, '2024-01-02'),
  (2, 'NaN', 'NaN', 'apple', NULL, NULL),
  (3, '-Infinity', -1, NULL, -7, '2023-12-31'),
  (4, NULL, NULL, 'fig', 10, '2024-03-01'),
  (5, 'Infinity', 100.25, 'kiwi', 0, '1999-05-05'),
  (6, -0.5, 0, 'banana', 42, '2024-01-01');
SELECT f FROM ob ORDER BY f;
SELECT f FROM ob ORDER BY f DESC;
SELECT f FROM ob WHERE f IS NOT NULL ORDER BY f;
SELECT f FROM ob WHERE f IS NOT NULL AND f <> 'NaN' ORDER BY f DESC;
SELECT n FROM ob WHERE n IS NOT NULL ORDER BY n DESC;
SELECT n FROM ob WHERE n IS NOT NULL AND n <> 'NaN' ORDER BY n;
SELECT t FROM ob WHERE t IS NOT NULL ORDER BY t DESC;
SELECT t FROM ob ORDER BY t NULLS FIRST;
SELECT i FROM ob ORDER BY i DESC;
SELECT i FROM ob WHERE i IS NOT NULL ORDER BY i;
SELECT d FROM ob WHERE d IS NOT NULL ORDER BY d DESC;
SELECT id, t FROM ob WHERE t IS NOT NULL ORDER BY t;
SELECT DISTINCT t FROM ob WHERE t IS NOT NULL ORDER BY t;
SELECT DISTINCT i % 2 AS parity FROM ob WHERE i IS NOT NULL ORDER BY parity DESC;
SELECT sum(i), count(*), max(t) FROM ob;
SELECT i % 2 AS parity, sum(f) FILTER (WHERE f <> 'NaN'), count(t) FROM ob GROUP BY i % 2 ORDER BY parity;
SELECT id FROM ob WHERE f = 'NaN';
SELECT id FROM ob WHERE n = 'NaN';
SELECT id FROM ob WHERE n > 50 ORDER BY id;
SELECT id FROM ob WHERE f < 'NaN' ORDER BY id;
SELECT id FROM ob WHERE f IN ('NaN', 2.5) ORDER BY id;
SELECT id FROM ob WHERE n IN ('NaN', -1) ORDER BY id;
-- A name two output columns have: ambiguous unless both are the same expression.
CREATE TABLE amb (a int PRIMARY KEY, b int);
INSERT INTO amb VALUES (1, 2), (2, 1);
-- error 42702
SELECT a AS x, b AS x FROM amb ORDER BY x;
-- error 42702
SELECT a, b AS a FROM amb ORDER BY a;
-- error 42702
SELECT b, (SELECT b) FROM amb GROUP BY b ORDER BY b;
-- error 42702
SELECT a AS x, b AS x FROM amb GROUP BY x;
-- error 42702
SELECT DISTINCT ON (x) a AS x, b AS x FROM amb;
-- error 42702
SELECT a AS x, b AS x FROM amb UNION SELECT 1, 2 ORDER BY x;
SELECT a AS x, a AS x FROM amb ORDER BY x;
SELECT a AS x, a AS x FROM amb GROUP BY x ORDER BY x;
SELECT a, amb.a FROM amb ORDER BY a;
SELECT a::text AS x, a::text AS x FROM amb ORDER BY x;
SELECT count(*) AS c, count(*) AS c FROM amb ORDER BY c;
SELECT sum(b) AS s, sum(b) AS s FROM amb GROUP BY a ORDER BY s;
SELECT *, a FROM amb ORDER BY a;
SELECT coalesce(b, 0) AS x, coalesce(b, 0) AS x FROM amb ORDER BY x;
SELECT coalesce(b, 0) AS x, coalesce(b, 0) AS x FROM amb GROUP BY x ORDER BY 1;
