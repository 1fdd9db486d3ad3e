"""The history of a list-append workload, as recorded by clients of the system under test.

Each key holds a list of integers. A transaction appends globally unique integers to
lists and reads whole lists back; because every appended value is unique, a read reveals
exactly which writes it observed and in what order, which is what lets the checker in
`borealis.sim.checkers.si` reconstruct the version order of every key.
"""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
"""Committed and acknowledged to the client."""
FAIL = "fail"
"""Definitely aborted: none of its appends may ever become visible."""
INFO = "info"
"""Outcome unknown (e.g. the connection dropped during commit): may or may not have committed."""

STATUSES = frozenset({OK, FAIL, INFO})


@dataclass(frozen=True, slots=True)
class Append:
    """Append `value` (unique across the whole history) to the list stored at `key`."""

    key: str
    value: int


@dataclass(frozen=True, slots=True)
class Read:
    """The list observed at `key`; None means the key was absent, i.e. the empty list.

    A read sees the transaction's own earlier appends on top of its snapshot.
    """

    key: str
    value: tuple[int, ...] | None = None

    @property
    def items(self) -> tuple[int, ...]:
        """The observed list, with an absent key as the empty tuple."""
        return self.value or ()


Op = Append | Read


@dataclass(frozen=True, slots=True)
class Txn:
    """One client transaction and its outcome.

    `invoke_ns` is when the client began it (before its snapshot was taken) and
    `complete_ns` when the client learnt the outcome. For "fail" transactions `ops` holds
    what was attempted.
    """

    id: int
    process: int
    invoke_ns: int
    complete_ns: int
    status: str
    ops: tuple[Op, ...]

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"T{self.id}: unknown status {self.status!r}")
        if self.complete_ns < self.invoke_ns:
            raise ValueError(f"T{self.id}: completes ({self.complete_ns}) before invoked")
