-- boolean, bytea, uuid.
SELECT true, false, 't'::boolean, 'yes'::boolean, 'off'::boolean, '0'::bool, ' TRUE '::bool, 'f'::bool::text;
SELECT true::int, 0::boolean, 5::boolean, true AND false, true > false;
-- error 22P02
SELECT 'maybe'::boolean;
SELECT '\x0102ff'::bytea, 'abc'::bytea, '\\'::bytea, E'\\001'::bytea, ''::bytea;
SELECT length('\x0102ff'::bytea), '\x01'::bytea || '\x02'::bytea, '\xff'::bytea > '\x01'::bytea;
SELECT decode('68656c6c6f', 'hex'), encode('hello'::bytea, 'hex'), encode('hi'::bytea, 'base64'), decode('aGk=', 'base64');
SELECT md5('abc'), md5('abc'::bytea), sha256('abc'::bytea);
-- error 22023
SELECT '\x0g'::bytea;
-- error 22023
SELECT '\x012'::bytea;
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid, '{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}'::uuid, 'a0eebc999c0b4ef8bb6d6bb9bd380a11'::uuid;
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid::text;
-- error 22P02
SELECT 'not-a-uuid'::uuid;
SELECT length(gen_random_uuid()::text), gen_random_uuid() <> gen_random_uuid();
CREATE TABLE m (id uuid PRIMARY KEY, flag boolean NOT NULL DEFAULT false, data bytea);
INSERT INTO m VALUES ('11111111-1111-1111-1111-111111111111', true, '\xdeadbeef'), ('22222222-2222-2222-2222-222222222222', DEFAULT, NULL);
INSERT INTO m (id, flag, data) VALUES ('00000000-0000-0000-0000-000000000001', 'yes', 'text as bytes');
SELECT * FROM m;
SELECT id FROM m WHERE id = '11111111-1111-1111-1111-111111111111';
SELECT id FROM m WHERE flag;
SELECT id FROM m WHERE NOT flag;
SELECT id, data FROM m ORDER BY id;
SELECT count(*) FROM m WHERE id > '11111111-1111-1111-1111-111111111111';
-- error 22P02
INSERT INTO m (id) VALUES ('xyz');
-- error 23505
INSERT INTO m (id) VALUES ('11111111-1111-1111-1111-111111111111');
SELECT id FROM m WHERE data = '\xdeadbeef';
