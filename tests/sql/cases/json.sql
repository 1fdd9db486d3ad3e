-- json and jsonb at run time: input/output, operators, functions.
SELECT '{"a": 1, "b": [1, 2, {"c": "x"}]}'::json, '{"b": 1, "a": 2, "a": 3}'::jsonb, '{"b":1,"a":2}'::json;
SELECT '[1, 2.50, "s", true, null]'::jsonb, '"str"'::jsonb, '1e3'::jsonb, 'null'::jsonb, '  {"x" : [ ] }  '::jsonb;
SELECT '{"a": {"b": {"c": 42}}}'::jsonb -> 'a', '{"a": {"b": {"c": 42}}}'::jsonb -> 'a' -> 'b' ->> 'c';
SELECT '[10, 20, 30]'::jsonb -> 1, '[10, 20, 30]'::jsonb ->> 2, '[10, 20, 30]'::jsonb -> -1, '[10, 20, 30]'::jsonb -> 5;
SELECT '{"a": "text", "n": null}'::jsonb ->> 'a', '{"a": "text", "n": null}'::jsonb ->> 'n', '{"a": "text", "n": null}'::jsonb -> 'n', '{"a": 1}'::jsonb -> 'zz';
SELECT '{"a": [1, {"b": "deep"}]}'::jsonb #> '{a,1,b}', '{"a": [1, {"b": "deep"}]}'::jsonb #>> '{a,1,b}', '{"a": [1, 2]}'::jsonb #> '{a}';
SELECT '{"a": 1}'::json -> 'a', '{"a": " spaced "}'::json ->> 'a', '[1,2]'::json -> 0, '{"a":{"b":2}}'::json #>> '{a,b}';
SELECT '{"a": 1, "b": 2}'::jsonb @> '{"a": 1}', '{"a": 1}'::jsonb @> '{"a": 2}', '[1, 2, 3]'::jsonb @> '[3, 1]', '{"a": 1}'::jsonb <@ '{"a": 1, "b": 2}';
SELECT '{"a": {"x": 1, "y": 2}}'::jsonb @> '{"a": {"x": 1}}', '["a", "b"]'::jsonb @> '"a"', '[[1, 2]]'::jsonb @> '[[1]]';
SELECT '{"a": 1, "b": 2}'::jsonb ? 'a', '{"a": 1}'::jsonb ? 'b', '["x", "y"]'::jsonb ? 'y';
SELECT '{"a": 1}'::jsonb || '{"b": 2}', '[1]'::jsonb || '[2, 3]', '{"a": 1}'::jsonb || '{"a": 5}';
SELECT '{"a": 1}'::jsonb = '{ "a" : 1 }'::jsonb, '[1, 2]'::jsonb = '[2, 1]'::jsonb;
SELECT jsonb_typeof('{}'), jsonb_typeof('[]'), jsonb_typeof('1.5'), jsonb_typeof('"s"'), jsonb_typeof('true'), jsonb_typeof('null');
SELECT json_typeof('{"a":1}'), json_typeof('[1]'), json_array_length('[1, 2, [3]]'), jsonb_array_length('[]');
SELECT json_build_object('a', 1, 'b', 'two', 'c', NULL, 'd', true), jsonb_build_object('x', 1.50, 'y', ARRAY[1, 2]);
SELECT json_build_array(1, 'a', NULL, false), jsonb_build_array(), jsonb_build_object();
SELECT to_json('text'::text), to_json(42), to_jsonb(1.5), to_jsonb(true), to_json(NULL::text), to_jsonb('a"b'::text), to_jsonb(ARRAY['x', 'y']);
SELECT to_jsonb(date '2024-01-02'), to_json(timestamp '2024-01-02 03:04:05');
SELECT jsonb_pretty('{"a": [1, 2]}'), jsonb_strip_nulls('{"a": 1, "b": null}');
SELECT '{"a": 1, "b": 2}'::jsonb - 'a', '["a", "b"]'::jsonb - 0;
SELECT jsonb_extract_path('{"a": {"b": 7}}', 'a', 'b'), jsonb_extract_path_text('{"a": {"b": 7}}', 'a', 'b'), json_extract_path_text('{"a": "x"}', 'a');
SELECT ('{"n": 5}'::jsonb ->> 'n')::int + 1, ('{"n": 5}'::jsonb -> 'n')::int, ('{"s": "2024-01-01"}'::jsonb ->> 's')::date;
SELECT '{"a":1}'::jsonb::text, '{"a":1}'::json::jsonb, '{"a":   1}'::jsonb::json;
-- error 22P02
SELECT '{bad json}'::jsonb;
-- error 22P02
SELECT '{"a": 1'::json;
-- error 22P02
SELECT ''::jsonb;
-- error 22023
SELECT json_array_length('{"a": 1}');
-- error 42883
SELECT '{"a": 1}'::json = '{"a": 1}'::json;
-- error 22023
SELECT jsonb_array_length('5');
-- jsonb values from a table's text column
CREATE TABLE docs (id int PRIMARY KEY, body text);
INSERT INTO docs VALUES (1, '{"name": "ann", "tags": ["a", "b"], "age": 30}'), (2, '{"name": "bob", "tags": [], "age": null}'), (3, '{"name": "cid"}');
SELECT id, body::jsonb ->> 'name', body::jsonb -> 'tags', jsonb_typeof(body::jsonb -> 'age') FROM docs;
SELECT id FROM docs WHERE body::jsonb @> '{"tags": ["b"]}';
SELECT id FROM docs WHERE body::jsonb ? 'age';
SELECT json_agg(id ORDER BY id), jsonb_agg(body::jsonb ->> 'name' ORDER BY id) FROM docs;
SELECT json_object_agg(id, body::jsonb ->> 'name' ORDER BY id), jsonb_object_agg(body::jsonb ->> 'name', id) FROM docs;
SELECT jsonb_agg(x) FROM (SELECT 1 AS x WHERE false) AS t;
SELECT key, value FROM jsonb_each('{"a": 1, "b": [2]}');
SELECT key, value FROM jsonb_each_text('{"a": 1, "b": "two"}');
SELECT * FROM jsonb_array_elements('[1, "x", {"y": 2}]');
SELECT * FROM jsonb_array_elements_text('[1, "x", null]');
SELECT * FROM jsonb_object_keys('{"b": 1, "a": 2}');
SELECT row_to_json(d) FROM docs AS d WHERE id = 1;
-- rows and multidimensional arrays as json
SELECT row_to_json(d), to_json(d), to_jsonb(d) FROM docs AS d ORDER BY id;
SELECT row_to_json(d, true), row_to_json(ROW(d.id, d.body::jsonb -> 'tags')) FROM docs AS d WHERE id = 2;
SELECT json_agg(d ORDER BY id), jsonb_agg(d ORDER BY id DESC) FROM docs AS d;
SELECT json_agg(ROW(id, body::jsonb ->> 'name') ORDER BY id), jsonb_agg((id, body::jsonb -> 'age') ORDER BY id) FROM docs;
SELECT json_object_agg(id, d ORDER BY id), jsonb_object_agg(id, ROW(id, id * 2)) FROM docs AS d;
SELECT json_build_object('doc', d, 'n', 1), jsonb_build_array(d, ARRAY[[1, 2], [3, 4]]) FROM docs AS d WHERE id = 3;
SELECT to_json(ARRAY[[1, 2], [3, NULL]]), to_jsonb(ARRAY[[['a']], [['b']]]), array_to_json(ARRAY[[1.5, 2], [3, 4]], true);
SELECT json_agg(a), jsonb_agg(a) FROM (VALUES (ARRAY[[1, 2], [3, 4]]), (NULL), (ARRAY[[5, 6]])) AS v(a);
SELECT id FROM docs AS d WHERE to_jsonb(d) -> 'body' IS NOT NULL ORDER BY id;
