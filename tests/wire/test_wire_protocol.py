"""The sans-IO state machine, message by message, against the fake backend.

No sockets: `Harness` feeds frontend bytes to `ServerProtocol` and parses what it
answers. Real clients over real sockets are in `test_wire_clients.py`.
"""

from __future__ import annotations

import struct

import pytest
from wire_support import (
    Harness,
    ScramClient,
    bind,
    cancel_request,
    close,
    copy_data,
    copy_done,
    copy_fail,
    describe,
    execute,
    flush,
    frame,
    gssenc_request,
    kinds,
    parse,
    password,
    query,
    sasl_initial,
    sasl_response,
    ssl_request,
    startup,
    sync,
    terminate,
)

from borealis.core import oids
from borealis.wire import scram
from borealis.wire.auth import AuthMethod, StaticAuthenticator
from borealis.wire.protocol import ProtocolConfig, State
from borealis.wire.startup import parse_options

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def h():
    harness = Harness()
    yield harness
    harness.close()


def connected(**kwargs) -> Harness:
    harness = Harness(**kwargs)
    out = harness.connect()
    assert out[-1].kind == "Z"
    return harness


def test_startup_trust_reports_parameters_key_and_ready(h):
    out = h.connect(user="alice", database="db", application_name="app")
    assert out[0].kind == "R" and out[0].auth_code() == 0
    params = dict(m.parameter() for m in out if m.kind == "S")
    assert params["server_version"] == "16.15"
    assert params["client_encoding"] == "UTF8"
    assert params["server_encoding"] == "UTF8"
    assert params["DateStyle"] == "ISO, MDY"
    assert params["IntervalStyle"] == "postgres"
    assert params["TimeZone"] == "UTC"
    assert params["integer_datetimes"] == "on"
    assert params["standard_conforming_strings"] == "on"
    assert params["application_name"] == "app"
    assert params["session_authorization"] == "alice"
    assert params["is_superuser"] == "off"
    key = next(m for m in out if m.kind == "K")
    assert struct.unpack("!II", key.payload) == (42, 7)
    assert kinds(out).endswith("KZ") and out[-1].payload == b"I"
    info = h.session.info
    assert (info.user, info.database, info.application_name) == ("alice", "db", "app")
    assert h.proto.state is State.READY


def test_database_defaults_to_user_and_options_are_parsed(h):
    h.connect(user="bob", options="-c search_path=s1 --statement-timeout=5 -cwork_mem=1")
    info = h.session.info
    assert info.database == "bob"
    assert info.options == {"search_path": "s1", "statement_timeout": "5", "work_mem": "1"}


def test_parse_options_escapes():
    assert parse_options(r"-c search_path=a\ b") == {"search_path": "a b"}
    assert parse_options("-c") == {}
    assert parse_options("-B 100") == {}


@pytest.mark.parametrize("encoding", ["'utf-8'", "UTF8", "utf8", "unicode", '"UTF-8"'])
def test_client_encoding_aliases_accepted(h, encoding):
    out = h.connect(client_encoding=encoding)
    assert dict(m.parameter() for m in out if m.kind == "S")["client_encoding"] == "UTF8"


def test_unsupported_client_encoding_is_fatal(h):
    out = h.connect(client_encoding="LATIN1")
    fields = out[-1].error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "22023")
    assert h.proto.closed


def test_missing_user_is_fatal_28000(h):
    body = struct.pack("!I", 196608) + b"database\0x\0\0"
    out = h.send(struct.pack("!I", len(body) + 4) + body)
    assert out[-1].error_fields()["C"] == "28000"
    assert h.proto.closed


def test_unknown_database_refused_by_backend_is_fatal(h):
    out = h.connect(database="nodb")
    fields = out[-1].error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "3D000")
    assert h.proto.closed


def test_protocol_2_is_rejected(h):
    out = h.send(startup(version=2 << 16))
    fields = out[-1].error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "0A000")
    assert "unsupported frontend protocol 2.0" in fields["M"]


