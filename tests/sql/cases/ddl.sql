-- Schemas, tables, columns, indexes, views, comments.
CREATE SCHEMA extra;
CREATE SCHEMA IF NOT EXISTS extra;
-- error 42P06
CREATE SCHEMA extra;
CREATE TABLE extra.things (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO extra.things VALUES (1, 'one');
SELECT * FROM extra.things;
DROP TABLE extra.things;
DROP SCHEMA extra;
DROP SCHEMA IF EXISTS extra;
-- error 3F000
DROP SCHEMA extra;

CREATE TABLE items (
    id bigint PRIMARY KEY,
    name varchar(40) NOT NULL,
    qty int DEFAULT 0,
    price numeric(10,2) CHECK (price >= 0),
    code text UNIQUE,
    total numeric GENERATED ALWAYS AS (qty * price) STORED
);
CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY);
-- error 42P07
CREATE TABLE items (id int PRIMARY KEY);
INSERT INTO items (id, name, price, code) VALUES (1, 'bolt', 0.25, 'B1');
INSERT INTO items (id, name, qty, price, code) VALUES (2, 'nut', 10, 0.10, 'N1');
SELECT id, name, qty, price, code, total FROM items ORDER BY id;
-- error 428C9
INSERT INTO items (id, name, total) VALUES (3, 'x', 5);
UPDATE items SET qty = 4 WHERE id = 1;
SELECT id, total FROM items ORDER BY id;

-- ALTER TABLE
ALTER TABLE items ADD COLUMN note text;
ALTER TABLE items ADD COLUMN IF NOT EXISTS note text;
-- error 42701
ALTER TABLE items ADD COLUMN note text;
SELECT id, note FROM items ORDER BY id;
ALTER TABLE items RENAME COLUMN note TO remark;
SELECT id, remark FROM items ORDER BY id;
-- error 42703
SELECT note FROM items;
ALTER TABLE items RENAME TO goods;
SELECT count(*) FROM goods;
-- error 42P01
SELECT count(*) FROM items;

-- indexes
CREATE INDEX goods_name_idx ON goods (name);
CREATE UNIQUE INDEX goods_code2_idx ON goods (name, qty);
CREATE INDEX IF NOT EXISTS goods_name_idx ON goods (name);
-- error 42P07
CREATE INDEX goods_name_idx ON goods (name);
SELECT name FROM goods WHERE name = 'nut';
-- error 23505
INSERT INTO goods (id, name, qty, price) VALUES (5, 'nut', 10, 1);
DROP INDEX goods_name_idx;
DROP INDEX IF EXISTS goods_name_idx;
-- error 42704
DROP INDEX goods_name_idx;

-- views
CREATE VIEW cheap AS SELECT id, name FROM goods WHERE price < 0.2;
SELECT * FROM cheap;
CREATE OR REPLACE VIEW cheap AS SELECT id, name, price FROM goods WHERE price < 0.5;
SELECT * FROM cheap ORDER BY id;
-- error 42P07
CREATE VIEW cheap AS SELECT 1 AS x;
DROP VIEW cheap;
DROP VIEW IF EXISTS cheap;
-- error 42P01
DROP VIEW cheap;

-- comments
COMMENT ON TABLE goods IS 'things we sell';
COMMENT ON COLUMN goods.name IS 'display name';
SELECT obj_description('goods'::regclass, 'pg_class');

-- drop
DROP TABLE goods;
DROP TABLE IF EXISTS goods;
-- error 42P01
DROP TABLE goods;

-- names and identifiers
CREATE TABLE "Mixed Case" ("Id" int PRIMARY KEY, "select" text);
INSERT INTO "Mixed Case" VALUES (1, 'kw');
SELECT "Id", "select" FROM "Mixed Case";
-- error 42703
SELECT id FROM "Mixed Case";
DROP TABLE "Mixed Case";

-- a table without a primary key
CREATE TABLE nokey (a int, b text);
INSERT INTO nokey VALUES (1, 'x'), (1, 'x'), (2, NULL);
SELECT * FROM nokey;
DROP TABLE nokey;
