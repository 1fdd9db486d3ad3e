"""IAM token authentication, as Aurora DSQL does it (dsql-behaviour.md §5).

The client sends a SigV4 auth token (`sigv4.py`) as its cleartext password, over TLS.
`IamAuthenticator` implements the wire's `Authenticator` with method PASSWORD and
checks, in this order (cheap and unauthenticated checks first; nothing about roles is
revealed before the signature is good):

    1. the token parses; X-Amz-Expires ≤ one week        → 28P01 (DSQL's "less than a week")
    2. user `admin` ⇔ Action=DbConnectAdmin, any other user ⇔ Action=DbConnect
                                                         → 28000 "Wrong user to action mapping"
    3. service dsql, this server's region, a host name it answers to, not expired
    4. the access key is known, the session token matches, the signature is right
                                                         → 28P01 "IAM authentication failed"
    5. the key may use this Action (its "actions")       → 28000
    6. a non-admin role exists with LOGIN                → 28000 "Role x does not exist"
    7. ... and the key's principal ARN is mapped to it (AWS IAM GRANT) → 28000

Access keys stand in for IAM users and roles. They live in a JSON file, by default
`<data dir>/iam/credentials.json` (mode 0600), created on first start with one key for
the principal `arn:aws:iam::000000000000:role/borealis-admin`:

    [{"access_key_id": "...", "secret_access_key": "...",
      "principal_arn": "arn:aws:iam::000000000000:role/borealis-admin",
      "session_token": "...",                      (optional: temporary credentials)
      "actions": ["DbConnectAdmin", "DbConnect"]}] (optional, the default: what the
                                                    principal's IAM policy would allow)

The file is re-read when it changes, so keys can be added without a restart. Any AWS
SDK configured with one of these keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
generates tokens this server accepts; `borealis token` prints one.

Roles come from a `RoleDirectory` (below): the SQL catalog implements it over
CREATE ROLE … LOGIN and AWS IAM GRANT; `InMemoryRoleDirectory` knows only `admin` and
what a test registers.

`AuthMode.INSECURE_ANY_SIGNATURE` is for CI and demos that use an SDK with whatever
AWS credentials happen to be around: any well-formed, unexpired dsql token is accepted
whatever its key, signature, region or host; steps 1, 2 and 6 still apply.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import secrets
import string
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from borealis.core.errors import (
    BorealisError,
    IamAuthenticationFailed,
    IamExpiresTooLong,
    IamNotAuthorized,
    IamRoleNotFound,
    IamWrongAction,
)
from borealis.wire import sigv4
from borealis.wire.auth import AuthMethod

logger = logging.getLogger(__name__)

ADMIN_USER = "admin"
ADMIN_PRINCIPAL_ARN = "arn:aws:iam::000000000000:role/borealis-admin"
CREDENTIALS_KEYS_MAX = 1_000
CREDENTIALS_FILE_BYTES_MAX = 1024 * 1024
ACCESS_KEY_ID_PREFIX = "BRLS"  # AWS's are AKIA/ASIA…: ours are never mistaken for real ones
_ACCESS_KEY_ID_ALPHABET = string.ascii_uppercase + "234567"
_ACCESS_KEY_ID_CHARS = 20
_SECRET_BYTES = 30  # 40 characters of url-safe base64, like AWS's secrets
_HINT = (
    "make a token with `borealis token`, or with an AWS SDK configured with an access "
    "key from the server's IAM credentials file"
)


class AuthMode(enum.Enum):
    IAM = "iam"
    INSECURE_ANY_SIGNATURE = "insecure-any-signature"


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    principal_arn: str
    session_token: str | None = field(default=None, repr=False)
    actions: frozenset[str] = sigv4.ACTIONS


class AccessKeys(Protocol):
    def lookup(self, access_key_id: str) -> AccessKey | None: ...


class RoleDirectory(Protocol):
    """What IAM authentication needs to know about database roles.

    Both methods are asked only for non-admin users, and only after the token's
    signature has been verified; they may read the catalog (they are awaited).
    """

    async def login_role(self, name: str) -> bool:
        """True if role `name` exists and has the LOGIN attribute."""
        ...

    async def mapped_arns(self, name: str) -> frozenset[str]:
        """The IAM principal ARNs mapped to role `name` by AWS IAM GRANT (empty if none)."""
        ...


class InMemoryRoleDirectory:
    """`admin` (always there, as in DSQL) plus roles registered with `add_role`."""

    def __init__(self) -> None:
        self._roles: dict[str, tuple[bool, frozenset[str]]] = {ADMIN_USER: (True, frozenset())}

    def add_role(self, name: str, *, login: bool = True, arns: Iterable[str] = ()) -> None:
        self._roles[name] = (login, frozenset(arns))

    async def login_role(self, name: str) -> bool:
        entry = self._roles.get(name)
        return entry is not None and entry[0]

    async def mapped_arns(self, name: str) -> frozenset[str]:
        entry = self._roles.get(name)
        return entry[1] if entry is not None else frozenset()


# --- the authenticator --------------------------------------------------------------------


class IamAuthenticator:
    """The `Authenticator` for IAM auth tokens (see the module docstring for the rules).

    `hosts`: the names clients may have signed the token for (wildcards like
    `*.dsql.us-east-1.on.aws` allowed); None or empty accepts any host.
    `clock` returns Unix time; it is injected so tests can move it.
    """

    def __init__(
        self,
        keys: AccessKeys | None,
        roles: RoleDirectory,
        *,
        region: str,
        hosts: Sequence[str] | None = None,
        mode: AuthMode = AuthMode.IAM,
        clock: Callable[[], float] = time.time,
        clock_skew_s: int = sigv4.CLOCK_SKEW_S,
    ) -> None:
        if mode is AuthMode.IAM and keys is None:
            raise ValueError("IAM authentication needs access keys")
        self._keys = keys
        self._roles = roles
        self._region = region
        self._hosts = tuple(hosts or ())
        self._mode = mode
        self._clock = clock
        self._clock_skew_s = clock_skew_s

    async def method(self, user: str, database: str) -> AuthMethod:
        return AuthMethod.PASSWORD

    async def scram_secret(self, user: str) -> str | None:
        return None

    async def check_password(self, user: str, password: str) -> bool:
        try:
            await self._check(user, password)
        except BorealisError as exc:
            logger.info("IAM authentication of user %r failed: %s (%s)", user, exc, exc.detail)
            raise
        return True

    async def _check(self, user: str, password: str) -> None:
        token = self._parse(user, password)
        admin = user == ADMIN_USER
        wanted = sigv4.ACTION_CONNECT_ADMIN if admin else sigv4.ACTION_CONNECT
        if token.action != wanted:
            raise IamWrongAction(user=user, action=token.action)
        key = self._authenticate(user, token)
        if key is not None and token.action not in key.actions:
            raise IamNotAuthorized(
                user=user,
                detail=f"access key {key.access_key_id} may not use Action={token.action}",
            )
        if admin:
            return
        if not await self._roles.login_role(user):
            raise IamRoleNotFound(
                role=user, detail=f'there is no role "{user}" with the LOGIN attribute'
            )
        if key is not None and key.principal_arn not in await self._roles.mapped_arns(user):
            raise IamNotAuthorized(
                user=user,
                detail=f"IAM principal {key.principal_arn} is not mapped to role {user!r}",
                hint=f"as admin: AWS IAM GRANT {user} TO '{key.principal_arn}'",
            )

    def _parse(self, user: str, password: str) -> sigv4.Token:
        try:
            return sigv4.parse_token(password)
        except sigv4.TokenRejected as exc:
            if exc.problem is sigv4.TokenProblem.EXPIRES_TOO_LONG:
                raise IamExpiresTooLong() from None
            raise IamAuthenticationFailed(user=user, detail=str(exc), hint=_HINT) from None

    def _authenticate(self, user: str, token: sigv4.Token) -> AccessKey | None:
        """Check claims and signature; the key that signed (None in insecure mode)."""
        now = self._clock()
        try:
            if self._mode is AuthMode.INSECURE_ANY_SIGNATURE:
                sigv4.check_claims(
                    token, now=now, region=None, hosts=None, clock_skew_s=self._clock_skew_s
                )
                return None
            sigv4.check_claims(
                token,
                now=now,
                region=self._region,
                hosts=self._hosts,
                clock_skew_s=self._clock_skew_s,
            )
            assert self._keys is not None
            key = self._keys.lookup(token.access_key_id)
            if key is None:
                raise sigv4.TokenRejected(
                    sigv4.TokenProblem.UNKNOWN_ACCESS_KEY,
                    f"unknown access key id {token.access_key_id}",
                )
            sigv4.check_signature(token, key.secret_access_key, session_token=key.session_token)
            return key
        except sigv4.TokenRejected as exc:
            raise IamAuthenticationFailed(user=user, detail=str(exc), hint=_HINT) from None


# --- access keys ----------------------------------------------------------------------------


class StaticAccessKeys:
    """A fixed set of keys (tests, and the contents of one credentials file)."""

    def __init__(self, keys: Iterable[AccessKey]) -> None:
        self._by_id: dict[str, AccessKey] = {}
        for key in keys:
            if key.access_key_id in self._by_id:
                raise ValueError(f"access key id {key.access_key_id} appears twice")
            self._by_id[key.access_key_id] = key

    def lookup(self, access_key_id: str) -> AccessKey | None:
        return self._by_id.get(access_key_id)

    def keys(self) -> tuple[AccessKey, ...]:
        return tuple(self._by_id.values())


class CredentialsFile:
    """The keys in a credentials file, re-read when the file changes.

    A change that does not parse is logged and ignored: the keys read last stay in
    force, so a half-edited file never locks everyone out.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._keys = StaticAccessKeys(load_credentials(self.path))
        self._stamp = _stamp(self.path)

    def lookup(self, access_key_id: str) -> AccessKey | None:
        self._reload_if_changed()
        return self._keys.lookup(access_key_id)

    def keys(self) -> tuple[AccessKey, ...]:
        self._reload_if_changed()
        return self._keys.keys()

    def _reload_if_changed(self) -> None:
        stamp = _stamp(self.path)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._keys = StaticAccessKeys(load_credentials(self.path))
        except (OSError, ValueError) as exc:
            logger.warning("%s: not reloaded, keeping the previous keys: %s", self.path, exc)
            return
        logger.info("%s: reloaded", self.path)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def credentials_path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / "iam" / "credentials.json"


