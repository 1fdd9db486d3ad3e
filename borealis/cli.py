"""The `borealis` command.

    borealis start [--data-dir DIR] [--shards N (1)] [--host H] [--port P] [--compat dsql|relaxed]
                   [--auth iam|trust|insecure-any-signature] [--region R]
                   [--iam-credentials FILE] [--endpoint NAME]... [--tls required|optional]
                   [--max-connections N] [--connection-rate N] [--connection-burst N]
                   [--connection-lifetime SECONDS]                   the embedded cluster
    borealis token [--data-dir DIR] [--iam-credentials FILE] [--host H] [--region R]
                   [--admin | --user U] [--expires N] [--access-key-id AKID]
                                                                     print an IAM auth token
    borealis sim [--seeds N] [--first S] [--workload W]              simulation runs

`start` runs every role in this process (DESIGN.md §1, shape 1) on uvloop, with data
under `--data-dir`, and a PostgreSQL frontend on `--host:--port`, until SIGINT/SIGTERM.
Like Aurora DSQL, by default the frontend demands TLS (a local CA and a server
certificate for localhost and `*.dsql.<region>.on.aws` are generated into
`<data>/tls/`) and IAM auth tokens as passwords (`borealis.wire.iam`; the access keys
are generated into `<data>/iam/credentials.json`). `--compat relaxed` makes TLS
optional; `--auth trust` admits anyone (local development only). DSQL's connection
limits apply too (10,000 connections, 100 new ones a second with bursts of 1,000, 60
minutes per connection); relaxed keeps only the count. See `connection_limits`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shlex
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.runtime.aio import install_uvloop

log = logging.getLogger("borealis")

AUTH_MODES = ("iam", "trust", "insecure-any-signature")
DEFAULT_REGION = "us-east-1"
TOKEN_HOST_DEFAULT = "127.0.0.1"
_REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+)+")
_ANY_ADDRESS = ("", "0.0.0.0", "::", "*")


@dataclass(frozen=True, slots=True)
class FrontendSettings:
    """How the frontend is secured, decided from the options before anything starts."""

    auth: str  # one of AUTH_MODES
    tls_required: bool
    region: str
    server_names: tuple[str, ...]  # certificate names = host names tokens may be signed for
    cert_dir: Path
    credentials: Path | None  # None with --auth trust


def frontend_settings(data_dir: str, args: argparse.Namespace) -> FrontendSettings:
    """Settings from `args`; a Namespace with only host, port and compat (as the SQL
    tests pass) gets trust authentication and optional TLS. Creates the CA, the server
    certificate and the credentials file when missing. ValueError for bad options."""
    from borealis.core.limits import Compat
    from borealis.wire import iam, tls

    compat = Compat(getattr(args, "compat", Compat.DSQL.value))
    auth = getattr(args, "auth", "trust")
    region = getattr(args, "region", DEFAULT_REGION)
    if auth not in AUTH_MODES:
        raise ValueError(f"unknown --auth {auth!r}")
    if not _REGION.fullmatch(region):
        raise ValueError(f"--region {region!r} does not look like an AWS region (us-east-1)")
    tls_mode = getattr(args, "tls", "optional")
    if tls_mode is None:
        tls_mode = "required" if compat is Compat.DSQL else "optional"
    extra = list(getattr(args, "endpoint", None) or ())
    if args.host not in _ANY_ADDRESS:
        extra.append(args.host)
    names = tls.server_names(region, extra)
    cert_dir = Path(data_dir) / "tls"
    tls.ensure_certificates(cert_dir, names)
    credentials = None
    if auth != "trust":
        given = getattr(args, "iam_credentials", None)
        credentials = Path(given) if given else iam.ensure_credentials(data_dir)
        iam.load_credentials(credentials)  # fail now, not at the first connection
    return FrontendSettings(auth, tls_mode == "required", region, names, cert_dir, credentials)


def connection_limits(args: argparse.Namespace) -> dict[str, Any]:
    """`ServerConfig` fields for the connection limits. Defaults: DSQL's count, rate and
    lifetime with `--compat dsql`; with relaxed, the count only (it protects the server;
    the rate and the lifetime exist only to match DSQL). 0 turns the rate or the lifetime
    off. ValueError for a negative value or a zero count."""
    from borealis.core import limits
    from borealis.core.limits import Compat

    dsql = Compat(getattr(args, "compat", Compat.DSQL.value)) is Compat.DSQL
    count = getattr(args, "max_connections", None)
    rate = getattr(args, "connection_rate", None)
    burst = getattr(args, "connection_burst", None)
    lifetime = getattr(args, "connection_lifetime", None)
    count = limits.MAX_CONNECTIONS if count is None else count
    rate = (limits.CONNECTION_RATE_PER_S if dsql else 0) if rate is None else rate
    burst = limits.CONNECTION_BURST if burst is None else burst
    lifetime = (limits.MAX_CONNECTION_AGE_S if dsql else 0) if lifetime is None else lifetime
    if count < 1 or burst < 1 or rate < 0 or lifetime < 0:
        raise ValueError("--max-connections and --connection-burst must be at least 1, "
                         "--connection-rate and --connection-lifetime at least 0 (0: off)")
    return {"connections_max": count, "connection_rate_per_s": rate or None,
            "connection_burst": burst, "connection_lifetime_s": lifetime or None}


def _raise_open_files_limit(connections: int) -> None:
    """Every connection is a file descriptor: without enough, clients past the limit
    hang in the listen backlog instead of hearing 53300. Raise the soft limit as far as
    the hard one allows, and say so if that is still short."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    from borealis.wire.server import CONNECTIONS_OVERFLOW_MAX

    needed = connections + CONNECTIONS_OVERFLOW_MAX + 256  # listeners, data files, logs
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (OSError, ValueError):
            pass
        if soft < needed:
            log.warning("open files limit %d is below the %d that --max-connections %d "
                        "needs; connections past it will hang", soft, needed, connections)


