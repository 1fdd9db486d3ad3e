-- Window functions: ranking, lag/lead, aggregates over windows (frames: window_frames.sql).
CREATE TABLE w (id int PRIMARY KEY, g text, v int);
INSERT INTO w VALUES (1, 'a', 10), (2, 'a', 20), (3, 'a', 20), (4, 'b', 5), (5, 'b', NULL), (6, 'c', 7);
SELECT id, row_number() OVER (ORDER BY id) FROM w ORDER BY id;
SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY id) FROM w ORDER BY id;
SELECT id, v, rank() OVER (ORDER BY v), dense_rank() OVER (ORDER BY v) FROM w ORDER BY id;
SELECT id, g, v, rank() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST) FROM w ORDER BY id;
SELECT id, lag(v) OVER (ORDER BY id), lead(v) OVER (ORDER BY id), lag(v, 2, -1) OVER (ORDER BY id), lead(v, 1, 0) OVER (PARTITION BY g ORDER BY id) FROM w ORDER BY id;
SELECT id, g, sum(v) OVER (PARTITION BY g), count(*) OVER (PARTITION BY g), count(v) OVER () FROM w ORDER BY id;
SELECT id, sum(v) OVER (ORDER BY id), avg(v) OVER (PARTITION BY g ORDER BY id) FROM w ORDER BY id;
SELECT id, sum(v) OVER (ORDER BY v) FROM w ORDER BY id;
SELECT id, sum(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY id;
SELECT id, first_value(v) OVER (PARTITION BY g ORDER BY id), last_value(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM w ORDER BY id;
SELECT id, max(v) OVER w1, min(v) OVER w1 FROM w WINDOW w1 AS (PARTITION BY g) ORDER BY id;
SELECT g, sum(v), rank() OVER (ORDER BY sum(v) DESC NULLS LAST) FROM w GROUP BY g ORDER BY g;
SELECT * FROM (SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST, id) AS rn FROM w) AS t WHERE rn = 1 ORDER BY g;
SELECT id, ntile(2) OVER (ORDER BY id), percent_rank() OVER (ORDER BY id), cume_dist() OVER (ORDER BY id) FROM w ORDER BY id;
-- error 42P20
SELECT id FROM w WHERE row_number() OVER () > 1;
