"""Fixtures for the compatibility suite: AWS's published Aurora DSQL client packages run,
unchanged, against `borealis start` with DSQL's defaults (IAM tokens, mandatory TLS,
DSQL's SQL rules).

The clients are pointed at a DSQL-shaped endpoint name (`ENDPOINT`), as an application
would be; they sign tokens with botocore for that host, and verify the server's
certificate (issued by the local CA the server created) against it. Nothing edits
/etc/hosts: libpq-based drivers get `hostaddr=127.0.0.1` next to the host name, and
pure-Python drivers (asyncpg) resolve the name through `resolve_endpoint_locally`, which
answers 127.0.0.1 for `ENDPOINT` only.

AWS credentials reach botocore the ordinary way, through the environment
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, no shared config files), holding the admin
key the server generated on first start. `SSL_CERT_FILE` names the server's CA, which
is where the connectors' `sslrootcert` defaults lead.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from borealis.wire import iam
from tests.qp.server import BorealisProcess

REGION = "us-east-1"
CLUSTER_ID = "bor3alisc0mpatsuitec1uster"  # 26 characters, like a DSQL cluster id
ENDPOINT = f"{CLUSTER_ID}.dsql.{REGION}.on.aws"
LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="session")
def dsql_server(tmp_path_factory) -> Iterator[BorealisProcess]:
    """One Borealis with DSQL's defaults for the whole compatibility suite."""
    data = tmp_path_factory.mktemp("compat") / "data"
    proc = BorealisProcess(data, shards=2, args=("--compat", "dsql", "--auth", "iam",
                                                 "--region", REGION)).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def admin_key(dsql_server) -> iam.AccessKey:
    (key,) = iam.load_credentials(dsql_server.credentials)[:1]
    return key


@pytest.fixture
def aws_env(monkeypatch, tmp_path, dsql_server, admin_key) -> BorealisProcess:
    """The environment an application on AWS would have: credentials for the admin
    principal, the region, and the CA that signed the endpoint's certificate."""
    set_aws_identity(monkeypatch, admin_key)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("SSL_CERT_FILE", str(dsql_server.ca_cert))
    monkeypatch.setenv("PGSSLROOTCERT", str(dsql_server.ca_cert))
    return dsql_server


def set_aws_identity(monkeypatch, key: iam.AccessKey) -> None:
    """Make botocore sign as `key`'s principal."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key.secret_access_key)


@pytest.fixture
def resolve_endpoint_locally(monkeypatch) -> None:
    """`ENDPOINT` resolves to 127.0.0.1 for Python-level lookups (asyncpg, asyncio);
    every other name resolves as before."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host == ENDPOINT:
            host = LOOPBACK
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def ca_path(server: BorealisProcess) -> Path:
    return server.ca_cert
