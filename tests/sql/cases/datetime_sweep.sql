-- Date/time functions swept over many values (each row checked against PostgreSQL).
CREATE TABLE ts (id int PRIMARY KEY, t timestamp);
INSERT INTO ts SELECT row_number() OVER (ORDER BY d), d FROM generate_series(timestamp '2019-12-20 00:00:00', timestamp '2021-01-12 00:00:00', interval '61 hours 17 minutes 13.25 seconds') AS d;
SELECT count(*) FROM ts;
SELECT id, t, date_trunc('week', t), date_trunc('month', t), date_trunc('quarter', t), date_trunc('hour', t), date_trunc('minute', t) FROM ts;
SELECT id, extract(year FROM t), extract(month FROM t), extract(day FROM t), extract(hour FROM t), extract(minute FROM t), extract(second FROM t) FROM ts;
SELECT id, extract(dow FROM t), extract(isodow FROM t), extract(doy FROM t), extract(week FROM t), extract(isoyear FROM t), extract(quarter FROM t), extract(epoch FROM t), extract(julian FROM t::date) FROM ts;
SELECT id, date_part('epoch', t), date_part('milliseconds', t), date_part('doy', t::date) FROM ts;
SELECT id, to_char(t, 'YYYY-MM-DD HH24:MI:SS.MS'), to_char(t, 'IYYY-IW-ID DDD WW D Q'), to_char(t, 'Dy DD Mon YY HH12:MI AM'), to_char(t, 'FMDay FMMonth FMDD, YYYY') FROM ts;
SELECT id, to_char(t, 'day month dy mon am pm'), to_char(t, 'CC J W SSSS US'), to_char(t, 'RM "quoted" YYYY') FROM ts;
SELECT a.id, b.id, age(a.t, b.t), age(b.t, a.t), a.t - b.t FROM ts a JOIN ts b ON b.id IN (1, 17, 50, 100) WHERE a.id % 9 = 0;
SELECT id, t + interval '1 month', t - interval '1 month 1 day', t + interval '13 months', t::date + 45, t::date - date '2020-02-29' FROM ts;
SELECT id, justify_hours(t - timestamp '2020-01-01'), justify_interval(t - timestamp '2020-06-15 12:00') FROM ts;
SELECT id, to_char(t - timestamp '2020-01-01', 'HH24:MI:SS'), extract(epoch FROM t - timestamp '2020-01-01'), extract(day FROM t - timestamp '2020-01-01') FROM ts;
SELECT id, date_trunc('hour', t - timestamp '2020-03-01'), date_trunc('day', t - timestamp '2020-03-01') FROM ts;
SELECT to_date(to_char(t, 'YYYY-MM-DD'), 'YYYY-MM-DD') = t::date, to_timestamp(to_char(t, 'YYYY-MM-DD HH24:MI:SS'), 'YYYY-MM-DD HH24:MI:SS')::timestamp = date_trunc('second', t), count(*) FROM ts GROUP BY 1, 2;
SELECT interval '1 day 2 hours' * 2.5, interval '3 days' / 7, interval '1 month' * 0.5, interval '-1 day 3 hours' * -1, 3 * interval '20 minutes';
SELECT i, make_interval(0, i, 0, i * 3, i, i * 7, i * 1.5), justify_days(make_interval(0, 0, 0, i * 13)) FROM generate_series(-3, 5) AS i;
SELECT extract(epoch FROM interval '1 year 2 months 3 days 04:05:06.5'), extract(year FROM interval '-14 months'), extract(month FROM interval '-14 months'), extract(minute FROM interval '-1 hour -30 minutes');
-- to_char(timestamp) over values x patterns
SELECT v, p, to_char(v, p) FROM (VALUES (timestamp '2024-01-01 00:00:00'), (timestamp '2024-02-29 12:00:00.5'), (timestamp '2023-12-31 23:59:59.999999'), (timestamp '0987-07-04 01:02:03'), (timestamp '2021-01-03 12:30:00')) AS vs(v),
  (VALUES ('HH HH12 HH24 AM am P.M. p.m.'), ('YYYY YYY YY Y IYYY IYY IY I'), ('MONTH Month month MON Mon mon MM'), ('DAY Day day DY Dy dy D ID'), ('DDD IDDD WW IW W CC Q J'), ('MI SS MS US FF1 FF3 SSSS'), ('FMHH12:FMMI FMDD/FMMM'), ('"Year" YYYY "at" HH24\h'), ('Y,YYY RM rm')) AS ps(p);
SELECT v, p, to_char(v, p) FROM (VALUES (interval '1 day 02:03:04.5'), (interval '-3 hours -4 minutes'), (interval '1 year 2 months 3 days'), (interval '100 hours')) AS vs(v),
  (VALUES ('HH24:MI:SS.MS'), ('HH12 AM'), ('DD "days" HH24 "h"'), ('YYYY-MM')) AS ps(p);
SELECT v, to_char(v, 'YYYY-MM-DD HH24:MI:SS TZ OF') FROM (VALUES (timestamptz '2024-05-06 07:08:09+00'), (timestamptz '2024-05-06 07:08:09+05:30')) AS vs(v);
SELECT to_date(s, f), to_timestamp(s, f) FROM (VALUES ('2024-05-06', 'YYYY-MM-DD'), ('06 May 2024', 'DD Mon YYYY'), ('20240506 1314', 'YYYYMMDD HH24MI'), ('5/6/24 1:02 PM', 'MM/DD/YY HH12:MI AM'), ('2024 127', 'YYYY DDD'), ('May 6, 2024 13:14:15.250', 'Month DD, YYYY HH24:MI:SS.MS')) AS t(s, f);
