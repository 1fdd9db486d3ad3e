"""One table of errors: SQLSTATE, message, retryability.

Every error a client can see is an instance of `BorealisError` (or a subclass generated
from `ERRORS` below). The wire layer is the only place that turns them into an
ErrorResponse; anything that is not a `BorealisError` becomes XX000 there and is logged.

Messages follow PostgreSQL's wording and, where Aurora DSQL defines one, DSQL's
(`shared/reference/dsql-behaviour.md` §3–4). A message may be a `str.format` template;
the raising site passes the fields: ``raise KeySizeTooLarge()`` or
``raise UndefinedTable(name="t")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


class BorealisError(Exception):
    """An error with a PostgreSQL SQLSTATE. Subclasses come from `ERRORS`."""

    sqlstate: ClassVar[str] = "XX000"
    template: ClassVar[str] = "internal error"
    retryable: ClassVar[bool] = False
    severity: ClassVar[str] = "ERROR"

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str | None = None,
        hint: str | None = None,
        position: int | None = None,
        **fields: Any,
    ) -> None:
        if message is None:
            message = self.template.format(**fields) if fields else self.template
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self).__name__, self.message, self.detail, self.hint))


def _rebuild(name: str, message: str, detail: str | None, hint: str | None) -> BorealisError:
    return error_class(name)(message, detail=detail, hint=hint)


@dataclass(frozen=True)
class ErrorSpec:
    name: str
    sqlstate: str
    template: str
    retryable: bool = False
    severity: str = "ERROR"


# The table. Names are CamelCase class names; one row per distinct condition.
ERRORS: tuple[ErrorSpec, ...] = (
    # Class 40 — transaction rollback. DSQL's OCC errors carry the OC code in the text.
    ErrorSpec("OccConflict", "40001", "change conflicts with another transaction, please retry: (OC000)", True),
    ErrorSpec("SchemaConflict", "40001", "schema has been updated by another transaction, please retry: (OC001)", True),
    ErrorSpec("CommitDeadlineExceeded", "40001", "transaction could not commit before its deadline, please retry", True),
    ErrorSpec("TransactionResolutionUnknown", "08007", "commit outcome unknown: the adjudicator did not answer in time", False),
    # Availability: a role did not answer, or storage could not catch up in time.
    ErrorSpec("Unavailable", "08006", "{what} is unavailable", True),
    ErrorSpec("ReadTimeout", "57014", "canceling statement: storage did not reach the read timestamp in time", True),
    # Class 54 — limits (DSQL wording).
    ErrorSpec("KeySizeTooLarge", "54000", "key size too large"),
    ErrorSpec("RowSizeTooLarge", "54000", "maximum row size exceeded"),
    ErrorSpec("ColumnSizeTooLarge", "54000", "maximum column size exceeded"),
    ErrorSpec("TransactionRowLimit", "54000", "transaction row limit exceeded"),
    ErrorSpec("TransactionSizeLimit", "54000", "transaction size limit 10mb exceeded"),
    ErrorSpec("TransactionAgeLimit", "54000", "transaction age limit of 300s exceeded"),
    # Class 25 — invalid transaction state.
    ErrorSpec("TransactionClosed", "25P02", "current transaction is aborted, commands ignored until end of transaction block"),
    ErrorSpec("ReadOnlyTransaction", "25006", "cannot execute {what} in a read-only transaction"),
    # Class 08 / XX — protocol and internal.
    ErrorSpec("ProtocolViolation", "08P01", "{what}"),
    ErrorSpec("InternalError", "XX000", "{what}"),
    ErrorSpec("DataCorrupted", "XX001", "{what}"),
)


_CLASSES: dict[str, type[BorealisError]] = {}


def _build() -> None:
    for spec in ERRORS:
        if spec.name in _CLASSES:
            raise AssertionError(f"duplicate error name {spec.name}")
        cls = type(
            spec.name,
            (BorealisError,),
            {
                "sqlstate": spec.sqlstate,
                "template": spec.template,
                "retryable": spec.retryable,
                "severity": spec.severity,
                "__module__": __name__,
                "__doc__": f"SQLSTATE {spec.sqlstate}: {spec.template}",
            },
        )
        _CLASSES[spec.name] = cls
        globals()[spec.name] = cls


def error_class(name: str) -> type[BorealisError]:
    return _CLASSES.get(name, BorealisError)


_build()

# Names for static analysis and readers; the classes are made by `_build`.
OccConflict: type[BorealisError]
SchemaConflict: type[BorealisError]
TransactionResolutionUnknown: type[BorealisError]
CommitDeadlineExceeded: type[BorealisError]
Unavailable: type[BorealisError]
ReadTimeout: type[BorealisError]
KeySizeTooLarge: type[BorealisError]
RowSizeTooLarge: type[BorealisError]
ColumnSizeTooLarge: type[BorealisError]
TransactionRowLimit: type[BorealisError]
TransactionSizeLimit: type[BorealisError]
TransactionAgeLimit: type[BorealisError]
TransactionClosed: type[BorealisError]
ReadOnlyTransaction: type[BorealisError]
ProtocolViolation: type[BorealisError]
InternalError: type[BorealisError]
DataCorrupted: type[BorealisError]
