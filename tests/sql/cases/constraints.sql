-- Constraint violations and their SQLSTATEs.
CREATE TABLE c (
    id int PRIMARY KEY,
    email text UNIQUE,
    age int NOT NULL CHECK (age >= 0 AND age < 200),
    score numeric CHECK (score <= 100),
    CONSTRAINT named_check CHECK (id > 0)
);
INSERT INTO c VALUES (1, 'a@x', 30, 50);
-- error 23505
INSERT INTO c VALUES (1, 'b@x', 30, 50);
-- error 23505
INSERT INTO c VALUES (2, 'a@x', 30, 50);
INSERT INTO c VALUES (2, NULL, 30, 50), (3, NULL, 31, NULL);
-- error 23502
INSERT INTO c VALUES (4, 'd@x', NULL, 1);
-- error 23502
INSERT INTO c (id) VALUES (4);
-- error 23502
INSERT INTO c VALUES (NULL, 'n@x', 1, 1);
-- error 23514
INSERT INTO c VALUES (4, 'd@x', -1, 1);
-- error 23514
INSERT INTO c VALUES (4, 'd@x', 1, 101);
-- error 23514
INSERT INTO c VALUES (-4, 'd@x', 1, 1);
-- error 23505
UPDATE c SET email = 'a@x' WHERE id = 2;
-- error 23502
UPDATE c SET age = NULL WHERE id = 2;
-- error 23514
UPDATE c SET age = 500 WHERE id = 3;
-- error 23505
UPDATE c SET id = 1 WHERE id = 2;
-- error 23505
INSERT INTO c VALUES (10, 'z@x', 1, 1), (10, 'y@x', 1, 1);
SELECT * FROM c;
-- composite primary key
CREATE TABLE pairs (a int, b text, v int, PRIMARY KEY (a, b));
INSERT INTO pairs VALUES (1, 'x', 1), (1, 'y', 2), (2, 'x', 3);
-- error 23505
INSERT INTO pairs VALUES (1, 'x', 9);
-- error 23502
INSERT INTO pairs VALUES (1, NULL, 9);
SELECT * FROM pairs WHERE a = 1;
SELECT * FROM pairs WHERE a = 1 AND b = 'y';
-- statement-level atomicity: a failing multi-row insert leaves nothing behind
-- error 23514
INSERT INTO c VALUES (20, 'q@x', 1, 1), (21, 'r@x', 1, 1000);
SELECT count(*) FROM c WHERE id >= 20;
