"""A simple query's literals as parameters, so that one plan serves every query of a shape.

Clients that interpolate values into SQL (pgbench -M simple, psycopg2, anything using the
simple protocol) send the same statement with different numbers and strings over and
over. Parsing, binding and optimizing it each time costs more than running it. `shape`
turns

    UPDATE pgbench_accounts SET abalance = abalance + -5 WHERE aid = 3

into the template `UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2`,
the parameter types the literals have in PostgreSQL (`int4`, `int8`, `numeric`, or
unknown for a quoted string) and their texts `("-5", "3")`, from the lexer's tokens
alone: a few microseconds, no parse tree. The session keeps a bound plan per template
(qp.session) and runs later queries of the shape as if they were Bind messages.

A parameter and a literal behave the same only in some places. `$1` in `ORDER BY $1`
is a value where `1` is a column number; `numeric(10, $1)` and `interval $1` do not
parse; `'a' || 'b'` resolves to text where `$1 || $2` cannot be resolved; an ON CONFLICT
arbiter's predicate must prove a partial index's, which a parameter cannot. So a template
is used only after `safe_template` has checked, once per shape, that each of its
parameters sits where a literal of its type would be resolved the same way: an operand
of an operator whose other operand has a type of its own (`aid = $2`, `x IN ($1, $2)`,
`k BETWEEN $1 AND $2`), a SET value, a VALUES value of INSERT, LIMIT or OFFSET, each
possibly under a cast. Anything else keeps the ordinary path, as does any text the lexer
cannot take apart exactly (non-ASCII text, E'' or dollar quoting, bit strings, more than
one statement).
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.parser import ParseError, scan

INT4, INT8, NUMERIC, UNKNOWN = 23, 20, 1700, 705
SHAPE_TEXT_MAX = 8192  # longer statements are rarely repeated; not worth a template
LITERALS_MAX = 256

_INT4_RANGE = range(-(2**31), 2**31)
_INT8_RANGE = range(-(2**63), 2**63)
# Tokens after which a '-' is binary (subtraction), so the literal after it keeps no sign.
_VALUE_END = frozenset({"IDENT", "ICONST", "FCONST", "SCONST", "PARAM", "ASCII_41", "ASCII_93"})
# Tokens after which a '-' is certainly the sign of the literal that follows.
_OPERATOR = frozenset({"ASCII_40", "ASCII_44", "ASCII_61", "ASCII_60", "ASCII_62", "ASCII_43",
                       "ASCII_42", "ASCII_47", "ASCII_37", "Op", "LESS_EQUALS",
                       "GREATER_EQUALS", "NOT_EQUALS", "SELECT", "WHERE", "AND", "OR", "SET",
                       "THEN", "ELSE", "WHEN", "BETWEEN", "LIMIT", "OFFSET", "VALUES", "IN_P"})
_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})


@dataclass(frozen=True)
class Shape:
    template: str  # the statement with its literals as $1..$n
    types: tuple[int, ...]  # each literal's type oid (UNKNOWN for a quoted string)
    values: tuple[str, ...]  # each literal's text, as a Bind message would carry it


def shape(sql: str) -> Shape | None:
    """The statement as a template and its literals; None when it has no literals or
    the lexer's view of it is not exact enough to rewrite it safely."""
    if len(sql) > SHAPE_TEXT_MAX or not sql.isascii():
        return None
    try:
        tokens = scan(sql)
    except ParseError:
        return None
    pieces: list[str] = []
    types: list[int] = []
    values: list[str] = []
    at = 0
    previous: list[str] = []  # names of the last two tokens, comments skipped
    for index, token in enumerate(tokens):
        name = token.name
        if name in _COMMENTS:
            continue
        if name == "PARAM" or name in ("BCONST", "XCONST", "USCONST", "UIDENT"):
            return None
        # ';' ends the statement: nothing but comments may follow
        if name == "ASCII_59" and any(t.name not in _COMMENTS for t in tokens[index + 1:]):
            return None
        if name in ("ICONST", "FCONST", "SCONST"):
            text = sql[token.start:token.end + 1]
            start = token.start
            if name == "SCONST":
                if not (text.startswith("'") and text.endswith("'")) or len(text) < 2:
                    return None  # E'', U&'', $$ $$ quoting: keep the ordinary path
                value, oid = text[1:-1].replace("''", "'"), UNKNOWN
            else:
                if previous[-1:] == ["ASCII_45"]:  # a '-' right before the number
                    before = previous[-2] if len(previous) > 1 else "SELECT"
                    if before in _OPERATOR:
                        text = "-" + text
                        start = _minus_before(sql, start)
                    elif before not in _VALUE_END:
                        return None  # cannot tell a sign from a subtraction
                oid = _number_type(text)
                if oid is None:
                    return None
                value = text
            if len(values) >= LITERALS_MAX:
                return None
            pieces.append(sql[at:start])
            pieces.append(f"${len(values) + 1}")
            at = token.end + 1
            types.append(oid)
            values.append(value)
        previous = previous[-1:] + [name]
    if not values:
        return None
    pieces.append(sql[at:])
    return Shape("".join(pieces), tuple(types), tuple(values))