def test_protocol_3_2_is_negotiated_down(h):
    out = h.send(startup(version=(3 << 16) | 2, **{"_pq_.x": "1"}))
    assert out[0].kind == "v"
    minor, count = struct.unpack_from("!ii", out[0].payload)
    assert (minor, count) == (0, 1)
    assert out[0].payload[8:] == b"_pq_.x\0"
    assert out[-1].kind == "Z"


def test_ssl_request_without_tls_answers_n_then_startup_works(h):
    out = h.send(ssl_request(), single_bytes=1)
    assert out[0].payload == b"N"
    out = h.connect()
    assert out[-1].kind == "Z"


def test_ssl_request_with_tls_answers_s_and_waits_for_the_shell():
    h = Harness(config=ProtocolConfig(tls_available=True))
    out = h.send(ssl_request(), single_bytes=1)
    assert out[0].payload == b"S"
    assert h.proto.wants_tls
    h.proto.tls_established()
    assert h.connect()[-1].kind == "Z"
    assert h.session.info.tls
    h.close()


def test_data_behind_ssl_request_is_refused():
    h = Harness(config=ProtocolConfig(tls_available=True))
    out = h.send(ssl_request() + startup())
    fields = out[-1].error_fields()
    assert fields["C"] == "08P01" and "unencrypted data" in fields["M"]
    assert h.proto.closed
    h.close()


def test_second_ssl_request_is_a_protocol_violation(h):
    h.send(ssl_request(), single_bytes=1)
    out = h.send(ssl_request())
    assert out[-1].error_fields()["C"] == "08P01"


def test_gssenc_request_answers_n(h):
    out = h.send(gssenc_request(), single_bytes=1)
    assert out[0].payload == b"N"
    assert h.connect()[-1].kind == "Z"


def test_tls_required_refuses_plain_startup():
    h = Harness(config=ProtocolConfig(tls_required=True))
    out = h.connect()
    fields = out[-1].error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "08P01")
    assert "SSL is mandatory" in fields["M"]
    h.close()


def test_cancel_request_goes_to_callback_and_closes():
    seen = []
    h = Harness(on_cancel=lambda pid, secret: seen.append((pid, secret)))
    out = h.send(cancel_request(1234, 0xDEADBEEF))
    assert out == [] and seen == [(1234, 0xDEADBEEF)]
    assert h.proto.closed
    h.close()


def test_cleartext_password_success_and_failure():
    auth = StaticAuthenticator({"alice": "s3cret"}, AuthMethod.PASSWORD)
    good = Harness(authenticator=auth)
    out = good.connect()
    assert out[0].auth_code() == 3
    out = good.send(password("s3cret"))
    assert out[0].auth_code() == 0 and out[-1].kind == "Z"
    good.close()

    bad = Harness(authenticator=auth)
    bad.connect()
    fields = bad.send(password("nope"))[-1].error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "28P01")
    assert fields["M"] == 'password authentication failed for user "alice"'
    assert bad.proto.closed and not bad.backend.sessions
    bad.close()


def _scram_connect(auth, user: str, pw: str) -> tuple[Harness, list]:
    h = Harness(authenticator=auth)
    out = h.connect(user=user)
    assert out[0].auth_code() == 10
    assert out[0].payload[4:] == b"SCRAM-SHA-256\0\0"
    client = ScramClient(pw)
    out = h.send(sasl_initial("SCRAM-SHA-256", client.first()))
    assert out[0].auth_code() == 11
    out = h.send(sasl_response(client.final(out[0].payload[4:])))
    if out[0].kind == "R":
        assert out[0].auth_code() == 12
        assert out[0].payload[4:] == b"v=" + __import__("base64").b64encode(client.server_signature)
    return h, out


def test_scram_success():
    auth = StaticAuthenticator({"alice": "pencil"}, AuthMethod.SCRAM_SHA_256)
    h, out = _scram_connect(auth, "alice", "pencil")
    assert [m.auth_code() for m in out if m.kind == "R"] == [12, 0]
    assert out[-1].kind == "Z"
    h.close()


