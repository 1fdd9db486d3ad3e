-- Arrays at run time: constructors, literals, subscripts, operators, functions.
SELECT ARRAY[1, 2, 3], ARRAY['a', 'b'], ARRAY[1.5, 2], ARRAY[]::int[], ARRAY[NULL, 1], ARRAY[true, false];
SELECT '{1,2,3}'::int[], '{a,"b c",NULL,"d\"e"}'::text[], '{}'::text[];
-- only postgres: Borealis arrays are one-dimensional (0A000)
SELECT '{{1,2},{3,4}}'::int[];
-- error 0A000
-- only borealis: multidimensional arrays are refused, not silently flattened
SELECT '{{1,2},{3,4}}'::int[];
SELECT ARRAY['x y', '', 'NULL', 'a,b', 'q"q'];
SELECT (ARRAY[10, 20, 30])[1], (ARRAY[10, 20, 30])[3], (ARRAY[10, 20, 30])[4], (ARRAY[10, 20, 30])[0];
-- only postgres: array slices (a[i:j]) are not implemented yet (the binder refuses them with 0A000)
SELECT (ARRAY[10, 20, 30, 40])[2:3], (ARRAY[10, 20, 30])[:2], (ARRAY[10, 20, 30])[2:];
SELECT ARRAY[1, 2] || ARRAY[3], ARRAY[1, 2] || 3, 0 || ARRAY[1, 2], ARRAY['a'] || 'b'::text;
SELECT ARRAY[1, 2] = ARRAY[1, 2], ARRAY[1, 2] < ARRAY[1, 3], ARRAY[1, 2, 3] @> ARRAY[3, 1], ARRAY[1] <@ ARRAY[1, 2], ARRAY[1, 2] && ARRAY[2, 9];
SELECT 2 = ANY (ARRAY[1, 2, 3]), 5 = ANY (ARRAY[1, 2, 3]), 5 <> ALL (ARRAY[1, 2, 3]), 1 < ALL (ARRAY[2, 3]), NULL = ANY (ARRAY[1]), 1 = ANY (ARRAY[NULL, 1]), 2 = ANY (ARRAY[NULL, 1]);
SELECT 'b' = ANY ('{a,b}'::text[]), 3 = ANY ('{1,2,3}');
SELECT array_length(ARRAY[1, 2, 3], 1), array_length(ARRAY[]::int[], 1), cardinality(ARRAY[1, 2]), cardinality('{}'::int[]);
SELECT array_upper(ARRAY[5, 6], 1), array_lower(ARRAY[5, 6], 1), array_ndims(ARRAY[1]), array_dims(ARRAY[1, 2]);
SELECT array_append(ARRAY[1, 2], 3), array_prepend(0, ARRAY[1]), array_cat(ARRAY[1], ARRAY[2, 3]), array_remove(ARRAY[1, 2, 1], 1);
SELECT array_position(ARRAY['a', 'b', 'c'], 'b'), array_position(ARRAY[1], 9), array_replace(ARRAY[1, 2, 1], 1, 7);
SELECT array_to_string(ARRAY[1, 2, 3], ','), array_to_string(ARRAY['a', NULL, 'c'], '-', '*'), array_to_string(ARRAY['a', NULL], '-');
SELECT string_to_array('a,b,,c', ','), string_to_array('a b', ' '), string_to_array('', ','), string_to_array('x', NULL);
SELECT pg_typeof(ARRAY[1, 2]), pg_typeof(ARRAY['a']), pg_typeof(ARRAY[1.5]), pg_typeof('{1}'::int8[]);
SELECT ARRAY(SELECT g FROM generate_series(1, 4) AS g ORDER BY g DESC);
SELECT ARRAY[1, 2]::text[], ARRAY['1', '2']::int[], '{1,2}'::int[]::text;
SELECT unnest(ARRAY[1, 2, 3]);
SELECT * FROM unnest(ARRAY['x', 'y']) AS u(v);
-- error 22P02
SELECT '{1,2'::int[];
-- error 22P02
SELECT '{a}'::int[];
-- error 42804
SELECT ARRAY[1, 'x'::text];
CREATE TABLE tags (id int PRIMARY KEY, names text);
INSERT INTO tags VALUES (1, 'red,green'), (2, 'blue'), (3, '');
SELECT id, string_to_array(names, ',') FROM tags;
SELECT id FROM tags WHERE 'green' = ANY (string_to_array(names, ','));
SELECT id, cardinality(string_to_array(names, ',')) FROM tags;
SELECT id FROM tags WHERE id = ANY (ARRAY[1, 3]);
SELECT id FROM tags WHERE id = ANY ('{2,3}');
SELECT id FROM tags WHERE id <> ALL (ARRAY[1, 3]);
