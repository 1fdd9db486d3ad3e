-- date, time, timestamp, timestamptz, interval: input, output, arithmetic, errors.
SELECT '2024-02-29'::date, 'Jan 5, 2023'::date, '2023-1-5'::date, 'epoch'::date, '20240131'::date;
SELECT '13:45'::time, '13:45:30.123456'::time, '23:59:59'::time, '1:2:3'::time;
-- only postgres: time 24:00:00 is refused (0A000): a Python time can't hold it
SELECT '24:00:00'::time;
SELECT '2024-01-02 03:04:05'::timestamp, '2024-01-02T03:04:05.5'::timestamp, '2024-01-02'::timestamp;
SELECT '2024-01-02 03:04:05+02'::timestamptz, '2024-01-02 03:04:05Z'::timestamptz, '2024-06-30 23:00:00-05:30'::timestamptz;
SELECT '1 day'::interval, '2 hours 30 minutes'::interval, '1 year 2 months 3 days'::interval, '-1 day +2 hours'::interval;
SELECT '90 minutes'::interval, '36 hours'::interval, '1.5 days'::interval, '100 seconds'::interval, '0'::interval, 'P1Y2M3DT4H5M6S'::interval;
SELECT '1 week'::interval, '2 mons'::interval, '1 millisecond'::interval, '00:01:30'::interval, '-00:00:01'::interval;
SELECT date '2024-01-31' + 1, date '2024-03-01' - 1, date '2024-03-01' - date '2024-01-01', 7 + date '2024-01-01';
SELECT date '2024-01-31' + interval '1 month', timestamp '2024-01-31 10:00' + interval '1 month', date '2024-02-29' + interval '1 year';
SELECT timestamp '2024-01-01 00:00' - interval '1 second', timestamp '2024-03-10 12:00' - timestamp '2024-03-01 06:30';
SELECT timestamptz '2024-01-01 00:00+00' + interval '36 hours', timestamptz '2024-01-02 00:00Z' - timestamptz '2024-01-01 12:00Z';
SELECT interval '1 day' + interval '3 hours', interval '1 day' - interval '25 hours', interval '2 hours' * 3, interval '1 day' / 4, - interval '5 minutes';
SELECT time '10:00' + interval '3 hours', time '23:00' + interval '2 hours', time '10:00' - time '08:30';
SELECT date '2024-01-01' < date '2024-01-02', timestamp '2024-01-01' = date '2024-01-01', interval '1 day' = interval '24 hours', interval '1 month' > interval '29 days';
SELECT '2024-01-02 03:04:05'::timestamp::date, '2024-01-02'::date::timestamp, '2024-01-02 03:04:05'::timestamp::time, '2024-01-02 03:04:05+00'::timestamptz::timestamp;
SELECT '2024-01-02'::date::timestamptz, '2024-01-02 03:04:05'::timestamp::timestamptz, '10:00'::time::interval;
SELECT '2024-01-02'::date::text, '1 day 02:00'::interval::text, timestamp '2024-01-02 03:04:05.120'::text;
-- only postgres: infinite dates and timestamps are refused with 0A000 (documented limitation of the value model)
SELECT 'infinity'::date, '-infinity'::timestamp, 'infinity'::timestamptz > now();
-- error 0A000
-- only borealis: see above
SELECT 'infinity'::date;
-- error 22008
SELECT '2024-02-30'::date;
-- error 22008
SELECT '2023-13-01'::date;
-- error 22007
SELECT 'not a date'::date;
-- error 22008
SELECT '2024-01-01 25:00'::timestamp;
-- error 22007
SELECT 'abc'::interval;
-- error 22008
SELECT '25:00:00'::time;
-- error 22007
SELECT ''::date;
CREATE TABLE ev (id int PRIMARY KEY, d date, t time, ts timestamp, tz timestamptz, iv interval);
INSERT INTO ev VALUES
  (1, '2024-01-15', '08:30', '2024-01-15 08:30:00', '2024-01-15 08:30:00+00', '1 hour'),
  (2, '2023-12-31', '23:59:59.999', '2023-12-31 23:59:59.999', '2023-12-31 23:59:59.999+01', '1 day 2 hours'),
  (3, NULL, NULL, NULL, NULL, NULL),
  (4, '2024-02-29', '00:00', '2024-02-29 00:00', '2024-02-29 00:00-08', '-3 days');
SELECT * FROM ev;
SELECT id, d + 30, ts + iv, tz - iv, d - date '2024-01-01' FROM ev;
SELECT id FROM ev WHERE d > '2024-01-01';
SELECT id FROM ev WHERE ts BETWEEN '2024-01-01' AND '2024-02-01';
SELECT id FROM ev WHERE tz < '2024-01-01 00:00:00+00';
SELECT min(d), max(ts), min(iv), max(iv), max(tz) FROM ev;
SELECT id, d FROM ev ORDER BY d NULLS FIRST, id;
-- error 22007
INSERT INTO ev (id, d) VALUES (9, 'yesterdayish');