@pytest.mark.parametrize("user", ["alice", "mallory"])
def test_scram_wrong_password_or_unknown_user_is_28p01(user):
    auth = StaticAuthenticator({"alice": "pencil"}, AuthMethod.SCRAM_SHA_256)
    h, out = _scram_connect(auth, user, "wrong" if user == "alice" else "pencil")
    fields = out[-1].error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "28P01")
    assert h.proto.closed
    h.close()


def test_scram_invalid_mechanism_is_protocol_violation():
    auth = StaticAuthenticator({"alice": "pencil"}, AuthMethod.SCRAM_SHA_256)
    h = Harness(authenticator=auth)
    h.connect()
    out = h.send(sasl_initial("SCRAM-SHA-256-PLUS", b"p=tls-server-end-point,,n=,r=abc"))
    assert out[-1].error_fields()["C"] == "08P01"
    h.close()


def test_unknown_user_mock_salt_is_stable():
    auth = StaticAuthenticator({}, AuthMethod.SCRAM_SHA_256)
    salts = []
    for _ in range(2):
        h = Harness(authenticator=auth, config=ProtocolConfig(scram_mock_key=b"k" * 32))
        h.connect(user="ghost")
        out = h.send(sasl_initial("SCRAM-SHA-256", ScramClient("x").first()))
        salts.append(dict(p.split("=", 1) for p in out[0].payload[4:].decode().split(","))["s"])
        h.close()
    assert salts[0] == salts[1]


def test_query_during_authentication_is_protocol_violation():
    h = Harness(authenticator=StaticAuthenticator({"alice": "x"}, AuthMethod.PASSWORD))
    h.connect()
    out = h.send(query("select 1"))
    assert out[-1].error_fields()["C"] == "08P01"
    h.close()


def test_simple_query_select_1():
    h = connected()
    out = h.send(query("select 1"))
    assert kinds(out) == "TDCZ"
    assert out[1].data_row() == [b"1"]
    assert out[2].text() == "SELECT 1"
    h.close()


def test_simple_query_multiple_statements_and_empty():
    h = connected()
    assert kinds(h.send(query("select 1; select 2"))) == "TDCTDCZ"
    assert kinds(h.send(query(""))) == "IZ"
    h.close()


def test_simple_query_error_then_usable():
    h = connected()
    out = h.send(query("select error"))
    assert kinds(out) == "EZ"
    fields = out[0].error_fields()
    assert fields["S"] == "ERROR" and fields["V"] == "ERROR"
    assert fields["C"] == "42601"
    assert fields["D"] == "the fake was asked to fail"
    assert fields["H"] == "do not say error"
    assert fields["P"] == "8"
    assert kinds(h.send(query("select 1"))) == "TDCZ"
    h.close()


def test_internal_error_becomes_xx000_and_connection_survives(caplog):
    h = connected()
    out = h.send(query("boom"))
    assert kinds(out) == "EZ"
    assert out[0].error_fields()["C"] == "XX000"
    assert "boom" not in out[0].error_fields()["M"]
    assert any("internal error" in r.message for r in caplog.records)
    assert kinds(h.send(query("select 1"))) == "TDCZ"
    h.close()


def test_transaction_status_in_ready_for_query():
    h = connected()
    assert h.send(query("begin"))[-1].payload == b"T"
    assert h.send(query("select error"))[-1].payload == b"E"
    out = h.send(query("select 1"))
    assert out[0].error_fields()["C"] == "25P02" and out[-1].payload == b"E"
    assert h.send(query("rollback"))[-1].payload == b"I"
    h.close()


def test_notice_and_warning():
    h = connected()
    out = h.send(query("notice"))
    assert kinds(out) == "NTDCZ"
    assert out[0].error_fields() == {
        "S": "NOTICE",
        "V": "NOTICE",
        "C": "00000",
        "M": "hello from the fake",
    }
    h.send(query("begin"))
    out = h.send(query("begin"))
    assert kinds(out) == "NCZ" and out[0].error_fields()["C"] == "25001"
    h.close()


