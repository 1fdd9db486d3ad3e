"""End to end: `borealis start` with DSQL's defaults (IAM auth tokens, mandatory TLS),
reached by psycopg 3 (libpq) and asyncpg with tokens made by botocore — the generator
aurora-dsql-python-connector calls — over SSLRequest and direct TLS, with the server's
own CA and `sslmode=verify-full`; then every way DSQL refuses a connection.

psycopg[binary] (pinned in pyproject.toml) bundles libpq 18, so `sslnegotiation=direct`
is exercised through libpq; a raw TLS socket covers direct TLS independently of it.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import socket
import ssl
import struct
import subprocess
import time

import asyncpg
import botocore.session
import psycopg
import pytest

from borealis.wire import iam, sigv4, tls

pytestmark = pytest.mark.timeout(120)

REGION = "us-east-1"
ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"
CLIENT_TIMEOUT_S = 20
BANNER_LINES_MAX = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Imported here: tests/wire is not a package, and the repository root is on sys.path
    # only once pytest has set up the `tests` package, after this module was imported.
    from tests.qp.server import BorealisProcess

    proc = BorealisProcess(tmp_path_factory.mktemp("iam") / "data", shards=1, args=()).start()
    assert proc.proc is not None and proc.proc.stdout is not None
    proc.banner = []
    for _ in range(BANNER_LINES_MAX):  # the rest of what `start` printed
        line = proc.proc.stdout.readline().decode()
        proc.banner.append(line.rstrip("\n"))
        if not line or line.startswith("Stop with"):
            break
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def key(server) -> iam.AccessKey:
    (admin_key,) = iam.load_credentials(server.credentials)
    return admin_key


@pytest.fixture(scope="module")
def dsql(key):
    session = botocore.session.get_session()
    session.set_credentials(key.access_key_id, key.secret_access_key)
    return session.create_client("dsql", region_name=REGION)


def conninfo(server, *, host="127.0.0.1", user="admin", sslmode="verify-full", **extra):
    params = dict(host=host, port=server.port, user=user, dbname="postgres", sslmode=sslmode,
                  sslrootcert=server.ca_cert, connect_timeout=CLIENT_TIMEOUT_S, **extra)
    return " ".join(f"{k}={v}" for k, v in params.items())


def psycopg_select(info: str, password: str) -> tuple:
    with psycopg.connect(info, password=password) as conn:
        return conn.execute("select current_user, 41 + 1").fetchone()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, CLIENT_TIMEOUT_S * 2))


async def asyncpg_select(server, password, *, user="admin", sslmode="verify-full", **kwargs):
    dsn = (f"postgresql://{user}@127.0.0.1:{server.port}/postgres"
           f"?sslmode={sslmode}&sslrootcert={server.ca_cert}")
    conn = await asyncpg.connect(dsn, password=password, timeout=CLIENT_TIMEOUT_S, **kwargs)
    try:
        return tuple(await conn.fetchrow("select current_user, 41 + 1"))
    finally:
        await conn.close()


def asyncpg_refusal(server, password, **kwargs) -> asyncpg.PostgresError:
    with pytest.raises(asyncpg.PostgresError) as info:
        run(asyncpg_select(server, password, **kwargs))
    return info.value


# --- connecting -----------------------------------------------------------------------------


def test_psycopg_sslrequest_with_botocore_token(server, dsql):
    token = dsql.generate_db_connect_admin_auth_token("127.0.0.1", REGION)
    assert psycopg_select(conninfo(server), token) == ("admin", 42)


def test_psycopg_dsql_endpoint_name_sni_and_wildcard_certificate(server, dsql):
    # The connector's recipe for a local endpoint: the DSQL name for SNI, certificate
    # check and token; the address from hostaddr.
    token = dsql.generate_db_connect_admin_auth_token(ENDPOINT, REGION, 60)
    info = conninfo(server, host=ENDPOINT, hostaddr="127.0.0.1")
    assert psycopg_select(info, token) == ("admin", 42)


def test_psycopg_direct_tls(server, dsql):
    assert psycopg.pq.version() >= 170000, "psycopg[binary] bundles libpq 17+"
    token = dsql.generate_db_connect_admin_auth_token("localhost", REGION)
    info = conninfo(server, host="localhost", hostaddr="127.0.0.1", sslnegotiation="direct")
    assert psycopg_select(info, token) == ("admin", 42)


def test_asyncpg_sslrequest_and_direct_tls(server, dsql):
    token = dsql.generate_db_connect_admin_auth_token("127.0.0.1", REGION)
    assert run(asyncpg_select(server, token)) == ("admin", 42)
    assert run(asyncpg_select(server, token, direct_tls=True)) == ("admin", 42)


def test_raw_direct_tls_with_alpn(server, dsql):
    token = dsql.generate_db_connect_admin_auth_token("localhost", REGION)
    context = tls.client_ssl_context(server.ca_cert)
    with socket.create_connection(("127.0.0.1", server.port), timeout=CLIENT_TIMEOUT_S) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as conn:
        assert conn.selected_alpn_protocol() == "postgresql"
        body = b"user\0admin\0database\0postgres\0\0"
        conn.sendall(struct.pack("!ii", 8 + len(body), 196608) + body)
        kind, payload = read_message(conn)
        assert (kind, struct.unpack("!i", payload)[0]) == (b"R", 3)  # cleartext password
        password = token.encode() + b"\0"
        conn.sendall(b"p" + struct.pack("!i", 4 + len(password)) + password)
        kind, payload = read_message(conn)
        assert (kind, struct.unpack("!i", payload)[0]) == (b"R", 0)  # AuthenticationOk


def read_message(conn: ssl.SSLSocket) -> tuple[bytes, bytes]:
    header = read_exactly(conn, 5)
    return header[:1], read_exactly(conn, struct.unpack("!i", header[1:])[0] - 4)


def read_exactly(conn: ssl.SSLSocket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        assert chunk, "server closed the connection"
        data += chunk
    return data


def test_token_survives_in_an_open_session(server, key):
    # Checked only at connect (DSQL): a session outlives its token.
    token = sigv4.sign_token(host="127.0.0.1", action="DbConnectAdmin",
                             access_key_id=key.access_key_id,
                             secret_access_key=key.secret_access_key, region=REGION,
                             now=time.time() - 55, expires_s=60)
    with psycopg.connect(conninfo(server), password=token) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        expired_at = sigv4.parse_token(token).expires_at
        while time.time() <= expired_at:  # bounded: at most ~5 s
            time.sleep(0.5)
        assert conn.execute("select 2").fetchone() == (2,)
    with pytest.raises(psycopg.OperationalError, match="IAM authentication failed"):
        psycopg.connect(conninfo(server), password=token)


def test_start_banner_command_connects(server):
    line = next(text.strip() for text in server.banner if "PGPASSWORD" in text)
    match = re.fullmatch(r'PGPASSWORD="\$\((.+)\)" psql (.+)', line)
    assert match, line
    made = subprocess.run(["bash", "-c", match.group(1)], capture_output=True, text=True,
                          timeout=60, check=True)
    (info,) = shlex.split(match.group(2))
    assert "sslmode=verify-full" in info
    assert psycopg_select(info, made.stdout.strip()) == ("admin", 42)
    if shutil.which("psql"):
        result = subprocess.run(["bash", "-c", f"{line} -At -c 'select current_user'"],
                                capture_output=True, text=True, timeout=60)
        assert (result.returncode, result.stdout.strip()) == (0, "admin"), result.stderr
    assert any(str(server.ca_cert) in text for text in server.banner)


# --- refusals -------------------------------------------------------------------------------


def test_plaintext_is_refused(server, dsql):
    token = dsql.generate_db_connect_admin_auth_token("127.0.0.1", REGION)
    with pytest.raises(psycopg.OperationalError, match="SSL is mandatory"):
        psycopg_select(conninfo(server, sslmode="disable"), token)
    err = asyncpg_refusal(server, token, sslmode="disable")
    assert isinstance(err, asyncpg.ProtocolViolationError)  # what the connector's tests expect
    assert err.sqlstate == "08P01" and "SSL is mandatory" in err.args[0]


def test_bad_signature(server, dsql):
    token = dsql.generate_db_connect_admin_auth_token("127.0.0.1", REGION)
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    err = asyncpg_refusal(server, forged)
    assert err.sqlstate == "28P01"
    assert err.args[0] == 'IAM authentication failed for user "admin"'
    with pytest.raises(psycopg.OperationalError, match='IAM authentication failed for user'):
        psycopg_select(conninfo(server), forged)


def test_unknown_access_key(server):
    other = botocore.session.get_session()
    other.set_credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    token = other.create_client("dsql", region_name=REGION).generate_db_connect_admin_auth_token(
        "127.0.0.1", REGION)
    assert asyncpg_refusal(server, token).sqlstate == "28P01"


def test_expired_token(server, key):
    token = sigv4.sign_token(host="127.0.0.1", action="DbConnectAdmin",
                             access_key_id=key.access_key_id,
                             secret_access_key=key.secret_access_key, region=REGION,
                             now=time.time() - 3600, expires_s=900)
    err = asyncpg_refusal(server, token)
    assert err.sqlstate == "28P01" and "expired" in err.detail


def test_expires_beyond_a_week(server, dsql):
    token = dsql.generate_db_connect_admin_auth_token("127.0.0.1", REGION, 604801)
    with pytest.raises(psycopg.OperationalError,
                       match=re.escape("X-Amz-Expires must be less than a week (in seconds)")):
        psycopg_select(conninfo(server), token)


def test_wrong_region_and_host(server, key):
    for host, region in (("127.0.0.1", "eu-west-1"), ("evil.example.com", REGION)):
        session = botocore.session.get_session()
        session.set_credentials(key.access_key_id, key.secret_access_key)
        client = session.create_client("dsql", region_name=region)
        token = client.generate_db_connect_admin_auth_token(host, region)
        err = asyncpg_refusal(server, token)
        assert err.sqlstate == "28P01"
        assert ("region" if region != REGION else "host") in err.detail


def test_wrong_user_to_action_mapping(server, dsql):
    token = dsql.generate_db_connect_auth_token("127.0.0.1", REGION)
    err = asyncpg_refusal(server, token)
    assert err.sqlstate == "28000"
    assert err.args[0] == "Wrong user to action mapping. user: admin, action: DbConnect"
    admin_token = dsql.generate_db_connect_admin_auth_token("127.0.0.1", REGION)
    err = asyncpg_refusal(server, admin_token, user="app")
    assert err.args[0] == "Wrong user to action mapping. user: app, action: DbConnectAdmin"


def test_unknown_role(server, dsql):
    token = dsql.generate_db_connect_auth_token("127.0.0.1", REGION)
    err = asyncpg_refusal(server, token, user="nonexistent_user")
    assert err.sqlstate == "28000"
    assert err.args[0] == "Role nonexistent_user does not exist"
    with pytest.raises(psycopg.OperationalError, match="Role nonexistent_user does not exist"):
        psycopg_select(conninfo(server, user="nonexistent_user"), token)


def test_unknown_role_with_sslmode_prefer_ends_in_ssl_is_mandatory(server, dsql):
    # What the connector's asyncpg test sees (it expects ProtocolViolationError): with
    # the default sslmode=prefer, a refusal over TLS makes asyncpg retry in plain text.
    token = dsql.generate_db_connect_auth_token("127.0.0.1", REGION)
    err = asyncpg_refusal(server, token, user="nonexistent_user", sslmode="prefer")
    assert isinstance(err, asyncpg.ProtocolViolationError)
    assert "SSL is mandatory" in err.args[0]


def test_server_still_serves_after_refusals(server, dsql):
    token = dsql.generate_db_connect_admin_auth_token("127.0.0.1", REGION)
    assert run(asyncpg_select(server, token)) == ("admin", 42)
