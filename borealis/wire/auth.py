"""How the wire asks "may this user connect, and how do they prove it?".

`Authenticator` is the interface the state machine calls during startup; it knows
nothing of messages. Three methods exist: TRUST (no proof), PASSWORD (the client sends
the password in clear, over TLS; IAM auth tokens arrive this way, as in Aurora DSQL) and
SCRAM_SHA_256 (the password never crosses the wire; the authenticator hands out the
stored secret and the wire runs the exchange).

`StaticAuthenticator` is a fixed user table, for `borealis start` before roles live in
the catalog, and for tests.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Mapping
from typing import Protocol

from borealis.wire import scram


class AuthMethod(enum.Enum):
    TRUST = "trust"
    PASSWORD = "password"
    SCRAM_SHA_256 = "scram-sha-256"


class Authenticator(Protocol):
    async def method(self, user: str, database: str) -> AuthMethod:
        """Which proof to ask `user` for. Raise BorealisError to refuse outright."""
        ...

    async def scram_secret(self, user: str) -> str | None:
        """The stored SCRAM secret (`scram.make_secret` format), or None if the user
        does not exist (the wire then runs a mock exchange that fails)."""
        ...

    async def check_password(self, user: str, password: str) -> bool:
        """Verify a cleartext password. False → 28P01; raise BorealisError to fail with
        a more specific SQLSTATE and message (e.g. an expired IAM token)."""
        ...


class StaticAuthenticator:
    """A fixed table of users and passwords; every user gets the same method.

    An empty `users` with TRUST admits anyone. Passwords are kept only as SCRAM
    secrets, and cleartext checks re-derive the secret, so no plain password is stored.
    """

    def __init__(
        self, users: Mapping[str, str] | None = None, method: AuthMethod = AuthMethod.TRUST
    ) -> None:
        self._method = method
        self._secrets = {user: scram.make_secret(pw) for user, pw in (users or {}).items()}

    async def method(self, user: str, database: str) -> AuthMethod:
        return self._method

    async def scram_secret(self, user: str) -> str | None:
        return self._secrets.get(user)

    async def check_password(self, user: str, password: str) -> bool:
        stored = self._secrets.get(user)
        if stored is None or not password:
            return False
        secret = scram.parse_secret(stored)
        candidate = scram.derive_secret(password, secret.salt, secret.iterations)
        return hmac.compare_digest(candidate.stored_key, secret.stored_key)
