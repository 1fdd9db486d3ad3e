-- String functions over a table of awkward strings.
CREATE TABLE s (id int PRIMARY KEY, v text);
INSERT INTO s VALUES (1, ''), (2, ' '), (3, 'a'), (4, 'Hello, World!'), (5, '  padded  '), (6, 'MiXeD cAsE wOrDs'),
  (7, 'snake_case-and-kebab'), (8, 'tab	and
newline'), (9, 'quote''s "double"'), (10, 'back\slash'), (11, 'ümlaut café'), (12, 'x,y,,z'), (13, NULL), (14, '123abc456'), (15, 'aaa');
SELECT id, lower(v), upper(v), initcap(v), length(v), octet_length(v), reverse(v) FROM s;
SELECT id, substr(v, 2), substr(v, 2, 3), left(v, 3), right(v, 3), left(v, -2), right(v, -2), strpos(v, 'a'), position('l' IN v) FROM s;
SELECT id, trim(v), ltrim(v), rtrim(v), btrim(v, 'ax'), lpad(v, 8, '*'), rpad(v, 8, '-'), repeat(v, 2) FROM s;
SELECT id, replace(v, 'a', 'A'), translate(v, 'aeiou', 'AEI'), split_part(v, ',', 2), split_part(v, ' ', -1), starts_with(v, 'a') FROM s;
SELECT id, quote_ident(v), quote_literal(v), quote_nullable(v), format('[%s] %I %L', v, v, v) FROM s WHERE v IS NOT NULL AND v <> '';
SELECT id, regexp_replace(v, '[aeiou]', '_', 'g'), regexp_replace(v, '(\w+)', '<\1>'), regexp_match(v, '(\d+)'), v ~ '^[a-z]+$', v ~* 'HELLO' FROM s;
SELECT id, md5(v), encode(v::bytea, 'hex'), encode(v::bytea, 'base64'), encode(sha256(v::bytea), 'hex') FROM s WHERE id <> 10;
SELECT id, v LIKE '%a%', v ILIKE 'h%', v NOT LIKE '_', v SIMILAR TO '[a-z]*', concat(v, '|', id), concat_ws('/', v, id, NULL), v || '#' FROM s;
SELECT id, string_to_array(v, ','), array_to_string(string_to_array(v, ','), ';', 'NULL'), cardinality(string_to_array(v, ' ')) FROM s;
SELECT string_agg(v, ',' ORDER BY id), string_agg(DISTINCT upper(v), '' ORDER BY upper(v)), count(v), min(v), max(v) FROM s;
SELECT id, v FROM s ORDER BY v NULLS FIRST, id;
SELECT id, to_hex(id * 4099), chr(64 + id), ascii(v) FROM s;
