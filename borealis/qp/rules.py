"""Aurora DSQL's session and transaction rules, as tables the session consults.

`qp.session` runs statements; this module says which ones DSQL allows where
(DESIGN.md §7, dsql-behaviour.md §2.1–2.3). Statement-level refusals (unsupported
statements, CREATE TABLE clauses, ALTER TABLE subcommands) are the parse gate's
(`sql.parse`); size and count limits are `sql.dsql_limits` and `qp.txn`'s.

```
 transaction   one DDL statement, and DDL never with DML (INSERT/UPDATE/DELETE/COPY):
               0A000; reads may come before the DDL
               REPEATABLE READ only: BEGIN / START TRANSACTION / SET TRANSACTION /
               SET SESSION CHARACTERISTICS / SET [default_]transaction_isolation
               age ≤ 300 s since τ_start (54000), checked at each statement and COMMIT
 settings      SET (and set_config) of a parameter not in `SETTABLE`: 0A000
               `setting configuration parameter "x" not supported`; at startup the
               same refusal is FATAL; RESET is always accepted
 functions     pg_backend_pid(): `function pg_backend_pid not supported`
```

`SETTABLE` is what DSQL is known to accept (the AWS pgdump-proxy allow-list and the
grammar AWS generated from a live cluster, dsql-clients.md §6): the parameters the
Python drivers and ORMs send (application_name, DateStyle, TimeZone, client_encoding,
search_path, extra_float_digits, IntervalStyle) plus the planner switches. DSQL refuses
`statement_timeout`, `lock_timeout`, `standard_conforming_strings` and
`client_min_messages` (pgAdmin fails on the last), so Borealis does too in DSQL mode.
Relaxed mode accepts every SET as before.

The message for a second DDL statement is an inference (DSQL documents the rule, not
its text); the DDL/DML one is DSQL's. Neither SQLSTATE is documented: 0A000.
"""

from __future__ import annotations

from collections.abc import Mapping

from pglast import ast

from borealis.core import errors, limits
from borealis.core.limits import Compat
from borealis.qp.txn import S, Transaction

# -- settings ----------------------------------------------------------------------------

# Parameters a client may SET in DSQL mode (lower case). Values are still validated by
# `Session.set` (time zone UTC only, UTF8 only, REPEATABLE READ only, ...).
SETTABLE: frozenset[str] = frozenset({
    "application_name",
    "client_encoding",
    "datestyle",
    "extra_float_digits",
    "intervalstyle",
    "timezone",
    "search_path",
    "role",
    "transaction_isolation",
    "default_transaction_isolation",
    "transaction_read_only",
})
SETTABLE_PREFIXES: tuple[str, ...] = ("enable_",)  # planner switches (SET LOCAL enable_hashjoin)

# Refused in the StartupMessage even though SET accepts them (`SET ROLE` works in DSQL;
# a `role` startup parameter does not).
STARTUP_REFUSED: frozenset[str] = frozenset({"role"})

# StartupMessage fields that are protocol, not settings: the wire handles them.
PROTOCOL_PARAMETERS: frozenset[str] = frozenset({
    "user", "database", "options", "replication", "application_name", "client_encoding",
})


def settable(name: str) -> bool:
    key = name.lower()
    return key in SETTABLE or key.startswith(SETTABLE_PREFIXES)


def check_set(name: str, compat: Compat) -> None:
    """SET name = ... or set_config(name, ...): refused in DSQL mode unless allowed."""
    if compat is Compat.DSQL and not settable(name):
        raise errors.SettingNotSupported(name=name.lower())


def check_startup(parameters: Mapping[str, str], options: Mapping[str, str], compat: Compat) -> None:
    """Settings in the StartupMessage (and its `options` -c flags): DSQL refuses the ones
    it does not allow, e.g. default_transaction_read_only and role, before the session."""
    if compat is not Compat.DSQL:
        return
    for name in (*parameters, *options):
        key = name.lower()
        if key in PROTOCOL_PARAMETERS or key.startswith("_pq_."):
            continue
        if key in STARTUP_REFUSED:
            raise errors.SettingNotSupported(name=key)
        check_set(key, compat)


