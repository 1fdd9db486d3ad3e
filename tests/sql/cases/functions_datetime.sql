-- Date/time functions: date_trunc, extract/date_part, age, to_char, make_*, now() checks.
SELECT date_trunc('year', timestamp '2024-05-17 13:45:12.5'), date_trunc('month', timestamp '2024-05-17 13:45:12.5'), date_trunc('day', timestamp '2024-05-17 13:45:12.5');
SELECT date_trunc('hour', timestamp '2024-05-17 13:45:12.5'), date_trunc('minute', timestamp '2024-05-17 13:45:12.5'), date_trunc('second', timestamp '2024-05-17 13:45:12.5');
SELECT date_trunc('week', timestamp '2024-05-17 13:45'), date_trunc('quarter', timestamp '2024-05-17'), date_trunc('decade', timestamp '2024-05-17'), date_trunc('century', timestamp '2024-05-17'), date_trunc('millisecond', timestamp '2024-05-17 01:02:03.456789');
SELECT date_trunc('day', timestamptz '2024-05-17 13:45:12+00'), date_trunc('month', date '2024-05-17'), date_trunc('hour', interval '1 day 13:45:12');
SELECT extract(year FROM timestamp '2024-05-17 13:45:12.5'), extract(month FROM date '2024-05-17'), extract(day FROM timestamp '2024-05-17 13:45'), extract(hour FROM timestamp '2024-05-17 13:45');
SELECT extract(minute FROM time '13:45:12'), extract(second FROM timestamp '2024-05-17 13:45:12.5'), extract(milliseconds FROM time '00:00:01.5'), extract(microseconds FROM time '00:00:01.5');
SELECT extract(dow FROM date '2024-05-19'), extract(isodow FROM date '2024-05-19'), extract(doy FROM date '2024-12-31'), extract(week FROM date '2024-01-01'), extract(quarter FROM date '2024-05-17');
SELECT extract(epoch FROM timestamp '2024-01-01 00:00:00'), extract(epoch FROM timestamptz '1970-01-02 00:00:00+00'), extract(epoch FROM interval '1 day 1 second'), extract(epoch FROM date '2024-01-01');
SELECT extract(isoyear FROM date '2024-12-30'), extract(century FROM date '2024-01-01'), extract(decade FROM date '2024-01-01'), extract(millennium FROM date '2024-01-01'), extract(julian FROM date '2024-01-01');
SELECT extract(day FROM interval '3 days 4 hours'), extract(hour FROM interval '3 days 4 hours'), extract(month FROM interval '14 months'), extract(year FROM interval '14 months');
SELECT date_part('year', timestamp '2024-05-17'), date_part('hour', time '13:00'), date_part('epoch', interval '2 minutes'), pg_typeof(date_part('day', date '2024-01-01')), pg_typeof(extract(day FROM date '2024-01-01'));
SELECT age(timestamp '2024-05-17', timestamp '2020-02-29'), age(timestamp '2024-01-01', timestamp '2024-03-15 12:00'), age(date '2024-03-01', date '2024-01-31'), age(timestamp '2001-04-10', timestamp '1957-06-13');
SELECT to_char(timestamp '2024-05-07 13:05:09.123', 'YYYY-MM-DD HH24:MI:SS'), to_char(timestamp '2024-05-07 13:05:09', 'DD/MM/YY HH12:MI AM'), to_char(timestamp '2024-05-07 01:05:09', 'HH:MI:SS pm');
SELECT to_char(date '2024-05-07', 'Day, DD Month YYYY'), to_char(date '2024-05-07', 'FMDay, FMDD FMMonth'), to_char(date '2024-05-07', 'Dy Mon DDD D WW Q'), to_char(date '2024-05-07', 'YYYYMMDD'), to_char(date '2024-05-07', 'IYYY-IW');
SELECT to_char(timestamp '2024-05-07 13:05:09.123456', 'MS US'), to_char(timestamptz '2024-05-07 13:05:09+00', 'YYYY-MM-DD"T"HH24:MI:SSOF'), to_char(interval '1 day 02:03:04', 'HH24:MI:SS');
SELECT to_char(1234.5, '9999.99'), to_char(1234.5, 'FM9999.99'), to_char(-12, '999'), to_char(0.5, '0.00'), to_char(1234567, '9,999,999'), to_char(42, '00000'), to_char(3.14159, 'FM990.000');
SELECT to_date('2024-05-07', 'YYYY-MM-DD'), to_date('07/05/2024', 'DD/MM/YYYY'), to_timestamp('2024-05-07 13:05:09', 'YYYY-MM-DD HH24:MI:SS'), to_timestamp(0), to_timestamp(1700000000.5);
SELECT make_date(2024, 2, 29), make_time(13, 5, 9.5), make_timestamp(2024, 1, 2, 3, 4, 5.5), make_interval(0, 0, 0, 3, 2), make_interval(1, 2);
SELECT justify_days(interval '35 days'), justify_hours(interval '50 hours'), justify_interval(interval '1 mon -1 hour');
SELECT isfinite(date '2024-01-01'), isfinite(timestamp '2024-01-01'), isfinite(interval '1 day'), date '2024-01-01' + time '10:00';
SELECT now() = now(), now() = current_timestamp, current_date = now()::date, now() - clock_timestamp() < interval '1 minute', localtimestamp IS NOT NULL, current_time IS NOT NULL;
SELECT pg_typeof(now()), pg_typeof(current_date), pg_typeof(localtimestamp), pg_typeof(current_timestamp);
SELECT extract(year FROM now()) >= 2024, age(now()) < interval '1 second';
-- error 22023
SELECT date_trunc('fortnight', timestamp '2024-01-01');
-- error 22023
SELECT extract(fortnight FROM date '2024-01-01');
-- error 22008
SELECT make_date(2024, 2, 30);
-- to_date / to_timestamp input formats
SELECT to_date('2024-03-05', 'YYYY-MM-DD'), to_date('05 Mar 2024', 'DD Mon YYYY'), to_date('March 5, 2024', 'Month DD, YYYY');
SELECT to_date('2024 065', 'YYYY DDD'), to_date('24-03-05', 'YY-MM-DD'), to_date('Tue 05 Mar 2024', 'Dy DD Mon YYYY');
SELECT to_timestamp('2024-03-05 14:07:09', 'YYYY-MM-DD HH24:MI:SS')::timestamp;
SELECT to_timestamp('05/03/2024 02:07:09 PM', 'DD/MM/YYYY HH12:MI:SS PM')::timestamp, to_timestamp('2024-03-05 14:07:09.123', 'YYYY-MM-DD HH24:MI:SS.MS')::timestamp;
SELECT to_timestamp('2024-03-05 12:00:00 AM', 'YYYY-MM-DD HH12:MI:SS AM')::timestamp, to_timestamp('20240305', 'YYYYMMDD')::timestamp;
-- error 22008
SELECT to_date('2024-02-30', 'YYYY-MM-DD');
-- error 22007
SELECT to_date('2024-Foo-01', 'YYYY-Mon-DD');
-- now() is the transaction's start: the same in every statement of a block, and no
-- later than statement_timestamp()
CREATE TABLE now_check (k int PRIMARY KEY, t timestamptz, c timestamptz, d date);
BEGIN;
INSERT INTO now_check VALUES (1, now(), current_timestamp, current_date);
INSERT INTO now_check VALUES (2, now(), transaction_timestamp(), current_date);
INSERT INTO now_check VALUES (3, localtimestamp::timestamptz, now(), current_date);
SELECT count(DISTINCT t), count(DISTINCT c), bool_and(t = c), bool_and(t = now()), bool_and(t < statement_timestamp()), bool_and(d = current_date) FROM now_check;
COMMIT;
SELECT count(DISTINCT t), bool_and(t < now()) FROM now_check;
-- 'now', 'today', 'tomorrow' and 'yesterday' in date/time input are the transaction's
-- start too, as now() is (not the moment the literal is read)
BEGIN;
SELECT 1;
SELECT 'now'::timestamptz = now(), 'now'::timestamp = localtimestamp, 'today'::date = current_date, 'tomorrow'::timestamptz = date_trunc('day', now()) + interval '1 day', 'yesterday'::date = current_date - 1;
INSERT INTO now_check VALUES (4, 'now', 'now'::timestamptz, 'today');
SELECT t = now(), c = now(), d = current_date FROM now_check WHERE k = 4;
COMMIT;
-- pg_stat_activity: this session's transaction began at now(), its query at statement_timestamp()
BEGIN;
SELECT 1;
SELECT xact_start = now(), query_start = statement_timestamp(), query_start > xact_start, backend_start <= xact_start FROM pg_stat_activity WHERE pid = pg_backend_pid();
COMMIT;
-- AT TIME ZONE / timezone(): a timestamp read as a zone's wall clock, a timestamptz's
-- wall clock in a zone (names, either case, DST gaps and folds, intervals)
SELECT timestamp '2024-01-01 12:00' AT TIME ZONE 'UTC';
SELECT timestamptz '2024-01-01 12:00+00' AT TIME ZONE 'America/New_York';
SELECT timezone('UTC', timestamp '2024-01-01 12:00');
SELECT timestamp '2024-07-01 12:00' AT TIME ZONE 'Europe/Paris';
SELECT timestamptz '2024-07-01 12:00+00' AT TIME ZONE 'europe/paris';
SELECT timestamp '2024-03-10 02:30' AT TIME ZONE 'America/New_York';
SELECT timestamp '2024-11-03 01:30' AT TIME ZONE 'America/New_York';
SELECT timestamptz '2024-01-01 12:00+00' AT TIME ZONE INTERVAL '-08:00';
SELECT timestamp '2024-01-01 12:00' AT TIME ZONE INTERVAL '05:30';
SELECT date '2024-01-01' AT TIME ZONE 'UTC';
SELECT NULL::timestamp AT TIME ZONE 'UTC', timestamp '2024-01-01' AT TIME ZONE NULL;
-- error 22023
SELECT timestamp '2024-01-01 12:00' AT TIME ZONE 'Nowhere/Land';
-- error 22023
SELECT timestamp '2024-01-01 12:00' AT TIME ZONE INTERVAL '1 day';
