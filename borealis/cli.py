"""The `borealis` command.

    borealis start [--data-dir DIR] [--shards N] [--host H] [--port P]   the embedded cluster
    borealis sim [--seeds N] [--first S] [--workload W]                  simulation runs

`start` runs every role in this process (DESIGN.md §1, shape 1) on uvloop, with data
under `--data-dir`, and a PostgreSQL frontend on `--host:--port` (TLS offered with a
certificate generated into the data directory; `trust` authentication for local
development), until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.runtime.aio import install_uvloop

log = logging.getLogger("borealis")


async def _start(args: argparse.Namespace) -> int:
    config = EmbeddedConfig(os.path.abspath(args.data_dir), shards=args.shards,
                            codec_roundtrip=False)
    cluster = EmbeddedCluster(config)
    await cluster.start()
    server = await _start_frontend(cluster, args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"borealis: embedded cluster up — {cluster.map.adjudicator_count} adjudicators, "
          f"{cluster.map.storage_count} storage shards, data in {config.data_dir}", flush=True)
    print(f"borealis: listening on {args.host}:{server.port} — connect with:\n"
          f"    psql 'host={args.host} port={server.port} user=admin dbname=postgres'\n"
          "Stop with Ctrl-C.", flush=True)
    await stop.wait()
    print("borealis: stopping", flush=True)
    await server.close()
    await cluster.stop()
    return 0


async def _start_frontend(cluster: EmbeddedCluster, args: argparse.Namespace):
    import borealis.sql  # noqa: F401  (registers SQL value types)
    from borealis.qp.session import QpBackend
    from borealis.wire.auth import AuthMethod, StaticAuthenticator
    from borealis.wire.server import Server, ServerConfig
    from borealis.wire.tls import certificate_paths, ensure_certificates, server_ssl_context

    cert_dir = os.path.join(cluster.config.data_dir, "tls")
    ensure_certificates(cert_dir)
    context = server_ssl_context(certificate_paths(cert_dir))
    from borealis.catalog.virtual import VirtualCatalog
    from borealis.core.limits import Compat
    compat = Compat(getattr(args, "compat", Compat.DSQL.value))
    backend = QpBackend(cluster.txn_client, virtual=VirtualCatalog(), compat=compat)
    server = Server(backend, StaticAuthenticator(method=AuthMethod.TRUST),
                    ServerConfig(host=args.host, port=args.port, ssl_context=context))
    await server.start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="borealis", description="An open-source Aurora DSQL")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="run the embedded cluster")
    start.add_argument("--data-dir", default="data")
    start.add_argument("--shards", type=int, default=4)
    start.add_argument("--port", type=int, default=5432)
    start.add_argument("--host", default="127.0.0.1")
    start.add_argument("--log-level", default="WARNING")
    start.add_argument("--compat", choices=["dsql", "relaxed"], default="dsql",
                       help="dsql: Aurora DSQL's rules and limits (default); relaxed: "
                            "PostgreSQL-like, DSQL-only restrictions lifted")
    sim = sub.add_parser("sim", help="run simulation seeds")
    sim.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "sim":
        from borealis.sim.run import main as sim_main
        return sim_main(args.rest)
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.shards < 1 or args.shards > 256:
        parser.error("--shards must be between 1 and 256")
    install_uvloop()
    return asyncio.run(_start(args))


if __name__ == "__main__":
    sys.exit(main())