def test_parameter_changed_becomes_parameter_status():
    h = connected()
    out = h.send(query("set application_name = 'x1'"))
    assert kinds(out) == "SCZ" and out[0].parameter() == ("application_name", "x1")
    h.close()


def test_extended_query_full_cycle_with_binary_params():
    h = connected()
    out = h.send(
        parse("s1", "select $1, $2", [oids.INT4, oids.TEXT]),
        describe("S", "s1"),
        bind("p1", "s1", [struct.pack("!i", 7), b"hi"], [1, 0], [1, 0]),
        describe("P", "p1"),
        execute("p1"),
        sync(),
    )
    assert kinds(out) == "1tT2TDCZ"
    assert struct.unpack("!Hii", out[1].payload) == (2, oids.INT4, oids.TEXT)
    assert out[5].data_row() == [struct.pack("!i", 7), b"hi"]
    assert out[6].text() == "SELECT 1"
    h.close()


def test_extended_query_null_param_and_single_format_code():
    h = connected()
    out = h.send(
        parse("", "select $1::int4, $2::int4"),
        bind("", "", [struct.pack("!i", 1), None], [1], []),
        execute(""),
        sync(),
    )
    assert kinds(out) == "12DCZ"
    assert out[2].data_row() == [b"1", None]
    h.close()


def test_execute_row_limit_suspends_portal():
    h = connected()
    out = h.send(
        parse("", "rows 5"),
        bind("c", ""),
        execute("c", 2),
        execute("c", 2),
        execute("c", 2),
        sync(),
    )
    assert kinds(out) == "12DDsDDsDCZ"
    assert out[-2].text() == "SELECT 5"
    h.close()


def test_describe_of_statement_without_rows_is_no_data():
    h = connected()
    out = h.send(parse("b", "begin"), describe("S", "b"), sync())
    assert kinds(out) == "1tnZ"
    h.close()


def test_extended_error_discards_until_sync():
    h = connected()
    out = h.send(
        parse("", "select error"),
        bind("", ""),
        describe("P", ""),
        execute(""),
        query("select 1"),  # ignored too: we are skipping until Sync
        sync(),
        query("select 1"),
    )
    assert kinds(out) == "EZTDCZ"
    assert out[0].error_fields()["C"] == "42601"
    h.close()


def test_close_and_unknown_statement():
    h = connected()
    out = h.send(parse("s", "select 1"), close("S", "s"), close("P", "nope"), sync())
    assert kinds(out) == "133Z"
    out = h.send(bind("", "s"), sync())
    assert kinds(out) == "EZ" and out[0].error_fields()["C"] == "26000"
    h.close()


def test_flush_calls_the_shell():
    flushed = []

    async def on_flush():
        flushed.append(h.proto.take_output())

    h = Harness(flush=on_flush)
    h.connect()
    h.send(parse("", "select 1"), flush())
    assert len(flushed) == 1 and flushed[0].startswith(b"1")
    h.close()


def test_large_result_is_flushed_in_pieces():
    chunks = []

    async def on_flush():
        chunks.append(h.proto.take_output())

    h = Harness(flush=on_flush, config=ProtocolConfig(outbox_bytes_max=100))
    h.connect()
    rest = h.send(query("rows 50"))
    assert len(chunks) > 5
    assert rest[-1].kind == "Z"
    h.close()


def test_copy_in_simple_query():
    h = connected()
    out = h.send(query("copy t from stdin"))
    assert kinds(out) == "G" and h.proto.state is State.COPY_IN
    out = h.send(copy_data(b"1\n2\n"), flush(), sync(), copy_data(b"3\n"), copy_done())
    assert kinds(out) == "CZ" and out[0].text() == "COPY 3"
    h.close()


def test_copy_in_followed_by_more_statements():
    h = connected()
    h.send(query("copy t from stdin; select 5"))
    out = h.send(copy_data(b"x\n"), copy_done())
    assert kinds(out) == "CTDCZ"
    assert out[2].data_row() == [b"5"]
    h.close()


