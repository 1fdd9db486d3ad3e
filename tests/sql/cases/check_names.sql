-- Names PostgreSQL gives unnamed CHECK constraints (SQLAlchemy, Alembic and Django
-- reflect them): <table>_<column>_check when the expression reads exactly one column,
-- wherever the constraint is written, else <table>_check; numbered past names in use.
CREATE TABLE ckn (id bigint PRIMARY KEY, a int CHECK (a > 0) CHECK (a < 100), b int CHECK (a <> b), c int, CHECK (c > 0), CHECK (b > 0 AND c > 0), CHECK (true), CHECK (c < 50), CONSTRAINT named CHECK (length(c::text) < 9));

SELECT conname FROM pg_constraint WHERE conrelid = 'ckn'::regclass AND contype = 'c' ORDER BY conname;

ALTER TABLE ckn ADD CHECK (a > 1 AND b > 1) NOT VALID;

ALTER TABLE ckn ADD CHECK (ckn.c > 1) NOT VALID;

SELECT conname FROM pg_constraint WHERE conrelid = 'ckn'::regclass AND contype = 'c' ORDER BY conname;

-- ckn_a_check is taken in the schema (ckn's check on column a): this one is numbered
CREATE TABLE ckn_a (id bigint PRIMARY KEY, v text CHECK (length(v) < 10), CHECK (id > 0 AND v <> ''));

CREATE TABLE ckn_b (id bigint PRIMARY KEY, x int, y int, CHECK (x < y));

SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE conrelid IN ('ckn_a'::regclass, 'ckn_b'::regclass) AND contype = 'c' ORDER BY 1, 2;

-- error 42710
CREATE TABLE ckn_dup (id bigint PRIMARY KEY, a int CHECK (a > 0), CONSTRAINT ckn_dup_a_check CHECK (a < 9));
