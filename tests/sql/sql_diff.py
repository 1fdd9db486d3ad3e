"""Differential SQL cases: split a case file, run it on two engines, compare the outcomes.

A case file (`tests/sql/cases/*.sql`) is a script of statements separated as psql does
(`;` outside quotes, dollar quotes, comments and parentheses). Comment lines right
before a statement may hold directives for it:

    -- sorted                      compare rows in order (default: as a multiset, unless the
                                   statement has a top-level ORDER BY)
    -- error 23505                 both engines must fail with this SQLSTATE
    -- only borealis: <why>        run on Borealis alone (e.g. DSQL-specific behaviour);
    -- only postgres: <why>        run on PostgreSQL alone (a known gap in Borealis); either
                                   must still succeed, or fail with the `-- error` code

Any other comment is just a comment. There are no expected-output files: the expected
result of every statement is what PostgreSQL answers, live, so a case can't be made to
pass by writing down what Borealis happens to print.

Every file runs twice: over the simple query protocol and as prepared statements over
the extended protocol. For each statement both engines' outcomes — the SQLSTATE of an
error, or the command tag, column names and rows as the server's text output — must be
equal. Rows compare as multisets unless the order is defined.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import psycopg
from psycopg.adapt import Loader

ROWS_SHOWN_MAX = 200  # a mismatch report shows at most this many rows per side
PROTOCOLS = ("simple", "extended")

_DIRECTIVE = re.compile(
    r"^--\s*(?:(?P<sorted>sorted)\s*$"
    r"|error\s+(?P<error>[0-9A-Z]{5})\s*$"
    r"|only\s+(?P<only>borealis|postgres)\b\s*:?\s*(?P<why>.*)$)")


class CaseFileError(Exception):
    """A case file that can't be read (unterminated quote, bad directive, ...)."""


@dataclass
class Statement:
    sql: str
    line: int  # 1-based line of the statement's first character
    ordered: bool = False  # `-- sorted`
    error: str | None = None  # expected SQLSTATE
    only: str | None = None  # "borealis" | "postgres"
    why: str = ""

    def runs_on(self, engine: str) -> bool:
        return self.only is None or self.only == engine


@dataclass(frozen=True)
class Outcome:
    """What one engine answered to one statement."""

    sqlstate: str | None = None
    message: str = ""
    tag: str = ""
    columns: tuple[str, ...] | None = None
    rows: tuple[tuple[str | None, ...], ...] = ()

    def comparable(self, ordered: bool) -> tuple:
        if self.sqlstate is not None:
            return ("error", self.sqlstate)
        rows = self.rows if ordered else tuple(sorted(self.rows, key=_row_key))
        return ("ok", self.tag, self.columns, rows)

    def render(self, ordered: bool) -> list[str]:
        if self.sqlstate is not None:
            return [f"ERROR {self.sqlstate}: {self.message}"]
        out = [self.tag]
        if self.columns is not None:
            out.append(" | ".join(self.columns))
            rows = self.rows if ordered else sorted(self.rows, key=_row_key)
            for row in rows[:ROWS_SHOWN_MAX]:
                out.append(" | ".join("NULL" if v is None else repr(v) for v in row))
            if len(rows) > ROWS_SHOWN_MAX:
                out.append(f"... {len(rows) - ROWS_SHOWN_MAX} more rows")
        return out


def _row_key(row: tuple) -> tuple:
    return tuple((v is None, v or "") for v in row)


# -- reading case files ------------------------------------------------------------------


