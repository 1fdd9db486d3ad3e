"""AWS's aurora-dsql-python-connector 0.2.7, unchanged, against `borealis start --compat
dsql --auth iam`, through all three of its drivers: psycopg 3 (`aurora_dsql_psycopg`),
psycopg2 (`aurora_dsql_psycopg2`) and asyncpg (`aurora_dsql_asyncpg`).

For each driver: the connector connects as `admin` with a DbConnectAdmin token it has
botocore make from the admin access key in the environment; as the mapped database role
`app` (CREATE ROLE app WITH LOGIN, AWS IAM GRANT app TO the IAM role APP_ARN, GRANT of
privileges) with a DbConnect token signed by a second access key that belongs to
APP_ARN; and it runs the connector's own OCC retry helper (`run_transaction(...,
retry=True)` on each driver's pool) over a forced conflict: while the helper's first
attempt holds an uncommitted increment of a row, a second connection increments the
same row and commits, so the first attempt's COMMIT gets SQLSTATE 40001 (OC000); the
helper retries, and the row ends up with both increments.

How the connector reaches 127.0.0.1 without patching it or /etc/hosts: it is given
`host=ENDPOINT` (a DSQL-shaped name, from which it takes the region and for which botocore
signs the token) and everything else it does not know is passed through to the driver
verbatim. libpq drivers get `hostaddr=127.0.0.1` next to `host` (libpq connects to the
address and still verifies the certificate and sends SNI for the name) and the server's
`port`. asyncpg has no hostaddr, so the `resolve_endpoint_locally` fixture answers
127.0.0.1 for ENDPOINT in Python's getaddrinfo, which asyncio uses. TLS is verify-full
against the server's CA (`sslrootcert`, which the connector turns into an SSLContext for
asyncpg).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import asyncpg
import aurora_dsql_asyncpg
import aurora_dsql_psycopg
import aurora_dsql_psycopg2
import psycopg
import psycopg2
import pytest

from borealis.wire import iam
from tests.compat.conftest import CLUSTER_ID, ENDPOINT, LOOPBACK, REGION, set_aws_identity

pytestmark = pytest.mark.timeout(120)

APP_ROLE = "app"
APP_ARN = "arn:aws:iam::111122223333:role/app"
TABLE = "connector_counters"  # admin's table the app role may read and increment
SECRET = "connector_secrets"  # admin's table the app role may not touch
POOL_TIMEOUT_S = 30


# -- setup: the role, its IAM mapping and privileges, a second access key ------------------------

@pytest.fixture(scope="module")
def app_key(dsql_server, admin_key) -> iam.AccessKey:
    """An access key for APP_ARN whose IAM policy allows dsql:DbConnect only, added to
    the keys the server reads (it notices the file changed), next to whatever keys other
    tests put there."""
    key = dataclasses.replace(iam.generate_access_key(APP_ARN), actions=frozenset({"DbConnect"}))
    existing = iam.load_credentials(dsql_server.credentials)
    iam.write_credentials(dsql_server.credentials, [*existing, key])
    return key


@pytest.fixture(scope="module")
def app_role(dsql_server, admin_key, app_key) -> str:
    """Role `app` mapped to APP_ARN with SELECT/UPDATE/INSERT on TABLE, nothing on SECRET;
    both tables owned by admin. Done with plain psycopg and a token made by botocore."""
    with pytest.MonkeyPatch.context() as mp:
        set_aws_identity(mp, admin_key)
        mp.setenv("SSL_CERT_FILE", str(dsql_server.ca_cert))
        with aurora_dsql_psycopg.connect(**libpq_kwargs(dsql_server), autocommit=True) as conn:
            for sql in (f"create role {APP_ROLE} with login",
                        f"aws iam grant {APP_ROLE} to '{APP_ARN}'",
                        f"create table {TABLE} (name text primary key, n bigint not null)",
                        f"create table {SECRET} (id bigint primary key)",
                        f"grant select, insert, update on {TABLE} to {APP_ROLE}"):
                conn.execute(sql)
            conn.execute(f"insert into {SECRET} values (1)")
            assert conn.execute("select pg_role_name, arn from sys.iam_pg_role_mappings "
                                "where pg_role_name = %s", (APP_ROLE,)).fetchall() == \
                [(APP_ROLE, APP_ARN)]
    return APP_ROLE


def libpq_kwargs(server, **extra) -> dict:
    """What an application passes the connector for a libpq driver, plus hostaddr/port."""
    return {"host": ENDPOINT, "hostaddr": LOOPBACK, "port": server.port,
            "sslmode": "verify-full", "sslrootcert": str(server.ca_cert),
            "connect_timeout": 20, **extra}


def asyncpg_kwargs(server, **extra) -> dict:
    return {"host": ENDPOINT, "port": server.port, "ssl": "verify-full",
            "sslrootcert": str(server.ca_cert), "timeout": 20, **extra}


def reset_counter(server, name: str) -> None:
    with aurora_dsql_psycopg.connect(**libpq_kwargs(server), autocommit=True) as conn:
        conn.execute(f"delete from {TABLE} where name = %s", (name,))
        conn.execute(f"insert into {TABLE} values (%s, 0)", (name,))


def counter(server, name: str) -> int:
    with aurora_dsql_psycopg.connect(**libpq_kwargs(server), autocommit=True) as conn:
        (n,) = conn.execute(f"select n from {TABLE} where name = %s", (name,)).fetchone()
        return n


# -- psycopg 3 -------------------------------------------------------------------------------------

def test_psycopg_admin(aws_env):
    with aurora_dsql_psycopg.connect(**libpq_kwargs(aws_env)) as conn:
        assert isinstance(conn, aurora_dsql_psycopg.DSQLConnection)
        row = conn.execute("select current_user, current_setting('application_name'), "
                           "version()").fetchone()
        assert row == ("admin", f"aurora-dsql-python-psycopg/{aurora_dsql_psycopg.__version__}",
                       "PostgreSQL 16")
        assert conn.pgconn.ssl_in_use
        assert conn.info.host == ENDPOINT and conn.info.hostaddr == LOOPBACK
        # Parameters, prepared after psycopg's threshold of five executions.
        for i in range(7):
            assert conn.execute("select %s::bigint * 2", (i,)).fetchone() == (2 * i,)
        conn.rollback()


def test_psycopg_mapped_role(aws_env, monkeypatch, app_role, app_key):
    set_aws_identity(monkeypatch, app_key)
    with aurora_dsql_psycopg.connect(**libpq_kwargs(aws_env, user=app_role),
                                     autocommit=True) as conn:
        assert conn.execute("select current_user, session_user").fetchone() == (app_role, app_role)
        conn.execute(f"insert into {TABLE} values ('psycopg-app', 5)")
        assert conn.execute(f"select n from {TABLE} where name = 'psycopg-app'").fetchone() == (5,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"select * from {SECRET}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"delete from {TABLE}")


def test_psycopg_token_is_for_the_right_principal(aws_env, monkeypatch, app_role, app_key,
                                                  admin_key):
    """The app key may only sign DbConnect tokens, so it cannot log in as admin; admin's
    key cannot log in as app (its principal is not mapped to the role)."""
    set_aws_identity(monkeypatch, app_key)
    with pytest.raises(psycopg.OperationalError) as info:
        aurora_dsql_psycopg.connect(**libpq_kwargs(aws_env))
    assert 'IAM authentication failed for user "admin"' in str(info.value)
    set_aws_identity(monkeypatch, admin_key)
    with pytest.raises(psycopg.OperationalError) as info:
        aurora_dsql_psycopg.connect(**libpq_kwargs(aws_env, user=app_role))
    assert f'IAM authentication failed for user "{app_role}"' in str(info.value)


def test_psycopg_cluster_id_and_dsn_forms(aws_env):
    """The connector's other ways to name the cluster: a bare cluster id plus region
    (it builds the endpoint name, and signs for it), and a postgresql:// URL whose query
    parameters it hands to libpq."""
    kwargs = libpq_kwargs(aws_env)
    del kwargs["host"]
    with aurora_dsql_psycopg.connect(host=CLUSTER_ID, region=REGION, **kwargs) as conn:
        assert conn.info.host == ENDPOINT
        assert conn.execute("select current_user").fetchone() == ("admin",)
    url = (f"postgresql://admin@{ENDPOINT}:{aws_env.port}/postgres?hostaddr={LOOPBACK}"
           f"&sslmode=verify-full&sslrootcert={aws_env.ca_cert}&token_duration_secs=900")
    with aurora_dsql_psycopg.connect(url) as conn:
        assert conn.execute("select current_database()").fetchone() == ("postgres",)


def test_token_lifetime_over_a_week_is_refused(aws_env):
    """botocore signs whatever lifetime it is given; DSQL refuses X-Amz-Expires beyond
    one week with its own words, and so does Borealis."""
    with pytest.raises(psycopg.OperationalError) as info:
        aurora_dsql_psycopg.connect(**libpq_kwargs(aws_env, token_duration_secs=604_801))
    assert "X-Amz-Expires must be less than a week (in seconds)" in str(info.value)


def test_psycopg_pool_run_transaction_retries_occ(aws_env, app_role):
    name = "psycopg-occ"
    reset_counter(aws_env, name)
    attempts = []

    def increment(conn: psycopg.Connection) -> int:
        attempts.append(conn.info.backend_pid)
        conn.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))
        if len(attempts) == 1:  # a concurrent writer commits first
            with aurora_dsql_psycopg.connect(**libpq_kwargs(aws_env), autocommit=True) as other:
                other.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))
        return len(attempts)

    pool = aurora_dsql_psycopg.create_pool(kwargs=libpq_kwargs(aws_env), min_size=1,
                                           max_size=2, timeout=POOL_TIMEOUT_S, retry=True)
    with pool:
        # Without retry the conflict reaches the caller as 40001 with DSQL's OC000 text.
        with pytest.raises(psycopg.errors.SerializationFailure) as info:
            pool.run_transaction(increment, retry=False)
        assert aurora_dsql_psycopg.is_occ_error(info.value)
        assert "(OC000)" in str(info.value)
        assert counter(aws_env, name) == 1
        attempts.clear()
        assert pool.run_transaction(increment) == 2
    assert len(attempts) == 2
    assert counter(aws_env, name) == 3  # 1 from the first round, then both increments


def test_psycopg_async_pool_run_transaction_retries_occ(aws_env, app_role):
    name = "psycopg-async-occ"
    reset_counter(aws_env, name)
    attempts = []

    async def increment(conn: psycopg.AsyncConnection) -> None:
        attempts.append(1)
        await conn.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))
        if len(attempts) == 1:
            other = await aurora_dsql_psycopg.DSQLAsyncConnection.connect(
                **libpq_kwargs(aws_env), autocommit=True)
            async with other:
                await other.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))

    async def main() -> None:
        pool = aurora_dsql_psycopg.create_async_pool(kwargs=libpq_kwargs(aws_env), min_size=1,
                                                     max_size=2, timeout=POOL_TIMEOUT_S,
                                                     open=False)
        async with pool:
            await pool.run_transaction(increment, retry=aurora_dsql_psycopg.OCCRetryConfig(
                max_retries=2))

    asyncio.run(main())
    assert len(attempts) == 2
    assert counter(aws_env, name) == 2


# -- psycopg2 --------------------------------------------------------------------------------------

def test_psycopg2_admin(aws_env):
    conn = aurora_dsql_psycopg2.connect(**libpq_kwargs(aws_env))
    try:
        with conn.cursor() as cur:
            cur.execute("select current_user, current_setting('application_name'), %s",
                        ("it's",))
            assert cur.fetchone() == (
                "admin", f"aurora-dsql-python-psycopg2/{aurora_dsql_psycopg2.__version__}", "it's")
            cur.execute("show transaction isolation level")
            assert cur.fetchone() == ("repeatable read",)
        conn.rollback()
        assert conn.info.ssl_in_use
    finally:
        conn.close()


def test_psycopg2_mapped_role(aws_env, monkeypatch, app_role, app_key):
    set_aws_identity(monkeypatch, app_key)
    conn = aurora_dsql_psycopg2.connect(**libpq_kwargs(aws_env, user=app_role))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select current_user")
            assert cur.fetchone() == (app_role,)
            cur.execute(f"insert into {TABLE} values (%s, %s)", ("psycopg2-app", 7))
            cur.execute(f"select n from {TABLE} where name = %s", ("psycopg2-app",))
            assert cur.fetchone() == (7,)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(f"select * from {SECRET}")
    finally:
        conn.close()


def test_psycopg2_pool_run_transaction_retries_occ(aws_env, app_role):
    name = "psycopg2-occ"
    reset_counter(aws_env, name)
    attempts = []

    def increment(conn) -> str:
        attempts.append(1)
        with conn.cursor() as cur:
            cur.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))
        if len(attempts) == 1:
            other = aurora_dsql_psycopg2.connect(**libpq_kwargs(aws_env))
            try:
                other.autocommit = True
                with other.cursor() as cur:
                    cur.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))
            finally:
                other.close()
        return "done"

    with aurora_dsql_psycopg2.AuroraDSQLThreadedConnectionPool(
            1, 2, retry=True, **libpq_kwargs(aws_env)) as pool:
        assert pool.run_transaction(increment) == "done"
    assert len(attempts) == 2
    assert counter(aws_env, name) == 2


# -- asyncpg ---------------------------------------------------------------------------------------

def test_asyncpg_admin(aws_env, resolve_endpoint_locally):
    async def main():
        conn = await aurora_dsql_asyncpg.connect(**asyncpg_kwargs(aws_env))
        try:
            row = await conn.fetchrow("select current_user as u, "
                                      "current_setting('application_name') as a, "
                                      "$1::bigint + 1 as n, $2::text as t", 41, "x")
            assert tuple(row) == (
                "admin", f"aurora-dsql-python-asyncpg/{aurora_dsql_asyncpg.__version__}", 42, "x")
            assert conn.get_server_version().major == 16
            assert conn.get_settings().client_encoding == "UTF8"
            async with conn.transaction():
                assert await conn.fetchval("select count(*) from pg_class "
                                           "where relname = $1", TABLE) == 1
        finally:
            await conn.close()

    asyncio.run(main())


def test_asyncpg_mapped_role(aws_env, resolve_endpoint_locally, monkeypatch, app_role, app_key):
    set_aws_identity(monkeypatch, app_key)

    async def main():
        conn = await aurora_dsql_asyncpg.connect(**asyncpg_kwargs(aws_env, user=app_role))
        try:
            assert await conn.fetchval("select current_user") == app_role
            await conn.execute(f"insert into {TABLE} values ($1, $2)", "asyncpg-app", 9)
            assert await conn.fetchval(f"select n from {TABLE} where name = $1",
                                       "asyncpg-app") == 9
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch(f"select * from {SECRET}")
        finally:
            await conn.close()

    asyncio.run(main())


def test_asyncpg_pool_run_transaction_retries_occ(aws_env, resolve_endpoint_locally, app_role):
    name = "asyncpg-occ"
    reset_counter(aws_env, name)
    attempts = []

    async def increment(conn: asyncpg.Connection) -> int:
        attempts.append(1)
        await conn.execute(f"update {TABLE} set n = n + 1 where name = $1", name)
        if len(attempts) == 1:
            other = await aurora_dsql_asyncpg.connect(**asyncpg_kwargs(aws_env))
            try:
                await other.execute(f"update {TABLE} set n = n + 1 where name = $1", name)
            finally:
                await other.close()
        return await conn.fetchval(f"select n from {TABLE} where name = $1", name)

    async def main() -> int:
        pool = await aurora_dsql_asyncpg.create_pool(min_size=1, max_size=2, retry=True,
                                                     **asyncpg_kwargs(aws_env))
        try:
            return await pool.run_transaction(increment)
        finally:
            await pool.close()

    # The retried attempt sees the other writer's increment and adds its own.
    assert asyncio.run(main()) == 2
    assert len(attempts) == 2
    assert counter(aws_env, name) == 2


def test_occ_retry_gives_up_after_max_retries(aws_env, app_role):
    """Every attempt conflicts: the helper stops after max_retries and raises 40001."""
    name = "psycopg-occ-always"
    reset_counter(aws_env, name)
    attempts = []

    def increment(conn: psycopg.Connection) -> None:
        attempts.append(1)
        conn.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))
        with aurora_dsql_psycopg.connect(**libpq_kwargs(aws_env), autocommit=True) as other:
            other.execute(f"update {TABLE} set n = n + 10 where name = %s", (name,))

    pool = aurora_dsql_psycopg.create_pool(kwargs=libpq_kwargs(aws_env), min_size=1, max_size=2,
                                           timeout=POOL_TIMEOUT_S)
    with pool, pytest.raises(psycopg.errors.SerializationFailure):
        pool.run_transaction(increment, retry=aurora_dsql_psycopg.OCCRetryConfig(max_retries=1))
    assert len(attempts) == 2
    assert counter(aws_env, name) == 20


def test_concurrent_threads_with_retry(aws_env, app_role):
    """Four threads each add 1 five times through one pool with retry: no lost update."""
    name = "psycopg-threads"
    reset_counter(aws_env, name)
    errors: list[BaseException] = []

    def add_one(conn: psycopg.Connection) -> None:
        conn.execute(f"update {TABLE} set n = n + 1 where name = %s", (name,))

    with aurora_dsql_psycopg.create_pool(kwargs=libpq_kwargs(aws_env), min_size=2, max_size=4,
                                         timeout=POOL_TIMEOUT_S) as pool:
        config = aurora_dsql_psycopg.OCCRetryConfig(max_retries=50, base_delay_ms=1,
                                                    max_delay_ms=20)

        def worker() -> None:
            try:
                for _ in range(5):
                    pool.run_transaction(add_one, retry=config)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert counter(aws_env, name) == 20
