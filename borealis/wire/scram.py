"""SCRAM-SHA-256 authentication, server side (RFC 5802 with RFC 7677's SHA-256).

Sans-IO: `ScramServer` turns the client's two SASL messages into the server's two
answers and raises on failure; the state machine (`protocol.py`) frames them in
AuthenticationSASLContinue/Final messages. Channel binding is not offered: the server
advertises only ``SCRAM-SHA-256`` (not ``-PLUS``), so a client may send gs2 flag ``n``
or ``y`` but never ``p``.

Stored secrets use PostgreSQL's `pg_authid.rolpassword` format, so secrets can be moved
between Borealis and PostgreSQL either way:

    SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>

Passwords are normalized with SASLprep (RFC 4013) like libpq and PostgreSQL do, with the
same fallback: a password that SASLprep rejects is used as raw UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import stringprep
import unicodedata
from dataclasses import dataclass

from borealis.wire.errors import ProtocolError

MECHANISM = "SCRAM-SHA-256"
ITERATIONS_DEFAULT = 4096  # PostgreSQL's scram_iterations default
SALT_BYTES = 16
NONCE_BYTES = 18  # 24 base64 characters, as PostgreSQL uses
ITERATIONS_MAX = 10_000_000  # refuse absurd stored secrets rather than burn CPU
_KEY_BYTES = 32  # SHA-256 digest size


class ScramAuthFailed(Exception):
    """The proof did not verify (wrong password or unknown user): 28P01."""


class ScramMalformed(ProtocolError):
    """A SASL message does not follow RFC 5802: FATAL 08P01."""


@dataclass(frozen=True, slots=True)
class ScramSecret:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes

    def encode(self) -> str:
        b64 = _b64encode
        return (
            f"{MECHANISM}${self.iterations}:{b64(self.salt)}"
            f"${b64(self.stored_key)}:{b64(self.server_key)}"
        )


# --- secrets ----------------------------------------------------------------------------


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("invalid base64") from None


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def derive_secret(password: str, salt: bytes, iterations: int) -> ScramSecret:
    salted = hashlib.pbkdf2_hmac("sha256", saslprep_bytes(password), salt, iterations)
    stored_key = _sha256(_hmac(salted, b"Client Key"))
    server_key = _hmac(salted, b"Server Key")
    return ScramSecret(iterations, salt, stored_key, server_key)


def make_secret(
    password: str, *, iterations: int = ITERATIONS_DEFAULT, salt: bytes | None = None
) -> str:
    """A stored secret for `password`, in PostgreSQL's text format."""
    if salt is None:
        salt = secrets.token_bytes(SALT_BYTES)
    return derive_secret(password, salt, iterations).encode()


def parse_secret(text: str) -> ScramSecret:
    """Parse PostgreSQL's format; raises ValueError if it is not a SCRAM-SHA-256 secret."""
    try:
        mechanism, params, keys = text.split("$")
        iterations_text, salt_text = params.split(":")
        stored_text, server_text = keys.split(":")
    except ValueError:
        raise ValueError("not a SCRAM-SHA-256 secret") from None
    if mechanism != MECHANISM or not iterations_text.isdigit():
        raise ValueError("not a SCRAM-SHA-256 secret")
    iterations = int(iterations_text)
    stored_key, server_key = _b64decode(stored_text), _b64decode(server_text)
    if not 0 < iterations <= ITERATIONS_MAX or len(stored_key) != _KEY_BYTES:
        raise ValueError("invalid SCRAM-SHA-256 secret")
    if len(server_key) != _KEY_BYTES:
        raise ValueError("invalid SCRAM-SHA-256 secret")
    return ScramSecret(iterations, _b64decode(salt_text), stored_key, server_key)


def mock_secret(user: str, server_key: bytes) -> ScramSecret:
    """A stable fake secret for a user that does not exist.

    The exchange then runs to the end and fails at the proof, with a salt that is the
    same on every attempt, so a client cannot tell "no such user" from "wrong password".
    """
    salt = _hmac(server_key, b"salt:" + user.encode("utf-8"))[:SALT_BYTES]
    filler = _hmac(server_key, b"key:" + user.encode("utf-8"))
    return ScramSecret(ITERATIONS_DEFAULT, salt, filler, filler)


# --- SASLprep (RFC 4013) ----------------------------------------------------------------

_PROHIBITED = (
    stringprep.in_table_c12,
    stringprep.in_table_c21,
    stringprep.in_table_c22,
    stringprep.in_table_c3,
    stringprep.in_table_c4,
    stringprep.in_table_c5,
    stringprep.in_table_c6,
    stringprep.in_table_c7,
    stringprep.in_table_c8,
    stringprep.in_table_c9,
    stringprep.in_table_a1,  # unassigned: passwords are "stored strings"
)


