"""Database roles, privileges and IAM role mappings end to end, as in Aurora DSQL
(dsql-behaviour.md §4.4, §5), against `borealis start --compat dsql --auth iam`:

admin creates a role with LOGIN, maps an IAM principal to it with AWS IAM GRANT and
grants it privileges; the principal then connects as that role with a DbConnect token
signed by its own access key (a second key in the server's credentials file, which the
server re-reads when it changes) and gets exactly what was granted (42501 otherwise);
a REVOKE applies from the next transaction, and concurrent transactions get OC001; AWS
IAM REVOKE locks the principal out. Then DSQL's error cases (bad ARN, non-admin IAM
trust, a role without LOGIN, DROP ROLE with dependencies), admin's lack of rights on
what other roles create, SET ROLE, and the catalog views.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from borealis.wire import iam, sigv4
from tests.qp.server import BorealisProcess, fails

pytestmark = pytest.mark.timeout(240)

REGION = "us-east-1"
HOST = "127.0.0.1"
APP_ARN = "arn:aws:iam::111122223333:role/app-service"
OTHER_ARN = "arn:aws:iam::111122223333:role/other-service"
CONNECT_TIMEOUT_S = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("roles") / "data", shards=2,
                           args=("--compat", "dsql", "--auth", "iam")).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def keys(server) -> dict[str, iam.AccessKey]:
    """The admin key the server generated, plus keys for two other IAM principals."""
    (admin_key,) = iam.load_credentials(server.credentials)
    app_key = iam.generate_access_key(APP_ARN)
    other_key = iam.generate_access_key(OTHER_ARN)
    iam.write_credentials(server.credentials, [admin_key, app_key, other_key])
    return {"admin": admin_key, "app": app_key, "other": other_key}


def token(key: iam.AccessKey, action: str) -> str:
    return sigv4.sign_token(host=HOST, action=action, access_key_id=key.access_key_id,
                            secret_access_key=key.secret_access_key, region=REGION,
                            now=time.time())


def connect(server: BorealisProcess, user: str, key: iam.AccessKey) -> psycopg.Connection:
    action = "DbConnectAdmin" if user == "admin" else "DbConnect"
    return psycopg.connect(host=HOST, port=server.port, user=user, dbname="postgres",
                           sslmode="verify-full", sslrootcert=str(server.ca_cert),
                           password=token(key, action), autocommit=True,
                           connect_timeout=CONNECT_TIMEOUT_S)


def login_refused(server: BorealisProcess, user: str, key: iam.AccessKey) -> str:
    with pytest.raises(psycopg.OperationalError) as info:
        connect(server, user, key)
    return str(info.value)


@pytest.fixture(scope="module")
def admin(server, keys):
    with connect(server, "admin", keys["admin"]) as conn:
        yield conn


@pytest.fixture(scope="module")
def app_role(admin):
    """Role `app` (LOGIN) mapped to APP_ARN, USAGE on schema appdata, SELECT on appdata.t."""
    admin.execute("create role app with login")
    admin.execute(f"aws iam grant app to '{APP_ARN}'")
    admin.execute("create schema appdata")
    admin.execute("create table appdata.t (id bigint primary key, v text)")
    admin.execute("create table appdata.secret (id bigint primary key)")
    admin.execute("insert into appdata.t values (1, 'one'), (2, 'two')")
    admin.execute("insert into appdata.secret values (7)")
    admin.execute("grant usage on schema appdata to app")
    admin.execute("grant select on appdata.t to app")
    return "app"


# -- the DSQL recipe: CREATE ROLE, AWS IAM GRANT, GRANT, connect -------------------------------

def test_mapped_principal_logs_in_with_what_was_granted(server, keys, admin, app_role):
    with connect(server, "app", keys["app"]) as app:
        assert app.execute("select current_user, session_user").fetchone() == ("app", "app")
        assert app.execute("select id, v from appdata.t order by id").fetchall() == \
            [(1, "one"), (2, "two")]
        fails(app, "insert into appdata.t values (3, 'three')", "42501",
              "permission denied for table t")
        fails(app, "select * from appdata.secret", "42501", "permission denied for table secret")
        fails(app, "delete from appdata.t", "42501", "permission denied for table t")
        fails(app, "create table appdata.mine (id bigint primary key)", "42501",
              "permission denied for schema appdata")
        fails(app, "drop table appdata.t", "42501", "must be owner of table t")
        # What the role may do is visible to it in the catalog.
        assert app.execute("select has_table_privilege('appdata.t', 'SELECT'), "
                           "has_table_privilege('appdata.t', 'INSERT'), "
                           "has_schema_privilege('appdata', 'USAGE'), "
                           "has_schema_privilege('appdata', 'CREATE')").fetchone() == \
            (True, False, True, False)


def test_schema_usage_is_needed_to_reach_a_table(server, keys, admin, app_role):
    admin.execute("create schema hidden")
    admin.execute("create table hidden.h (id bigint primary key)")
    admin.execute("grant select on hidden.h to app")
    with connect(server, "app", keys["app"]) as app:
        fails(app, "select * from hidden.h", "42501", "permission denied for schema hidden")
        app.execute("set search_path = hidden, public")
        fails(app, "select * from h", "42P01")  # a schema without USAGE is skipped
    admin.execute("grant usage on schema hidden to app")
    with connect(server, "app", keys["app"]) as app:
        assert app.execute("select count(*) from hidden.h").fetchone() == (0,)


def test_revoke_applies_from_the_next_transaction(server, keys, admin, app_role):
    admin.execute("create table appdata.r (id bigint primary key)")
    admin.execute("grant select on appdata.r to app")
    with connect(server, "app", keys["app"]) as app:
        app.execute("begin")
        assert app.execute("select count(*) from appdata.r").fetchone() == (0,)
        admin.execute("revoke select on appdata.r from app")
        # Same transaction: it reads the catalog as of its start.
        assert app.execute("select count(*) from appdata.r").fetchone() == (0,)
        app.execute("commit")
        fails(app, "select count(*) from appdata.r", "42501", "permission denied for table r")


def test_grant_is_a_catalog_change_concurrent_writers_get_oc001(server, keys, admin, app_role):
    admin.execute("create table appdata.w (id bigint primary key)")
    admin.execute("grant insert on appdata.w to app")
    with connect(server, "app", keys["app"]) as app:
        app.execute("begin")
        app.execute("insert into appdata.w values (1)")
        admin.execute("grant update on appdata.w to app")  # any GRANT bumps the catalog version
        err = fails(app, "commit", "40001")
        assert "(OC001)" in err.diag.message_primary
        app.execute("insert into appdata.w values (1)")  # the retry succeeds
    assert admin.execute("select count(*) from appdata.w").fetchone() == (1,)


def test_iam_mappings_view(admin, app_role):
    rows = admin.execute("select arn, pg_role_name, grantor_pg_role_name, grantor_pg_role_oid, "
                         "pg_role_oid = (select oid from pg_roles where rolname = 'app') "
                         "from sys.iam_pg_role_mappings where pg_role_name = 'app'").fetchall()
    assert rows == [(APP_ARN, "app", "admin", 10, True)]
    (iam_oid,) = admin.execute("select iam_oid from sys.iam_pg_role_mappings "
                               "where pg_role_name = 'app'").fetchone()
    assert iam_oid >= 16384


def test_aws_iam_revoke_locks_the_principal_out(server, keys, admin):
    admin.execute("create role leaving with login")
    admin.execute(f"aws iam grant leaving to '{OTHER_ARN}'")
    with connect(server, "leaving", keys["other"]) as conn:
        assert conn.execute("select current_user").fetchone() == ("leaving",)
    admin.execute(f"aws iam revoke leaving from '{OTHER_ARN}'")
    assert 'IAM authentication failed for user "leaving"' in login_refused(server, "leaving", keys["other"])
    assert admin.execute("select count(*) from sys.iam_pg_role_mappings "
                         "where pg_role_name = 'leaving'").fetchone() == (0,)
    fails(admin, f"aws iam revoke leaving from '{OTHER_ARN}'", "42704",
          f"IAM role {OTHER_ARN} does not exist")
    admin.execute("drop role leaving")  # no mapping left: nothing depends on it


def test_logins_need_a_login_role_and_a_mapping(server, keys, admin, app_role):
    # A principal not mapped to the role it asks for.
    assert 'IAM authentication failed for user "app"' in login_refused(server, "app", keys["other"])
    # A role without LOGIN is no role to log in as, and cannot be mapped.
    admin.execute("create role nologin_role")
    assert "Role nologin_role does not exist" in login_refused(server, "nologin_role", keys["other"])
    fails(admin, f"aws iam grant nologin_role to '{OTHER_ARN}'", "55000",
          "role nologin_role must have the LOGIN attribute")
    admin.execute("drop role nologin_role")


# -- DSQL's errors ------------------------------------------------------------------------------

def test_aws_iam_grant_errors(server, keys, admin, app_role):
    fails(admin, "aws iam grant app to 'arn:aws:iam::123:role/short-account'", "22023",
          "IAM role must look like an IAM ARN")
    fails(admin, "aws iam grant app to 'not-an-arn'", "22023", "IAM role must look like an IAM ARN")
    fails(admin, f"aws iam grant nosuchrole to '{OTHER_ARN}'", "42704", "Role nosuchrole does not exist")
    fails(admin, "aws iam grant app '", "42601")
    with connect(server, "app", keys["app"]) as app:
        fails(app, f"aws iam grant app to '{OTHER_ARN}'", "42501",
              "permission denied to grant IAM trust with role app")
        fails(app, "create role sneaky", "42501", "permission denied to create role")


def test_drop_role_with_dependencies(admin):
    admin.execute("create role owner_role with login")
    admin.execute("create table dep_t (id bigint primary key)")
    admin.execute("grant select on dep_t to owner_role")
    admin.execute(f"aws iam grant owner_role to '{OTHER_ARN}'")
    err = fails(admin, "drop role owner_role", "2BP01",
                "role owner_role cannot be dropped because some objects depend on it")
    assert err.diag.message_detail.splitlines() == [f"IAM role mapping {OTHER_ARN}",
                                                    "privileges for table dep_t"]
    admin.execute(f"aws iam revoke owner_role from '{OTHER_ARN}'")
    fails(admin, "drop role owner_role", "2BP01")
    admin.execute("revoke all on dep_t from owner_role")
    admin.execute("drop role owner_role")
    assert admin.execute("select count(*) from pg_roles where rolname = 'owner_role'"
                         ).fetchone() == (0,)
    fails(admin, "drop role owner_role", "42704", 'role "owner_role" does not exist')
    admin.execute("drop role if exists owner_role")


def test_role_attributes_dsql_does_not_honour(admin):
    for clause in ("password 'secret'", "superuser", "createdb", "createrole", "replication",
                   "bypassrls", "connection limit 5", "valid until '2030-01-01'"):
        fails(admin, f"create role attr_role with login {clause}", "0A000")
    fails(admin, "create role attr_role with password 'x'", "0A000",
          "role option PASSWORD not supported")
    fails(admin, "alter role admin set search_path = public", "0A000",
          "unsupported statement: AlterRoleSet")
    fails(admin, "create role admin", "42710", 'role "admin" already exists')
    fails(admin, "drop role admin", "55006", "current user cannot be dropped")
    fails(admin, "alter role admin rename to boss", "42501")


# -- admin and other roles' objects, SET ROLE ----------------------------------------------------

def test_admin_has_no_rights_on_what_other_roles_create(server, keys, admin, app_role):
    admin.execute("create schema appown")
    admin.execute("grant usage, create on schema appown to app")
    with connect(server, "app", keys["app"]) as app:
        app.execute("create table appown.mine (id bigint primary key)")
        app.execute("insert into appown.mine values (1)")
        assert app.execute("select tableowner from pg_tables where tablename = 'mine'"
                           ).fetchone() == ("app",)
    fails(admin, "select * from appown.mine", "42501", "permission denied for table mine")
    fails(admin, "grant select on appown.mine to admin", "42501", "permission denied for table mine")
    fails(admin, "set role app", "42501", 'permission denied to set role "app"')
    admin.execute("grant app to admin")  # what DSQL tells admin to do
    assert admin.execute("select count(*) from appown.mine").fetchone() == (1,)
    admin.execute("set role app")
    assert admin.execute("select current_user, session_user").fetchone() == ("app", "admin")
    fails(admin, "select * from appdata.secret", "42501")  # as app now
    admin.execute("reset role")
    assert admin.execute("select count(*) from appdata.secret").fetchone() == (1,)
    admin.execute("revoke app from admin")
    fails(admin, "select * from appown.mine", "42501")


def test_set_session_authorization_and_role_startup_parameter(server, keys, admin):
    fails(admin, "set session authorization app", "0A000",
          'setting configuration parameter "session_authorization" not supported')
    with pytest.raises(psycopg.OperationalError, match='setting configuration parameter "role" not supported'):
        psycopg.connect(host=HOST, port=server.port, user="admin", dbname="postgres",
                        sslmode="verify-full", sslrootcert=str(server.ca_cert),
                        password=token(keys["admin"], "DbConnectAdmin"), options="-c role=app",
                        connect_timeout=CONNECT_TIMEOUT_S)


def test_catalog_shows_roles_and_grants(admin, app_role):
    rows = admin.execute("select rolname, rolcanlogin, rolsuper from pg_roles "
                         "where rolname in ('admin', 'app') order by 1").fetchall()
    assert rows == [("admin", True, True), ("app", True, False)]
    (acl,) = admin.execute("select relacl::text from pg_class where relname = 't' "
                           "and relnamespace = 'appdata'::regnamespace").fetchone()
    assert acl == "{admin=arwdDxt/admin,app=r/admin}"
    (nspacl,) = admin.execute("select nspacl::text from pg_namespace where nspname = 'appdata'"
                              ).fetchone()
    assert "app=U/admin" in nspacl
    grants = admin.execute("select grantee, privilege_type from information_schema.table_privileges "
                           "where table_schema = 'appdata' and table_name = 't' and grantee = 'app'"
                           ).fetchall()
    assert grants == [("app", "SELECT")]
    assert admin.execute("select has_table_privilege('app', 'appdata.secret', 'select')"
                         ).fetchone() == (False,)
    fails(admin, "select rolname from pg_authid", "42501", "permission denied for table pg_authid")
    admin.execute("create role team")
    admin.execute("grant team to app")
    members = admin.execute("select r.rolname, m.rolname, a.admin_option from pg_auth_members a "
                            "join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member "
                            "where r.rolname = 'team'").fetchall()
    assert members == [("team", "app", False)]
    admin.execute("drop role team")  # memberships go with the role
    assert admin.execute("select count(*) from pg_auth_members a join pg_roles m "
                         "on m.oid = a.member where m.rolname = 'app'").fetchone() == (0,)
