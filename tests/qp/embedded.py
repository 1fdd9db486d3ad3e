"""One SQL session over an in-process embedded cluster, for tests that need to look
inside the session (its transaction, its caches) rather than at the wire."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from borealis.catalog.virtual import VirtualCatalog
from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.core.limits import Compat
from borealis.qp.session import QpBackend, Session
from borealis.wire import backend as wb


def run_session(tmp_path, compat: Compat, body: Callable[[Session], Awaitable[None]]) -> None:
    """Run `body(session)` on a fresh two-shard cluster in `tmp_path`, as admin."""
    async def main() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=2)) as cluster:
            backend = QpBackend(cluster.txn_client, virtual=VirtualCatalog(), compat=compat)
            session = await backend.open_session(wb.SessionInfo("admin", "postgres", "", 1))
            try:
                await body(session)
            finally:
                await session.terminate()

    asyncio.run(main())


async def sql(session: Session, text: str) -> list:
    """A simple query's rows, as tuples of text (None for NULL)."""
    rows = []
    async for event in session.simple_query(text):
        if isinstance(event, wb.Rows):
            rows.extend(tuple(None if v is None else v.decode() for v in r) for r in event.rows)
    return rows