async def _start(args: argparse.Namespace) -> int:
    data_dir = os.path.abspath(args.data_dir)
    try:
        settings = frontend_settings(data_dir, args)
        _raise_open_files_limit(connection_limits(args)["connections_max"])
    except (OSError, ValueError) as exc:
        print(f"borealis: {exc}", file=sys.stderr)
        return 2
    if settings.auth == "insecure-any-signature":
        log.warning("!!! --auth insecure-any-signature: auth token signatures are NOT "
                    "checked; anyone who can reach port %d can connect. Never use this "
                    "outside a throwaway test setup. !!!", args.port)
    config = EmbeddedConfig(data_dir, shards=args.shards, codec_roundtrip=False)
    cluster = EmbeddedCluster(config)
    await cluster.start()
    server = await _start_frontend(cluster, args, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"borealis: embedded cluster up — "
          f"{_count(cluster.map.adjudicator_count, 'adjudicator')}, "
          f"{_count(cluster.map.storage_count, 'storage shard')}, data in {config.data_dir}",
          flush=True)
    print(_banner(args, settings, server.port), flush=True)
    await stop.wait()
    print("borealis: stopping", flush=True)
    await server.close()
    await cluster.stop()
    return 0


async def _start_frontend(cluster: EmbeddedCluster, args: argparse.Namespace,
                          settings: FrontendSettings | None = None):
    import borealis.sql  # noqa: F401  (registers SQL value types)
    from borealis.catalog.virtual import VirtualCatalog
    from borealis.core.limits import Compat
    from borealis.qp.session import QpBackend
    from borealis.wire.server import Server, ServerConfig
    from borealis.wire.tls import certificate_paths, server_ssl_context

    if settings is None:
        settings = frontend_settings(cluster.config.data_dir, args)
    context = server_ssl_context(certificate_paths(settings.cert_dir))
    compat = Compat(getattr(args, "compat", Compat.DSQL.value))
    from borealis.qp.jobs import JobConfig
    jobs = JobConfig(chunk_rows=getattr(args, "index_build_chunk_rows", None) or JobConfig.chunk_rows,
                     chunk_pause_ns=(getattr(args, "index_build_pause_ms", None) or 0) * 1_000_000)
    backend = QpBackend(cluster.txn_client, virtual=VirtualCatalog(), compat=compat, jobs=jobs)
    backend.start()  # resume the async jobs a previous run left unfinished
    server = Server(backend, _authenticator(settings, backend),
                    ServerConfig(host=args.host, port=args.port, ssl_context=context,
                                 tls_required=settings.tls_required, **connection_limits(args)))
    await server.start()
    return server


