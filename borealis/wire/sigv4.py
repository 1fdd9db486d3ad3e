"""Aurora DSQL auth tokens: SigV4 presigned URLs, parsed, checked and signed (pure, no I/O).

A DSQL client proves who it is by sending, as its cleartext PostgreSQL password, a
SigV4 query-signed ("presigned") URL without its scheme:

    <host>/?Action=DbConnect|DbConnectAdmin&X-Amz-Algorithm=AWS4-HMAC-SHA256
      &X-Amz-Credential=<AKID>%2F<yyyymmdd>%2F<region>%2Fdsql%2Faws4_request
      &X-Amz-Date=<yyyymmddThhmmssZ>&X-Amz-Expires=<secs>&X-Amz-SignedHeaders=host
      [&X-Amz-Security-Token=<session token>]&X-Amz-Signature=<64 hex>

Generation is offline (AWS SDKs do it locally), so a server that knows the secret key
for the access key id can verify the token exactly as AWS would. This module follows the
SigV4 specification (AWS "Signature Version 4 signing process", query-string
authentication):

    canonical request = GET \\n / \\n <canonical query> \\n host:<host>\\n \\n host \\n <payload hash>
        canonical query: every parameter but X-Amz-Signature, names and values
        RFC 3986-encoded (only A-Z a-z 0-9 - _ . ~ left as is), sorted;
        payload hash: hex SHA-256 of the empty body
    string to sign    = AWS4-HMAC-SHA256 \\n <X-Amz-Date> \\n <date>/<region>/dsql/aws4_request
                        \\n hex(SHA-256(canonical request))
    signing key       = HMAC chain: "AWS4"+secret → date → region → "dsql" → "aws4_request"
    signature         = hex(HMAC(signing key, string to sign))

Decisions where DSQL's documentation is silent:
- The host may carry a port (`127.0.0.1:5432`). As in the Host header an HTTP client
  would send for the URL, it is signed lowercased and without the default port 443;
  the port is ignored when the host is matched against the names the server answers to.
- A token whose payload hash is `UNSIGNED-PAYLOAD` (what some SDKs' presigners use) is
  accepted too: both hashes are tried, the secret is still required.
- `X-Amz-Date` may lie up to `CLOCK_SKEW_S` in the future (client clocks drift); expiry
  is exact: a token is good for `X-Amz-Expires` seconds after `X-Amz-Date`, no more.
- `X-Amz-Expires` must be 1..604,800; beyond, DSQL's own "less than a week" failure.

Every check raises `TokenRejected` with a `TokenProblem`; the IAM authenticator
(`iam.py`) turns problems into DSQL's client-visible errors.
"""

from __future__ import annotations

