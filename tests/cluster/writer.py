"""Write load (and its verifier) for the SIGKILL crash test (`test_sigkill.py`).

Write mode::

    python tests/cluster/writer.py --data-dir D --shards 3 --run-id N [--writers 4]

starts an `EmbeddedCluster` on D, prints ``READY``, then runs concurrent writers
forever. Writer `w`'s n-th transaction is named ``N/w/n``; it writes 2 or 3 keys, each
on a different shard (first key bytes 0x20, 0x80, 0xd0), every key being
``<prefix> + b"N/w/n/<mask>"`` where `mask` says which prefixes the transaction wrote,
so a key's name alone tells which other keys its transaction wrote. The value of every
key is the transaction name. Only after `commit()` returns, it prints::

    ACK N/w/n <key1 hex>,<key2 hex>[,<key3 hex>]

and flushes. A failed commit prints ``ERR N/w/n <SQLSTATE> <message>``; the writer
goes on with its next transaction. Each writer's first few acknowledged transactions
after a start, and every tenth after that, are read back in a new snapshot on another
client; a key that is not there prints ``STALE N/w/n <key hex> got=<value>`` — an
acknowledgement must be visible to every transaction that starts after it (commit-wait).

Verify mode::

    python tests/cluster/writer.py --data-dir D --shards 3 --verify ACKS

starts the cluster on D and, at one snapshot:
- reads every key of every ACK line in ACKS and prints ``MISSING <key hex>`` for each
  one that is absent or whose value is not its transaction's name;
- scans the whole keyspace and prints ``PARTIAL <txn> <present keys hex>`` for each
  transaction whose keys are only partly there, and ``BADROW <key hex> <value>`` for a
  row that is not one this script writes or carries another transaction's name;
- prints ``SCANNED <rows> <transactions>`` and ``VERIFIED <keys read>``, exits 0.

Either mode exits with status 3 if stopping the cluster hangs.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import os
import random
import sys
import threading

from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.core.errors import BorealisError
from borealis.qp.txn import TxnClient
from borealis.runtime.aio import install_uvloop

PREFIXES = (b"\x20", b"\x80", b"\xd0")  # one per shard of a uniform 3-shard map
MASKS = (0b011, 0b101, 0b110, 0b111)  # two or three prefixes per transaction
STOP_WAIT_S = 15
READ_BACK_FIRST = 5  # a writer reads back its first transactions after each start...
READ_BACK_EVERY = 10  # ...and every tenth after that


def txn_keys(txn: str, mask: int) -> list[bytes]:
    name = f"{txn}/{mask}".encode()
    return [p + name for i, p in enumerate(PREFIXES) if mask >> i & 1]


def parse_key(key: bytes) -> tuple[str, int] | None:
    """(transaction name, mask) of a key this script writes, else None."""
    if key[:1] not in PREFIXES:
        return None
    try:
        txn, mask_text = key[1:].decode().rsplit("/", 1)
        mask = int(mask_text)
    except (UnicodeDecodeError, ValueError):
        return None
    if mask not in MASKS or not mask >> PREFIXES.index(key[:1]) & 1 or txn.count("/") != 2:
        return None
    return txn, mask


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def read_back(client: TxnClient, txn_name: str, keys: list[bytes]) -> None:
    """Read an acknowledged transaction in a new snapshot: it must be there."""
    try:
        found = await client.begin().get_many(keys)
    except BorealisError as exc:
        emit(f"ERR {txn_name} read-back {exc.sqlstate} {exc.message}")
        return
    for key, value in zip(keys, found):
        if value != txn_name.encode():
            emit(f"STALE {txn_name} {key.hex()} got={value!r}")


async def write_forever(cluster: EmbeddedCluster, run_id: int, writer: int,
                        duration: float | None) -> None:
    client = cluster.txn_client()
    reader = cluster.txn_client()  # another QP: real-time order, not read-your-writes
    rng = random.Random(f"{run_id}/{writer}")
    loop = asyncio.get_running_loop()
    stop_at = None if duration is None else loop.time() + duration
    n = 0
    while stop_at is None or loop.time() < stop_at:
        n += 1
        txn_name = f"{run_id}/{writer}/{n}"
        keys = txn_keys(txn_name, rng.choice(MASKS))
        txn = client.begin()
        for key in keys:
            txn.put(key, txn_name.encode())
        try:
            await txn.commit()
        except BorealisError as exc:
            emit(f"ERR {txn_name} {exc.sqlstate} {exc.message}")
            continue
        emit(f"ACK {txn_name} {','.join(k.hex() for k in keys)}")
        if n <= READ_BACK_FIRST or n % READ_BACK_EVERY == 0:
            await read_back(reader, txn_name, keys)


def read_acks(path: str) -> list[tuple[str, list[bytes]]]:
    acked = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "ACK":
                acked.append((parts[1], [bytes.fromhex(h) for h in parts[2].split(",")]))
    return acked


async def verify(cluster: EmbeddedCluster, ack_file: str) -> None:
    acked = read_acks(ack_file)
    txn = cluster.txn_client().begin()  # one snapshot for every read below
    checked = 0
    batch = 256
    flat = [(name, key) for name, keys in acked for key in keys]
    for i in range(0, len(flat), batch):
        chunk = flat[i:i + batch]
        found = await txn.get_many([key for _, key in chunk])
        for (name, key), value in zip(chunk, found):
            checked += 1
            if value != name.encode():
                emit(f"MISSING {key.hex()} {name} got={value!r}")
    rows = await txn.scan(b"", None)
    present: dict[str, tuple[int, set[bytes]]] = {}
    for key, value in rows:
        parsed = parse_key(key)
        if parsed is None or value != parsed[0].encode():
            emit(f"BADROW {key.hex()} {value!r}")
            continue
        name, mask = parsed
        present.setdefault(name, (mask, set()))[1].add(key)
    for name, (mask, keys) in sorted(present.items()):
        if keys != set(txn_keys(name, mask)):
            emit(f"PARTIAL {name} {','.join(sorted(k.hex() for k in keys))}")
    emit(f"SCANNED {len(rows)} {len(present)}")
    emit(f"VERIFIED {checked}")


def stop_hung() -> None:
    sys.stderr.write(f"writer.py: cluster.stop() did not return in {STOP_WAIT_S} s\n")
    faulthandler.dump_traceback(sys.stderr)
    sys.stderr.flush()
    os._exit(3)


async def main_async(args: argparse.Namespace) -> None:
    cluster = EmbeddedCluster(EmbeddedConfig(args.data_dir, shards=args.shards,
                                             codec_roundtrip=False))
    await cluster.start()
    try:
        if args.verify:
            await verify(cluster, args.verify)
            return
        emit("READY")
        await asyncio.gather(*(write_forever(cluster, args.run_id, w, args.duration)
                               for w in range(args.writers)))
    finally:
        # A clean stop must not hang: fail fast and loudly rather than at the test's
        # timeout (a task that swallows its cancellation would block it forever).
        watchdog = threading.Timer(STOP_WAIT_S, stop_hung)
        watchdog.daemon = True
        watchdog.start()
        await cluster.stop()
        watchdog.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--run-id", type=int, default=0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=None,
                        help="stop writing after this many seconds (default: never)")
    parser.add_argument("--verify", metavar="ACK_FILE", default=None,
                        help="check the ACK lines in this file instead of writing")
    args = parser.parse_args()
    install_uvloop()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
