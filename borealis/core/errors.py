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

from borealis.core import limits


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
        context: str | None = None,
        **fields: Any,
    ) -> None:
        if message is None:
            message = self.template.format(**fields) if fields else self.template
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
        self.context = context  # PostgreSQL's CONTEXT line (where: "COPY t, line 3")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self).__name__, self.message, self.detail, self.hint,
                           self.context))


def _rebuild(name: str, message: str, detail: str | None, hint: str | None,
             context: str | None = None) -> BorealisError:
    return error_class(name)(message, detail=detail, hint=hint, context=context)


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
    ErrorSpec("TableColumnLimit", "54011", f"tables can have at most {limits.MAX_TABLE_COLUMNS} columns"),
    ErrorSpec("IndexKeyColumnLimit", "54011",
              f"more than {limits.MAX_KEY_COLUMNS} column keys in an index are not supported"),
    ErrorSpec("IndexLimit", "54000", f"more than {limits.MAX_INDEXES_PER_TABLE} indexes per table are not allowed"),
    ErrorSpec("SchemaLimit", "54000", f"more than {limits.MAX_SCHEMAS} schemas not allowed"),
    ErrorSpec("TableLimit", "54000", f"creating more than {limits.MAX_TABLES} tables not allowed"),
    ErrorSpec("ViewLimit", "54000", f"creating more than {limits.MAX_VIEWS} views not allowed"),
    ErrorSpec("ViewDefinitionTooLarge", "54000", "view definition too large"),
    # DSQL's transaction and session rules (0A000, DSQL wording where it is known).
    ErrorSpec("DdlDmlMixed", "0A000", "ddl and dml are not supported in the same transaction"),
    ErrorSpec("MultipleDdl", "0A000", "multiple ddl statements are not supported in a transaction"),
    ErrorSpec("SettingNotSupported", "0A000", 'setting configuration parameter "{name}" not supported'),
    ErrorSpec("FunctionNotSupported", "0A000", "function {name} not supported"),
    # Class 25 — invalid transaction state.
    ErrorSpec("TransactionClosed", "25P02", "current transaction is aborted, commands ignored until end of transaction block"),
    ErrorSpec("ReadOnlyTransaction", "25006", "cannot execute {what} in a read-only transaction"),
    # Class 08 / XX — protocol and internal.
    ErrorSpec("ProtocolViolation", "08P01", "{what}"),
    # Class 28 — IAM token authentication (DSQL wording, dsql-behaviour.md §4.4, §5). The
    # connectors' tests see asyncpg's ProtocolViolationError for an unknown role only
    # because sslmode=prefer retries in plain text and meets "SSL is mandatory" (08P01).
    # Connection-level refusals the wire sends during startup and shutdown; the connection
    # limits in DSQL's wording (dsql-behaviour.md §3). DSQL does not document what
    # it says when it closes a session at the 60-minute lifetime; 57P01 (what a
    # terminated backend reports, which drivers and pools read as "reconnect") and a
    # PostgreSQL-style text are our inference.
    ErrorSpec("TooManyConnections", "53300", "Unable to accept connection, too many open connections."),
    ErrorSpec("ConnectionRateExceeded", "53400", "Unable to accept connection, rate exceeded."),
    ErrorSpec("ConnectionLifetimeExceeded", "57P01",
              "terminating connection due to connection lifetime limit of {seconds}s"),
    ErrorSpec("InvalidAuthorization", "28000", "{what}"),
    ErrorSpec("InvalidPassword", "28P01", 'password authentication failed for user "{user}"'),
    ErrorSpec("AdminShutdown", "57P01", "terminating connection due to administrator command"),
    ErrorSpec("IamAuthenticationFailed", "28P01", 'IAM authentication failed for user "{user}"'),
    ErrorSpec("IamNotAuthorized", "28000", 'IAM authentication failed for user "{user}"'),
    ErrorSpec("IamExpiresTooLong", "28P01", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"),
    ErrorSpec("IamWrongAction", "28000", "Wrong user to action mapping. user: {user}, action: {action}"),
    ErrorSpec("IamRoleNotFound", "28000", "Role {role} does not exist"),
    ErrorSpec("InternalError", "XX000", "{what}"),
    ErrorSpec("DataCorrupted", "XX001", "{what}"),
    # SQL: syntax, names, features, constraints (PostgreSQL wording).
    ErrorSpec("SyntaxError", "42601", "{what}"),
    ErrorSpec("UnsupportedStatement", "0A000", "unsupported statement: {what}"),
    ErrorSpec("FeatureNotSupported", "0A000", "{what}"),
    ErrorSpec("UndefinedTable", "42P01", 'relation "{name}" does not exist'),
    ErrorSpec("UndefinedColumn", "42703", 'column "{name}" does not exist'),
    ErrorSpec("UndefinedSchema", "3F000", 'schema "{name}" does not exist'),
    ErrorSpec("UndefinedObject", "42704", "{what}"),
    ErrorSpec("DuplicateTable", "42P07", 'relation "{name}" already exists'),
    ErrorSpec("DuplicateSchema", "42P06", 'schema "{name}" already exists'),
    ErrorSpec("DuplicateColumn", "42701", 'column "{name}" specified more than once'),
    ErrorSpec("DuplicateObject", "42710", "{what}"),
    ErrorSpec("AmbiguousColumn", "42702", 'column reference "{name}" is ambiguous'),
    ErrorSpec("DuplicateAlias", "42712", "{what}"),
    ErrorSpec("GroupingError", "42803", "{what}"),
    ErrorSpec("InvalidTableDefinition", "42P16", "{what}"),
    ErrorSpec("InvalidObjectDefinition", "42P17", "{what}"),
    ErrorSpec("InvalidRecursion", "42P19", "{what}"),
    ErrorSpec("InvalidColumnReference", "42P10", "{what}"),
    ErrorSpec("WrongObjectType", "42809", "{what}"),
    ErrorSpec("DependentObjectsStillExist", "2BP01", "{what}"),
    ErrorSpec("UniqueViolation", "23505", 'duplicate key value violates unique constraint "{name}"'),
    ErrorSpec("NotNullViolation", "23502", 'null value in column "{column}" of relation "{table}" violates not-null constraint'),
    ErrorSpec("CheckViolation", "23514", 'new row for relation "{table}" violates check constraint "{name}"'),
    # Foreign keys (PostgreSQL's wording; sql/fk.py).
    ErrorSpec("ForeignKeyViolation", "23503", "{what}"),
    ErrorSpec("InvalidForeignKey", "42830", "{what}"),
    ErrorSpec("ValidateConstraintAsyncRequired", "0A000", "unsupported mode. please use ALTER TABLE ASYNC ... VALIDATE CONSTRAINT."),
    ErrorSpec("CardinalityViolation", "21000", "{what}"),
    ErrorSpec("InvalidParameterValue", "22023", "{what}"),
    ErrorSpec("ActiveSqlTransaction", "25001", "{what}"),
    ErrorSpec("NoActiveSqlTransaction", "25P01", "{what}"),
    ErrorSpec("UndefinedParameter", "42704", 'unrecognized configuration parameter "{name}"'),
    ErrorSpec("InvalidPreparedStatement", "26000", 'prepared statement "{name}" does not exist'),
    ErrorSpec("InvalidCursorName", "34000", 'portal "{name}" does not exist'),
    ErrorSpec("DuplicatePreparedStatement", "42P05", 'prepared statement "{name}" already exists'),
    ErrorSpec("QueryCanceled", "57014", "canceling statement due to user request"),
    ErrorSpec("OutOfMemory", "53200", "{what}"),
    ErrorSpec("InvalidRowCount", "2201W", "{what}"),
    ErrorSpec("SubstringError", "22011", "{what}"),
    ErrorSpec("GeneratedAlways", "428C9", "{what}"),
    ErrorSpec("WindowingError", "42P20", "{what}"),
    ErrorSpec("NullValueNotAllowed", "22004", "{what}"),
    ErrorSpec("InvalidPrecedingOrFollowingSize", "22013", "{what}"),
    ErrorSpec("InvalidArgumentForNtile", "22014", "{what}"),
    ErrorSpec("InvalidArgumentForNthValue", "22016", "{what}"),
    ErrorSpec("ProgramLimitExceeded", "54000", "{what}"),
    ErrorSpec("BadCopyFileFormat", "22P04", "{what}"),
    ErrorSpec("InvalidCatalogName", "3D000", "{what}"),
    ErrorSpec("CantChangeRuntimeParam", "55P02", "{what}"),
    ErrorSpec("InvalidSchemaName", "3F000", "{what}"),
    ErrorSpec("ReservedName", "42939", "{what}"),
    ErrorSpec("UnsupportedObject", "0A000", "{what}"),
    ErrorSpec("TooManyColumns", "54011", "{what}"),
    ErrorSpec("PrimaryKeyColumnDrop", "0A000", "cannot drop primary key column"),  # DSQL's
    ErrorSpec("InvalidArgumentForFunction", "2201F", "{what}"),
    ErrorSpec("ArraySubscriptError", "2202E", "{what}"),
    ErrorSpec("DataException", "22000", "{what}"),
    # CREATE INDEX and async jobs (DSQL wording, dsql-behaviour.md §2.3, §4.3).
    ErrorSpec("IndexAsyncRequired", "0A000", "unsupported mode. please use CREATE INDEX ASYNC."),
    ErrorSpec("IndexUsingNotSupported", "0A000", "USING not supported for CREATE INDEX"),
    ErrorSpec("IndexSortOrderNotSupported", "0A000", "specifying sort order not supported for index keys"),
    ErrorSpec("IndexConcurrentlyNotSupported", "0A000", "CONCURRENTLY not supported for CREATE INDEX"),
    ErrorSpec("JobWaitTimeout", "57014", "canceling statement: job {job_id} did not finish within {seconds} s"),
    # Data exceptions and type errors (types and casts; PostgreSQL wording).
    ErrorSpec("InvalidTextRepresentation", "22P02", 'invalid input syntax for type {type}: "{value}"'),
    ErrorSpec("InvalidBinaryRepresentation", "22P03", "{what}"),
    ErrorSpec("NumericValueOutOfRange", "22003", 'value "{value}" is out of range for type {type}'),
    ErrorSpec("StringDataRightTruncation", "22001", "value too long for type {type}({n})"),
    ErrorSpec("DivisionByZero", "22012", "division by zero"),
    ErrorSpec("InvalidDatetimeFormat", "22007", 'invalid input syntax for type {type}: "{value}"'),
    ErrorSpec("DatetimeFieldOverflow", "22008", 'date/time field value out of range: "{value}"'),
    ErrorSpec("IntervalFieldOverflow", "22015", "interval out of range"),
    ErrorSpec("CharacterNotInRepertoire", "22021", 'invalid byte sequence for encoding "UTF8": {what}'),
    ErrorSpec("UntranslatableCharacter", "22P05", "{what}"),
    ErrorSpec("CannotCoerce", "42846", "cannot cast type {source} to {target}"),
    ErrorSpec("DatatypeMismatch", "42804", "{what}"),
    ErrorSpec("UndefinedFunction", "42883", "function {signature} does not exist"),
    ErrorSpec("InvalidTimeZoneDisplacement", "22009", 'time zone displacement out of range: "{value}"'),
    # Sequences and identity columns (PostgreSQL's wording; DSQL's for its CACHE and type rules).
    ErrorSpec("SequenceCacheRequired", "0A000", "CREATE SEQUENCE is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1"),
    ErrorSpec("SequenceCacheInvalid", "22023", "CACHE ({cache}) must be greater than or equal to 65536 or equal to 1"),
    ErrorSpec("SequenceTypeNotBigint", "22023", "sequence type must be bigint"),
    ErrorSpec("IdentityTypeNotBigint", "0A000", "datatype {type} not supported, identity column type must be bigint"),
    ErrorSpec("SequenceLimitReached", "2200H", 'nextval: reached {which} value of sequence "{name}" ({value})'),
    ErrorSpec("SequenceValueOutOfBounds", "22003", 'setval: value {value} is out of bounds for sequence "{name}" ({low}..{high})'),
    ErrorSpec("ObjectNotInPrerequisiteState", "55000", "{what}"),
    # SQL functions (PostgreSQL's wording; sql/routines.py, sql/function_ddl.py).
    ErrorSpec("InvalidFunctionDefinition", "42P13", "{what}"),
    ErrorSpec("DuplicateFunction", "42723", "{what}"),
    ErrorSpec("AmbiguousFunction", "42725", "{what}"),
    ErrorSpec("UndefinedFunctionParameter", "42P02", "there is no parameter ${number}"),
    ErrorSpec("StackDepthExceeded", "54001", "stack depth limit exceeded"),
    # Roles and privileges (PostgreSQL's wording; DSQL's for AWS IAM GRANT / REVOKE and
    # DROP ROLE, dsql-behaviour.md §4.4, §5; sql/privileges.py, sql/role_ddl.py).
    ErrorSpec("PermissionDenied", "42501", "permission denied for {kind} {name}"),
    ErrorSpec("MustBeOwner", "42501", "must be owner of {kind} {name}"),
    ErrorSpec("PrivilegeDenied", "42501", "{what}"),
    ErrorSpec("UndefinedRole", "42704", 'role "{name}" does not exist'),
    ErrorSpec("DuplicateRole", "42710", 'role "{name}" already exists'),
    ErrorSpec("InvalidGrantOperation", "0LP01", "{what}"),
    ErrorSpec("ObjectInUse", "55006", "{what}"),
    ErrorSpec("DependentPrivileges", "2BP01", "dependent privileges exist"),
    ErrorSpec("RoleHasDependencies", "2BP01", "role {role} cannot be dropped because some objects depend on it"),
    ErrorSpec("IamArnInvalid", "22023", "IAM role must look like an IAM ARN"),
    ErrorSpec("IamTrustDenied", "42501", "permission denied to grant IAM trust with role {role}"),
    ErrorSpec("IamRoleNeedsLogin", "55000", "role {role} must have the LOGIN attribute"),
    ErrorSpec("IamGrantRoleMissing", "42704", "Role {role} does not exist"),
    ErrorSpec("IamMappingMissing", "42704", "IAM role {role} does not exist"),
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


def invalid_utf8(data: bytes, exc: UnicodeDecodeError) -> BorealisError:
    """22021 for bytes that are not UTF-8, naming the offending bytes as PostgreSQL
    does (`invalid byte sequence for encoding "UTF8": 0xc3 0x28`): as many bytes from
    the bad one as its lead byte says the character has, or as there are."""
    lead = data[exc.start]
    size = 2 if lead & 0xE0 == 0xC0 else 3 if lead & 0xF0 == 0xE0 else 4 if lead & 0xF8 == 0xF0 else 1
    bad = data[exc.start : exc.start + size]
    return _CLASSES["CharacterNotInRepertoire"](what=" ".join(f"0x{b:02x}" for b in bad))


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
IamAuthenticationFailed: type[BorealisError]
IamNotAuthorized: type[BorealisError]
IamExpiresTooLong: type[BorealisError]
IamWrongAction: type[BorealisError]
IamRoleNotFound: type[BorealisError]
TooManyConnections: type[BorealisError]
ConnectionRateExceeded: type[BorealisError]
ConnectionLifetimeExceeded: type[BorealisError]
InvalidAuthorization: type[BorealisError]
InvalidPassword: type[BorealisError]
AdminShutdown: type[BorealisError]
InternalError: type[BorealisError]
DataCorrupted: type[BorealisError]
SyntaxError: type[BorealisError]
UnsupportedStatement: type[BorealisError]
FeatureNotSupported: type[BorealisError]
UndefinedTable: type[BorealisError]
UndefinedColumn: type[BorealisError]
UndefinedSchema: type[BorealisError]
UndefinedObject: type[BorealisError]
DuplicateTable: type[BorealisError]
DuplicateSchema: type[BorealisError]
DuplicateColumn: type[BorealisError]
DuplicateObject: type[BorealisError]
AmbiguousColumn: type[BorealisError]
GroupingError: type[BorealisError]
InvalidTableDefinition: type[BorealisError]
InvalidObjectDefinition: type[BorealisError]
InvalidColumnReference: type[BorealisError]
WrongObjectType: type[BorealisError]
DependentObjectsStillExist: type[BorealisError]
PermissionDenied: type[BorealisError]
MustBeOwner: type[BorealisError]
PrivilegeDenied: type[BorealisError]
UndefinedRole: type[BorealisError]
DuplicateRole: type[BorealisError]
InvalidGrantOperation: type[BorealisError]
ObjectInUse: type[BorealisError]
DependentPrivileges: type[BorealisError]
RoleHasDependencies: type[BorealisError]
IamArnInvalid: type[BorealisError]
IamTrustDenied: type[BorealisError]
IamRoleNeedsLogin: type[BorealisError]
IamGrantRoleMissing: type[BorealisError]
IamMappingMissing: type[BorealisError]
UniqueViolation: type[BorealisError]
InvalidFunctionDefinition: type[BorealisError]
DuplicateFunction: type[BorealisError]
AmbiguousFunction: type[BorealisError]
UndefinedFunctionParameter: type[BorealisError]
StackDepthExceeded: type[BorealisError]
NotNullViolation: type[BorealisError]
CheckViolation: type[BorealisError]
ForeignKeyViolation: type[BorealisError]
InvalidForeignKey: type[BorealisError]
ValidateConstraintAsyncRequired: type[BorealisError]
CardinalityViolation: type[BorealisError]
InvalidParameterValue: type[BorealisError]
ActiveSqlTransaction: type[BorealisError]
NoActiveSqlTransaction: type[BorealisError]
UndefinedParameter: type[BorealisError]
InvalidPreparedStatement: type[BorealisError]
InvalidCursorName: type[BorealisError]
DuplicatePreparedStatement: type[BorealisError]
QueryCanceled: type[BorealisError]
OutOfMemory: type[BorealisError]
InvalidTextRepresentation: type[BorealisError]
InvalidBinaryRepresentation: type[BorealisError]
NumericValueOutOfRange: type[BorealisError]
StringDataRightTruncation: type[BorealisError]
DivisionByZero: type[BorealisError]
InvalidDatetimeFormat: type[BorealisError]
DatetimeFieldOverflow: type[BorealisError]
IntervalFieldOverflow: type[BorealisError]
CharacterNotInRepertoire: type[BorealisError]
UntranslatableCharacter: type[BorealisError]
CannotCoerce: type[BorealisError]
DatatypeMismatch: type[BorealisError]
UndefinedFunction: type[BorealisError]
DuplicateAlias: type[BorealisError]
InvalidTimeZoneDisplacement: type[BorealisError]
SequenceCacheRequired: type[BorealisError]
SequenceCacheInvalid: type[BorealisError]
SequenceTypeNotBigint: type[BorealisError]
IdentityTypeNotBigint: type[BorealisError]
SequenceLimitReached: type[BorealisError]
SequenceValueOutOfBounds: type[BorealisError]
ObjectNotInPrerequisiteState: type[BorealisError]
InvalidRowCount: type[BorealisError]
SubstringError: type[BorealisError]
InvalidArgumentForFunction: type[BorealisError]
ArraySubscriptError: type[BorealisError]
DataException: type[BorealisError]
GeneratedAlways: type[BorealisError]
InvalidCatalogName: type[BorealisError]
CantChangeRuntimeParam: type[BorealisError]
InvalidSchemaName: type[BorealisError]
ReservedName: type[BorealisError]
UnsupportedObject: type[BorealisError]
TooManyColumns: type[BorealisError]
PrimaryKeyColumnDrop: type[BorealisError]
WindowingError: type[BorealisError]
NullValueNotAllowed: type[BorealisError]
InvalidPrecedingOrFollowingSize: type[BorealisError]
InvalidArgumentForNtile: type[BorealisError]
InvalidArgumentForNthValue: type[BorealisError]
ProgramLimitExceeded: type[BorealisError]
BadCopyFileFormat: type[BorealisError]
TableColumnLimit: type[BorealisError]
IndexKeyColumnLimit: type[BorealisError]
IndexLimit: type[BorealisError]
SchemaLimit: type[BorealisError]
TableLimit: type[BorealisError]
ViewLimit: type[BorealisError]
ViewDefinitionTooLarge: type[BorealisError]
DdlDmlMixed: type[BorealisError]
MultipleDdl: type[BorealisError]
SettingNotSupported: type[BorealisError]
FunctionNotSupported: type[BorealisError]
IndexAsyncRequired: type[BorealisError]
IndexUsingNotSupported: type[BorealisError]
IndexSortOrderNotSupported: type[BorealisError]
IndexConcurrentlyNotSupported: type[BorealisError]
JobWaitTimeout: type[BorealisError]
