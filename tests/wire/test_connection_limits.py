"""DSQL's connection limits in the wire server: the count (53300), the rate (53400, a
token bucket) and the connection lifetime (57P01 once no transaction is open).

Refusals are FATAL ErrorResponses sent after the client's startup packet (after TLS
when the client asks for it), so drivers show the message. The rate bucket runs on an
injected clock; the lifetime tests use short lifetimes, wait on the server's messages
with bounded socket reads, and only ever sleep past a deadline, never assert a duration.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from wire_support import RawClient, ServerThread, query, startup, wait_until

from borealis import cli
from borealis.core import limits
from borealis.wire import tls
from borealis.wire.server import ServerConfig, TokenBucket

pytestmark = pytest.mark.timeout(60)

TOO_MANY = "Unable to accept connection, too many open connections."
RATE_EXCEEDED = "Unable to accept connection, rate exceeded."


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tls.ensure_certificates(tmp_path_factory.mktemp("certs"))


class FakeClock:
    """The rate bucket's clock, moved by the test (read from the server's thread)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def connected(port: int) -> RawClient:
    client = RawClient(port)
    assert client.connect()[-1].payload == b"I"
    return client


def refused(port: int) -> dict[str, str]:
    """Connect, expect one FATAL ErrorResponse after the startup packet, then EOF."""
    client = RawClient(port)
    client.send(startup())
    fields = client.read_message().error_fields()
    assert client.read_to_eof() == b""
    assert fields["S"] == "FATAL"
    return fields


def expect_lifetime_fatal(client: RawClient, seconds: str) -> None:
    fields = client.read_message().error_fields()
    assert (fields["S"], fields["C"], fields["M"]) == (
        "FATAL",
        "57P01",
        f"terminating connection due to connection lifetime limit of {seconds}s",
    )
    assert client.read_to_eof() == b""


# --- the count -------------------------------------------------------------------------


def test_connection_count_limit_refuses_with_53300_until_one_closes():
    with ServerThread(connections_max=2, connections_overflow_max=2) as srv:
        first, second = connected(srv.port), connected(srv.port)
        fields = refused(srv.port)
        assert (fields["C"], fields["M"]) == ("53300", TOO_MANY)
        assert len(srv.backend.sessions) == 2  # the refused one never got a session
        first.close()
        wait_until(lambda: srv.server.connection_count == 1)
        third = connected(srv.port)
        assert len(srv.backend.sessions) == 3
        third.close()
        second.close()


def test_connection_count_refusal_comes_after_tls(certs):
    context = tls.server_ssl_context(certs)
    with (
        ServerThread(ssl_context=context, tls_required=True, connections_max=1) as srv,
        psycopg.connect(srv.dsn(sslmode="require")) as held,
    ):
        with pytest.raises(psycopg.OperationalError, match=TOO_MANY):
            psycopg.connect(srv.dsn(sslmode="require"))
        assert held.execute("select 1").fetchone() == (1,)


# --- the rate --------------------------------------------------------------------------


def test_token_bucket_refills_at_the_rate_up_to_the_burst():
    bucket = TokenBucket(rate_per_s=2.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.5)  # 0.5 s × 2/s = one token
    assert not bucket.take(0.5)
    assert not bucket.take(0.2)  # a clock stepping back refills nothing
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]  # capped


def test_connection_rate_limit_refuses_with_53400_until_refilled():
    clock = FakeClock()
    with ServerThread(connection_rate_per_s=1.0, connection_burst=3, rate_clock=clock) as srv:
        burst = [connected(srv.port) for _ in range(3)]
        fields = refused(srv.port)
        assert (fields["C"], fields["M"]) == ("53400", RATE_EXCEEDED)
        for client in burst:  # closing connections gives no tokens back: only time does
            client.close()
        wait_until(lambda: srv.server.connection_count == 0)
        assert refused(srv.port)["C"] == "53400"
        clock.now += 1.0
        connected(srv.port).close()
        assert refused(srv.port)["C"] == "53400"
        clock.now += 60.0  # refills to the burst, no further
        for _ in range(3):
            connected(srv.port).close()
        assert refused(srv.port)["C"] == "53400"


def test_count_is_checked_before_the_rate_and_refusals_take_no_token():
    clock = FakeClock()
    with ServerThread(
        connections_max=1, connection_rate_per_s=1.0, connection_burst=2, rate_clock=clock
    ) as srv:
        held = connected(srv.port)  # token 1 of 2
        assert refused(srv.port)["C"] == "53300"  # over the count: no token taken
        held.close()
        wait_until(lambda: srv.server.connection_count == 0)
        connected(srv.port).close()  # token 2 of 2
        wait_until(lambda: srv.server.connection_count == 0)
        assert refused(srv.port)["C"] == "53400"


def test_rate_refusal_reaches_psycopg():
    with (
        ServerThread(connection_rate_per_s=1.0, connection_burst=1, rate_clock=FakeClock()) as srv,
        psycopg.connect(srv.dsn()) as conn,
    ):
        with pytest.raises(psycopg.OperationalError, match=RATE_EXCEEDED):
            psycopg.connect(srv.dsn())
        assert conn.execute("select 1").fetchone() == (1,)


