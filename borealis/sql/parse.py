"""Parse: SQL text → the statements Borealis supports (first stage of DESIGN.md §6).

pglast wraps PostgreSQL's own parser, so what parses here parses in PostgreSQL, with
the same syntax errors. Its `pglast.ast` nodes are typed, immutable-in-practice Python
objects; they are the AST the binder reads. This stage's job is the gate: any statement
node type not in `SUPPORTED` fails at once with 0A000 ``unsupported statement: <Node>``
(DSQL's wording, the node's tag without the ``Stmt`` suffix), so later stages never meet
a construct they do not handle.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.parser import ParseError

from borealis.core import errors

SQL_TEXT_BYTES_MAX = 16 << 20

SUPPORTED: frozenset[type] = frozenset({
    ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt,
    ast.CreateStmt, ast.DropStmt, ast.IndexStmt, ast.CreateSchemaStmt, ast.ViewStmt,
    ast.AlterTableStmt, ast.RenameStmt, ast.CommentStmt,
    ast.TransactionStmt, ast.VariableSetStmt, ast.VariableShowStmt,
    ast.ExplainStmt, ast.DeallocateStmt, ast.CopyStmt,
})


@dataclass(frozen=True)
class Statement:
    node: ast.Node
    text: str  # this statement's own text, for views and error positions
    offset: int  # of `text` within the whole query string (characters)


def parse(sql: str) -> list[Statement]:
    """Split and parse a query string; raises 42601 or 0A000."""
    if len(sql) > SQL_TEXT_BYTES_MAX:
        raise errors.OutOfMemory(what="query string too long")
    try:
        raws = parse_sql(sql)
    except ParseError as exc:
        message, location = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
        position = _char_position(sql, location) if isinstance(location, int) else None
        raise errors.SyntaxError(what=message, position=position) from None
    encoded = sql.encode()
    out = []
    for raw in raws:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(encoded)
        text = encoded[start:end].decode(errors="replace").strip()
        node = raw.stmt
        if type(node) not in SUPPORTED:
            raise errors.UnsupportedStatement(what=node_name(node))
        out.append(Statement(node, text, len(encoded[:start].decode(errors="replace"))))
    return out


def node_name(node: ast.Node) -> str:
    name = type(node).__name__
    return name[:-4] if name.endswith("Stmt") else name


def _char_position(sql: str, byte_offset: int) -> int:
    """PostgreSQL reports 1-based character positions; pglast gives byte offsets."""
    return len(sql.encode()[:byte_offset].decode(errors="replace")) + 1
