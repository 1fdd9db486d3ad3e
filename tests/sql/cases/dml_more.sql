-- More INSERT/UPDATE/DELETE forms and upsert corner cases.
CREATE TABLE inv (id int PRIMARY KEY, sku text UNIQUE, qty int NOT NULL DEFAULT 1, note text DEFAULT 'n/' || 'a', price numeric(8,2), total numeric GENERATED ALWAYS AS (qty * price) STORED);
-- error 23502
INSERT INTO inv DEFAULT VALUES;
-- error 23502
INSERT INTO inv (sku) VALUES ('x');
INSERT INTO inv (id) VALUES (1);
INSERT INTO inv (id, sku, qty, price) VALUES (2, 'A', 5, 1.25), (3, 'B', 2, 10), (4, 'C', 0, NULL);
SELECT * FROM inv;
UPDATE inv SET (qty, note) = (qty + 1, 'bumped') WHERE sku IN ('A', 'B') RETURNING id, qty, note, total;
UPDATE inv SET price = (SELECT max(price) FROM inv) WHERE price IS NULL RETURNING *;
UPDATE inv SET qty = DEFAULT, note = DEFAULT WHERE id = 3 RETURNING qty, note;
INSERT INTO inv (id, sku, qty) VALUES (5, 'A', 9) ON CONFLICT (sku) DO UPDATE SET qty = inv.qty + EXCLUDED.qty RETURNING id, sku, qty;
INSERT INTO inv (id, sku, qty) VALUES (2, 'Z', 9) ON CONFLICT (id) DO UPDATE SET sku = EXCLUDED.sku || inv.sku RETURNING id, sku;
INSERT INTO inv (id, sku) VALUES (6, 'Z') ON CONFLICT DO NOTHING RETURNING *;
INSERT INTO inv (id, sku) VALUES (6, 'new') ON CONFLICT (id) DO UPDATE SET note = 'never' WHERE inv.qty > 100 RETURNING *;
INSERT INTO inv (id, sku) VALUES (6, 'six') ON CONFLICT (id) DO NOTHING;
SELECT * FROM inv;
-- error 21000
INSERT INTO inv (id, sku) VALUES (7, 'd1'), (7, 'd2') ON CONFLICT (id) DO UPDATE SET sku = EXCLUDED.sku;
-- error 42P10
INSERT INTO inv (id, sku) VALUES (8, 'q') ON CONFLICT (note) DO NOTHING;
-- error 428C9
UPDATE inv SET total = 1;
-- error 23505
UPDATE inv SET sku = 'C' WHERE id = 2;
UPDATE inv SET sku = NULL WHERE id IN (2, 3);
SELECT id, sku FROM inv WHERE sku IS NULL;
DELETE FROM inv WHERE id IN (SELECT id FROM inv WHERE qty < 2) RETURNING id;
DELETE FROM inv WHERE false;
SELECT count(*) FROM inv;
DELETE FROM inv;
SELECT count(*) FROM inv;
INSERT INTO inv (id, sku, qty, price) SELECT g, 'sku' || g, g % 3 + 1, g * 1.5 FROM generate_series(1, 50) AS g;
UPDATE inv SET price = price * 2 WHERE id % 10 = 0;
SELECT sum(total), count(*), min(sku), max(sku) FROM inv;
SELECT id, total FROM inv WHERE id % 10 = 0;
DELETE FROM inv WHERE id > 25 RETURNING id;
SELECT count(*) FROM inv;
-- INSERT without a column list fills the columns its query does not give with their
-- defaults, whatever the query's shape (*, a set operation, a WITH query)
CREATE TABLE ins_def (id int PRIMARY KEY, a int DEFAULT 5);
CREATE TABLE ins_src (id int);
INSERT INTO ins_src VALUES (1);
INSERT INTO ins_def SELECT * FROM ins_src RETURNING *;
INSERT INTO ins_def SELECT 2 UNION ALL SELECT 3 RETURNING *;
WITH x AS (SELECT 20 id) INSERT INTO ins_def SELECT * FROM x RETURNING *;
INSERT INTO ins_def SELECT * FROM (SELECT 40, 1) x RETURNING *;
-- error 42601
INSERT INTO ins_def (id, a) SELECT 50;
-- error 42601
INSERT INTO ins_def (id, a) SELECT * FROM ins_src;
-- a generated column takes DEFAULT, also without a column list
CREATE TABLE ins_gen (id int PRIMARY KEY, x int, y int GENERATED ALWAYS AS (x + 1) STORED);
INSERT INTO ins_gen VALUES (1, 1, DEFAULT) RETURNING *;
INSERT INTO ins_gen VALUES (2, 1) RETURNING *;
INSERT INTO ins_gen SELECT * FROM (SELECT 3, 1) x RETURNING *;
INSERT INTO ins_gen VALUES (4, DEFAULT, DEFAULT) RETURNING *;
-- error 428C9
INSERT INTO ins_gen VALUES (5, 1, 5);
-- error 428C9
INSERT INTO ins_gen VALUES (6, 1, DEFAULT), (7, 2, 3);
-- error 428C9
INSERT INTO ins_gen SELECT 8, 1, 1;
-- SET assigns each column once; a generated column only to DEFAULT, also in ON CONFLICT
INSERT INTO ins_gen (id, x) VALUES (10, 1);
-- error 42601
UPDATE ins_gen SET x = 1, x = 2;
-- error 42601
INSERT INTO ins_gen (id, x) VALUES (10, 1) ON CONFLICT (id) DO UPDATE SET x = 1, x = 3;
-- error 428C9
INSERT INTO ins_gen (id, x) VALUES (10, 1) ON CONFLICT (id) DO UPDATE SET y = 100;
INSERT INTO ins_gen (id, x) VALUES (10, 1) ON CONFLICT (id) DO UPDATE SET y = DEFAULT, x = 5 RETURNING *;
UPDATE ins_gen SET y = DEFAULT, x = 6 WHERE id = 10 RETURNING *;
-- an untyped literal in INSERT's query takes the column's type, as in VALUES; one
-- below a subquery or a set operation becomes text
CREATE TABLE ins_unknown (id int PRIMARY KEY, v int, d date);
INSERT INTO ins_unknown SELECT 1, '3' RETURNING *;
INSERT INTO ins_unknown (id, d) SELECT 2, '2020-01-02' RETURNING d;
INSERT INTO ins_unknown SELECT 3, NULL, NULL::date UNION SELECT 4, 9, NULL RETURNING *;
-- error 22P02
INSERT INTO ins_unknown SELECT 5, 'x';
-- error 42804
INSERT INTO ins_unknown SELECT * FROM (SELECT 6, '3') s;
-- error 42804
INSERT INTO ins_unknown SELECT 7, NULL, NULL UNION SELECT 8, '9', NULL;