# --- the lifetime ----------------------------------------------------------------------


def test_idle_connection_is_closed_at_its_lifetime():
    with ServerThread(connection_lifetime_s=0.3) as srv:
        client = connected(srv.port)
        expect_lifetime_fatal(client, "0.3")
        session = srv.backend.sessions[-1]
        wait_until(lambda: session.terminate_calls == 1)
        assert not session.rolled_back_on_terminate


def test_open_transaction_finishes_before_the_connection_is_closed():
    lifetime_s = 0.5
    with ServerThread(connection_lifetime_s=lifetime_s) as srv:
        client = connected(srv.port)
        client.send(query("begin"))
        assert client.read_until("Z")[-1].payload == b"T"
        time.sleep(2 * lifetime_s)  # past the lifetime (the server's clock started earlier)
        client.send(query("select 7"))
        messages = client.read_until("Z")
        assert [m.kind for m in messages] == ["T", "D", "C", "Z"]
        assert messages[-1].payload == b"T"
        client.send(query("commit"))
        messages = client.read_until("Z")
        assert (messages[0].text(), messages[-1].payload) == ("COMMIT", b"I")
        expect_lifetime_fatal(client, "0.5")  # right after the transaction ended
        session = srv.backend.sessions[-1]
        wait_until(lambda: session.terminate_calls == 1)
        assert not session.rolled_back_on_terminate
        assert session.queries == ["begin", "select 7", "commit"]


def test_transaction_left_open_is_ended_after_the_grace():
    with ServerThread(connection_lifetime_s=0.2, connection_lifetime_grace_s=0.3) as srv:
        client = connected(srv.port)
        client.send(query("begin"))
        assert client.read_until("Z")[-1].payload == b"T"
        expect_lifetime_fatal(client, "0.2")
        session = srv.backend.sessions[-1]
        wait_until(lambda: session.terminate_calls == 1)
        assert session.rolled_back_on_terminate


def test_statement_running_at_the_end_of_the_grace_is_cancelled():
    with ServerThread(connection_lifetime_s=0.2, connection_lifetime_grace_s=0.3) as srv:
        client = connected(srv.port)
        client.send(query("begin") + query("sleep"))  # "sleep" runs until cancelled
        assert client.read_until("Z")[-1].payload == b"T"
        messages = client.read_until("Z")
        assert messages[0].error_fields()["C"] == "57014"
        assert messages[-1].payload == b"E"
        expect_lifetime_fatal(client, "0.2")
        session = srv.backend.sessions[-1]
        wait_until(lambda: session.terminate_calls == 1)
        assert session.cancel_calls == 1
        assert session.rolled_back_on_terminate


def test_lifetime_end_reaches_psycopg_as_admin_shutdown():
    with ServerThread(connection_lifetime_s=0.3) as srv:
        conn = psycopg.connect(srv.dsn(), autocommit=True)
        try:
            wait_until(lambda: srv.server.connection_count == 0)
            with pytest.raises(psycopg.OperationalError, match="connection lifetime limit"):
                conn.execute("select 1")
        finally:
            conn.close()


# --- configuration ---------------------------------------------------------------------


def test_cli_defaults_follow_compat():
    dsql = cli.connection_limits(cli._parser().parse_args(["start"]))
    assert dsql == {
        "connections_max": limits.MAX_CONNECTIONS,
        "connection_rate_per_s": limits.CONNECTION_RATE_PER_S,
        "connection_burst": limits.CONNECTION_BURST,
        "connection_lifetime_s": limits.MAX_CONNECTION_AGE_S,
    }
    relaxed = cli.connection_limits(cli._parser().parse_args(["start", "--compat", "relaxed"]))
    assert relaxed["connections_max"] == limits.MAX_CONNECTIONS
    assert relaxed["connection_rate_per_s"] is None
    assert relaxed["connection_lifetime_s"] is None
    given = cli.connection_limits(
        cli._parser().parse_args(
            ["start", "--max-connections", "5", "--connection-rate", "0",
             "--connection-burst", "7", "--connection-lifetime", "90"]
        )
    )
    assert given == {
        "connections_max": 5,
        "connection_rate_per_s": None,
        "connection_burst": 7,
        "connection_lifetime_s": 90,
    }
    with pytest.raises(ValueError, match="max-connections"):
        cli.connection_limits(cli._parser().parse_args(["start", "--max-connections", "0"]))
    assert ServerConfig(**dsql).connection_lifetime_grace_s == limits.MAX_TXN_AGE_S


def test_server_config_refuses_nonsense():
    for bad in (
        {"connections_max": 0},
        {"connection_rate_per_s": 0.0},
        {"connection_burst": 0},
        {"connection_lifetime_s": -1.0},
        {"connection_lifetime_grace_s": -1.0},
    ):
        with pytest.raises(ValueError):
            ServerConfig(**bad)