# -- isolation ---------------------------------------------------------------------------

ISOLATION_ACCEPTED = frozenset({"repeatable read", "repeatable_read", "default"})


def check_isolation(value: str) -> None:
    """Only REPEATABLE READ exists (strong snapshot isolation), in both modes: Borealis
    cannot give SERIALIZABLE's guarantees, and READ COMMITTED would be a different
    database."""
    level = value.lower().strip().strip("'").strip()
    if level not in ISOLATION_ACCEPTED:
        raise errors.FeatureNotSupported(
            what=f"isolation level {level.upper()} is not supported: only REPEATABLE READ")


# -- statements in a transaction -----------------------------------------------------------

DML_NODES: frozenset[type] = frozenset({ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.CopyStmt})


def check_ddl(txn: Transaction, compat: Compat) -> None:
    """A DDL statement is about to run in `txn`."""
    if compat is Compat.DSQL:
        if txn.dml_statements:
            raise errors.DdlDmlMixed()
        if txn.ddl_statements:
            raise errors.MultipleDdl()
        txn.limits = None  # DDL writes (catalog rows, a dropped table's rows) are not DML
    txn.ddl_statements += 1


def check_dml(txn: Transaction, compat: Compat) -> None:
    """A DML statement is about to run in `txn`."""
    if compat is Compat.DSQL and txn.ddl_statements:
        raise errors.DdlDmlMixed()
    txn.dml_statements += 1


def check_age(txn: Transaction | None, compat: Compat) -> None:
    """DSQL's 300 s transaction limit, from τ_start (the first statement)."""
    if compat is Compat.DSQL and txn is not None and txn.age_ns() > limits.MAX_TXN_AGE_S * S:
        raise errors.TransactionAgeLimit()


# -- read-only transactions -----------------------------------------------------------------

# The command named in PostgreSQL's 25006 `cannot execute <command> in a read-only
# transaction`, for statements that would write.
_WRITE_COMMANDS: dict[type, str] = {
    ast.InsertStmt: "INSERT",
    ast.UpdateStmt: "UPDATE",
    ast.DeleteStmt: "DELETE",
    ast.CopyStmt: "COPY FROM",
    ast.CreateStmt: "CREATE TABLE",
    ast.IndexStmt: "CREATE INDEX",
    ast.ViewStmt: "CREATE VIEW",
    ast.CreateSchemaStmt: "CREATE SCHEMA",
    ast.AlterTableStmt: "ALTER TABLE",
    ast.RenameStmt: "ALTER TABLE",
    ast.CommentStmt: "COMMENT",
    ast.CreateFunctionStmt: "CREATE FUNCTION",
    ast.AlterFunctionStmt: "ALTER FUNCTION",
}


def write_command(node: ast.Node, is_ddl: bool) -> str | None:
    """The command a read-only transaction refuses, None if `node` does not write."""
    command = _WRITE_COMMANDS.get(type(node))
    if command is not None:
        return command
    if isinstance(node, ast.DropStmt):
        return "DROP " + node.removeType.name.removeprefix("OBJECT_").replace("_", " ")
    if is_ddl:
        return type(node).__name__.removesuffix("Stmt")
    if isinstance(node, ast.SelectStmt) and node.lockingClause:
        return "SELECT FOR UPDATE"
    if isinstance(node, ast.SelectStmt) and writes_in_with(node):
        return "SELECT"  # PostgreSQL names the statement, not its WITH query
    return None


def writes_in_with(node: ast.Node) -> bool:
    """Whether a WITH query of `node` is an INSERT, UPDATE or DELETE."""
    with_clause = getattr(node, "withClause", None)
    return with_clause is not None and any(
        isinstance(cte.ctequery, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt))
        for cte in with_clause.ctes)
