-- Text input and output of many literals per type.
SELECT v, v::numeric, v::float8, v::float4 FROM (VALUES ('0'), ('-0'), ('1e-7'), ('123.4500'), ('1e15'), ('1.5e16'), ('-9.87654321e-5'), ('3.141592653589793238'), ('100000000000000000000'), ('.5'), ('5.'), (' 7 '), ('+8.25'), ('1E+2')) AS t(v);
-- error 22003
SELECT '2.5e-310'::float4;
SELECT v, v::int2, v::int4, v::int8 FROM (VALUES ('0'), ('-32768'), ('32767'), (' 12 '), ('+5'), ('-0'), ('007')) AS t(v);
SELECT v, v::interval FROM (VALUES ('1 day'), ('-1 day'), ('1 day -1 hour'), ('-1 day +1 hour'), ('1 mon -1 day'), ('1 year -1 mon'), ('0.5 mon'), ('1.5 years'), ('36:00:00'), ('-36:00:00'), ('1 02:03:04.5'), ('@ 1 hour ago'), ('P1DT2H'), ('PT0.5S'), ('1 week 2 days'), ('10 millennium'), ('1 decade 2 century'), ('2 mins 3 secs'), ('-0.000001 sec'), ('1-2'), ('3 4:05:06')) AS t(v);
SELECT v, v::timestamp FROM (VALUES ('2024-01-02'), ('2024-01-02 03:04'), ('2024-01-02 03:04:05.123456'), ('2024-01-02 03:04:05.1234567'), ('January 2, 2024'), ('2024/01/02 3:04 pm'), ('02 Jan 2024 12:00:00 AM'), ('20240102T030405'), ('1999-12-31 23:59:59.9999995'), ('0001-01-01'), ('2024-01-02T03:04:05Z'), ('epoch'), ('2024-1-2 3:4:5')) AS t(v);
SELECT v, v::timestamptz FROM (VALUES ('2024-01-02 03:04:05+02'), ('2024-01-02 03:04:05-0730'), ('2024-01-02 03:04:05 UTC'), ('2024-07-01 12:00:00 America/New_York'), ('2024-01-01 12:00:00 Europe/Paris'), ('2024-01-02 03:04:05.5+00:30'), ('2024-01-02 03:04:05 +5'), ('2024-01-02 03:04 EST')) AS t(v);
SELECT v, v::date FROM (VALUES ('2024-02-29'), ('Feb 29 2024'), ('29-Feb-2024'), ('2024.02.29'), ('20240229'), ('2/29/2024'), ('1/2/2024'), ('0099-01-01')) AS t(v);
-- only postgres: Julian-day date input ('J2460311') is not accepted (22007)
SELECT 'J2460311'::date;
-- only postgres: year-and-day-of-year date input is not accepted (22007)
SELECT '2024-365'::date;
SELECT v, v::time FROM (VALUES ('00:00'), ('23:59:59.999999'), ('12:00 am'), ('12:00 pm'), ('1:02:03.5 PM'), ('allballs')) AS t(v);
-- only postgres: run-together time input (HHMMSS) is not accepted (22007)
SELECT '040506'::time;
-- only postgres: rounds up to 24:00:00, which Borealis refuses (0A000)
SELECT '23:59:59.9999999'::time;
SELECT v, v::boolean FROM (VALUES ('t'), ('TRUE'), ('y'), ('yes'), ('on'), ('1'), ('f'), ('False'), ('n'), ('no'), ('of'), ('0')) AS t(v);
SELECT v, v::numeric(6,2), v::numeric(5), v::numeric(10,-2) IS NOT NULL FROM (VALUES ('1.005'), ('-1.005'), ('1234.567'), ('0.004'), ('999.5')) AS t(v);
SELECT v, v::varchar(3), v::char(3), length(v::char(3)), v::text::bpchar FROM (VALUES ('a'), ('abcd'), (' x '), ('')) AS t(v);
SELECT 1e100::float8, 1e-100::float8, 123456789.123456789::float8, 0.1::float4, 16777217::float4, 1e10::float4, 1.0e-45::float4, 3.4e38::float4;
SELECT 1.0::numeric(20,10), 12345678901234567890::numeric, -0.0::numeric, 0.00::numeric, 1e-20::numeric, 10e3::numeric;
