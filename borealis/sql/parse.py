"""Parse: SQL text → the statements Borealis supports (first stage of DESIGN.md §6).

pglast wraps PostgreSQL's own parser, so what parses here parses in PostgreSQL, with
the same syntax errors. Its `pglast.ast` nodes are typed, immutable-in-practice Python
objects; they are the AST the binder reads. This stage's job is the gate: any statement
node type not in `SUPPORTED` fails at once with 0A000 ``unsupported statement: <Node>``
(DSQL's wording, the node's tag without the ``Stmt`` suffix), so later stages never meet
a construct they do not handle.

In DSQL mode (`Compat.DSQL`) the gate also refuses what Aurora DSQL refuses, from two
tables: `DSQL_STATEMENT_WORDING` (DSQL's text for a statement Borealis never runs, where
it is not the mechanical ``unsupported statement: <Node>``) and `DSQL_REFUSALS` (forms
of supported statements DSQL rejects: CREATE TABLE clauses, ALTER TABLE subcommands,
COPY to a file, ...), each with DSQL's wording where it is documented
(dsql-behaviour.md §2.3, §4.3). Where DSQL's text is not documented the message follows
its pattern (``<clause> not supported for CREATE TABLE``,
``unsupported ALTER TABLE <subcommand> statement``): an inference, not a quote.

DSQL also adds keywords to PostgreSQL's grammar that pglast cannot parse: `CREATE
[UNIQUE] INDEX ASYNC ...` and `ALTER TABLE ASYNC ...`. `MODIFIERS` lists them; before
parsing, pglast's own scanner finds them token-wise (never inside strings, comments or
quoted names) right after the statement's leading keywords, and they are blanked out
with spaces of the same length, so error positions still point into the text the client
sent. Each `Statement` carries the modifiers taken out of it (`modifiers`), and the stage
that runs it (`ddl.execute_ddl`) picks the statement's async form. DSQL's `AWS IAM GRANT
role TO 'arn'` / `AWS IAM REVOKE role FROM 'arn'` are whole statements outside the
grammar: found the same way, parsed here into an `IamGrantStmt` and blanked out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType, OnCommitAction
from pglast.parser import ParseError, scan

from borealis.core import errors
from borealis.core.limits import Compat

SQL_TEXT_BYTES_MAX = 16 << 20
# PostgreSQL's grammar rejects these window frames with 42P20, not 42601.
_FRAME_ERRORS = ("frame start cannot be", "frame end cannot be", "frame starting from")

SUPPORTED: frozenset[type] = frozenset({
    ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt,
    ast.CreateStmt, ast.DropStmt, ast.IndexStmt, ast.CreateSchemaStmt, ast.ViewStmt,
    ast.AlterTableStmt, ast.RenameStmt, ast.CommentStmt,
    ast.TransactionStmt, ast.VariableSetStmt, ast.VariableShowStmt,
    ast.ExplainStmt, ast.DeallocateStmt, ast.CopyStmt, ast.ConstraintsSetStmt,
    ast.CallStmt, ast.CreateSeqStmt, ast.AlterSeqStmt,
    # roles and privileges (sql.role_ddl)
    ast.CreateRoleStmt, ast.AlterRoleStmt, ast.DropRoleStmt, ast.GrantStmt, ast.GrantRoleStmt,
    ast.AlterDefaultPrivilegesStmt, ast.AlterOwnerStmt,
    # SQL functions (sql.function_ddl)
    ast.CreateFunctionStmt, ast.AlterFunctionStmt, ast.AlterObjectSchemaStmt,
    # ANALYZE only (sql.analyze): VACUUM, the same node, is refused by `check_statement`
    ast.VacuumStmt,
})

# -- DSQL's extra keywords (ASYNC) ---------------------------------------------------------

# ALTER TABLE's subcommand keywords: `ALTER TABLE async ADD ...` alters a table named
# "async" (the word is a name when one of these, or nothing, follows it).
_ALTER_TABLE_ACTIONS = frozenset({
    "ADD_P", "ALTER", "DROP", "VALIDATE", "RENAME", "OWNER", "SET", "RESET", "ENABLE_P",
    "DISABLE_P", "CLUSTER", "INHERIT", "NO", "OF", "NOT", "REPLICA", "ATTACH", "DETACH",
    "FORCE", None})

# (the scanner tokens a statement starts with, the modifier word that may follow them,
# tokens after the word that make it a plain name instead).
MODIFIERS: tuple[tuple[tuple[str, ...], str, frozenset], ...] = (
    (("CREATE", "INDEX"), "ASYNC", frozenset()),
    (("CREATE", "UNIQUE", "INDEX"), "ASYNC", frozenset()),
    (("ALTER", "TABLE"), "ASYNC", _ALTER_TABLE_ACTIONS),
)
_MODIFIER_WORDS = frozenset(word.lower() for _, word, _ in MODIFIERS)

# -- what DSQL mode refuses ----------------------------------------------------------------

# A probe looks at one statement and returns DSQL's message if the statement uses a
# form DSQL refuses, else None.
Probe = Callable[[ast.Node], "str | None"]

ACCEPTED_COLLATIONS = frozenset({"C", "POSIX", "default"})  # DSQL has the C collation only


def _clause(test: Callable[[ast.Node], object], clause: str, command: str = "CREATE TABLE") -> Probe:
    return lambda node: f"{clause} clause not supported for {command}" if test(node) else None


def _collations(node: ast.CreateStmt):
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef) and elt.collClause is not None:
            yield elt.collClause.collname[-1].sval


def _constraints(node: ast.CreateStmt):
    for elt in node.tableElts or ():
        if isinstance(elt, ast.Constraint):
            yield elt
        elif isinstance(elt, ast.ColumnDef):
            yield from (c for c in elt.constraints or () if isinstance(c, ast.Constraint))


# ALTER TABLE subcommands DSQL refuses (§2.3), as the SQL words of its message
# ``unsupported ALTER TABLE <words> statement``. Subcommands not listed are either
# supported by DSQL or refused by `sql.ddl` because Borealis does not implement them.
ALTER_TABLE_REFUSED: dict[AT, str] = {
    AT.AT_SetNotNull: "ALTER COLUMN SET NOT NULL",
    AT.AT_AlterColumnType: "ALTER COLUMN SET DATA TYPE",
    AT.AT_EnableRowSecurity: "ENABLE ROW SECURITY",
    AT.AT_DisableRowSecurity: "DISABLE ROW SECURITY",
    AT.AT_ForceRowSecurity: "FORCE ROW SECURITY",
    AT.AT_NoForceRowSecurity: "NO FORCE ROW SECURITY",
    AT.AT_ReplicaIdentity: "REPLICA IDENTITY",
    AT.AT_EnableRule: "ENABLE RULE",
    AT.AT_EnableAlwaysRule: "ENABLE ALWAYS RULE",
    AT.AT_EnableReplicaRule: "ENABLE REPLICA RULE",
    AT.AT_DisableRule: "DISABLE RULE",
    AT.AT_SetTableSpace: "SET TABLESPACE",
    AT.AT_SetRelOptions: "SET (storage parameters)",
    AT.AT_ResetRelOptions: "RESET (storage parameters)",
    AT.AT_SetLogged: "SET LOGGED",
    AT.AT_SetUnLogged: "SET UNLOGGED",
    AT.AT_SetAccessMethod: "SET ACCESS METHOD",
    AT.AT_ClusterOn: "CLUSTER ON",
    AT.AT_DropCluster: "SET WITHOUT CLUSTER",
    AT.AT_AddInherit: "INHERIT",
    AT.AT_DropInherit: "NO INHERIT",
    AT.AT_AddOf: "OF",
    AT.AT_DropOf: "NOT OF",
    AT.AT_AttachPartition: "ATTACH PARTITION",
    AT.AT_DetachPartition: "DETACH PARTITION",
    AT.AT_DetachPartitionFinalize: "DETACH PARTITION FINALIZE",
}

# ADD CONSTRAINT forms DSQL refuses: (constraint type, by an existing index?) -> words.
# CHECK and FOREIGN KEY are accepted only NOT VALID (validated later by a job).
ADD_CONSTRAINT_REFUSED: dict[tuple[ConstrType, bool], str] = {
    (ConstrType.CONSTR_PRIMARY, False): "ADD PRIMARY KEY",
    (ConstrType.CONSTR_PRIMARY, True): "ADD PRIMARY KEY USING INDEX",
    (ConstrType.CONSTR_UNIQUE, False): "ADD UNIQUE",
    (ConstrType.CONSTR_EXCLUSION, False): "ADD EXCLUDE",
}
NOT_VALID_ONLY = frozenset({ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN})


def _alter_table(node: ast.AlterTableStmt) -> str | None:
    for cmd in node.cmds or ():
        words = ALTER_TABLE_REFUSED.get(cmd.subtype)
        con = cmd.def_ if cmd.subtype == AT.AT_AddConstraint else None
        if isinstance(con, ast.Constraint):
            words = ADD_CONSTRAINT_REFUSED.get((con.contype, con.indexname is not None))
            if con.contype in NOT_VALID_ONLY and not con.skip_validation:
                words = f"ADD {'CHECK' if con.contype == ConstrType.CONSTR_CHECK else 'FOREIGN KEY'}" \
                        " without NOT VALID"
        if words is not None:
            return f"unsupported ALTER TABLE {words} statement"
    return None


def _create_function(node: ast.CreateFunctionStmt) -> str | None:
    if node.is_procedure:
        return "CREATE PROCEDURE not supported"
    language = next((o.arg.sval for o in node.options or ()
                     if isinstance(o, ast.DefElem) and o.defname == "language"), "sql")
    return None if language.lower() == "sql" else f'language "{language}" not supported'


DSQL_REFUSALS: dict[type, tuple[Probe, ...]] = {
    ast.CreateStmt: (
        _clause(lambda n: n.partspec is not None, "PARTITION BY"),
        _clause(lambda n: n.partbound is not None, "PARTITION OF"),
        _clause(lambda n: n.inhRelations, "INHERITS"),
        _clause(lambda n: n.relation.relpersistence == "t", "TEMPORARY"),
        _clause(lambda n: n.relation.relpersistence == "u", "UNLOGGED"),
        _clause(lambda n: n.ofTypename is not None, "OF"),
        _clause(lambda n: n.tablespacename, "TABLESPACE"),
        _clause(lambda n: n.options, "WITH"),
        _clause(lambda n: n.oncommit not in (None, OnCommitAction.ONCOMMIT_NOOP), "ON COMMIT"),
        _clause(lambda n: any(c not in ACCEPTED_COLLATIONS for c in _collations(n)), "COLLATE"),
        _clause(lambda n: any(c.contype == ConstrType.CONSTR_EXCLUSION for c in _constraints(n)), "EXCLUDE"),
    ),
    ast.ViewStmt: (
        _clause(lambda n: n.view.relpersistence == "t", "TEMPORARY", "CREATE VIEW"),
    ),
    ast.AlterTableStmt: (_alter_table,),
    ast.CopyStmt: (
        lambda n: "COPY to or from a file not supported: use STDIN or STDOUT"
        if n.filename is not None or n.is_program else None,
    ),
    ast.CreateFunctionStmt: (_create_function,),
}

# DSQL's text for statements Borealis never runs, where it is not the mechanical
# ``unsupported statement: <Node>``.
DSQL_STATEMENT_WORDING: dict[type, str] = {
    ast.CreatedbStmt: "unsupported statement",
}


# -- DSQL's AWS IAM GRANT / AWS IAM REVOKE ------------------------------------------------

# `AWS IAM GRANT role TO 'arn'` and `AWS IAM REVOKE role FROM 'arn'` (dsql-behaviour.md
# §5) are not PostgreSQL grammar: like the ASYNC keyword they are found token-wise
# before parsing (a statement whose first tokens are the words AWS IAM GRANT|REVOKE),
# parsed here into an `IamGrantStmt`, and blanked out of the text pglast parses.
_IAM_NAME_KINDS = frozenset({"UNRESERVED_KEYWORD", "COL_NAME_KEYWORD", "TYPE_FUNC_NAME_KEYWORD"})


@dataclass(frozen=True)
class IamGrantStmt:
    """AWS IAM GRANT role TO 'arn' (is_grant) or AWS IAM REVOKE role FROM 'arn'."""

    is_grant: bool
    role: str
    arn: str


def _token_statements(sql: str) -> list[list] | None:
    """The lexer's tokens of each `;`-separated statement of `sql` (an empty list for an
    empty statement), or None when it does not scan."""
    try:
        tokens = scan(sql)
    except ParseError:
        return None
    statements: list[list] = [[]]
    for tok in tokens:
        if tok.name == "ASCII_59":
            statements.append([])
        else:
            statements[-1].append(tok)
    return statements


def _take_iam_statements(sql: str) -> tuple[str, list[tuple[int, int, IamGrantStmt]]]:
    """The text with AWS IAM statements blanked out, and [(start, end byte, node)]."""
    lowered = sql.lower()
    if "aws" not in lowered or "iam" not in lowered:
        return sql, []
    statements = _token_statements(sql)
    if statements is None:
        return sql, []  # the parser reports it
    encoded = bytearray(sql.encode())
    found: list[tuple[int, int, IamGrantStmt]] = []
    for statement in statements:
        node = _iam_statement(statement, encoded)
        if node is not None:
            start, end = statement[0].start, statement[-1].end + 1
            found.append((start, end, node))
            encoded[start:end] = b" " * (end - start)
    if not found:
        return sql, []
    return encoded.decode(), found


def _iam_statement(tokens: list, encoded: bytearray) -> IamGrantStmt | None:
    def text(tok) -> str:
        return bytes(encoded[tok.start:tok.end + 1]).decode()

    if len(tokens) < 3 or tokens[0].name != "IDENT" or tokens[1].name != "IDENT" \
            or text(tokens[0]).lower() != "aws" or text(tokens[1]).lower() != "iam" \
            or tokens[2].name not in ("GRANT", "REVOKE"):
        return None
    is_grant = tokens[2].name == "GRANT"
    rest = tokens[3:]
    def syntax_error(tok) -> errors.BorealisError:
        where = tok.start if tok is not None else (tokens[-1].end + 1)
        near = f' at or near "{text(tok)}"' if tok is not None else " at end of input"
        return errors.SyntaxError(what=f"syntax error{near}",
                                  position=_char_position(encoded.decode(), where))
    if not rest or not (rest[0].name == "IDENT" or rest[0].kind in _IAM_NAME_KINDS):
        raise syntax_error(rest[0] if rest else None)
    raw = text(rest[0])
    role = raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()
    keyword = "TO" if is_grant else "FROM"
    if len(rest) < 2 or rest[1].name != keyword:
        raise syntax_error(rest[1] if len(rest) > 1 else None)
    if len(rest) < 3 or rest[2].name != "SCONST" or not text(rest[2]).startswith("'"):
        raise syntax_error(rest[2] if len(rest) > 2 else None)
    if len(rest) > 3:
        raise syntax_error(rest[3])
    arn = text(rest[2])[1:-1].replace("''", "'")
    return IamGrantStmt(is_grant, role, arn)


@dataclass(frozen=True)
class Statement:
    node: ast.Node
    text: str  # this statement's own text, for views and error positions
    offset: int  # of `text` within the whole query string (characters)
    modifiers: frozenset[str] = frozenset()  # DSQL keywords taken out (MODIFIERS): ASYNC


def parse(sql: str, compat: Compat = Compat.RELAXED) -> list[Statement]:
    """Split and parse a query string; raises 42601 or 0A000.

    Sessions pass their mode; internal re-parses (stored defaults, view bodies) keep the
    default, since what they parse was checked when it was created."""
    if len(sql) > SQL_TEXT_BYTES_MAX:
        raise errors.OutOfMemory(what="query string too long")
    original_sql = sql
    sql, iam = _take_iam_statements(sql)
    sql, taken = _take_modifiers(sql)
    try:
        raws = parse_sql(sql)
    except ParseError as exc:
        message, location = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
        position = _char_position(sql, location) if isinstance(location, int) else None
        if message.startswith(_FRAME_ERRORS):  # the grammar's window frame checks
            raise errors.WindowingError(what=message, position=position) from None
        raise errors.SyntaxError(what=message, position=position) from None
    encoded = sql.encode()
    out = []
    for raw in raws:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(encoded)
        text = encoded[start:end].decode(errors="replace").strip()
        node = raw.stmt
        check_statement(node, compat)
        modifiers = frozenset(word for at, word in taken if start <= at < end)
        out.append(Statement(node, text, len(encoded[:start].decode(errors="replace")), modifiers))
    if iam:  # AWS IAM GRANT / REVOKE, in their place among the others
        original = original_sql.encode()
        out.extend(Statement(node, original[start:end].decode(errors="replace"),
                             len(original[:start].decode(errors="replace")))
                   for start, end, node in iam)
        out.sort(key=lambda st: st.offset)
    return out


def _take_modifiers(sql: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with DSQL's extra keywords blanked out, and [(byte offset, WORD)]."""
    lowered = sql.lower()
    if not any(word in lowered for word in _MODIFIER_WORDS):
        return sql, []
    statements = _token_statements(sql)
    if statements is None:
        return sql, []  # the parser reports it
    encoded = bytearray(sql.encode())
    taken: list[tuple[int, str]] = []
    for statement in statements:
        found = _modifier(statement, encoded)
        if found is not None:
            at, length, word = found
            encoded[at:at + length] = b" " * length
            taken.append((at, word))
    if not taken:
        return sql, []
    return encoded.decode(), taken