def _authenticator(settings: FrontendSettings, backend):
    from borealis.wire.auth import AuthMethod, StaticAuthenticator
    from borealis.wire.iam import AuthMode, CredentialsFile, IamAuthenticator

    if settings.auth == "trust":
        return StaticAuthenticator(method=AuthMethod.TRUST)
    assert settings.credentials is not None
    return IamAuthenticator(CredentialsFile(settings.credentials), _role_directory(backend),
                            region=settings.region, hosts=settings.server_names,
                            mode=AuthMode(settings.auth))


def _role_directory(backend):
    """The roles IAM authentication may log in as: the QP backend's catalog-backed
    directory (CREATE ROLE … LOGIN, AWS IAM GRANT); without one, only `admin`."""
    from borealis.wire.iam import InMemoryRoleDirectory

    directory = getattr(backend, "role_directory", None)
    return directory if directory is not None else InMemoryRoleDirectory()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _banner(args: argparse.Namespace, settings: FrontendSettings, port: int) -> str:
    host = TOKEN_HOST_DEFAULT if args.host in _ANY_ADDRESS else args.host
    ca = settings.cert_dir / "ca.crt"
    conninfo = (f"host={host} port={port} user=admin dbname=postgres "
                f"sslmode=verify-full sslrootcert={_shown(ca)}")
    lines = [f"borealis: listening on {args.host}:{port} — connect with:"]
    if settings.auth == "trust":
        lines.append(f"    psql {shlex.quote(conninfo)}")
        lines.append("  (trust authentication: any user, no password)")
    else:
        token = [*_borealis_command(), "token", "--data-dir", _shown(Path(args.data_dir))]
        if getattr(args, "iam_credentials", None):
            token += ["--iam-credentials", _shown(settings.credentials)]
        if host != TOKEN_HOST_DEFAULT:
            token += ["--host", host]
        if settings.region != DEFAULT_REGION:
            token += ["--region", settings.region]
        lines.append(f'    PGPASSWORD="$({shlex.join(token)})" psql {shlex.quote(conninfo)}')
        lines.append(f"  IAM access keys: {settings.credentials} (use them with any AWS SDK; "
                     f"region {settings.region})")
    lines.append(f"  CA certificate: {ca} (sslrootcert=… or SSL_CERT_FILE=… for "
                 f"sslmode=verify-full); TLS {'required' if settings.tls_required else 'optional'}")
    if settings.auth == "insecure-any-signature":
        lines.append("  WARNING: --auth insecure-any-signature: token signatures are NOT checked")
    lines.append("Stop with Ctrl-C.")
    return "\n".join(lines)


def _borealis_command() -> list[str]:
    """How to run this same installation's `borealis` from the current directory."""
    script = Path(sys.executable).with_name("borealis")
    if script.exists():
        return [_shown(script)]
    return [sys.executable, "-m", "borealis.cli"]


def _shown(path: Path | None) -> str:
    """`path` relative to the current directory when under it, else absolute."""
    assert path is not None
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


# --- borealis token ---------------------------------------------------------------------


