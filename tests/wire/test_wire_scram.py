"""SCRAM-SHA-256 server side against RFC 7677's worked example, plus secrets and SASLprep."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_support import ScramClient

from borealis.wire import scram

pytestmark = pytest.mark.timeout(30)

# RFC 7677 §3: user "user", password "pencil".
RFC_SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
RFC_CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO"
RFC_SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
RFC_CLIENT_FIRST = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
RFC_SERVER_FIRST = (
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
RFC_CLIENT_FINAL = (
    b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
RFC_SERVER_FINAL = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def rfc_server(**kwargs) -> scram.ScramServer:
    secret = scram.derive_secret("pencil", RFC_SALT, 4096)
    return scram.ScramServer(secret, RFC_SERVER_NONCE, **kwargs)


def test_rfc7677_exchange():
    server = rfc_server()
    assert server.handle_client_first(RFC_CLIENT_FIRST) == RFC_SERVER_FIRST
    assert server.handle_client_final(RFC_CLIENT_FINAL) == RFC_SERVER_FINAL


def test_wrong_proof_fails():
    server = scram.ScramServer(scram.derive_secret("other", RFC_SALT, 4096), RFC_SERVER_NONCE)
    server.handle_client_first(RFC_CLIENT_FIRST)
    with pytest.raises(scram.ScramAuthFailed):
        server.handle_client_final(RFC_CLIENT_FINAL)


def test_doomed_exchange_fails_even_with_the_right_proof():
    server = rfc_server(doomed=True)
    server.handle_client_first(RFC_CLIENT_FIRST)
    with pytest.raises(scram.ScramAuthFailed):
        server.handle_client_final(RFC_CLIENT_FINAL)


@pytest.mark.parametrize(
    "first",
    [
        b"p=tls-server-end-point,,n=,r=abc",  # channel binding was not offered
        b"n,a=admin,n=,r=abc",  # authorization identity
        b"x,,n=,r=abc",
        b"n,,r=abc",
        b"n,,n=,r=",
        b"n,,m=ext,n=,r=abc",
        b"n,,",
        b"\xff\xfe",
    ],
)
def test_malformed_client_first(first):
    with pytest.raises(scram.ScramMalformed):
        rfc_server().handle_client_first(first)


@pytest.mark.parametrize(
    "final",
    [
        RFC_CLIENT_FINAL.replace(b"c=biws", b"c=eSws"),  # gs2 header mismatch
        RFC_CLIENT_FINAL.replace(b"r=rOpr", b"r=XOpr"),  # nonce mismatch
        RFC_CLIENT_FINAL.split(b",p=")[0],  # no proof
        RFC_CLIENT_FINAL[:-8],  # proof too short / bad base64
        b"c=biws,garbage,p=AAAA",
    ],
)
def test_malformed_client_final(final):
    server = rfc_server()
    server.handle_client_first(RFC_CLIENT_FIRST)
    with pytest.raises(scram.ScramMalformed):
        server.handle_client_final(final)


def test_client_final_before_first_is_malformed():
    with pytest.raises(scram.ScramMalformed):
        rfc_server().handle_client_final(RFC_CLIENT_FINAL)


def test_gs2_flag_y_is_accepted():
    # libpq sends 'y' over TLS when it could bind but the server offered no -PLUS.
    server = rfc_server()
    server.handle_client_first(b"y,,n=,r=abc")
    with pytest.raises(scram.ScramAuthFailed):  # proof is junk, but the format passes
        server.handle_client_final(
            b"c=eSws,r=abc" + RFC_SERVER_NONCE.encode() + b",p=" + b"A" * 43 + b"="
        )


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=20).filter(lambda t: "\0" not in t))
def test_secret_round_trip_with_test_client(password):
    secret = scram.parse_secret(scram.make_secret(password, iterations=64))
    server = scram.ScramServer(secret, "servernonce")
    client = ScramClient(scram.saslprep_bytes(password).decode("utf-8", "surrogatepass"))
    server_first = server.handle_client_first(client.first())
    assert server.handle_client_final(client.final(server_first)) == b"v=" + base64.b64encode(
        client.server_signature
    )


def test_secret_format():
    text = scram.make_secret("pencil", salt=RFC_SALT)
    mechanism, params, keys = text.split("$")
    assert mechanism == "SCRAM-SHA-256"
    assert params == "4096:W22ZaJ0SNY7soEsUEjb6gQ=="
    stored, server = keys.split(":")
    assert len(base64.b64decode(stored)) == len(base64.b64decode(server)) == 32
    assert scram.parse_secret(text) == scram.derive_secret("pencil", RFC_SALT, 4096)


@pytest.mark.parametrize(
    "bad",
    ["md5abc", "SCRAM-SHA-256$x:AA==$AA==:AA==", "SCRAM-SHA-256$4096:AA==$AA==:AA==", "", "a$b$c"],
)
def test_parse_secret_rejects_garbage(bad):
    with pytest.raises(ValueError):
        scram.parse_secret(bad)


@pytest.mark.parametrize(
    ("raw", "prepared"),
    [
        ("I\u00adX", "IX"),  # RFC 4013 §3 examples
        ("user", "user"),
        ("USER", "USER"),
        ("\u00aa", "a"),
        ("\u2168", "IX"),
        ("\u0007", None),  # ASCII control: PostgreSQL passes pure ASCII through
        ("\u0627\u0031", None),  # bidi rule
        ("a\u00a0b", "a b"),  # non-ASCII space maps to space
    ],
)
def test_saslprep(raw, prepared):
    if raw.isascii():
        assert scram.saslprep(raw) == raw
    else:
        assert scram.saslprep(raw) == prepared


def test_saslprep_failure_falls_back_to_raw_bytes():
    assert scram.saslprep_bytes("\u0627\u0031") == "\u0627\u0031".encode()
