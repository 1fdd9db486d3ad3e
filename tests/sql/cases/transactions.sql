-- Explicit transactions: BEGIN / COMMIT / ROLLBACK, failed blocks.
CREATE TABLE acct (id int PRIMARY KEY, v int);
BEGIN;
INSERT INTO acct VALUES (1, 10), (2, 20);
SELECT * FROM acct;
COMMIT;
SELECT * FROM acct;
BEGIN;
UPDATE acct SET v = v + 1;
DELETE FROM acct WHERE id = 2;
SELECT * FROM acct;
ROLLBACK;
SELECT * FROM acct;
START TRANSACTION;
INSERT INTO acct VALUES (3, 30);
-- error 23505
INSERT INTO acct VALUES (1, 99);
-- error 25P02
SELECT * FROM acct;
COMMIT;
SELECT * FROM acct;
BEGIN;
INSERT INTO acct VALUES (4, 40);
INSERT INTO acct VALUES (5, 50) RETURNING *;
UPDATE acct SET v = 0 WHERE id = 4;
SELECT * FROM acct WHERE id >= 4;
END;
SELECT * FROM acct;
BEGIN;
SELECT count(*) FROM acct;
ROLLBACK;
COMMIT;
ROLLBACK;
-- error 22012
SELECT 1 / 0;
SELECT 'autocommit still works' AS ok;
