-- Mixed query shapes.
CREATE TABLE sale (id int PRIMARY KEY, region text, rep text, amount numeric(10,2), sold date);
INSERT INTO sale SELECT g, (ARRAY['north', 'south', 'east', NULL])[g % 4 + 1], 'rep' || (g % 7), round((g * 13.37) % 500, 2), date '2024-01-01' + (g * 5) % 120 FROM generate_series(1, 80) AS g;
SELECT region, count(*), sum(amount), round(avg(amount), 2), min(sold), max(sold) FROM sale GROUP BY region ORDER BY region NULLS FIRST;
SELECT region, rep, sum(amount) FROM sale GROUP BY region, rep HAVING sum(amount) > 600 ORDER BY 3 DESC, 1, 2;
SELECT date_trunc('month', sold)::date AS m, count(*) FROM sale GROUP BY 1 ORDER BY 1;
SELECT extract(month FROM sold) AS m, region, count(*) FROM sale WHERE region IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2;
SELECT CASE WHEN amount >= 250 THEN 'big' ELSE 'small' END AS size, count(*), sum(amount) FROM sale GROUP BY 1;
SELECT rep, amount FROM sale s1 WHERE amount = (SELECT max(amount) FROM sale s2 WHERE s2.rep = s1.rep) ORDER BY rep;
SELECT region, (SELECT count(*) FROM sale s2 WHERE s2.region = s1.region) FROM (SELECT DISTINCT region FROM sale) s1;
SELECT rep FROM sale GROUP BY rep HAVING count(*) > (SELECT count(*) / 7 FROM sale) ORDER BY rep;
SELECT * FROM sale ORDER BY amount DESC, id LIMIT 5 OFFSET 3;
SELECT DISTINCT ON (region) region, id, amount FROM sale ORDER BY region, amount DESC, id;
SELECT region, string_agg(DISTINCT rep, ',' ORDER BY rep) FROM sale GROUP BY region;
SELECT count(DISTINCT rep), count(DISTINCT region), count(region), count(*) FROM sale;
SELECT a.rep, b.rep, count(*) FROM sale a JOIN sale b ON a.sold = b.sold AND a.id < b.id GROUP BY a.rep, b.rep HAVING count(*) > 1 ORDER BY 3 DESC, 1, 2 LIMIT 10;
SELECT sold, sum(amount) FROM sale WHERE sold BETWEEN '2024-02-01' AND '2024-02-15' GROUP BY sold ORDER BY sold;
SELECT id FROM sale WHERE id IN (SELECT id FROM sale WHERE amount > 400) AND region IN ('north', 'east') ORDER BY id;
SELECT region, sum(amount) FILTER (WHERE rep = 'rep1'), count(*) FILTER (WHERE amount > 100) FROM sale GROUP BY region;
SELECT coalesce(region, '(none)') AS r, count(*) FROM sale GROUP BY coalesce(region, '(none)') ORDER BY r;
SELECT rep, bool_and(amount > 10), bool_or(amount > 450) FROM sale GROUP BY rep;
SELECT x.r, x.total FROM (SELECT region AS r, sum(amount) AS total FROM sale GROUP BY region) AS x WHERE x.total > (SELECT avg(amount) * 10 FROM sale);
WITH monthly AS (SELECT date_trunc('month', sold) AS m, sum(amount) AS total FROM sale GROUP BY 1) SELECT m, total, total - (SELECT min(total) FROM monthly) FROM monthly ORDER BY m;
SELECT id FROM sale WHERE amount > 100 INTERSECT SELECT id FROM sale WHERE region = 'north' EXCEPT SELECT id FROM sale WHERE rep = 'rep3';
SELECT region FROM sale UNION ALL SELECT 'x' ORDER BY 1 NULLS FIRST LIMIT 3;
-- error 42P10
SELECT DISTINCT region FROM sale ORDER BY amount;
-- error 42803
SELECT region, amount FROM sale GROUP BY region;
SELECT DISTINCT ON (rep) region FROM sale ORDER BY rep, region;
SELECT DISTINCT ON (rep, region) amount FROM sale ORDER BY region, rep, amount DESC;
SELECT DISTINCT ON (lower(rep)) rep, amount FROM sale ORDER BY lower(rep), amount;
SELECT DISTINCT ON (1) rep, amount FROM sale ORDER BY 1, 2 DESC;
SELECT DISTINCT ON (rep) amount FROM sale ORDER BY rep, amount DESC LIMIT 2;
-- error 42P10
SELECT DISTINCT ON (rep) region FROM sale ORDER BY region, rep;
-- error 42P10
SELECT DISTINCT region FROM sale ORDER BY rep;
SELECT DISTINCT ON (rep) rep, region FROM sale ORDER BY rep, region;
