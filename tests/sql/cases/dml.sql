-- INSERT / UPDATE / DELETE, RETURNING, ON CONFLICT.
CREATE TABLE acc (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) DEFAULT 0, tag text);
INSERT INTO acc VALUES (1, 'ann', 100, 'a'), (2, 'bob', 50.5, 'b'), (3, 'cid', 0, NULL);
INSERT INTO acc (id, owner) VALUES (4, 'dee');
INSERT INTO acc (id, owner, balance) VALUES (5, 'eve', DEFAULT);
INSERT INTO acc VALUES (6, 'fay', DEFAULT, DEFAULT) RETURNING *;
INSERT INTO acc (owner, id) VALUES ('gus', 7) RETURNING id, owner AS who, balance + 1 AS plus;
SELECT * FROM acc;

CREATE TABLE acc_copy (id int PRIMARY KEY, owner text, balance numeric(12,2));
INSERT INTO acc_copy SELECT id, upper(owner), balance * 2 FROM acc WHERE id <= 3;
INSERT INTO acc_copy (id, owner) SELECT id + 100, owner FROM acc WHERE tag IS NULL RETURNING id;
SELECT * FROM acc_copy;

-- ON CONFLICT
INSERT INTO acc VALUES (1, 'zzz', 1) ON CONFLICT DO NOTHING;
INSERT INTO acc VALUES (1, 'zzz', 1) ON CONFLICT (id) DO NOTHING RETURNING id;
INSERT INTO acc VALUES (1, 'ann2', 1), (8, 'hal', 8) ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, balance = acc.balance + EXCLUDED.balance RETURNING *;
INSERT INTO acc VALUES (2, 'bob2', 7) ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance WHERE acc.balance > 1000 RETURNING *;
SELECT * FROM acc WHERE id IN (1, 2, 8);

-- UPDATE
UPDATE acc SET balance = balance + 10 WHERE balance < 60;
SELECT id, balance FROM acc;
UPDATE acc SET tag = 'rich', balance = balance * 2 WHERE id = 1 RETURNING id, tag, balance;
UPDATE acc SET tag = NULL WHERE id > 100;
UPDATE acc SET tag = c.owner FROM acc_copy c WHERE c.id = acc.id AND c.id < 3 RETURNING acc.id, acc.tag;
UPDATE acc a SET owner = a.owner || '!' WHERE a.id = 3;
SELECT * FROM acc;

-- DELETE
DELETE FROM acc WHERE id = 99;
DELETE FROM acc WHERE owner LIKE 'g%' RETURNING *;
DELETE FROM acc USING acc_copy c WHERE acc.id = c.id - 100 RETURNING acc.id;
DELETE FROM acc_copy;
SELECT count(*) FROM acc_copy;
SELECT * FROM acc;

-- multi-row VALUES with expressions and NULLs
CREATE TABLE m (a int, b text, c boolean);
INSERT INTO m VALUES (1 + 1, 'x' || 'y', true), (NULL, NULL, NULL), (-5, '', false);
INSERT INTO m (b) VALUES ('only b');
SELECT * FROM m;
-- error 42601
INSERT INTO m VALUES (1, 'a', true, 4);
-- error 42703
INSERT INTO m (nope) VALUES (1);
-- error 22P02
INSERT INTO m (a) VALUES ('abc');
-- error 42804
INSERT INTO m (c) VALUES (3);
