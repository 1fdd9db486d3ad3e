-- String functions.
SELECT lower('ÀbC'), upper('straße'), initcap('hello wORLD-foo bar_baz 3rd'), length('héllo'), char_length('abc'), octet_length('héllo');
SELECT substr('hello', 2), substr('hello', 2, 3), substr('hello', 0, 2), substr('hello', -1, 3), substring('hello' from 2 for 2), substring('hello' from 3), substring('hello' for 2);
SELECT position('lo' in 'hello'), position('z' in 'hello'), strpos('hello', 'l'), strpos('', '');
SELECT trim('  x  '), ltrim('  x  '), rtrim('  x  '), btrim('xxaxx', 'x'), trim(both 'x' from 'xxaxx'), trim(leading 'x' from 'xxaxx'), trim(trailing 'x' from 'xxaxx');
SELECT lpad('5', 3, '0'), rpad('ab', 5, '-='), lpad('hello', 2), rpad('x', 3), lpad('x', 5, '');
SELECT replace('banana', 'an', 'AN'), replace('abc', '', 'x'), reverse('abc'), repeat('ab', 3), repeat('x', 0), repeat('x', -1);
SELECT left('hello', 2), left('hello', -2), right('hello', 2), right('hello', -2), left('hi', 10);
SELECT split_part('a,b,c', ',', 2), split_part('a,b,c', ',', 5), split_part('a,b,c', ',', -1), split_part('abc', '', 1);
SELECT concat('a', 1, NULL, true, 2.5), concat_ws('-', 'a', NULL, 'b', 3), concat_ws(NULL, 'a');
-- error 42883
SELECT concat();
SELECT ascii('A'), ascii(''), chr(65), chr(955), md5(''), to_hex(255), to_hex(-1), to_hex(4294967296);
SELECT starts_with('alphabet', 'alph'), starts_with('alphabet', 'bet'), 'abc' ^@ 'ab';
SELECT translate('12345', '143', 'ax'), quote_ident('abc'), quote_ident('Abc'), quote_ident('a b'), quote_literal('it''s'), quote_literal(42), quote_nullable(NULL);
SELECT quote_ident('int'), quote_ident('order'), quote_ident('left'), quote_ident('name'), quote_ident('a$1'), format('%I.%I', 'select', 'value'), 'pg_class'::regclass::text;
SELECT regexp_replace('foobarbaz', 'b..', 'X'), regexp_replace('foobarbaz', 'b..', 'X', 'g'), regexp_replace('abc', '(a)(b)', '\2\1');
SELECT regexp_match('foobarbequebaz', 'ba.'), regexp_match('abc', 'z'), regexp_match('a1b2', '([a-z])([0-9])');
SELECT 'hello' SIMILAR TO 'h%o', 'x' || repeat('y', 3) || 'z', format('%s-%s', 'a', 1), format('%I.%L', 'My Tab', 'v''x');
SELECT string_agg(x, '') FROM (VALUES ('a'), ('b')) AS t(x);
SELECT overlay('Txxxxas' placing 'hom' from 2 for 4), upper(NULL), length(NULL), lower(''), 'abc' || '';
SELECT encode(sha256('abc'), 'hex'), length(md5('x'));
-- error 22011
SELECT substr('hello', 2, -1);
-- error 22023
SELECT split_part('a,b', ',', 0);
-- error 42883
SELECT lower(1);
-- error 42883
SELECT nosuchfunction('x');
-- error 54000
SELECT repeat('x', 2000000000);
-- error 2201B
SELECT 'a' ~ '(';
-- error 2201B
SELECT regexp_replace('a', '(', 'x');
SELECT v, p, v SIMILAR TO p, v NOT SIMILAR TO p FROM (VALUES ('abc'), ('aXc'), ('a.c'), (''), ('xyz')) AS vs(v), (VALUES ('a_c'), ('%(b|y)%'), ('a.c'), ('[a-c]*'), ('(abc|xyz)'), ('a%'), ('%'), ('x+y?z'), ('a|x%')) AS ps(p);
SELECT 'a%b' SIMILAR TO 'a#%b' ESCAPE '#', 'axb' SIMILAR TO 'a#%b' ESCAPE '#';
-- substring(s FROM pattern): a POSIX regular expression, its first group's match
SELECT substring('foobar' FROM 'o.b'), substring('foobar' FROM 'o(.)b'), substring('foobar' FROM 'x');
SELECT substring('foobar' FROM '(o)(b)'), substring('foobar' FROM '(x)?f'), substring('foobar', '2');
SELECT substring('abc'::varchar FROM 'b.'), substring('Hello World' FROM '[A-Z]\w+$');
SELECT substring('foobar' FROM 2), substring('foobar' FROM 2 FOR 3), substr('foobar', '2');
-- error 2201B
SELECT substring('abc' FROM '(');