import calendar
import enum
import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "dsql"
TERMINATOR = "aws4_request"
ACTION_CONNECT = "DbConnect"
ACTION_CONNECT_ADMIN = "DbConnectAdmin"
ACTIONS = frozenset({ACTION_CONNECT, ACTION_CONNECT_ADMIN})
SIGNED_HEADERS = "host"
EXPIRES_S_MAX = 604_800  # one week: SigV4's limit for presigned URLs, and DSQL's
EXPIRES_S_DEFAULT = 900  # what the AWS CLI and SDKs use
CLOCK_SKEW_S = 300  # how far in the future X-Amz-Date may be
TOKEN_CHARS_MAX = 16_384  # session tokens are long, but not this long
PARAMETERS_MAX = 32
HOST_CHARS_MAX = 261  # a 253-char DNS name plus ":65535"
EMPTY_PAYLOAD_HASH = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
_DATE = re.compile(r"\d{8}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_EXPIRES = re.compile(r"\d{1,10}")
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_HOST = re.compile(r"[A-Za-z0-9._:\[\]-]+")
_REQUIRED = (
    "Action",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


class TokenProblem(enum.Enum):
    MALFORMED = "malformed"  # not a presigned URL of the expected shape
    EXPIRES_TOO_LONG = "expires-too-long"  # X-Amz-Expires beyond one week
    WRONG_SERVICE = "wrong-service"  # signed for another service than dsql
    WRONG_REGION = "wrong-region"
    WRONG_HOST = "wrong-host"  # signed for a name this server does not answer to
    NOT_YET_VALID = "not-yet-valid"  # X-Amz-Date too far in the future
    EXPIRED = "expired"
    UNKNOWN_ACCESS_KEY = "unknown-access-key"
    BAD_SECURITY_TOKEN = "bad-security-token"
    BAD_SIGNATURE = "bad-signature"


class TokenRejected(Exception):
    """The token is refused; `problem` says why, the message says it for a person."""

    def __init__(self, problem: TokenProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Token:
    """A parsed token. `parameters` are decoded, in the order sent, without the signature."""

    host: str  # as signed, possibly with a port
    action: str
    access_key_id: str
    date: str  # yyyymmdd of the credential scope
    region: str
    service: str
    amz_date: str  # yyyymmddThhmmssZ
    signed_at: int  # X-Amz-Date as a Unix time
    expires_s: int
    security_token: str | None
    signature: str
    parameters: tuple[tuple[str, str], ...]

    @property
    def expires_at(self) -> int:
        return self.signed_at + self.expires_s


# --- parsing ----------------------------------------------------------------------------


def parse_token(text: str) -> Token:
    """Parse a token; raises `TokenRejected` (MALFORMED or EXPIRES_TOO_LONG)."""
    if len(text) > TOKEN_CHARS_MAX:
        raise _malformed("token too long")
    if text.startswith("https://"):  # some tools keep the scheme botocore strips
        text = text[len("https://") :]
    host, sep, query = text.partition("/?")
    if not sep or not host or len(host) > HOST_CHARS_MAX or not _HOST.fullmatch(host):
        raise _malformed("expected <host>/?<query>")
    params = _parse_query(query)
    missing = [name for name in _REQUIRED if name not in params]
    if missing:
        raise _malformed(f"missing {', '.join(missing)}")
    action = params["Action"]
    if action not in ACTIONS:
        raise _malformed(f"unknown Action {action!r}")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _malformed(f"X-Amz-Algorithm must be {ALGORITHM}")
    if params["X-Amz-SignedHeaders"] != SIGNED_HEADERS:
        raise _malformed(f"X-Amz-SignedHeaders must be {SIGNED_HEADERS!r}")
    signature = params["X-Amz-Signature"]
    if not _SIGNATURE.fullmatch(signature):
        raise _malformed("X-Amz-Signature must be 64 lowercase hex digits")
    access_key_id, date, region, service = _parse_credential(params["X-Amz-Credential"])
    amz_date = params["X-Amz-Date"]
    signed_at = _parse_amz_date(amz_date)
    if amz_date[:8] != date:
        raise _malformed("X-Amz-Credential date differs from X-Amz-Date")
    return Token(
        host=host,
        action=action,
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=service,
        amz_date=amz_date,
        signed_at=signed_at,
        expires_s=_parse_expires(params["X-Amz-Expires"]),
        security_token=params.get("X-Amz-Security-Token"),
        signature=signature,
        parameters=tuple((k, v) for k, v in params.items() if k != "X-Amz-Signature"),
    )


def _parse_query(query: str) -> dict[str, str]:
    pairs = query.split("&")
    if len(pairs) > PARAMETERS_MAX:
        raise _malformed("too many parameters")
    params: dict[str, str] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name:
            raise _malformed("query parameters must be name=value")
        try:
            name, value = unquote(name, errors="strict"), unquote(value, errors="strict")
        except UnicodeDecodeError:
            raise _malformed("query parameters are not valid UTF-8") from None
        if name in params:
            raise _malformed(f"parameter {name} given twice")
        params[name] = value
    return params


def _parse_credential(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != TERMINATOR:
        raise _malformed(
            "X-Amz-Credential must be <access key id>/<yyyymmdd>/<region>/<service>/aws4_request"
        )
    access_key_id, date, region, service = parts[:4]
    if not access_key_id or not _DATE.fullmatch(date) or not _REGION.fullmatch(region):
        raise _malformed("X-Amz-Credential has an invalid access key id, date or region")
    if not service:
        raise _malformed("X-Amz-Credential has no service")
    return access_key_id, date, region, service


def _parse_amz_date(amz_date: str) -> int:
    if not _AMZ_DATE.fullmatch(amz_date):
        raise _malformed("X-Amz-Date must look like 20260101T000000Z")
    try:
        parsed = time.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise _malformed("X-Amz-Date is not a valid date") from None
    return calendar.timegm(parsed)


def _parse_expires(value: str) -> int:
    if not _EXPIRES.fullmatch(value):
        raise _malformed("X-Amz-Expires should be a number")
    expires_s = int(value)
    if expires_s < 1:
        raise _malformed("X-Amz-Expires must be at least 1")
    if expires_s > EXPIRES_S_MAX:
        raise TokenRejected(
            TokenProblem.EXPIRES_TOO_LONG,
            "X-Amz-Expires must be less than a week (in seconds); that is, "
            f"the given X-Amz-Expires must be less than {EXPIRES_S_MAX} seconds",
        )
    return expires_s


def _malformed(why: str) -> TokenRejected:
    return TokenRejected(TokenProblem.MALFORMED, f"malformed auth token: {why}")


# --- checks -----------------------------------------------------------------------------


def check_claims(
    token: Token,
    *,
    now: float,
    region: str | None,
    hosts: Sequence[str] | None,
    clock_skew_s: int = CLOCK_SKEW_S,
) -> None:
    """Check what the token says against this server: service, region (None: any),
    host (None or empty: any) and the validity window at `now` (Unix time)."""
    if token.service != SERVICE:
        raise TokenRejected(
            TokenProblem.WRONG_SERVICE, f"token signed for service {token.service!r}, not dsql"
        )
    if region is not None and token.region != region:
        raise TokenRejected(
            TokenProblem.WRONG_REGION, f"token signed for region {token.region}, not {region}"
        )
    if hosts and not host_matches(token.host, hosts):
        raise TokenRejected(
            TokenProblem.WRONG_HOST, f"token signed for host {token.host!r}, not this endpoint"
        )
    if token.signed_at > now + clock_skew_s:
        raise TokenRejected(TokenProblem.NOT_YET_VALID, "token is not yet valid (X-Amz-Date)")
    if now > token.expires_at:
        raise TokenRejected(
            TokenProblem.EXPIRED, f"token expired at {_format_amz_date(token.expires_at)}"
        )


def check_signature(
    token: Token, secret_access_key: str, *, session_token: str | None = None
) -> None:
    """Recompute the signature with the key's secret (and, for temporary credentials,
    its session token) and compare in constant time."""
    if not _same(token.security_token, session_token):
        raise TokenRejected(TokenProblem.BAD_SECURITY_TOKEN, "X-Amz-Security-Token does not match")
    key = signing_key(secret_access_key, token.date, token.region, token.service)
    matched = False
    for payload_hash in (EMPTY_PAYLOAD_HASH, UNSIGNED_PAYLOAD):  # no early exit
        expected = _signature(key, token, payload_hash)
        matched |= hmac.compare_digest(expected.encode(), token.signature.encode())
    if not matched:
        raise TokenRejected(TokenProblem.BAD_SIGNATURE, "signature does not match")


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """Does `host` (port ignored, case-insensitive) match one of `patterns`? A pattern
    `*.example.com` matches exactly one more label, as in a certificate."""
    name = _host_name(host)
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            label, dot, rest = name.partition(".")
            if dot and label and rest == pattern[2:]:
                return True
        elif name == pattern:
            return True
    return False


def _host_name(host: str) -> str:
    host = host.lower()
    if host.startswith("["):  # [::1] or [::1]:5432
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return hmac.compare_digest(a.encode(), b.encode())


# --- signing ----------------------------------------------------------------------------


def signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(("AWS4" + secret_access_key).encode(), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def canonical_request(token: Token, payload_hash: str = EMPTY_PAYLOAD_HASH) -> str:
    return "\n".join(
        (
            "GET",
            "/",
            canonical_query(token.parameters),
            f"host:{_canonical_host(token.host)}",
            "",
            SIGNED_HEADERS,
            payload_hash,
        )
    )


def canonical_query(parameters: Iterable[tuple[str, str]]) -> str:
    encoded = sorted((_encode(name), _encode(value)) for name, value in parameters)
    return "&".join(f"{name}={value}" for name, value in encoded)


def string_to_sign(token: Token, payload_hash: str = EMPTY_PAYLOAD_HASH) -> str:
    scope = f"{token.date}/{token.region}/{token.service}/{TERMINATOR}"
    digest = hashlib.sha256(canonical_request(token, payload_hash).encode()).hexdigest()
    return f"{ALGORITHM}\n{token.amz_date}\n{scope}\n{digest}"


def sign_token(
    *,
    host: str,
    action: str,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    now: float,
    expires_s: int = EXPIRES_S_DEFAULT,
    session_token: str | None = None,
) -> str:
    """A token as an AWS SDK's `generate_db_connect[_admin]_auth_token` makes it."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {sorted(ACTIONS)}")
    if expires_s < 1:
        raise ValueError("expires_s must be positive")
    signed_at = int(now)
    amz_date = _format_amz_date(signed_at)
    date = amz_date[:8]
    parameters = [
        ("Action", action),
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{access_key_id}/{date}/{region}/{SERVICE}/{TERMINATOR}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires_s)),
        ("X-Amz-SignedHeaders", SIGNED_HEADERS),
    ]
    if session_token is not None:
        parameters.append(("X-Amz-Security-Token", session_token))
    unsigned = Token(
        host=host,
        action=action,
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=SERVICE,
        amz_date=amz_date,
        signed_at=signed_at,
        expires_s=expires_s,
        security_token=session_token,
        signature="",
        parameters=tuple(parameters),
    )
    key = signing_key(secret_access_key, date, region, SERVICE)
    signature = _signature(key, unsigned, EMPTY_PAYLOAD_HASH)
    return f"{host}/?{canonical_query(parameters)}&X-Amz-Signature={signature}"


def _canonical_host(host: str) -> str:
    # The token is an https URL without its scheme: the Host header an HTTP client
    # would send for it is the lowercased name, without the default port 443.
    host = host.lower()
    if host.endswith(":443") and (not host.startswith("[") or "]:" in host):
        host = host[: -len(":443")]
    return host


def _signature(key: bytes, token: Token, payload_hash: str) -> str:
    return hmac.new(key, string_to_sign(token, payload_hash).encode(), hashlib.sha256).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _format_amz_date(unix_time: int) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(unix_time))
