"""DSQL auth tokens (`borealis.wire.sigv4`): parsing, SigV4 verification, claims, signing.

Interoperability is checked against botocore's own token generator, the one
aurora-dsql-python-connector, SQLAlchemy's and Django's DSQL backends call.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import hmac
import time

import botocore.auth
import botocore.session
import pytest

from borealis.wire import sigv4
from borealis.wire.sigv4 import TokenProblem, TokenRejected

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDH+session/token=="
ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"
HOSTS = ("localhost", "127.0.0.1", "::1", "*.dsql.us-east-1.on.aws")
FIXED = datetime.datetime(2026, 11, 22, 14, 24, 25)
FIXED_UNIX = calendar.timegm(FIXED.timetuple())
# botocore 1.44.5, generate_db_connect_admin_auth_token(ENDPOINT, "us-east-1", 60) at FIXED
KNOWN_ANSWER = (
    f"{ENDPOINT}/?Action=DbConnectAdmin&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIDEXAMPLE%2F20261122%2Fus-east-1%2Fdsql%2Faws4_request"
    "&X-Amz-Date=20261122T142425Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=dd78e2c63bd1889977108c32cdf5a493a63d7f6cea49088f1f274c4902eda19b"
)


def dsql_client(region="us-east-1", session_token=None, secret=SECRET):
    session = botocore.session.get_session()
    session.set_credentials(AKID, secret, session_token)
    return session.create_client("dsql", region_name=region)


@pytest.fixture
def frozen_botocore(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda remove_tzinfo=True: FIXED)


def rejected(token: str, *, secret=SECRET, session_token=None, now=None, region="us-east-1",
             hosts=HOSTS) -> TokenProblem:
    with pytest.raises(TokenRejected) as info:
        verify(token, secret=secret, session_token=session_token, now=now, region=region,
               hosts=hosts)
    return info.value.problem


def verify(token: str, *, secret=SECRET, session_token=None, now=None, region="us-east-1",
           hosts=HOSTS) -> sigv4.Token:
    parsed = sigv4.parse_token(token)
    sigv4.check_claims(parsed, now=time.time() if now is None else now, region=region,
                       hosts=hosts)
    sigv4.check_signature(parsed, secret, session_token=session_token)
    return parsed


# --- interoperability with botocore ------------------------------------------------------


@pytest.mark.parametrize("host", [ENDPOINT, "ABCDEF.Dsql.US-East-1.on.aws", "127.0.0.1",
                                  "127.0.0.1:5432", "localhost:443", "[::1]"])
@pytest.mark.parametrize("session_token", [None, SESSION_TOKEN])
def test_botocore_admin_tokens_verify(host, session_token):
    client = dsql_client(session_token=session_token)
    token = client.generate_db_connect_admin_auth_token(host, "us-east-1")
    parsed = verify(token, session_token=session_token)
    assert parsed.action == "DbConnectAdmin"
    assert parsed.host == host
    assert parsed.access_key_id == AKID
    assert parsed.expires_s == 900
    assert parsed.security_token == session_token


def test_botocore_connect_token_verifies_in_its_region():
    token = dsql_client("eu-west-1").generate_db_connect_auth_token(
        "cluster.dsql.eu-west-1.on.aws", "eu-west-1", 60)
    parsed = verify(token, region="eu-west-1", hosts=["*.dsql.eu-west-1.on.aws"])
    assert (parsed.action, parsed.region, parsed.service, parsed.expires_s) == (
        "DbConnect", "eu-west-1", "dsql", 60)


def test_known_answer_matches_sign_token():
    assert sigv4.sign_token(host=ENDPOINT, action="DbConnectAdmin", access_key_id=AKID,
                            secret_access_key=SECRET, region="us-east-1", now=FIXED_UNIX,
                            expires_s=60) == KNOWN_ANSWER
    verify(KNOWN_ANSWER, now=FIXED_UNIX + 60)


@pytest.mark.parametrize("action", ["DbConnect", "DbConnectAdmin"])
@pytest.mark.parametrize("session_token", [None, SESSION_TOKEN])
def test_sign_token_equals_botocore(frozen_botocore, action, session_token):
    client = dsql_client(session_token=session_token)
    generate = (client.generate_db_connect_admin_auth_token if action == "DbConnectAdmin"
                else client.generate_db_connect_auth_token)
    theirs = generate(ENDPOINT, "us-east-1", 300)
    ours = sigv4.sign_token(host=ENDPOINT, action=action, access_key_id=AKID,
                            secret_access_key=SECRET, region="us-east-1", now=FIXED_UNIX,
                            expires_s=300, session_token=session_token)
    a, b = sigv4.parse_token(theirs), sigv4.parse_token(ours)
    assert a.signature == b.signature
    assert sorted(a.parameters) == sorted(b.parameters)


def test_unsigned_payload_variant_is_accepted():
    token = sigv4.parse_token(sigv4.sign_token(
        host=ENDPOINT, action="DbConnect", access_key_id=AKID, secret_access_key=SECRET,
        region="us-east-1", now=FIXED_UNIX))
    key = sigv4.signing_key(SECRET, token.date, token.region, token.service)
    other = hmac.new(key, sigv4.string_to_sign(token, sigv4.UNSIGNED_PAYLOAD).encode(),
                     hashlib.sha256).hexdigest()
    assert other != token.signature
    text = sigv4.canonical_query(token.parameters)
    verify(f"{ENDPOINT}/?{text}&X-Amz-Signature={other}", now=FIXED_UNIX)


# --- tampering ----------------------------------------------------------------------------


def fresh(host=ENDPOINT, action="DbConnectAdmin", region="us-east-1", expires_s=900,
          session_token=None, now=None):
    return sigv4.sign_token(host=host, action=action, access_key_id=AKID,
                            secret_access_key=SECRET, region=region,
                            now=time.time() if now is None else now, expires_s=expires_s,
                            session_token=session_token)


@pytest.mark.parametrize("old, new", [
    ("Action=DbConnectAdmin", "Action=DbConnect"),
    ("X-Amz-Expires=900", "X-Amz-Expires=901"),
    ("abcdefghij", "abcdefghik"),
    ("AKIDEXAMPLE", "AKIDEXAMPLF"),
])
def test_tampered_fields_break_the_signature(old, new):
    token = fresh()
    assert old in token
    assert rejected(token.replace(old, new, 1)) is TokenProblem.BAD_SIGNATURE


def test_tampered_signature_and_wrong_secret():
    token = fresh()
    last = token[-1]
    flipped = token[:-1] + ("0" if last != "0" else "1")
    assert rejected(flipped) is TokenProblem.BAD_SIGNATURE
    assert rejected(token, secret=SECRET + "x") is TokenProblem.BAD_SIGNATURE


def test_security_token_must_match_the_key():
    with_token = fresh(session_token=SESSION_TOKEN)
    assert rejected(with_token) is TokenProblem.BAD_SECURITY_TOKEN
    assert rejected(with_token, session_token="other") is TokenProblem.BAD_SECURITY_TOKEN
    assert rejected(fresh(), session_token=SESSION_TOKEN) is TokenProblem.BAD_SECURITY_TOKEN
    verify(with_token, session_token=SESSION_TOKEN)


# --- claims -------------------------------------------------------------------------------


def test_expiry_is_exact():
    token = fresh(now=FIXED_UNIX, expires_s=60)
    verify(token, now=FIXED_UNIX + 60)
    assert rejected(token, now=FIXED_UNIX + 61) is TokenProblem.EXPIRED


def test_future_dates_within_clock_skew():
    token = fresh(now=FIXED_UNIX)
    verify(token, now=FIXED_UNIX - sigv4.CLOCK_SKEW_S)
    assert rejected(token, now=FIXED_UNIX - sigv4.CLOCK_SKEW_S - 1) is TokenProblem.NOT_YET_VALID


def test_wrong_region():
    token = fresh(region="eu-west-1")
    assert rejected(token) is TokenProblem.WRONG_REGION
    verify(token, region="eu-west-1")


def test_wrong_service():
    token = fresh().replace("%2Fdsql%2F", "%2Frds-db%2F")
    assert rejected(token) is TokenProblem.WRONG_SERVICE


@pytest.mark.parametrize("host", ["evil.example.com", "a.b.dsql.us-east-1.on.aws",
                                  "dsql.us-east-1.on.aws", "x.dsql.eu-west-1.on.aws",
                                  "127.0.0.2"])
def test_wrong_host(host):
    token = fresh(host=host)
    assert rejected(token) is TokenProblem.WRONG_HOST
    verify(token, hosts=None)  # no names configured: any host
    verify(token, hosts=())


def test_host_matching():
    assert sigv4.host_matches("X.DSQL.us-east-1.on.aws:5432", ["*.dsql.us-east-1.on.aws"])
    assert sigv4.host_matches("[::1]:5432", ["::1"])
    assert sigv4.host_matches("localhost.", ["localhost"])
    assert not sigv4.host_matches(".dsql.us-east-1.on.aws", ["*.dsql.us-east-1.on.aws"])
    assert not sigv4.host_matches("localhostx", ["localhost"])


# --- format -------------------------------------------------------------------------------


def test_expires_beyond_a_week():
    token = dsql_client().generate_db_connect_admin_auth_token(ENDPOINT, "us-east-1", 604801)
    with pytest.raises(TokenRejected) as info:
        sigv4.parse_token(token)
    assert info.value.problem is TokenProblem.EXPIRES_TOO_LONG
    assert "X-Amz-Expires must be less than a week (in seconds)" in str(info.value)
    verify(fresh(expires_s=604800))


@pytest.mark.parametrize("mangle", [
    lambda t: "",
    lambda t: "not a token",
    lambda t: t.replace("/?", "?"),
    lambda t: "/" + t.partition("/")[2],
    lambda t: t.replace("X-Amz-Expires=900", "X-Amz-Expires=0"),
    lambda t: t.replace("X-Amz-Expires=900", "X-Amz-Expires=-5"),
    lambda t: t.replace("X-Amz-Expires=900", "X-Amz-Expires=soon"),
    lambda t: t.replace("Action=DbConnectAdmin", "Action=connect"),
    lambda t: t.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"),
    lambda t: t.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Bx-amz-date"),
    lambda t: t.replace("%2Faws4_request", "%2Faws4"),
    lambda t: t.replace("X-Amz-Date=2", "X-Amz-Date=1"),  # credential date differs
    lambda t: t.replace("&X-Amz-Signature=", "&X-Amz-Signature=zz"),
    lambda t: t.replace("&X-Amz-Signature", "&Action=DbConnect&X-Amz-Signature"),
    lambda t: t.replace("&X-Amz-Date", "&X-Amz-Foo=%FF&X-Amz-Date"),
    lambda t: t.replace("&X-Amz-Date", "&flag&X-Amz-Date"),
    lambda t: t.partition("&X-Amz-Credential")[0],
    lambda t: t + "&pad=" + "x" * sigv4.TOKEN_CHARS_MAX,
    lambda t: t + "&x=1" * sigv4.PARAMETERS_MAX,
])
def test_malformed_tokens(mangle):
    with pytest.raises(TokenRejected) as info:
        sigv4.parse_token(mangle(fresh()))
    assert info.value.problem is TokenProblem.MALFORMED


def test_scheme_prefix_is_tolerated():
    verify("https://" + fresh())


def test_sign_token_refuses_unknown_action():
    with pytest.raises(ValueError):
        sigv4.sign_token(host="h", action="connect", access_key_id=AKID,
                         secret_access_key=SECRET, region="us-east-1", now=FIXED_UNIX)
