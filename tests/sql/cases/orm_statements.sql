-- Statements the ORMs' DSQL adapters send (tests/compat): Django's bulk insert, which
-- turns columns into arrays and reads them back side by side with unnest(a, b, ...).
SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a', 'b', 'c']);
SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a']) AS t;
SELECT t.* FROM unnest(ARRAY[1, 2], ARRAY['a']) AS t(x, y);
SELECT * FROM unnest(ARRAY[10, 20], ARRAY[true, NULL]) WITH ORDINALITY AS u(n, b, i);
SELECT * FROM unnest(NULL::int[], ARRAY['x']::varchar[], '{}'::text[]);
SELECT * FROM unnest(('{a,b}')::varchar(20)[], ('{3,4}')::integer[], ('{5,6}')::bigint[]);
-- error 42883
SELECT unnest(ARRAY[1, 2], ARRAY['a']);
-- error 42883
SELECT * FROM unnest(ARRAY[1], 2);
CREATE TABLE bulk (id int PRIMARY KEY, name varchar(20), n int);
INSERT INTO bulk (id, name, n) SELECT * FROM unnest(('{1,2,3}')::integer[], ('{x,y,z}')::varchar(20)[], ('{7,NULL,9}')::integer[]) RETURNING id, name, n;
SELECT id, name, n FROM bulk ORDER BY id;
-- Django's get_constraints reads pg_index this way: laterally, with ordinality.
SELECT b.id, u.* FROM bulk b, unnest(ARRAY[b.id, b.id * 10], ARRAY['p', 'q']) WITH ORDINALITY u(k, o, i) ORDER BY b.id, u.i;

-- Django's annotate() groups by the primary key only and reads the table's other
-- columns ungrouped: PostgreSQL's functional dependency on a primary key.
CREATE TABLE author (id int PRIMARY KEY, name text NOT NULL, born int);
CREATE TABLE book (id int PRIMARY KEY, author_id int, pages int);
CREATE TABLE pair (a int, b int, label text, PRIMARY KEY (a, b));
CREATE TABLE nokey (id int UNIQUE, name text);
INSERT INTO author VALUES (1, 'Ada', 1815), (2, 'Alan', 1912), (3, 'Grace', NULL);
INSERT INTO book VALUES (10, 1, 40), (11, 1, 100), (12, 2, 22);
INSERT INTO pair VALUES (1, 1, 'x'), (1, 2, 'y');
INSERT INTO nokey VALUES (1, 'n');
SELECT author.name AS name, COUNT(book.id) AS n, SUM(book.pages) AS p FROM author LEFT OUTER JOIN book ON (author.id = book.author_id) GROUP BY author.id ORDER BY 1 ASC;
SELECT a.*, count(b.id) FROM author AS a LEFT JOIN book AS b ON b.author_id = a.id GROUP BY a.id ORDER BY a.id;
SELECT upper(a.name), a.born + 1 FROM author a JOIN book b ON b.author_id = a.id GROUP BY a.id HAVING a.name <> 'Alan' AND count(*) > 1;
SELECT a.name FROM author a GROUP BY a.id ORDER BY a.born DESC NULLS LAST, a.name;
SELECT b.id, b.pages, a.name FROM book b JOIN author a ON a.id = b.author_id GROUP BY b.id, a.id ORDER BY b.id;
SELECT label, count(*) FROM pair GROUP BY a, b ORDER BY label;
-- error 42803
SELECT b.pages FROM author a JOIN book b ON b.author_id = a.id GROUP BY a.id;
-- error 42803
SELECT label FROM pair GROUP BY a;
-- error 42803
SELECT name FROM nokey GROUP BY id;
-- error 42803
SELECT name FROM (SELECT * FROM author) AS s GROUP BY id;

-- pg_constraint.conkey of a CHECK constraint: the columns it names, first mention first
-- (Django's get_constraints reports them).
CREATE TABLE ck (a int, b int CONSTRAINT on_b CHECK (b > a), c int, CONSTRAINT ca CHECK (c > a AND a > 0 AND c < 10),
                 CONSTRAINT none CHECK (1 > 0), CONSTRAINT named CHECK (b IS NOT NULL));
ALTER TABLE ck ADD CONSTRAINT later CHECK (c <> b) NOT VALID;
-- sorted
SELECT conname, contype, conkey FROM pg_constraint WHERE conrelid = 'ck'::regclass ORDER BY conname;
