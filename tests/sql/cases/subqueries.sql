-- Scalar, IN, EXISTS, correlated and derived-table subqueries.
CREATE TABLE o (id int PRIMARY KEY, cust text, amount int);
CREATE TABLE cu (name text PRIMARY KEY, city text);
INSERT INTO o VALUES (1, 'ann', 10), (2, 'ann', 20), (3, 'bob', 5), (4, 'cid', 40), (5, 'zed', 1), (6, NULL, 3);
INSERT INTO cu VALUES ('ann', 'oslo'), ('bob', 'rome'), ('cid', 'oslo'), ('dee', 'lima');
SELECT (SELECT max(amount) FROM o) AS top;
SELECT id, amount, (SELECT sum(amount) FROM o) AS total FROM o;
SELECT name, (SELECT count(*) FROM o WHERE o.cust = cu.name) AS orders FROM cu;
SELECT name, (SELECT sum(amount) FROM o WHERE o.cust = cu.name) AS spent FROM cu;
SELECT * FROM o WHERE cust IN (SELECT name FROM cu WHERE city = 'oslo');
SELECT * FROM o WHERE cust NOT IN (SELECT name FROM cu WHERE city = 'oslo');
SELECT * FROM o WHERE cust NOT IN (SELECT cust FROM o WHERE id = 6);
SELECT * FROM cu WHERE EXISTS (SELECT 1 FROM o WHERE o.cust = cu.name);
SELECT * FROM cu WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.cust = cu.name);
SELECT * FROM o WHERE amount > (SELECT avg(amount) FROM o);
SELECT * FROM o o1 WHERE amount = (SELECT max(amount) FROM o o2 WHERE o2.cust = o1.cust);
SELECT * FROM o WHERE amount > ALL (SELECT amount FROM o WHERE cust = 'ann');
SELECT * FROM o WHERE amount < ANY (SELECT amount FROM o WHERE cust = 'ann');
SELECT * FROM o WHERE amount = SOME (SELECT amount FROM o WHERE cust = 'bob');
SELECT c, n FROM (SELECT cust AS c, count(*) AS n FROM o GROUP BY cust) AS x WHERE n > 1;
SELECT * FROM (SELECT * FROM o ORDER BY amount DESC LIMIT 2) AS top ORDER BY id;
SELECT (SELECT city FROM cu WHERE name = 'nobody');
SELECT EXISTS (SELECT 1 FROM o WHERE amount > 30), EXISTS (SELECT 1 FROM o WHERE amount > 300);
SELECT 5 IN (SELECT amount FROM o), 6 IN (SELECT amount FROM o), NULL::int IN (SELECT amount FROM o);
SELECT cu.name, t.total FROM cu JOIN (SELECT cust, sum(amount) AS total FROM o GROUP BY cust) t ON t.cust = cu.name;
SELECT name FROM cu WHERE city = (SELECT city FROM cu WHERE name = 'bob');
SELECT id FROM o WHERE (cust, amount) IN (SELECT cust, max(amount) FROM o GROUP BY cust);
SELECT id FROM o WHERE (cust, amount) NOT IN (SELECT cust, max(amount) FROM o GROUP BY cust);
SELECT id FROM o WHERE (cust, amount) <> ALL (SELECT cust, min(amount) FROM o GROUP BY cust);
SELECT (1, 2) IN (SELECT 1, NULL::int), (1, 2) IN (SELECT 2, NULL::int), (1, NULL::int) NOT IN (SELECT 1, 3);
SELECT id FROM o WHERE (cust, amount) IN (('ann', 10), ('bob', 5)) ORDER BY id;
SELECT id FROM o WHERE (cust, amount) NOT IN (('ann', 10), ('bob', 5)) ORDER BY id;
SELECT (1, 2) = (1, 2), (1, 2) <> (1, 3), (1, NULL::int) = (1, 2), (1, NULL::int) = (2, 2), ROW(1, 2) = ROW(1, 2);
SELECT (1, 2) < (1, 3), (1, 2) < (1, 2), (1, 2) <= (1, 2), (2, 0) > (1, 9), (1, NULL::int) < (2, 0), (1, NULL::int) < (1, 5), (NULL::int, 1) >= (0, 0);
SELECT (1, 'b', 3) >= (1, 'a', 9), (1, 'a', 3) > (1, 'a', 3), ('x', 1) < ('y', 0);
SELECT id, amount FROM o WHERE (amount, id) > (10, 2) ORDER BY amount, id;
-- error 42601
SELECT (1, 2) = (1, 2, 3);
-- error 42601
SELECT 1 FROM o WHERE (id, amount) IN (SELECT id FROM o);
SELECT id FROM o o1 WHERE EXISTS (SELECT 1 FROM o o2 WHERE o2.cust = o1.cust GROUP BY o2.cust HAVING max(o2.amount) = o1.amount);
SELECT id, (SELECT name FROM cu WHERE name = o.cust) IS NULL AS orphan FROM o;
SELECT id FROM o WHERE EXISTS (SELECT 1 FROM cu WHERE cu.name = o.cust AND cu.city = 'rome') OR amount > 30;
UPDATE o SET amount = amount + 1 WHERE cust IN (SELECT name FROM cu WHERE city = 'oslo');
DELETE FROM o WHERE NOT EXISTS (SELECT 1 FROM cu WHERE cu.name = o.cust);
SELECT * FROM o;
-- error 21000
SELECT (SELECT amount FROM o);
-- error 42601
SELECT (SELECT 1, 2);
-- only borealis: PostgreSQL 16 (which Borealis follows) allows a subquery in FROM without an alias; the PostgreSQL 15 reference says 42601
SELECT * FROM (SELECT 1);
-- A subquery is evaluated only when the expression reaches it (CASE, COALESCE, AND).
SELECT id, CASE WHEN id > 100 THEN (SELECT 1 / min(amount - amount) FROM o) ELSE 0 END FROM o ORDER BY id;
SELECT COALESCE(1, (SELECT 1 / min(amount - amount) FROM o));
SELECT id, CASE WHEN amount > 30 THEN (SELECT count(*) FROM o o2 WHERE o2.amount < o.amount) END FROM o ORDER BY id;
-- error 22012
SELECT id, CASE WHEN id > 1 THEN (SELECT 1 / min(amount - amount) FROM o) ELSE 0 END FROM o ORDER BY id;
-- a subquery of a grouped query reads the grouped row: a group key, or 42803
CREATE TABLE grp_sub (a int PRIMARY KEY, b int);
INSERT INTO grp_sub VALUES (1, 1), (2, 2), (3, 2);
SELECT b, (SELECT b) AS c FROM grp_sub GROUP BY b ORDER BY b;
SELECT b, (SELECT count(*) FROM grp_sub t2 WHERE t2.b <= grp_sub.b) FROM grp_sub GROUP BY b ORDER BY b;
SELECT a, b, (SELECT b) AS c FROM grp_sub GROUP BY a, b ORDER BY a;
SELECT a, (SELECT b) AS c FROM grp_sub GROUP BY a ORDER BY a;
SELECT b, count(*), (SELECT count(*) FROM grp_sub t4 WHERE t4.b = grp_sub.b) FROM grp_sub GROUP BY b ORDER BY b;
-- error 42803
SELECT b, (SELECT a) FROM grp_sub GROUP BY b;