def _minus_before(sql: str, start: int) -> int:
    return sql.rindex("-", 0, start)


def _number_type(text: str) -> int | None:
    """PostgreSQL's type for a numeric literal: int4, else int8, else numeric."""
    digits = text[1:] if text.startswith("-") else text
    if digits.isdigit():
        number = int(text)
        if number in _INT4_RANGE:
            return INT4
        return INT8 if number in _INT8_RANGE else NUMERIC
    body = digits.lower()
    mantissa, _, exponent = body.partition("e")
    if exponent and not exponent.lstrip("+-").isdigit():
        return None
    if not mantissa or mantissa.count(".") > 1 or not mantissa.replace(".", "").isdigit():
        return None
    return NUMERIC


# -- which templates are safe -----------------------------------------------------------

_CACHED_STATEMENTS = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt)


def safe_template(node: ast.Node) -> bool:
    """True when every parameter of the parsed template sits where a literal would be
    typed and resolved the same way (see the module's docstring)."""
    if not isinstance(node, _CACHED_STATEMENTS):
        return False
    return _safe(node, ())


def _safe(node: object, parents: tuple) -> bool:
    if isinstance(node, tuple):
        return all(_safe(item, parents + (node,)) for item in node)
    if not isinstance(node, ast.Node):
        return True
    if isinstance(node, ast.ParamRef):
        return _param_place_ok(node, parents)
    if isinstance(node, ast.InferClause | ast.OnConflictClause):
        return not _has_param(node)  # arbiter inference must see real constants
    chain = parents + (node,)
    for slot in node.__slots__:
        value = getattr(node, slot, None)
        if value is not None and not _safe(value, chain):
            return False
    return True


def _has_param(node: object) -> bool:
    if isinstance(node, tuple):
        return any(_has_param(item) for item in node)
    if isinstance(node, ast.ParamRef):
        return True
    if isinstance(node, ast.Node):
        return any(_has_param(getattr(node, slot, None)) for slot in node.__slots__)
    return False


def _param_place_ok(param: ast.ParamRef, parents: tuple) -> bool:
    """`parents` are the ParamRef's ancestors, nearest last; casts are looked through."""
    child: object = param
    i = len(parents) - 1
    while i >= 0 and isinstance(parents[i], ast.TypeCast):
        child, i = parents[i], i - 1
    if i < 0:
        return False
    parent = parents[i]
    if isinstance(parent, ast.A_Expr):  # aid = $1, abalance + $1
        if parent.lexpr is child:
            return _typed(parent.rexpr)
        return parent.rexpr is child and _typed(parent.lexpr)
    if isinstance(parent, ast.ResTarget):  # UPDATE ... SET col = $1
        return (parent.val is child and i >= 2 and isinstance(parents[i - 2], ast.UpdateStmt)
                and parents[i - 2].targetList is parents[i - 1])
    if isinstance(parent, ast.SelectStmt):
        return parent.limitCount is child or parent.limitOffset is child
    if isinstance(parent, tuple) and i >= 1:
        holder = parents[i - 1]
        if isinstance(holder, ast.A_Expr):  # x IN ($1, $2), k BETWEEN $1 AND $2
            return holder.rexpr is parent and _typed(holder.lexpr)
        if isinstance(holder, tuple) and i >= 3:  # INSERT ... VALUES ($1, $2), ($3, $4)
            select, insert = parents[i - 2], parents[i - 3]
            return (isinstance(select, ast.SelectStmt) and select.valuesLists is holder
                    and isinstance(insert, ast.InsertStmt) and insert.selectStmt is select)
    return False


def _typed(expr: object) -> bool:
    """An operand whose type does not depend on a parameter's: a column, a cast, a
    function call, an operator over such things."""
    return expr is not None and not isinstance(expr, ast.ParamRef | ast.A_Const | tuple)