def split_statements(text: str) -> Iterator[tuple[str, int, list[str]]]:
    """(statement, first line, comment lines just before it) for each statement.

    Splits on `;` outside single/double quotes, E'' strings, dollar quotes, comments and
    parentheses, like psql. A trailing statement without `;` is still a statement.
    """
    i, n = 0, len(text)
    line = 1
    start: int | None = None
    start_line = 0
    comments: list[str] = []
    depth = 0

    def advance(to: int) -> None:
        nonlocal i, line
        line += text.count("\n", i, to)
        i = to

    while i < n:
        ch = text[i]
        if start is None:
            if ch.isspace():
                advance(i + 1)
                continue
            if text.startswith("--", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                comments.append(text[i:end].strip())
                advance(end)
                continue
            if ch == ";":  # an empty statement
                comments = []
                advance(i + 1)
                continue
            start, start_line, depth = i, line, 0
        if text.startswith("--", i):
            end = text.find("\n", i)
            advance(n if end < 0 else end)
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise CaseFileError(f"line {line}: unterminated /* comment")
            advance(end + 2)
        elif ch in ("'", '"'):
            escapes = ch == "'" and i > 0 and text[i - 1] in "eE" and not _word_char(text, i - 2)
            advance(_end_of_quoted(text, i, ch, escapes, line))
        elif ch == "$" and (m := re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", text[i:])) \
                and not _word_char(text, i - 1):
            tag = m.group(0)
            end = text.find(tag, i + len(tag))
            if end < 0:
                raise CaseFileError(f"line {line}: unterminated dollar quote {tag}")
            advance(end + len(tag))
        elif ch == "(":
            depth += 1
            advance(i + 1)
        elif ch == ")":
            depth -= 1
            advance(i + 1)
        elif ch == ";" and depth <= 0:
            yield text[start:i].strip(), start_line, comments
            start, comments = None, []
            advance(i + 1)
        else:
            advance(i + 1)
    if start is not None and text[start:].strip():
        yield text[start:].strip(), start_line, comments


def _word_char(text: str, i: int) -> bool:
    return i >= 0 and (text[i].isalnum() or text[i] in "_$")


def _end_of_quoted(text: str, i: int, quote: str, escapes: bool, line: int) -> int:
    j = i + 1
    while j < len(text):
        c = text[j]
        if escapes and c == "\\":
            j += 2
            continue
        if c == quote:
            if text.startswith(quote * 2, j):
                j += 2
                continue
            return j + 1
        j += 1
    raise CaseFileError(f"line {line}: unterminated {quote} quote")


def parse_case(text: str) -> list[Statement]:
    out = []
    for sql, line, comments in split_statements(text):
        stmt = Statement(sql, line)
        for comment in comments:
            m = _DIRECTIVE.match(comment)
            if m is None:
                if re.match(r"^--\s*(sorted|error|only)\b", comment):
                    raise CaseFileError(f"line {line}: malformed directive {comment!r}")
                continue
            if m.group("sorted"):
                stmt.ordered = True
            elif m.group("error"):
                stmt.error = m.group("error")
            else:
                stmt.only, stmt.why = m.group("only"), m.group("why").strip()
                if not stmt.why:
                    raise CaseFileError(
                        f"line {line}: `-- only {stmt.only}` needs a reason after it")
        if not stmt.ordered:
            stmt.ordered = has_top_level_order_by(sql)
        out.append(stmt)
    return out


def has_top_level_order_by(sql: str) -> bool:
    """Whether the statement's result order is defined by its outermost ORDER BY."""
    try:
        from pglast import ast, parse_sql
        (raw,) = parse_sql(sql)
    except Exception:
        return False
    node = raw.stmt
    if isinstance(node, ast.ExplainStmt):
        return True
    return isinstance(node, ast.SelectStmt) and bool(node.sortClause)


# -- running ---------------------------------------------------------------------------


class _RawText(Loader):
    """Every column as the server's own text, so formatting is compared too."""

    def load(self, data) -> str:
        return bytes(data).decode()


def text_connection(dsn: str) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True)
    adapters = conn.adapters
    oids = {0}
    for info in psycopg.postgres.types:
        oids.add(info.oid)
        if info.array_oid:
            oids.add(info.array_oid)
    for oid in oids:
        adapters.register_loader(oid, _RawText)
    return conn


def run_statement(conn: psycopg.Connection, sql: str, protocol: str = "simple") -> Outcome:
    """One statement's outcome. "simple": the simple query protocol (psycopg sends a
    query without parameters as one Query message, like psql); "extended": a prepared
    statement (Parse, Describe, Bind, Execute), as drivers and ORMs run it."""
    try:
        with conn.cursor() as cur:
            # bytes: psycopg leaves '%' alone; prepare=True forces Parse/Bind/Execute
            cur.execute(sql.encode(), prepare=True if protocol == "extended" else None)
            tag = cur.statusmessage or ""
            if cur.description is None:
                return Outcome(tag=tag)
            columns = tuple(d.name for d in cur.description)
            return Outcome(tag=tag, columns=columns, rows=tuple(tuple(r) for r in cur.fetchall()))
    except psycopg.Error as exc:
        state = exc.sqlstate or "?????"
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if conn.closed:
            raise
        return Outcome(sqlstate=state, message=message)


@dataclass
class Mismatch:
    stmt: Statement
    report: list[str] = field(default_factory=list)


def compare(stmt: Statement, got: dict[str, Outcome]) -> Mismatch | None:
    """A mismatch report for one statement's outcomes, or None when they agree."""
    problems = []
    for engine, outcome in got.items():
        if stmt.error is not None and outcome.sqlstate != stmt.error:
            problems.append(f"{engine}: expected error {stmt.error}")
        elif stmt.error is None and outcome.sqlstate is not None:
            problems.append(f"{engine}: unexpected error")
    if len(got) == 2:
        pg, bo = got["postgres"], got["borealis"]
        if pg.comparable(stmt.ordered) != bo.comparable(stmt.ordered):
            problems.append("postgres and borealis differ")
    if not problems:
        return None
    report = [f"line {stmt.line}: {_one_line(stmt.sql)}", *("  " + p for p in problems)]
    if len(got) == 2:
        pg_lines = got["postgres"].render(stmt.ordered)
        bo_lines = got["borealis"].render(stmt.ordered)
        diff = difflib.unified_diff(pg_lines, bo_lines, "postgres", "borealis", lineterm="", n=3)
        report.extend("  " + d for d in diff)
        if pg_lines == bo_lines:  # differs only in what the render hides
            report.extend("  " + x for x in pg_lines)
    else:
        (engine, outcome), = got.items()
        report.extend(f"  {engine}: {x}" for x in outcome.render(stmt.ordered))
    return Mismatch(stmt, report)


def _one_line(sql: str, width: int = 160) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def run_case(statements: Iterable[Statement], conns: dict[str, psycopg.Connection],
             protocol: str = "simple") -> list[Mismatch]:
    mismatches = []
    for stmt in statements:
        got = {engine: run_statement(conn, stmt.sql, protocol)
               for engine, conn in conns.items() if stmt.runs_on(engine)}
        mismatch = compare(stmt, got)
        if mismatch is not None:
            mismatches.append(mismatch)
    return mismatches


def format_mismatches(name: str, mismatches: list[Mismatch], total: int) -> str:
    head = f"{name}: {len(mismatches)} of {total} statements differ from PostgreSQL"
    return "\n".join([head, *("\n".join(m.report) for m in mismatches)])
