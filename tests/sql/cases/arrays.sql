-- Arrays at run time: constructors, literals, subscripts, operators, functions.
SELECT ARRAY[1, 2, 3], ARRAY['a', 'b'], ARRAY[1.5, 2], ARRAY[]::int[], ARRAY[NULL, 1], ARRAY[true, false];
SELECT '{1,2,3}'::int[], '{a,"b c",NULL,"d\"e"}'::text[], '{}'::text[];
SELECT '{{1,2},{3,4}}'::int[];
SELECT ARRAY['x y', '', 'NULL', 'a,b', 'q"q'];
SELECT (ARRAY[10, 20, 30])[1], (ARRAY[10, 20, 30])[3], (ARRAY[10, 20, 30])[4], (ARRAY[10, 20, 30])[0];
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
-- slices: bounds clamp, empty ranges give {}, a NULL bound gives NULL
SELECT (ARRAY[10, 20, 30])[3:2], (ARRAY[10, 20, 30])[0:10], (ARRAY[10, 20, 30])[-5:1], (ARRAY[10, 20, 30])[4:5], (ARRAY[10, 20, 30])[:];
SELECT (ARRAY[10, 20, 30])[NULL:2], (ARRAY[10, 20, 30])[2:NULL], (ARRAY[10, 20, 30])[NULL], (ARRAY[]::int[])[1:2], (NULL::int[])[1:2];
SELECT (ARRAY['a', 'b', 'c'])[2:], pg_typeof((ARRAY['a', 'b'])[1:1]), (ARRAY[1, 2, 3])[1:2][1:1];
SELECT id, (string_to_array(names, ','))[1:1], (string_to_array(names, ','))[2:] FROM tags;
SELECT (ARRAY[10, 20, 30])[i:i + 1] FROM generate_series(0, 3) AS i ORDER BY i;
-- multidimensional arrays: constructors, literals, output
SELECT ARRAY[[1, 2], [3, 4]], ARRAY[ARRAY[1, 2], ARRAY[3, 4]], ARRAY[[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
SELECT ARRAY[['a b', '"'], ['', NULL]], ARRAY[[1.5, 2], [3, 4]], pg_typeof(ARRAY[[1, 2], [3.5, 4]]), ARRAY[[true], [false]];
SELECT '{ { 1 , 2 } , { 3 , 4 } }'::int[], '[1:2][1:2]={{1,2},{3,4}}'::int[], '{{"a b",NULL},{"",c}}'::text[], '{{{1}},{{2}}}'::int[];
SELECT ARRAY[NULL::int[], NULL::int[]], ARRAY[ARRAY[]::int[], ARRAY[]::int[]], ARRAY[a, a] FROM (SELECT ARRAY[1, 2] AS a) AS s;
-- error 2202E
SELECT ARRAY[[1, 2], [3]];
-- error 2202E
SELECT ARRAY[ARRAY[1, 2], NULL];
-- error 22P02
SELECT '{{1,2},{3}}'::int[];
-- error 22P02
SELECT '{{1,2},3}'::int[];
-- error 22P02
SELECT '{1,{2}}'::int[];
-- error 22P02
SELECT '[1:2]={{1,2},{3,4}}'::int[];
-- error 54000
SELECT '{{{{{{{1}}}}}}}'::int[];
-- multidimensional arrays: functions
SELECT array_ndims(a), array_dims(a), array_length(a, 1), array_length(a, 2), array_length(a, 3), cardinality(a), array_upper(a, 2), array_lower(a, 2), array_upper(a, 3) FROM (SELECT ARRAY[[1, 2, 3], [4, 5, 6]] AS a) AS s;
SELECT array_length(ARRAY[1], 0), array_upper('{}'::int[], 1), array_ndims('{}'::int[]), array_dims('{}'::int[]), array_dims(ARRAY[[[1]]]);
SELECT unnest(ARRAY[[1, 2], [3, 4]]);
SELECT * FROM unnest(ARRAY[['a', 'b'], ['c', NULL]]) AS u(x);
SELECT generate_subscripts(ARRAY[[1, 2, 3], [4, 5, 6]], 2);
SELECT array_to_string(ARRAY[[1, 2], [3, NULL]], ',', '*'), array_replace(ARRAY[[1, 2], [1, 3]], 1, 9), array_replace(ARRAY[[1, NULL], [NULL, 3]], NULL, 0);
SELECT ARRAY[[1, 2], [3, 4]] @> ARRAY[3], ARRAY[[1, 2], [3, 4]] && ARRAY[[9, 4]], ARRAY[2] <@ ARRAY[[1, 2]], 4 = ANY (ARRAY[[1, 2], [3, 4]]), 4 > ALL (ARRAY[[1, 2], [3, NULL]]);
SELECT ARRAY[[1, 2], [3, 4]] = ARRAY[1, 2, 3, 4], ARRAY[[1, 2], [3, 4]] = '{{1,2},{3,4}}', ARRAY[[1, 2], [3, 4]] < ARRAY[[1, 2], [3, 5]];
SELECT ARRAY[[1, 2], [3, 4]]::text[], ARRAY[[1, 2], [3, 4]]::text, '{{1,2},{3,4}}'::text[]::int[], '{{1.5,2},{3,4}}'::numeric[]::int[];
SELECT to_json(ARRAY[[1, 2], [3, 4]]), to_jsonb(ARRAY[['a', 'b'], ['c', NULL]]), json_build_object('x', ARRAY[[1], [2]]), array_to_json(ARRAY[[1, 2], [3, 4]]);
SELECT array_to_json(ARRAY[[1, 2], [3, 4]], true), array_to_json(ARRAY['a', NULL]), json_agg(a) FROM (VALUES (ARRAY[1, 2]), (ARRAY[3])) AS v(a);
-- multidimensional arrays: subscripts (one per dimension, else NULL) and slices
SELECT a[1][2], a[2][1], a[1], a[3][1], a[1][2][1], a[0][1], a[1][NULL] FROM (SELECT ARRAY[[1, 2], [3, 4]] AS a) AS s;
SELECT a[1:1], a[1:2][2], a[2][1:2], a[:][2:], a[1:1][1:1], a[2:][:1], a[5:][1] FROM (SELECT ARRAY[[1, 2], [3, 4]] AS a) AS s;
SELECT a[2][2][1], a[1:2][2:2][1:1], a[2] FROM (SELECT ARRAY[[[1, 2], [3, 4]], [[5, 6], [7, 8]]] AS a) AS s;
-- multidimensional arrays: concatenation
SELECT array_cat(ARRAY[[1, 2]], ARRAY[3, 4]), array_cat(ARRAY[[1, 2]], ARRAY[[3, 4]]), ARRAY[[1, 2]] || ARRAY[3, 4], ARRAY[3, 4] || ARRAY[[1, 2]], array_cat(ARRAY[1, 2], ARRAY[[3, 4]]);
SELECT ARRAY[[1, 2], [3, 4]] || ARRAY[[5, 6]], ARRAY[[[1]]] || ARRAY[[2]], array_cat(NULL::int[], ARRAY[[1]]), array_cat(ARRAY[[1]], '{}');
-- error 2202E
SELECT ARRAY[[1, 2]] || ARRAY[3];
-- error 2202E
SELECT ARRAY[[1, 2]] || ARRAY[[3]];
-- error 2202E
SELECT ARRAY[[[1]]] || ARRAY[1];
-- error 22000
SELECT ARRAY[[1, 2]] || 3;
-- error 22000
SELECT array_append(ARRAY[[1, 2]], 3);
-- error 22000
SELECT array_prepend(3, ARRAY[[1, 2]]);
-- error 0A000
SELECT array_position(ARRAY[[1, 2]], 1);
-- error 0A000
SELECT array_remove(ARRAY[[1, 2]], 1);
-- multidimensional arrays: array_agg over arrays
SELECT array_agg(a ORDER BY a) FROM (VALUES (ARRAY[3, 4]), (ARRAY[1, 2])) AS v(a);
SELECT array_agg(a) FROM (VALUES (ARRAY[[1, 2]]), (ARRAY[[3, 4]])) AS v(a);
-- error 2202E
SELECT array_agg(a) FROM (VALUES (ARRAY[1, 2]), (ARRAY[3])) AS v(a);
-- error 22004
SELECT array_agg(a) FROM (VALUES (ARRAY[1, 2]), (NULL)) AS v(a);
-- error 2202E
SELECT array_agg(a) FROM (VALUES (ARRAY[]::int[]), (ARRAY[1])) AS v(a);
-- ordering: elements first (NULLs last), then size, then dimensions
SELECT a FROM (VALUES (ARRAY[[1, 2], [3, 4]]), (ARRAY[1, 2, 3, 4]), (ARRAY[1, 2, 3, 4, 5]), (ARRAY[[1, 2, 3, 4]]), (ARRAY[[1], [2], [3], [4]]), ('{}'::int[]), (ARRAY[1, NULL]), (ARRAY[1, 2])) AS v(a) ORDER BY a;
SELECT a FROM (VALUES (ARRAY[[1, 2], [3, 4]]), (ARRAY[1, 2, 3, 4]), (ARRAY[1, NULL]), (ARRAY[NULL, 1]), (ARRAY[1, 2])) AS v(a) ORDER BY a DESC;
SELECT min(a), max(a) FROM (VALUES (ARRAY[[1, 2], [3, 4]]), (ARRAY[1, 2, 3, 4]), (ARRAY[0, 5])) AS v(a);
SELECT DISTINCT a FROM (VALUES (ARRAY[[1, 2], [3, 4]]), (ARRAY[[1, 2], [3, 4]]), (ARRAY[1, 2, 3, 4])) AS v(a);
