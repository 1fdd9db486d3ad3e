"""COPY ... FROM STDIN: text and CSV rows streamed into an INSERT.

The wire hands over CopyData chunks; complete lines are parsed as they arrive (a partial
line waits for the next chunk, bounded by `LINE_BYTES_MAX`), converted with each
column's text input function, and inserted through the same path as INSERT (defaults,
constraints, unique checks). COPY to or from a server file is refused: only STDIN.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from pglast import ast

from borealis.core import errors
from borealis.sql import fk
from borealis.sql import types as T
from borealis.sql.dml import InsertPlan, run_insert
from borealis.sql.plan import ExecContext, Node, OutCol

LINE_BYTES_MAX = 64 << 20
ROWS_PER_INSERT = 1000

_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


@dataclass
class CopyOptions:
    csv: bool = False
    delimiter: str = "\t"
    null: str = "\\N"
    header: bool = False
    quote: str = '"'


def copy_options(stmt: ast.CopyStmt) -> CopyOptions:
    opts = CopyOptions()
    explicit_delim = explicit_null = False
    for o in stmt.options or ():
        name = o.defname
        value = getattr(o.arg, "sval", None) if o.arg is not None else None
        if name == "format":
            if value not in ("text", "csv"):
                raise errors.FeatureNotSupported(what=f"COPY format \"{value}\" is not supported")
            opts.csv = value == "csv"
        elif name == "delimiter":
            opts.delimiter, explicit_delim = value, True
        elif name == "null":
            opts.null, explicit_null = value, True
        elif name == "header":
            opts.header = value is None or str(value).lower() in ("true", "on", "1")
            if o.arg is not None and hasattr(o.arg, "boolval"):
                opts.header = bool(o.arg.boolval)
        elif name == "quote":
            opts.quote = value
        else:
            raise errors.FeatureNotSupported(what=f'COPY option "{name}" is not supported')
    if opts.csv:
        if not explicit_delim:
            opts.delimiter = ","
        if not explicit_null:
            opts.null = ""
    if opts.delimiter is None or len(opts.delimiter) != 1:
        raise errors.FeatureNotSupported(what="COPY delimiter must be a single one-byte character")
    return opts


@dataclass(eq=False)
class RowsNode(Node):
    rows: list[tuple]
    columns: list[OutCol]

    async def batches(self, ctx):
        if self.rows:
            yield self.rows


@dataclass
class CopyIn:
    plan: InsertPlan
    columns: list[OutCol]
    options: CopyOptions
    ctx: ExecContext
    buffer: bytearray = field(default_factory=bytearray)
    pending: list[tuple] = field(default_factory=list)
    count: int = 0
    line_no: int = 0
    done: bool = False

    async def feed(self, data: bytes) -> None:
        if self.done:
            return
        self.buffer += data
        while True:
            cut = self.buffer.find(b"\n")
            if cut < 0:
                if len(self.buffer) > LINE_BYTES_MAX:
                    raise errors.ProgramLimitExceeded(what="COPY line too long")
                return
            line = bytes(self.buffer[:cut])
            del self.buffer[: cut + 1]
            await self._line(line)
            if self.done:
                return

    async def _line(self, raw: bytes) -> None:
        self.line_no += 1
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw == b"\\.":
            self.done = True
            return
        if self.options.header and self.line_no == 1:
            return
        try:
            line = raw.decode()
        except UnicodeDecodeError:
            raise errors.CharacterNotInRepertoire(what=f"COPY line {self.line_no}") from None
        fields = self._csv(line) if self.options.csv else self._text(line)
        if len(fields) != len(self.columns):
            raise errors.BadCopyFileFormat(
                what=f"{'extra' if len(fields) > len(self.columns) else 'missing'} data for column"
                     f" at line {self.line_no}")
        values = []
        for text, col in zip(fields, self.columns):
            values.append(None if text is None else T.type_by_oid(col.oid).text_in(text, col.typmod))
        self.pending.append(tuple(values))
        if len(self.pending) >= ROWS_PER_INSERT:
            await self._insert_pending()

    def _text(self, line: str) -> list[str | None]:
        out: list[str | None] = []
        for part in line.split(self.options.delimiter):
            out.append(None if part == self.options.null else _unescape(part))
        return out

    def _csv(self, line: str) -> list[str | None]:
        reader = csv.reader(io.StringIO(line), delimiter=self.options.delimiter,
                            quotechar=self.options.quote)
        row = next(reader, [])
        # An unquoted empty field is NULL in PostgreSQL's CSV; a quoted one is ''.
        quoted = _quoted_fields(line, self.options.delimiter, self.options.quote)
        return [None if (v == self.options.null and not q) else v for v, q in zip(row, quoted)]

    async def flush(self) -> None:
        """The end of COPY: the last rows, then the foreign-key checks of all of them
        (at the end of the statement, as in PostgreSQL)."""
        await self._insert_pending()
        await fk.end_statement(self.ctx)

    async def _insert_pending(self) -> None:
        if not self.pending:
            return
        self.plan.source = RowsNode(self.pending, self.columns)
        count, _ = await run_insert(self.plan, self.ctx, end_statement=False)
        self.count += count
        self.pending = []


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt.isdigit() and nxt < "8":
                j = i + 1
                while j < len(text) and j < i + 4 and text[j] in "01234567":
                    j += 1
                out.append(chr(int(text[i + 1:j], 8)))
                i = j
                continue
            if nxt == "x":
                j = i + 2
                while j < len(text) and j < i + 4 and text[j] in "0123456789abcdefABCDEF":
                    j += 1
                if j > i + 2:
                    out.append(chr(int(text[i + 2:j], 16)))
                    i = j
                    continue
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _quoted_fields(line: str, delimiter: str, quote: str) -> list[bool]:
    """Which CSV fields of `line` started with a quote."""
    out, in_quotes, start = [], False, True
    for ch in line:
        if start:
            out.append(ch == quote)
            start = False
        if ch == quote:
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            start = True
    if start:
        out.append(False)
    return out or [False]


def values_for(columns: list[OutCol]) -> list[Any]:
    return [None] * len(columns)
