-- Conditional expressions and system/session functions.
SELECT coalesce(NULL, 2, 3), coalesce(NULL, NULL), coalesce(NULL::int, 1.5), coalesce('a', NULL), coalesce(1, 1/0);
SELECT nullif(1, 1), nullif(1, 2), nullif('a', 'b'), nullif(NULL, 1);
SELECT greatest(3, NULL, 7), least('x', 'y'), greatest(1, 2.5), least(now(), now() + interval '1 day') = now();
-- error 42804
SELECT coalesce(1, 'x'::text);
-- error 22P02
SELECT coalesce(1, 'x');
SELECT current_schema(), current_schema, current_database(), current_catalog;
SELECT current_setting('search_path') LIKE 'case_functions_system%', current_setting('TimeZone'), current_setting('DateStyle'), current_setting('no.such.setting', true);
-- error 42704
SELECT current_setting('no_such_setting');
SELECT set_config('application_name', 'difftest', false);
SELECT current_setting('application_name');
SHOW application_name;
SET application_name = 'other';
SHOW application_name;
SELECT set_config('my.custom', 'v1', false), current_setting('my.custom');
RESET application_name;
SELECT current_setting('application_name') = '' OR current_setting('application_name') IS NOT NULL;
SHOW TimeZone;
SHOW standard_conforming_strings;
SELECT pg_typeof(1)::text, pg_typeof('a'::text), pg_typeof(NULL), pg_typeof(1.0::float4), pg_typeof('1 day'::interval), pg_typeof(true), pg_typeof('x'::varchar(3)), pg_typeof('x'::char(3));
SELECT version() LIKE 'PostgreSQL %', current_user IS NOT NULL, session_user = current_user;
SELECT CAST('12' AS int) + 1, CAST(1.5 AS text), '5'::int8 * 2, CAST(NULL AS date), int4 '7', float8 '1.5', date '2024-01-01', text 'x';
-- error 42846
SELECT CAST(true AS date);
-- error 42846
SELECT 1::date;
-- error 42704
SELECT 'x'::nosuchtype;
