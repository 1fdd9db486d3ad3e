"""Unmodified client libraries against the real asyncio server and the fake backend.

psycopg 3 (libpq underneath), asyncpg (its own protocol implementation) and the psql
binary each connect to `Server` on 127.0.0.1 with a free port, over plain TCP and TLS
(SSLRequest and, for libpq 17+, direct TLS with ALPN).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading

import asyncpg
import psycopg
import pytest
from wire_support import ServerThread, wait_until

from borealis.wire import tls
from borealis.wire.auth import AuthMethod, StaticAuthenticator

pytestmark = pytest.mark.timeout(60)

CLIENT_TIMEOUT_S = 10


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tls.ensure_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server():
    with ServerThread() as srv:
        yield srv


@pytest.fixture
def tls_server(certs):
    with ServerThread(ssl_context=tls.server_ssl_context(certs)) as srv:
        yield srv


def scram_server(**config):
    auth = StaticAuthenticator({"alice": "pencil"}, AuthMethod.SCRAM_SHA_256)
    return ServerThread(authenticator=auth, **config)


# --- psycopg ------------------------------------------------------------------------------


def test_psycopg_simple_query(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        assert conn.info.parameter_status("server_version") == "16.15"
        assert conn.info.server_version == 160015
        assert conn.info.backend_pid > 0


def test_psycopg_prepared_binary_params(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        for i in range(3):
            row = conn.execute("select %b, %b", [41 + i, "text"], prepare=True).fetchone()
            assert row == (41 + i, "text")
        session = server.backend.sessions[-1]
        assert any(name.startswith("_pg3_") for name in session.statements)


def test_psycopg_text_params_and_null(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        assert conn.execute("select %s::int4, %s::int4", [5, None]).fetchone() == (5, None)


def test_psycopg_transaction_status(server):
    with psycopg.connect(server.dsn()) as conn:  # not autocommit: psycopg sends BEGIN
        status = psycopg.pq.TransactionStatus
        assert conn.info.transaction_status == status.IDLE
        conn.execute("select 1")
        assert conn.info.transaction_status == status.INTRANS
        conn.commit()
        assert conn.info.transaction_status == status.IDLE
        with pytest.raises(psycopg.errors.SyntaxError):
            conn.execute("select error")
        assert conn.info.transaction_status == status.INERROR
        conn.rollback()
        assert conn.execute("select 2").fetchone() == (2,)


def test_psycopg_error_fields_and_connection_usable(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.SyntaxError) as info:
            conn.execute("select error")
        diag = info.value.diag
        assert diag.sqlstate == "42601"
        assert diag.message_detail == "the fake was asked to fail"
        assert diag.message_hint == "do not say error"
        assert diag.statement_position == "8"
        assert diag.severity == "ERROR"
        assert conn.execute("select 3").fetchone() == (3,)
        with pytest.raises(psycopg.errors.InternalError_):
            conn.execute("boom")
        assert conn.execute("select 4").fetchone() == (4,)


def test_psycopg_notices_and_empty_query(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        notices = []
        conn.add_notice_handler(lambda d: notices.append(d.message_primary))
        conn.execute("notice")
        assert notices == ["hello from the fake"]
        cur = conn.execute("")
        assert cur.pgresult.status == psycopg.pq.ExecStatus.EMPTY_QUERY


def test_psycopg_copy_from_stdin(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn, conn.cursor() as cur:
        with cur.copy("copy t from stdin") as copy:
            copy.write(b"1\n2\n3\n")
        assert cur.statusmessage == "COPY 3"
        assert cur.execute("select 1").fetchone() == (1,)


def test_psycopg_application_name(server):
    with psycopg.connect(server.dsn(application_name="myapp"), autocommit=True) as conn:
        assert conn.info.parameter_status("application_name") == "myapp"
        conn.execute("set application_name = 'other'")
        assert conn.info.parameter_status("application_name") == "other"


def test_psycopg_cancel_reaches_session(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        errors = []

        def run():
            try:
                conn.execute("sleep")
            except psycopg.Error as exc:
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        wait_until(
            lambda: server.backend.sessions and "sleep" in server.backend.sessions[-1].queries
        )
        conn.cancel_safe(timeout=CLIENT_TIMEOUT_S)
        worker.join(CLIENT_TIMEOUT_S)
        assert isinstance(errors[0], psycopg.errors.QueryCanceled)
        assert server.backend.sessions[-1].cancel_calls == 1
        assert conn.execute("select 1").fetchone() == (1,)


def test_psycopg_pipeline_with_error_skips_to_sync(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        with conn.pipeline() as pipeline:
            first = conn.execute("select %s::int4", [1])
            second = conn.execute("select %s::int4", [2])
            pipeline.sync()
            assert first.fetchone() == (1,)
            assert second.fetchone() == (2,)
        with pytest.raises(psycopg.errors.SyntaxError), conn.pipeline():
            conn.execute("select %s::int4", [3])
            conn.execute("select error")
            conn.execute("select %s::int4", [4])  # discarded by the server until Sync
        assert conn.execute("select 5").fetchone() == (5,)


def test_psycopg_tls_require(tls_server):
    with psycopg.connect(tls_server.dsn(sslmode="require"), autocommit=True) as conn:
        assert conn.pgconn.ssl_in_use
        assert conn.execute("select 1").fetchone() == (1,)
        assert tls_server.backend.sessions[-1].info.tls


def test_psycopg_tls_verify_full(tls_server, certs):
    dsn = tls_server.dsn(host="localhost", sslmode="verify-full", sslrootcert=certs.ca_cert)
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    dsn = tls_server.dsn(host="127.0.0.1", sslmode="verify-full", sslrootcert=certs.ca_cert)
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_psycopg_tls_verify_full_rejects_unknown_ca(tls_server, tmp_path):
    other = tls.ensure_certificates(tmp_path / "other")
    dsn = tls_server.dsn(host="localhost", sslmode="verify-full", sslrootcert=other.ca_cert)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn)


@pytest.mark.skipif(psycopg.pq.version() < 170000, reason="sslnegotiation=direct needs libpq 17")
def test_psycopg_direct_tls_with_alpn(tls_server, certs):
    dsn = tls_server.dsn(
        host="localhost", sslmode="verify-full", sslrootcert=certs.ca_cert, sslnegotiation="direct"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.pgconn.ssl_in_use
        assert conn.execute("select 1").fetchone() == (1,)


def test_psycopg_cancel_over_tls(tls_server):
    with psycopg.connect(tls_server.dsn(sslmode="require"), autocommit=True) as conn:
        errors = []

        def run():
            try:
                conn.execute("sleep")
            except psycopg.Error as exc:
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        wait_until(lambda: "sleep" in tls_server.backend.sessions[-1].queries)
        conn.cancel_safe(timeout=CLIENT_TIMEOUT_S)  # libpq 17+: the cancel goes over TLS too
        worker.join(CLIENT_TIMEOUT_S)
        assert isinstance(errors[0], psycopg.errors.QueryCanceled)
        assert tls_server.backend.sessions[-1].cancel_calls == 1


def test_tls_required_refuses_plaintext(certs):
    with ServerThread(ssl_context=tls.server_ssl_context(certs), tls_required=True) as srv:
        with pytest.raises(psycopg.OperationalError, match="SSL is mandatory"):
            psycopg.connect(srv.dsn(sslmode="disable"))
        with psycopg.connect(srv.dsn(sslmode="require")) as conn:
            assert conn.execute("select 1").fetchone() == (1,)


def test_psycopg_scram_success_and_wrong_password():
    with scram_server() as srv:
        with psycopg.connect(srv.dsn(password="pencil"), autocommit=True) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(srv.dsn(password="wrong"))


def test_psycopg_scram_over_tls_with_channel_binding_prefer(certs):
    # libpq sends gs2 flag 'y' here: it could bind but the server offers no -PLUS.
    with scram_server(ssl_context=tls.server_ssl_context(certs)) as srv:
        dsn = srv.dsn(password="pencil", sslmode="require", channel_binding="prefer")
        with psycopg.connect(dsn) as conn:
            assert conn.execute("select 1").fetchone() == (1,)


def test_psycopg_cleartext_password():
    auth = StaticAuthenticator({"alice": "pw"}, AuthMethod.PASSWORD)
    with ServerThread(authenticator=auth) as srv:
        with psycopg.connect(srv.dsn(password="pw")) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(srv.dsn(password="bad"))


def test_psycopg_trust_ignores_password(server):
    with psycopg.connect(server.dsn(password="anything")) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


# --- asyncpg ------------------------------------------------------------------------------


def run_async(coro):
    return asyncio.run(asyncio.wait_for(coro, CLIENT_TIMEOUT_S * 3))


async def asyncpg_connect(srv: ServerThread, **kwargs):
    kwargs.setdefault("ssl", False)
    return await asyncpg.connect(
        host="127.0.0.1",
        port=srv.port,
        user="alice",
        database="postgres",
        timeout=CLIENT_TIMEOUT_S,
        **kwargs,
    )


def test_asyncpg_fetch_prepared_and_errors(server):
    async def main():
        conn = await asyncpg_connect(server)
        try:
            assert await conn.fetchval("select 1") == 1
            assert await conn.fetchrow("select $1::int4, $2", 7, "x") == (7, "x")
            stmt = await conn.prepare("select $1::int8")
            assert [await stmt.fetchval(i) for i in range(3)] == [0, 1, 2]
            with pytest.raises(asyncpg.PostgresSyntaxError) as info:
                await conn.fetch("select error")
            assert info.value.sqlstate == "42601"
            assert info.value.detail == "the fake was asked to fail"
            assert await conn.fetchval("select 2") == 2
            await conn.execute("begin; select 1")
            assert conn.is_in_transaction()
            await conn.execute("commit")
            assert not conn.is_in_transaction()
        finally:
            await conn.close()

    run_async(main())
    assert server.backend.sessions[-1].info.parameters["client_encoding"] == "'utf-8'"


def test_asyncpg_executemany(server):
    async def main():
        conn = await asyncpg_connect(server)
        try:
            await conn.executemany("select $1::int4", [(i,) for i in range(20)])
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()

    run_async(main())
    session = server.backend.sessions[-1]
    assert session.queries.count("select $1::int4") == 20


def test_asyncpg_cursor_uses_row_limits(server):
    async def main():
        conn = await asyncpg_connect(server)
        try:
            async with conn.transaction():
                values = [r[0] async for r in conn.cursor("rows 25", prefetch=10)]
            assert values == list(range(25))
        finally:
            await conn.close()

    run_async(main())


def test_asyncpg_transaction_rollback_on_error(server):
    async def main():
        conn = await asyncpg_connect(server)
        try:
            with pytest.raises(asyncpg.PostgresSyntaxError):
                async with conn.transaction():
                    await conn.execute("select error")
            assert not conn.is_in_transaction()
            assert await conn.fetchval("select 9") == 9
        finally:
            await conn.close()

    run_async(main())


def test_asyncpg_timeout_sends_cancel(server):
    async def main():
        conn = await asyncpg_connect(server)
        try:
            with pytest.raises(asyncio.TimeoutError):
                await conn.fetch("sleep", timeout=0.3)
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()

    run_async(main())
    assert server.backend.sessions[-1].cancel_calls == 1


def test_asyncpg_copy(server):
    async def main():
        conn = await asyncpg_connect(server)
        try:
            import io

            result = await conn.copy_to_table("t", source=io.BytesIO(b"1\n2\n"))
            assert result == "COPY 2"
        finally:
            await conn.close()

    run_async(main())


def test_asyncpg_ssl_context(tls_server, certs):
    async def main():
        context = tls.client_ssl_context(certs.ca_cert)
        conn = await asyncpg.connect(
            host="localhost",
            port=tls_server.port,
            user="alice",
            database="postgres",
            ssl=context,
            timeout=CLIENT_TIMEOUT_S,
        )
        try:
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()

    run_async(main())
    assert tls_server.backend.sessions[-1].info.tls


def test_asyncpg_scram():
    async def main(srv, pw):
        conn = await asyncpg_connect(srv, password=pw)
        try:
            return await conn.fetchval("select 1")
        finally:
            await conn.close()

    with scram_server() as srv:
        assert run_async(main(srv, "pencil")) == 1
        with pytest.raises(asyncpg.InvalidPasswordError):
            run_async(main(srv, "wrong"))


# --- psql ---------------------------------------------------------------------------------

PSQL = shutil.which("psql")


def run_psql(srv: ServerThread, *args: str, password: str = "", sslmode: str = "prefer"):
    env = {
        **os.environ,
        "PGHOST": "127.0.0.1",
        "PGPORT": str(srv.port),
        "PGUSER": "alice",
        "PGDATABASE": "postgres",
        "PGPASSWORD": password,
        "PGSSLMODE": sslmode,
        "PGCONNECT_TIMEOUT": "10",
    }
    return subprocess.run(
        [PSQL, "-X", *args], env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S * 2
    )


@pytest.mark.skipif(PSQL is None, reason="psql is not installed")
def test_psql_select_1(server):
    result = run_psql(server, "-c", "select 1")
    assert result.returncode == 0, result.stderr
    assert "(1 row)" in result.stdout and "1" in result.stdout


@pytest.mark.skipif(PSQL is None, reason="psql is not installed")
def test_psql_scram_over_tls(certs):
    with scram_server(ssl_context=tls.server_ssl_context(certs)) as srv:
        result = run_psql(srv, "-At", "-c", "select 1", password="pencil", sslmode="require")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "1"
        assert srv.backend.sessions[-1].info.tls
        bad = run_psql(srv, "-c", "select 1", password="wrong", sslmode="require")
        assert bad.returncode != 0
        assert "password authentication failed" in bad.stderr


@pytest.mark.skipif(PSQL is None, reason="psql is not installed")
def test_psql_error_reports_sqlstate(server):
    result = run_psql(server, "-v", "VERBOSITY=verbose", "-c", "select error")
    assert result.returncode != 0
    assert "42601" in result.stderr
