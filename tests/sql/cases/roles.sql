-- Roles and privileges: the PostgreSQL-compatible part (CREATE ROLE, GRANT / REVOKE,
-- memberships, SET ROLE, has_*_privilege, ACL columns). Roles are global, so the file
-- creates its own schema and drops everything it made at the end. Owner names differ
-- (postgres / admin): ACL text is shown with the owner's name replaced by OWNER.
-- DSQL-only behaviour (AWS IAM GRANT, admin without superuser rights) is in
-- tests/qp/test_roles.py.

CREATE ROLE r_app WITH LOGIN;
CREATE ROLE r_grp;
CREATE ROLE r_other NOLOGIN NOINHERIT;
-- error 42710
CREATE ROLE r_app;
-- error 42939
CREATE ROLE pg_mine;
SELECT rolname, rolcanlogin, rolinherit, rolsuper FROM pg_roles
WHERE rolname IN ('r_app', 'r_grp', 'r_other') ORDER BY 1;
SELECT usename FROM pg_user WHERE usename IN ('r_app', 'r_grp', 'r_other') ORDER BY 1;

GRANT r_grp TO r_app;
SELECT r.rolname, m.rolname AS member, a.admin_option
FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
WHERE r.rolname IN ('r_app', 'r_grp', 'r_other') ORDER BY 1, 2;
-- error 0LP01
GRANT r_app TO r_grp;
SELECT pg_has_role('r_app', 'r_grp', 'MEMBER'), pg_has_role('r_app', 'r_grp', 'USAGE'),
       pg_has_role('r_grp', 'r_app', 'MEMBER');
-- error 42704
GRANT r_nobody TO r_app;

CREATE SCHEMA roles_s;
CREATE TABLE roles_s.t (id int PRIMARY KEY, v text);
CREATE TABLE roles_s.u (id int PRIMARY KEY);
INSERT INTO roles_s.t VALUES (1, 'a'), (2, 'b');
INSERT INTO roles_s.u VALUES (10);
CREATE VIEW roles_s.uv AS SELECT id FROM roles_s.u;
CREATE TABLE in_case_schema (id int PRIMARY KEY);

SELECT has_table_privilege('r_app', 'roles_s.t', 'SELECT'),
       has_schema_privilege('r_app', 'roles_s', 'USAGE'),
       has_schema_privilege('r_app', 'public', 'USAGE'),
       has_schema_privilege('r_app', 'public', 'CREATE');
SELECT relname, relacl FROM pg_class WHERE relname IN ('t', 'u') AND relnamespace = 'roles_s'::regnamespace ORDER BY 1;

GRANT USAGE ON SCHEMA roles_s TO r_grp;
GRANT SELECT ON roles_s.t TO r_app;
GRANT INSERT, UPDATE ON TABLE roles_s.t TO r_grp WITH GRANT OPTION;
GRANT SELECT ON roles_s.uv TO r_app;
-- error 0LP01
GRANT USAGE ON TABLE roles_s.t TO r_app;
-- error 0LP01
GRANT SELECT ON roles_s.t TO PUBLIC WITH GRANT OPTION;
-- error 42704
GRANT SELECT ON roles_s.t TO r_nobody;
-- error 42P01
GRANT SELECT ON roles_s.missing TO r_app;

SELECT has_table_privilege('r_app', 'roles_s.t', 'SELECT') AS sel,
       has_table_privilege('r_app', 'roles_s.t', 'INSERT') AS ins,
       has_table_privilege('r_app', 'roles_s.t', 'DELETE') AS del,
       has_table_privilege('r_app', 'roles_s.t', 'update with grant option') AS upd_grant,
       has_table_privilege('r_app', 'roles_s.t', 'select, delete') AS any_of,
       has_schema_privilege('r_app', 'roles_s', 'USAGE') AS usage,
       has_schema_privilege('r_app', 'roles_s', 'CREATE') AS cre,
       has_table_privilege('r_other', 'roles_s.t', 'SELECT') AS other;
-- error 22023
SELECT has_table_privilege('r_app', 'roles_s.t', 'FLY');
-- error 42704
SELECT has_table_privilege('r_nobody', 'roles_s.t', 'SELECT');
-- error 42P01
SELECT has_table_privilege('r_app', 'roles_s.nothing', 'SELECT');
SELECT relname, regexp_replace(relacl::text, '(postgres|admin)', 'OWNER', 'g') AS acl
FROM pg_class WHERE relnamespace = 'roles_s'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1;
SELECT regexp_replace(nspacl::text, '(postgres|admin)', 'OWNER', 'g') FROM pg_namespace WHERE nspname = 'roles_s';
SELECT grantee, table_name, privilege_type, is_grantable FROM information_schema.table_privileges
WHERE table_schema = 'roles_s' AND grantee IN ('r_app', 'r_grp', 'r_other') ORDER BY 1, 2, 3;

-- Acting as r_app.
GRANT r_app TO CURRENT_USER;
SET ROLE r_app;
SELECT current_user, current_role;
SHOW role;
SELECT * FROM roles_s.t ORDER BY id;
INSERT INTO roles_s.t VALUES (3, 'c');
UPDATE roles_s.t SET v = 'cc' WHERE id = 3;
-- error 42501
DELETE FROM roles_s.t;
-- error 42501
SELECT * FROM roles_s.u;
SELECT * FROM roles_s.uv;
-- error 42501
CREATE TABLE roles_s.w (id int PRIMARY KEY);
-- error 42P01
SELECT * FROM in_case_schema;
-- error 42501
GRANT SELECT ON roles_s.u TO r_other;
GRANT INSERT ON roles_s.t TO r_other;
SELECT has_table_privilege('roles_s.t', 'INSERT'), has_table_privilege('roles_s.u', 'SELECT');
-- only borealis: admin is no superuser (DSQL): SET ROLE needs membership, PostgreSQL's superuser needs none
-- error 42501
SET ROLE r_other;
RESET ROLE;
SELECT current_user = session_user;

