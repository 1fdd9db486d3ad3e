-- WHERE, ORDER BY, LIMIT/OFFSET, DISTINCT, DISTINCT ON, CASE, VALUES.
CREATE TABLE p (id int PRIMARY KEY, name text, dept text, salary int, bonus int);
INSERT INTO p VALUES
  (1, 'ann', 'eng', 100, 10), (2, 'bob', 'eng', 90, NULL), (3, 'cid', 'ops', 70, 5),
  (4, 'dee', 'ops', 70, NULL), (5, 'eve', NULL, 60, 1), (6, 'fay', 'sales', 120, 20),
  (7, 'gus', 'sales', NULL, 0);
SELECT * FROM p;
SELECT name FROM p WHERE salary > 80;
SELECT name FROM p WHERE salary BETWEEN 60 AND 90;
SELECT name FROM p WHERE salary NOT BETWEEN 60 AND 90;
SELECT name FROM p WHERE dept IN ('eng', 'sales');
SELECT name FROM p WHERE dept NOT IN ('eng', 'sales');
SELECT name FROM p WHERE dept IS NULL OR bonus IS NULL;
SELECT name FROM p WHERE NOT (salary > 80) ;
SELECT name FROM p WHERE name LIKE '_e%';
SELECT name FROM p WHERE name ILIKE 'A%' OR name NOT LIKE '%e%';
SELECT name FROM p WHERE name ~ '^[a-c]';
SELECT name FROM p WHERE bonus IS DISTINCT FROM 10;
SELECT name FROM p WHERE bonus IS NOT DISTINCT FROM NULL;
SELECT name FROM p WHERE (salary > 80) IS TRUE;
SELECT name FROM p WHERE (salary > 80) IS UNKNOWN;
SELECT id, name FROM p WHERE id = 3;
SELECT id FROM p WHERE id > 2 AND id <= 5;
SELECT id FROM p WHERE id IN (1, 3, 99);
-- ORDER BY
SELECT name, salary FROM p ORDER BY salary, name;
SELECT name, salary FROM p ORDER BY salary DESC, name;
SELECT name, salary FROM p ORDER BY salary NULLS FIRST, name;
SELECT name, salary FROM p ORDER BY salary DESC NULLS LAST, name;
SELECT name, bonus FROM p ORDER BY bonus ASC NULLS FIRST, id;
SELECT name, salary AS s FROM p ORDER BY s, 1;
SELECT name, salary FROM p ORDER BY 2 DESC, 1;
SELECT name FROM p ORDER BY salary + coalesce(bonus, 0) DESC NULLS LAST, id;
SELECT name FROM p ORDER BY length(name), name DESC;
SELECT dept FROM p ORDER BY dept NULLS FIRST, id;
-- LIMIT / OFFSET
SELECT id FROM p ORDER BY id LIMIT 3;
SELECT id FROM p ORDER BY id LIMIT 3 OFFSET 2;
SELECT id FROM p ORDER BY id OFFSET 5;
SELECT id FROM p ORDER BY id LIMIT 0;
SELECT id FROM p ORDER BY id LIMIT ALL;
SELECT id FROM p ORDER BY id FETCH FIRST 2 ROWS ONLY;
SELECT id FROM p ORDER BY id LIMIT NULL;
-- error 2201W
SELECT id FROM p LIMIT -1;
-- error 2201X
SELECT id FROM p OFFSET -1;
-- DISTINCT
SELECT DISTINCT dept FROM p;
SELECT DISTINCT dept, salary FROM p;
SELECT DISTINCT dept FROM p ORDER BY dept NULLS LAST;
SELECT DISTINCT ON (dept) dept, name, salary FROM p ORDER BY dept, salary DESC NULLS LAST, name;
SELECT DISTINCT ON (dept) dept, name FROM p ORDER BY dept, name;
SELECT count(DISTINCT dept) FROM p;
-- CASE
SELECT name, CASE WHEN salary >= 100 THEN 'high' WHEN salary >= 70 THEN 'mid' ELSE 'low' END AS band FROM p;
SELECT name, CASE dept WHEN 'eng' THEN 1 WHEN 'ops' THEN 2 END AS d FROM p;
SELECT CASE WHEN false THEN 1 END, CASE WHEN true THEN 'a' ELSE NULL END;
SELECT CASE WHEN 1 = 1 THEN 1 ELSE 2.5 END;
-- error 42804
SELECT CASE WHEN true THEN 1 ELSE 'x'::text END;
-- VALUES lists
VALUES (1, 'a'), (2, 'b'), (3, NULL);
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s) WHERE n > 1;
SELECT * FROM (VALUES (1), (2.5), (NULL)) AS v(x);
VALUES (1, 'a') ORDER BY 1;
-- error 42601
VALUES (1, 2), (3);
-- expressions in the select list
SELECT 1 + 2 * 3, (1 + 2) * 3, 7 / 2, 7 % 3, -7 / 2, 2 ^ 10, 7.0 / 2;
SELECT 'a' || 'b' || 'c', 'n=' || 5, 1 || '', NULL || 'x';
SELECT true AND NULL, false AND NULL, true OR NULL, false OR NULL, NOT NULL::boolean;
SELECT 1 = 1, 1 <> 2, 1 != 1, 2 > 1, 2 >= 3, 'a' < 'b', NULL = NULL;
SELECT * FROM p WHERE false;
SELECT 1 WHERE true;
SELECT;
-- column naming
SELECT 1, 'x', id + 1, upper(name), name AS "N", 2 > 1 AS c FROM p WHERE id = 1;
SELECT p.* FROM p WHERE id = 1;
SELECT x.id FROM p AS x WHERE x.id = 2;
-- error 42P01
SELECT p.id FROM p AS x;
-- error 42703
SELECT nosuch FROM p;
-- error 42702
SELECT id FROM p, p AS q;
-- error 42601
SELECT FROM WHERE;