def test_copy_fail_and_bad_data():
    h = connected()
    h.send(query("copy t from stdin"))
    out = h.send(copy_fail("client gave up"))
    assert kinds(out) == "EZ" and "client gave up" in out[0].error_fields()["M"]
    h.send(query("copy t from stdin"))
    out = h.send(copy_data(b"bad\n"), copy_data(b"ignored\n"), copy_done(), query("select 1"))
    assert kinds(out) == "EZTDCZ"
    h.close()


def test_copy_in_extended_then_sync():
    h = connected()
    out = h.send(parse("", "copy t from stdin"), bind("", ""), execute(""), flush())
    assert kinds(out) == "12G"
    out = h.send(copy_data(b"a\nb\n"), copy_done(), sync())
    assert kinds(out) == "CZ" and out[0].text() == "COPY 2"
    h.close()


def test_unexpected_message_during_copy_aborts_copy():
    h = connected()
    h.send(query("copy t from stdin"))
    out = h.send(query("select 1"))
    assert kinds(out) == "EZ"
    assert out[0].error_fields()["C"] == "08P01"
    assert not h.proto.closed
    h.close()


def test_function_call_is_not_supported():
    h = connected()
    out = h.send(frame(b"F", b"\0\0\0\0"))
    assert kinds(out) == "EZ" and out[0].error_fields()["C"] == "0A000"
    h.close()


def test_invalid_utf8_in_query_is_an_error_not_fatal():
    h = connected()
    out = h.send(frame(b"Q", b"select \xff\0"))
    assert kinds(out) == "EZ" and out[0].error_fields()["C"] == "22021"
    h.close()


@pytest.mark.parametrize(
    "bad",
    [
        frame(b"?", b""),  # unknown type
        b"Q\0\0\0\x02",  # length below 4
        frame(b"Q", b"no terminator"),
        frame(b"S", b"extra"),
        frame(b"D", b"Xname\0"),  # bad describe target
        frame(b"B", b"\0\0\0\x01\0\x02\0\0"),  # 1 format code for... truncated
        b"Q" + struct.pack("!I", 65 * 1024 * 1024),  # oversized: refused from the header
        b"S" + struct.pack("!I", 20_000),  # control messages are small
    ],
)
def test_malformed_messages_are_fatal_08p01(bad):
    h = connected()
    out = h.send(bad)
    fields = out[-1].error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "08P01")
    assert h.proto.closed
    assert h.send(query("select 1")) == []
    h.close()


def test_oversized_startup_packet_is_fatal(h):
    out = h.send(struct.pack("!II", 11 * 1024, 196608))
    assert out[-1].error_fields()["C"] == "08P01"
    assert h.proto.closed


def test_messages_split_across_feeds():
    h = Harness()
    data = (
        startup() + query("select 1") + parse("", "select 2") + bind("", "") + execute("") + sync()
    )
    out = []
    for i in range(len(data)):
        out += h.send(data[i : i + 1])
    assert kinds(out).endswith("ZTDCZ12DCZ")
    h.close()


def test_terminate_closes_and_session_terminated_once():
    h = connected()
    h.send(query("begin"))
    assert h.send(terminate()) == []
    assert h.proto.closed
    h.loop.run_until_complete(h.proto.close())
    h.close()
    assert h.session.terminate_calls == 1
    assert h.session.rolled_back_on_terminate


def test_cancel_reaches_session():
    h = connected()
    h.proto.cancel()
    assert h.session.cancel_calls == 1
    h.close()


def test_too_many_connections_refused_after_startup():
    from borealis.core.errors import TooManyConnections

    h = Harness(reject=TooManyConnections())
    out = h.connect()
    fields = out[-1].error_fields()
    assert (fields["S"], fields["C"], fields["M"]) == (
        "FATAL",
        "53300",
        "Unable to accept connection, too many open connections.",
    )
    h.close()


def test_scram_secret_format_is_postgres_compatible():
    secret = scram.make_secret("pw", salt=b"\0" * 16)
    assert secret.startswith("SCRAM-SHA-256$4096:AAAAAAAAAAAAAAAAAAAAAA==$")
    assert scram.parse_secret(secret).iterations == 4096