def generate_access_key(principal_arn: str = ADMIN_PRINCIPAL_ARN) -> AccessKey:
    suffix_chars = _ACCESS_KEY_ID_CHARS - len(ACCESS_KEY_ID_PREFIX)
    suffix = "".join(secrets.choice(_ACCESS_KEY_ID_ALPHABET) for _ in range(suffix_chars))
    return AccessKey(
        access_key_id=ACCESS_KEY_ID_PREFIX + suffix,
        secret_access_key=secrets.token_urlsafe(_SECRET_BYTES),
        principal_arn=principal_arn,
    )


def ensure_credentials(data_dir: str | os.PathLike[str]) -> Path:
    """The data directory's credentials file, created with one admin key if missing."""
    path = credentials_path(data_dir)
    if path.exists():
        return path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_credentials(path, [generate_access_key()])
    return path


def write_credentials(path: str | os.PathLike[str], keys: Sequence[AccessKey]) -> None:
    """Write `keys` to `path` atomically, readable by the owner only."""
    path = Path(path)
    entries = []
    for key in keys:
        entry: dict[str, object] = {
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret_access_key,
            "principal_arn": key.principal_arn,
        }
        if key.session_token is not None:
            entry["session_token"] = key.session_token
        if key.actions != sigv4.ACTIONS:
            entry["actions"] = sorted(key.actions)
        entries.append(entry)
    data = (json.dumps(entries, indent=2) + "\n").encode()
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply to a file that already existed
    os.replace(tmp, path)


