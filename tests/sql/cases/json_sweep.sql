-- JSON builders and accessors over a table of mixed values.
CREATE TABLE j (id int PRIMARY KEY, i int, n numeric, f float8, t text, b boolean, d date, ts timestamp, tz timestamptz);
INSERT INTO j VALUES
  (1, 1, 1.50, 0.1, 'plain', true, '2024-01-02', '2024-01-02 03:04:05', '2024-01-02 03:04:05+00'),
  (2, -7, -0.001, -2.5e-10, 'quote " and \ backslash', false, '1999-12-31', '1999-12-31 23:59:59.5', '1999-12-31 23:59:59.5-05'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 0, 100, 1e20, E'tab\tnewline\ncontrol\u0001', true, '2000-02-29', '2000-02-29 00:00:00', '2000-02-29 12:00:00+03'),
  (5, 2147483647, 12345678901234567890.123, 'NaN', 'ünïcödé ☃', false, '2024-06-30', '2024-06-30 12:30:00', '2024-06-30 12:30:00+00');
SELECT id, to_json(i), to_json(n), to_json(f), to_json(t), to_json(b), to_json(d), to_json(ts), to_json(tz) FROM j;
SELECT id, to_jsonb(i), to_jsonb(n), to_jsonb(f), to_jsonb(t), to_jsonb(b), to_jsonb(d), to_jsonb(ts), to_jsonb(tz) FROM j;
SELECT id, json_build_object('i', i, 'n', n, 't', t, 'b', b, 'd', d) FROM j;
SELECT id, jsonb_build_object('i', i, 'n', n, 't', t, 'b', b, 'ts', ts, 'nested', jsonb_build_object('x', i)) FROM j;
SELECT id, json_build_array(i, n, t, b, NULL), jsonb_build_array(i, n, t, b, NULL, jsonb_build_array()) FROM j;
SELECT json_agg(t ORDER BY id), jsonb_agg(n ORDER BY id), json_agg(b ORDER BY id), jsonb_agg(d ORDER BY id) FROM j;
SELECT json_object_agg(id, t ORDER BY id), jsonb_object_agg(id, i) FROM j;
SELECT id, jsonb_build_object('k', t) ->> 'k' = t, (jsonb_build_object('k', n) -> 'k')::numeric = n, jsonb_typeof(to_jsonb(f)), jsonb_typeof(to_jsonb(d)) FROM j WHERE id <> 3;
SELECT id, jsonb_build_object('a', i) @> jsonb_build_object('a', i), to_jsonb(t) ? 'plain', jsonb_build_array(i, t) -> 1, jsonb_build_array(i, t) ->> 0 FROM j;
SELECT jsonb_build_object('b', 1, 'a', 2, 'aa', 3, 'a', 4), json_build_object('b', 1, 'a', 2, 'a', 4);
SELECT '{"a": [1, 2, {"b": null}], "c": {"d": "e"}}'::jsonb #> '{a,2}', '{"a": [1, 2, {"b": null}]}'::jsonb #>> '{a,2,b}', '{"a": [1, 2]}'::jsonb #> '{a,-1}', '{"a": 1}'::jsonb #> '{}';
SELECT jsonb_strip_nulls('[{"a": null, "b": [null, {"c": null}]}]'), json_strip_nulls('{"a": null, "b": 1}');
SELECT jsonb_pretty('[]'), jsonb_pretty('{}'), jsonb_pretty('"x"'), jsonb_pretty('{"a": {"b": [1, {"c": {}}]}}');
SELECT '[1, "2", [3], {"4": 4}, null, true]'::jsonb - 1, '["a", "b", "a"]'::jsonb - 'a', '{"a": 1, "b": 2}'::jsonb - 'zz', '[1, 2, 3]'::jsonb - -1;
SELECT * FROM json_each('{"b": 1, "a": [2, 3], "c": {"d": null}}');
SELECT * FROM json_array_elements_text('[1, "two", null, [3]]');
-- error 22023
SELECT * FROM jsonb_each('[1]');
-- error 22023
SELECT * FROM jsonb_array_elements('{"a": 1}');
-- error 22023
SELECT '5'::jsonb - 'a';
-- error 22023
SELECT jsonb_build_object(NULL, 1);
-- error 22004
SELECT format('%I', NULL);
-- error 22023
SELECT json_build_object('a');
SELECT '{"a": {"b":1,  "c" : [1,2]}, "d": 1.50}'::json -> 'a', '{"a": {"b":1}}'::json #> '{a}', '[ {"x":1} , 2 ]'::json -> 0, '{"d": 1.50}'::json -> 'd', '{"s": "x\"y"}'::json ->> 's';
SELECT json_agg(x) FROM (VALUES ('{"a":1}'::json), ('[1, 2]'), ('null')) AS t(x);
SELECT json_build_object('j', '{"k":  1}'::json, 'b', '{"k":  1}'::jsonb);