def _modifier(tokens: list, encoded: bytearray) -> tuple[int, int, str] | None:
    for lead, word, name_if_next in MODIFIERS:
        n = len(lead)
        if len(tokens) <= n or tuple(t.name for t in tokens[:n]) != lead:
            continue
        tok = tokens[n]
        spelled = bytes(encoded[tok.start:tok.end + 1])
        following = tokens[n + 1].name if len(tokens) > n + 1 else None
        if tok.name == "IDENT" and spelled.lower() == word.lower().encode() \
                and following not in name_if_next:
            return tok.start, tok.end + 1 - tok.start, word
    return None


def check_statement(node: ast.Node, compat: Compat = Compat.RELAXED) -> None:
    """The gate: 0A000 for a statement Borealis does not run or (DSQL mode) DSQL refuses."""
    kind = type(node)
    dsql = compat is Compat.DSQL
    if dsql:
        for probe in DSQL_REFUSALS.get(kind, ()):
            message = probe(node)
            if message is not None:
                raise errors.FeatureNotSupported(what=message)
    if kind is ast.VacuumStmt and node.is_vacuumcmd:  # ANALYZE runs; VACUUM never (nor in DSQL)
        raise errors.UnsupportedStatement(what=node_name(node))
    if kind not in SUPPORTED:
        wording = DSQL_STATEMENT_WORDING.get(kind) if dsql else None
        if wording is not None:
            raise errors.FeatureNotSupported(what=wording)
        raise errors.UnsupportedStatement(what=node_name(node))
    if isinstance(node, ast.ExplainStmt) and node.query is not None:
        check_statement(node.query, compat)  # EXPLAIN EXECUTE: "unsupported statement: Execute"


def node_name(node: ast.Node) -> str:
    name = type(node).__name__
    return name[:-4] if name.endswith("Stmt") else name


def _char_position(sql: str, byte_offset: int) -> int:
    """PostgreSQL reports 1-based character positions; pglast gives byte offsets."""
    return len(sql.encode()[:byte_offset].decode(errors="replace")) + 1