def load_credentials(path: str | os.PathLike[str]) -> tuple[AccessKey, ...]:
    """Read and validate a credentials file; ValueError says what is wrong with it."""
    path = Path(path)
    with open(path, "rb") as f:
        data = f.read(CREDENTIALS_FILE_BYTES_MAX + 1)
    if len(data) > CREDENTIALS_FILE_BYTES_MAX:
        raise ValueError(f"{path}: larger than {CREDENTIALS_FILE_BYTES_MAX} bytes")
    if path.stat().st_mode & 0o077:
        logger.warning("%s is readable by other users: chmod 600 it", path)
    try:
        entries = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    keys = parse_credentials(entries, source=str(path))
    StaticAccessKeys(keys)  # rejects duplicate ids
    return keys


def parse_credentials(entries: object, *, source: str = "credentials") -> tuple[AccessKey, ...]:
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: expected a non-empty JSON list of access keys")
    if len(entries) > CREDENTIALS_KEYS_MAX:
        raise ValueError(f"{source}: more than {CREDENTIALS_KEYS_MAX} access keys")
    return tuple(_parse_key(entry, f"{source}[{i}]") for i, entry in enumerate(entries))


def _parse_key(entry: object, where: str) -> AccessKey:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: expected an object")
    known = {"access_key_id", "secret_access_key", "principal_arn", "session_token", "actions"}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    values = {}
    for name in ("access_key_id", "secret_access_key", "principal_arn"):
        value = entry.get(name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{where}: {name} must be a non-empty string")
        values[name] = value
    if "/" in values["access_key_id"]:
        raise ValueError(f"{where}: access_key_id must not contain '/'")
    if not values["principal_arn"].startswith("arn:"):
        raise ValueError(f"{where}: principal_arn must be an IAM ARN (arn:aws:iam::…)")
    session_token = entry.get("session_token")
    if session_token is not None and not isinstance(session_token, str):
        raise ValueError(f"{where}: session_token must be a string")
    actions = entry.get("actions", sorted(sigv4.ACTIONS))
    if (
        not isinstance(actions, list)
        or not actions
        or not all(isinstance(a, str) and a in sigv4.ACTIONS for a in actions)
    ):
        raise ValueError(f"{where}: actions must be a list of {sorted(sigv4.ACTIONS)}")
    return AccessKey(
        access_key_id=values["access_key_id"],
        secret_access_key=values["secret_access_key"],
        principal_arn=values["principal_arn"],
        session_token=session_token,
        actions=frozenset(actions),
    )


def choose_key(
    keys: Iterable[AccessKey],
    action: str,
    access_key_id: str | None = None,
    user: str | None = None,
) -> AccessKey:
    """The key `borealis token` signs with: the one named; else the first allowed
    `action` whose principal is named like `user` (`arn:…:role/<user>`); else the first
    allowed `action`."""
    keys = tuple(keys)
    if access_key_id is not None:
        for key in keys:
            if key.access_key_id == access_key_id:
                if action not in key.actions:
                    raise ValueError(f"access key {access_key_id} may not use Action={action}")
                return key
        raise ValueError(f"no access key {access_key_id} in the credentials file")
    allowed = [key for key in keys if action in key.actions]
    if not allowed:
        raise ValueError(f"no access key in the credentials file may use Action={action}")
    for key in allowed:
        if user is not None and key.principal_arn.rpartition("/")[2] == user:
            return key
    return allowed[0]