-- REVOKE, and grants that depend on a revoked grant option.
SELECT regexp_replace(relacl::text, '(postgres|admin)', 'OWNER', 'g') FROM pg_class
WHERE relname = 't' AND relnamespace = 'roles_s'::regnamespace;
-- error 2BP01
REVOKE INSERT ON roles_s.t FROM r_grp;
REVOKE GRANT OPTION FOR UPDATE ON roles_s.t FROM r_grp;
REVOKE INSERT ON roles_s.t FROM r_grp CASCADE;
SELECT regexp_replace(relacl::text, '(postgres|admin)', 'OWNER', 'g') FROM pg_class
WHERE relname = 't' AND relnamespace = 'roles_s'::regnamespace;
REVOKE SELECT ON roles_s.t FROM r_app;
SET ROLE r_app;
-- error 42501
SELECT * FROM roles_s.t;
RESET ROLE;
GRANT ALL ON ALL TABLES IN SCHEMA roles_s TO r_other;
SELECT relname, regexp_replace(relacl::text, '(postgres|admin)', 'OWNER', 'g') AS acl
FROM pg_class WHERE relnamespace = 'roles_s'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1;
REVOKE ALL ON ALL TABLES IN SCHEMA roles_s FROM r_other;

-- Sequences: USAGE for nextval, UPDATE for setval.
CREATE SEQUENCE roles_s.q CACHE 1;
GRANT USAGE ON SEQUENCE roles_s.q TO r_app;
-- error 0LP01
GRANT INSERT ON SEQUENCE roles_s.q TO r_app;
SELECT has_sequence_privilege('r_app', 'roles_s.q', 'USAGE'), has_sequence_privilege('r_app', 'roles_s.q', 'UPDATE');
SELECT regexp_replace(relacl::text, '(postgres|admin)', 'OWNER', 'g') FROM pg_class
WHERE relname = 'q' AND relnamespace = 'roles_s'::regnamespace;
SET ROLE r_app;
SELECT nextval('roles_s.q');
-- error 42501
SELECT setval('roles_s.q', 5);
RESET ROLE;
SELECT setval('roles_s.q', 5);

-- SET SESSION AUTHORIZATION (relaxed mode; DSQL refuses it): the session user changes.
SET SESSION AUTHORIZATION r_app;
SELECT session_user, current_user;
-- error 42501
CREATE TABLE roles_s.by_app (id int PRIMARY KEY);
RESET SESSION AUTHORIZATION;
SELECT session_user = current_user, session_user <> 'r_app';

-- Default privileges and ownership.
ALTER DEFAULT PRIVILEGES IN SCHEMA roles_s GRANT SELECT ON TABLES TO r_app;
CREATE TABLE roles_s.d (id int PRIMARY KEY);
SELECT has_table_privilege('r_app', 'roles_s.d', 'SELECT'), has_table_privilege('r_app', 'roles_s.u', 'SELECT');
SELECT regexp_replace(defaclacl::text, '(postgres|admin)', 'OWNER', 'g'), defaclobjtype FROM pg_default_acl
WHERE defaclnamespace = 'roles_s'::regnamespace;
ALTER DEFAULT PRIVILEGES IN SCHEMA roles_s REVOKE SELECT ON TABLES FROM r_app;
SELECT count(*) FROM pg_default_acl WHERE defaclnamespace = 'roles_s'::regnamespace;
ALTER TABLE roles_s.u OWNER TO r_app;
SELECT tablename, CASE WHEN tableowner IN ('postgres', 'admin') THEN 'OWNER' ELSE tableowner END AS owner
FROM pg_tables WHERE schemaname = 'roles_s' ORDER BY 1;
SET ROLE r_app;
SELECT * FROM roles_s.u;
RESET ROLE;
-- A foreign key needs REFERENCES on the table it points to.
GRANT CREATE ON SCHEMA roles_s TO r_app;
SET ROLE r_app;
-- error 42501
CREATE TABLE roles_s.child (id int PRIMARY KEY, t_id int REFERENCES roles_s.t (id));
RESET ROLE;
GRANT REFERENCES ON roles_s.t TO r_app;
SET ROLE r_app;
CREATE TABLE roles_s.child (id int PRIMARY KEY, t_id int REFERENCES roles_s.t (id));
RESET ROLE;
-- error 2BP01
DROP ROLE r_app;
ALTER ROLE r_other RENAME TO r_renamed;
SELECT rolname FROM pg_roles WHERE rolname IN ('r_other', 'r_renamed');

-- Clean up: roles outlive the case's schema.
DROP SCHEMA roles_s CASCADE;
REVOKE r_app FROM CURRENT_USER;
DROP ROLE r_app, r_renamed;
DROP ROLE IF EXISTS r_app;
DROP ROLE r_grp;
SELECT count(*) FROM pg_roles WHERE rolname IN ('r_app', 'r_grp', 'r_other', 'r_renamed');
