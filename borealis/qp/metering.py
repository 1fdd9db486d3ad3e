"""Aurora DSQL's DPU model: what a transaction read and wrote, and what that costs.

DSQL bills work in Distributed Processing Units (dsql-behaviour.md §8, AWS's billing
documentation) and `EXPLAIN ANALYZE VERBOSE` prints a statement's estimate. The
transaction (`qp.txn`) counts its storage traffic in a `Usage`; EXPLAIN
(`sql.explain`) takes the difference over one statement and turns it into a
`DpuEstimate` with DSQL's documented formulas:

```
 Write    BytesWritten = Σ max(row size, 128 B) over base-table and index rows written
          WriteDPU     = max(BytesWritten, 1024) × 0.00004883      (≥ 0.05 when writing)
 Read     BytesRead    = Σ max(bytes, 128 B) over storage requests, rows a storage
                         filter dropped included (they were read)
          ReadDPU      = max(BytesRead, 2048) × 0.00000183105      (≥ 0.00375 when reading)
 Compute  ComputeDPU   = planning + execution time in seconds
 Total    Compute + Read + Write
```

Decisions where DSQL is silent (inferences, documented here):
- a row's size is its storage key plus its encoded value; a deleted row (tombstone)
  counts its key, so every delete costs the 128-byte minimum;
- a storage request is one `Get` (per shard) or one `Scan` page; a point read counts
  the keys asked for and the values found, a scan the keys and values storage
  examined, before its filter;
- compute time is the QP's wall time for planning and execution (one process, no
  parallel workers to sum over);
- a statement that reads nothing, or writes nothing, shows 0 for that component; one
  that does is raised to the transaction minimum, which EXPLAIN marks
  "(Transaction minimum: ...)".
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

WRITE_ROW_BYTES_MIN = 128
READ_REQUEST_BYTES_MIN = 128
WRITE_BYTES_FLOOR = 1024
READ_BYTES_FLOOR = 2048
WRITE_DPU_PER_BYTE = 0.00004883
READ_DPU_PER_BYTE = 0.00000183105
WRITE_DPU_MIN = WRITE_BYTES_FLOOR * WRITE_DPU_PER_BYTE  # 0.05
READ_DPU_MIN = READ_BYTES_FLOOR * READ_DPU_PER_BYTE  # 0.00375
NS_PER_S = 1_000_000_000


@dataclass
class Usage:
    """Storage traffic of one transaction so far (only ever grows)."""

    read_requests: int = 0
    read_rows: int = 0  # rows examined: storage's, before its filter, plus own writes overlaid
    read_bytes: int = 0  # Σ max(request bytes, 128)
    write_rows: int = 0  # base-table rows and index entries put or deleted
    write_bytes: int = 0  # Σ max(row bytes, 128)

    def count_read(self, rows: int, size: int) -> None:
        """One storage request that examined `rows` rows totalling `size` bytes."""
        self.read_requests += 1
        self.read_rows += rows
        self.read_bytes += max(size, READ_REQUEST_BYTES_MIN)

    def count_write(self, size: int) -> None:
        self.write_rows += 1
        self.write_bytes += max(size, WRITE_ROW_BYTES_MIN)

    def snapshot(self) -> Usage:
        return replace(self)

    def since(self, before: Usage) -> Usage:
        """The traffic between `before` (a snapshot) and now."""
        return Usage(**{f.name: getattr(self, f.name) - getattr(before, f.name) for f in fields(self)})


@dataclass(frozen=True)
class DpuEstimate:
    compute: float
    read: float
    write: float
    read_minimum: bool  # the read component is the transaction minimum
    write_minimum: bool

    @property
    def total(self) -> float:
        return self.compute + self.read + self.write


def estimate(usage: Usage, compute_ns: int) -> DpuEstimate:
    """DSQL's formulas applied to one statement's traffic and compute time."""
    read = write = 0.0
    if usage.read_requests:
        read = max(usage.read_bytes, READ_BYTES_FLOOR) * READ_DPU_PER_BYTE
    if usage.write_rows:
        write = max(usage.write_bytes, WRITE_BYTES_FLOOR) * WRITE_DPU_PER_BYTE
    return DpuEstimate(
        compute=max(compute_ns, 0) / NS_PER_S, read=read, write=write,
        read_minimum=bool(usage.read_requests) and usage.read_bytes < READ_BYTES_FLOOR,
        write_minimum=bool(usage.write_rows) and usage.write_bytes < WRITE_BYTES_FLOOR)
