-- Inner, outer, cross and self joins.
CREATE TABLE emp (id int PRIMARY KEY, name text, dept_id int, boss int);
CREATE TABLE dept (id int PRIMARY KEY, title text);
INSERT INTO emp VALUES (1, 'ann', 10, NULL), (2, 'bob', 10, 1), (3, 'cid', 20, 1), (4, 'dee', NULL, 2), (5, 'eve', 30, 3);
INSERT INTO dept VALUES (10, 'eng'), (20, 'ops'), (40, 'empty');
SELECT e.name, d.title FROM emp e JOIN dept d ON e.dept_id = d.id;
SELECT e.name, d.title FROM emp e INNER JOIN dept d ON d.id = e.dept_id AND d.title <> 'ops';
SELECT e.name, d.title FROM emp e LEFT JOIN dept d ON e.dept_id = d.id;
SELECT e.name, d.title FROM emp e LEFT OUTER JOIN dept d ON e.dept_id = d.id WHERE d.id IS NULL;
SELECT e.name, d.title FROM emp e RIGHT JOIN dept d ON e.dept_id = d.id;
SELECT e.name, d.title FROM emp e FULL JOIN dept d ON e.dept_id = d.id;
SELECT e.name, d.title FROM emp e FULL OUTER JOIN dept d ON e.dept_id = d.id WHERE e.id IS NULL OR d.id IS NULL;
SELECT e.name, d.title FROM emp e CROSS JOIN dept d;
SELECT count(*) FROM emp, dept;
SELECT e.name, d.title FROM emp e, dept d WHERE e.dept_id = d.id AND e.id > 1;
SELECT e.name, b.name AS boss FROM emp e JOIN emp b ON e.boss = b.id;
SELECT e.name, b.name AS boss FROM emp e LEFT JOIN emp b ON e.boss = b.id ORDER BY e.id;
SELECT e.name, d.title, b.name FROM emp e JOIN dept d ON e.dept_id = d.id LEFT JOIN emp b ON b.id = e.boss;
SELECT * FROM emp e JOIN dept d ON e.dept_id = d.id ORDER BY e.id;
SELECT * FROM emp JOIN dept USING (id);
CREATE TABLE a (k int, va text);
CREATE TABLE b (k int, vb text);
INSERT INTO a VALUES (1, 'a1'), (2, 'a2'), (2, 'a2b'), (NULL, 'anull');
INSERT INTO b VALUES (2, 'b2'), (3, 'b3'), (NULL, 'bnull');
SELECT * FROM a JOIN b USING (k);
SELECT * FROM a LEFT JOIN b USING (k);
SELECT * FROM a FULL JOIN b USING (k);
SELECT * FROM a RIGHT JOIN b USING (k);
SELECT k, a.k AS ak, b.k AS bk FROM a FULL JOIN b USING (k) WHERE k IS NOT NULL;
SELECT k FROM a FULL JOIN b USING (k) ORDER BY k NULLS FIRST;
SELECT * FROM b JOIN a USING (k);
SELECT * FROM a NATURAL FULL JOIN b;
SELECT count(*) FROM a JOIN b USING (k) JOIN a AS a2 USING (k);
SELECT * FROM a JOIN (b FULL JOIN a AS a3 USING (k)) USING (k);
SELECT * FROM a, b FULL JOIN a AS a4 USING (k) WHERE a.k = 1;
-- error 42703
SELECT * FROM a JOIN b USING (nope);
-- error 42701
SELECT * FROM a JOIN b USING (k, k);
SELECT a.k, b.k, va, vb FROM a FULL JOIN b USING (k);
SELECT k, va, vb FROM a NATURAL JOIN b;
SELECT * FROM a JOIN b ON a.k = b.k OR b.k IS NULL;
SELECT * FROM a JOIN b ON true;
SELECT * FROM a LEFT JOIN b ON false;
SELECT a.va, x.n FROM a CROSS JOIN (VALUES (1), (2)) AS x(n) WHERE a.k = 1;
SELECT a.va, b.vb FROM a JOIN b ON a.k < b.k;
SELECT * FROM a LEFT JOIN b ON a.k = b.k WHERE b.vb IS NOT NULL OR a.k = 1;
SELECT * FROM (a JOIN b ON a.k = b.k) JOIN emp ON emp.id = a.k;
SELECT d.title, count(e.id) FROM dept d LEFT JOIN emp e ON e.dept_id = d.id GROUP BY d.title;
-- error 42702
SELECT k FROM a JOIN b ON a.k = b.k;
-- error 42804
SELECT * FROM a JOIN b ON 1;
-- chained FULL JOIN ... USING: the outer join's merged column reads the inner one's
CREATE TABLE fj_a (k int, x text);
CREATE TABLE fj_d (k int, w int);
CREATE TABLE fj_b (k int, y text);
INSERT INTO fj_a VALUES (1, 'a');
INSERT INTO fj_d VALUES (2, 20);
INSERT INTO fj_b VALUES (2, 'b');
SELECT k FROM fj_a FULL JOIN fj_d USING (k) FULL JOIN fj_b USING (k) ORDER BY 1;
SELECT * FROM fj_a FULL JOIN fj_d USING (k) FULL JOIN fj_b USING (k) ORDER BY 1;
SELECT * FROM fj_a NATURAL FULL JOIN fj_d NATURAL FULL JOIN fj_b ORDER BY 1;
SELECT * FROM fj_b, fj_a FULL JOIN fj_d USING (k) FULL JOIN fj_b b2 USING (k) ORDER BY 1, 2;
SELECT * FROM fj_a FULL JOIN fj_d USING (k) LEFT JOIN fj_b USING (k) ORDER BY 1;
-- USING across types: the merged column has the common type (an inner join takes the
-- side already of it, a left join its left side, a right join its right side)
SELECT pg_typeof(a), a FROM (SELECT 1 AS a) x JOIN (SELECT 1.0 AS a) y USING (a);
SELECT pg_typeof(a), a FROM (SELECT 1 AS a) x LEFT JOIN (SELECT 1.0 AS a) y USING (a);
SELECT pg_typeof(a), a FROM (SELECT 1 AS a) x RIGHT JOIN (SELECT 2.0 AS a) y USING (a);
SELECT * FROM (SELECT 1 AS a, 2 AS b) x JOIN (SELECT 1.0 AS a, 2::int8 AS b, 3 AS c) y USING (a, b);
SELECT a, x.a, y.a FROM (SELECT 1 AS a) x JOIN (SELECT 1.0 AS a) y USING (a) JOIN (SELECT 1::int2 AS a) z USING (a);
SELECT * FROM (SELECT 1::int8 AS a) x LEFT JOIN (SELECT 1 AS a, 5 AS b) y USING (a) FULL JOIN (SELECT 1.5 AS a) z USING (a) ORDER BY 1;
SELECT pg_typeof(a) FROM (SELECT 'x'::varchar AS a) x JOIN (SELECT 'x'::text AS a) y USING (a);