def _token(args: argparse.Namespace) -> int:
    from borealis.wire import iam, sigv4

    path = Path(args.iam_credentials) if args.iam_credentials else iam.credentials_path(
        args.data_dir)
    if not path.exists():
        print(f"borealis token: {path} does not exist: start the server once with "
              f"--data-dir {args.data_dir}, or pass --iam-credentials", file=sys.stderr)
        return 2
    user = args.user or iam.ADMIN_USER
    action = sigv4.ACTION_CONNECT_ADMIN if user == iam.ADMIN_USER else sigv4.ACTION_CONNECT
    try:
        key = iam.choose_key(iam.load_credentials(path), action, args.access_key_id, user)
    except (OSError, ValueError) as exc:
        print(f"borealis token: {exc}", file=sys.stderr)
        return 2
    print(sigv4.sign_token(host=args.host, action=action, access_key_id=key.access_key_id,
                           secret_access_key=key.secret_access_key, region=args.region,
                           now=time.time(), expires_s=args.expires,
                           session_token=key.session_token))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="borealis", description="An open-source Aurora DSQL")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="run the embedded cluster")
    start.add_argument("--data-dir", default="data")
    start.add_argument("--shards", type=int, default=1,
                       help="key ranges, each with its own adjudicator (and journal) and "
                            "storage shard, fixed when the data directory is created. "
                            "Default 1: in one process every role shares one event loop, "
                            "so more shards add messages and two-phase commits, not "
                            "capacity; use more to exercise the distributed shape")
    start.add_argument("--port", type=int, default=5432)
    start.add_argument("--host", default="127.0.0.1")
    start.add_argument("--log-level", default="WARNING")
    start.add_argument("--compat", choices=["dsql", "relaxed"], default="dsql",
                       help="dsql: Aurora DSQL's rules and limits (default); relaxed: "
                            "PostgreSQL-like, DSQL-only restrictions lifted")
    start.add_argument("--auth", choices=AUTH_MODES, default="iam",
                       help="iam: IAM auth tokens checked against the access keys (default); "
                            "trust: anyone may connect as anyone; insecure-any-signature: any "
                            "well-formed, unexpired token (signature not checked)")
    start.add_argument("--region", default=DEFAULT_REGION,
                       help="the AWS region tokens must be signed for (default us-east-1)")
    start.add_argument("--iam-credentials", metavar="FILE",
                       help="JSON access keys (default: <data-dir>/iam/credentials.json, "
                            "created on first start)")
    start.add_argument("--endpoint", action="append", metavar="NAME",
                       help="another host name clients use (certificate and token host); "
                            "repeatable")
    start.add_argument("--tls", choices=["required", "optional"], default=None,
                       help="required: plaintext connections are refused, as in DSQL "
                            "(default with --compat dsql); optional: default with relaxed")
    start.add_argument("--max-connections", type=int, default=None, metavar="N",
                       help="open connections at most; more get 53300 (default 10000)")
    start.add_argument("--connection-rate", type=float, default=None, metavar="N",
                       help="new connections per second, on average; faster get 53400 "
                            "(default 100 with --compat dsql, 0 = no limit with relaxed)")
    start.add_argument("--connection-burst", type=int, default=None, metavar="N",
                       help="new connections allowed at once before the rate applies "
                            "(default 1000)")
    start.add_argument("--connection-lifetime", type=float, default=None, metavar="SECONDS",
                       help="a connection is closed after this long, once no transaction "
                            "is open (default 3600 with --compat dsql, 0 = none with relaxed)")
    start.add_argument("--index-build-chunk-rows", type=int, default=None, metavar="N",
                       help="rows per backfill transaction of CREATE INDEX ASYNC (default 500)")
    start.add_argument("--index-build-pause-ms", type=int, default=None, metavar="MS",
                       help="pause between backfill transactions, to favour foreground work")
    token = sub.add_parser("token", help="print an IAM auth token (the password to connect)")
    token.add_argument("--data-dir", default="data")
    token.add_argument("--iam-credentials", metavar="FILE")
    token.add_argument("--host", default=TOKEN_HOST_DEFAULT,
                       help="the endpoint the token is for (default 127.0.0.1)")
    token.add_argument("--region", default=DEFAULT_REGION)
    who = token.add_mutually_exclusive_group()
    who.add_argument("--admin", action="store_true", help="for user admin (the default)")
    who.add_argument("--user", help="for this role (Action=DbConnect)")
    token.add_argument("--expires", type=int, default=900, metavar="SECONDS",
                       help="lifetime, 1..604800 (default 900)")
    token.add_argument("--access-key-id", help="sign with this key (default: the first allowed)")
    sim = sub.add_parser("sim", help="run simulation seeds")
    sim.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "sim":
        from borealis.sim.run import main as sim_main
        return sim_main(args.rest)
    if args.command == "token":
        if not 1 <= args.expires <= 604_800:
            parser.error("--expires must be between 1 and 604800")
        return _token(args)
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.shards < 1 or args.shards > 256:
        parser.error("--shards must be between 1 and 256")
    install_uvloop()
    return asyncio.run(_start(args))


if __name__ == "__main__":
    sys.exit(main())