def saslprep(text: str) -> str | None:
    """SASLprep `text`, or None if it contains prohibited characters."""
    if text.isascii():
        return text  # PostgreSQL's shortcut: ASCII passes through untouched
    mapped = "".join(
        " " if stringprep.in_table_c12(ch) else ch for ch in text if not stringprep.in_table_b1(ch)
    )
    normalized = unicodedata.ucd_3_2_0.normalize("NFKC", mapped)
    if not normalized or any(check(ch) for ch in normalized for check in _PROHIBITED):
        return None
    if any(stringprep.in_table_d1(ch) for ch in normalized):
        if any(stringprep.in_table_d2(ch) for ch in normalized):
            return None
        if not (stringprep.in_table_d1(normalized[0]) and stringprep.in_table_d1(normalized[-1])):
            return None
    return normalized


def saslprep_bytes(password: str) -> bytes:
    prepared = saslprep(password)
    return (prepared if prepared is not None else password).encode("utf-8", "surrogatepass")


# --- the exchange -----------------------------------------------------------------------


def _attributes(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in text.split(","):
        if len(part) < 2 or part[1] != "=" or not part[0].isalpha():
            raise ScramMalformed("malformed SCRAM message")
        pairs.append((part[0], part[2:]))
    return pairs


def _ascii(data: bytes) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise ScramMalformed("malformed SCRAM message (non-ASCII data)") from None


class ScramServer:
    """One SCRAM-SHA-256 exchange: client-first → server-first, client-final → server-final.

    `doomed` runs a mock exchange (unknown user) that always fails at the proof.
    """

    def __init__(self, secret: ScramSecret, server_nonce: str, *, doomed: bool = False) -> None:
        self._secret = secret
        self._server_nonce = server_nonce
        self._doomed = doomed
        self._gs2_header = ""
        self._nonce = ""
        self._auth_prefix = ""  # client-first-bare "," server-first
        self.expects_first = True

    def handle_client_first(self, data: bytes) -> bytes:
        if not self.expects_first:
            raise ScramMalformed("unexpected SCRAM client-first message")
        text = _ascii(data)
        flag, authzid, bare = self._split_gs2(text)
        self._gs2_header = f"{flag},{authzid},"
        attrs = _attributes(bare)
        if len(attrs) < 2 or attrs[0][0] != "n" or attrs[1][0] != "r":
            raise ScramMalformed("malformed SCRAM message (expected n= and r=)")
        client_nonce = attrs[1][1]
        if not client_nonce or not client_nonce.isprintable():
            raise ScramMalformed("malformed SCRAM message (invalid nonce)")
        self._nonce = client_nonce + self._server_nonce
        server_first = (
            f"r={self._nonce},s={_b64encode(self._secret.salt)},i={self._secret.iterations}"
        )
        self._auth_prefix = f"{bare},{server_first}"
        self.expects_first = False
        return server_first.encode("ascii")

    @staticmethod
    def _split_gs2(text: str) -> tuple[str, str, str]:
        parts = text.split(",", 2)
        if len(parts) != 3:
            raise ScramMalformed("malformed SCRAM message (gs2 header)")
        flag, authzid, bare = parts
        if flag.startswith("p="):
            raise ScramMalformed(
                "SCRAM channel binding was requested, but the server did not offer it"
            )
        if flag not in ("n", "y"):
            raise ScramMalformed("malformed SCRAM message (channel binding flag)")
        if authzid:
            raise ScramMalformed("client uses authorization identity, which is not supported")
        return flag, authzid, bare

    def handle_client_final(self, data: bytes) -> bytes:
        if self.expects_first:
            raise ScramMalformed("unexpected SCRAM client-final message")
        text = _ascii(data)
        without_proof, sep, proof_text = text.rpartition(",p=")
        if not sep:
            raise ScramMalformed("malformed SCRAM message (no proof)")
        attrs = dict(_attributes(without_proof))
        if attrs.get("c") != _b64encode(self._gs2_header.encode("ascii")):
            raise ScramMalformed("SCRAM channel binding check failed")
        if attrs.get("r") != self._nonce:
            raise ScramMalformed("SCRAM nonce mismatch")
        try:
            proof = _b64decode(proof_text)
        except ValueError:
            raise ScramMalformed("malformed SCRAM message (invalid proof)") from None
        if len(proof) != _KEY_BYTES:
            raise ScramMalformed("malformed SCRAM message (invalid proof length)")
        auth_message = f"{self._auth_prefix},{without_proof}".encode("ascii")
        self._verify(proof, auth_message)
        signature = _hmac(self._secret.server_key, auth_message)
        return f"v={_b64encode(signature)}".encode("ascii")

    def _verify(self, proof: bytes, auth_message: bytes) -> None:
        client_signature = _hmac(self._secret.stored_key, auth_message)
        client_key = bytes(a ^ b for a, b in zip(proof, client_signature))
        ok = hmac.compare_digest(_sha256(client_key), self._secret.stored_key)
        if self._doomed or not ok:
            raise ScramAuthFailed()
