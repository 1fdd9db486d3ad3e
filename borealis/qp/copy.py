"""COPY ... FROM STDIN: text and CSV rows streamed into an INSERT.

The wire hands over CopyData chunks; complete lines are parsed as they arrive (a partial
line waits for the next chunk, bounded by `LINE_BYTES_MAX`), converted with each
column's text input function (a column at a time, `sql.text_batch`), and inserted
through INSERT's batch path (defaults, constraints, unique checks: `sql.dml`), in
buffers of rows as PostgreSQL's COPY does (see `CopyIn`). COPY to or from a server
file is refused: only STDIN.
"""

from __future__ import annotations

import bisect
import csv
import io
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from typing import Any, NoReturn

from pglast import ast

from borealis.core import errors
from borealis.sql import fk
from borealis.sql import types as T
from borealis.sql.dml import (
    InsertPlan,
    complete_rows,
    copy_buffers_rows,
    run_insert,
    write_new_rows,
)
from borealis.sql.plan import ExecContext, Node, OutCol
from borealis.sql.text_batch import column_input

LINE_BYTES_MAX = 64 << 20
# PostgreSQL's COPY buffers up to 1,000 rows or 64 KiB of input lines before it inserts
# them (and checks their uniqueness); the same buffers give the same first error.
BUFFER_ROWS = 1000
BUFFER_BYTES = 65535

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
    """One COPY FROM STDIN in progress.

    Each CopyData's complete lines are handled together: decoded at once, split into
    fields, and converted a column at a time (`sql.text_batch`). Rows are checked as
    PostgreSQL's COPY checks them. Its multi-insert mode reads each row (input
    syntax, NOT NULL, CHECK: these errors are raised at once), buffers it, and checks
    uniqueness when it flushes the buffer: at `BUFFER_ROWS` rows or `BUFFER_BYTES` of
    input lines, and at the end. So here: a buffer's rows are completed as they are
    read, and go through INSERT's batch path (`sql.dml.write_new_rows`) when the
    buffer is full; of two errors, the one PostgreSQL meets first is raised. A table
    with a volatile default that COPY computes (gen_random_uuid(), nextval(), ...)
    is loaded row by row in PostgreSQL, so there every error comes in row order:
    the rows before a bad line are inserted (and checked) before its error is raised.
    """

    plan: InsertPlan
    columns: list[OutCol]
    options: CopyOptions
    ctx: ExecContext
    buffer: bytearray = field(default_factory=bytearray)
    pending: list[tuple] = field(default_factory=list)  # the open buffer's rows
    count: int = 0
    line_no: int = 0
    done: bool = False

    def __post_init__(self) -> None:
        self._inputs = [column_input(c.oid, c.typmod) for c in self.columns]
        self._multi = copy_buffers_rows(self.plan)
        self._pending_bytes = 0  # the open buffer's input, as PostgreSQL counts it

    async def feed(self, data: bytes) -> None:
        if self.done:
            return
        self.buffer += data
        cut = self.buffer.rfind(b"\n")
        if cut < 0:
            if len(self.buffer) > LINE_BYTES_MAX:
                raise errors.ProgramLimitExceeded(what="COPY line too long")
            return
        chunk = bytes(self.buffer[:cut])
        del self.buffer[: cut + 1]
        await self._chunk(chunk)
        if len(self.buffer) > LINE_BYTES_MAX:
            raise errors.ProgramLimitExceeded(what="COPY line too long")

    async def _chunk(self, chunk: bytes) -> None:
        """Complete lines (without the last newline)."""
        try:
            text = chunk.decode()
        except UnicodeDecodeError:
            await self._undecodable(chunk)
            return
        await self._lines(text.split("\n"), text)

    async def _undecodable(self, chunk: bytes) -> None:
        """Lines with invalid UTF-8: those before the first bad one, then its error."""
        good: list[str] = []
        for raw in chunk.split(b"\n"):
            try:
                good.append(raw.decode())
            except UnicodeDecodeError:
                break
        if good:
            await self._lines(good, "\n".join(good))
        if not self.done:
            self.line_no += 1
            await self._fail(errors.CharacterNotInRepertoire(what=f"COPY line {self.line_no}"))

    async def _lines(self, lines: list[str], text: str) -> None:
        """`lines`, split from `text`."""
        backslash = "\\" in text
        if "\r" in text:
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        first = self.line_no
        if "\\." in lines:  # the end marker: what follows it is ignored
            lines = lines[:lines.index("\\.")]
            self.done = True
            self.line_no += 1
        self.line_no += len(lines)
        if self.options.header and first == 0 and lines:
            lines = lines[1:]
            first = 1
        ascii_only = text.isascii()
        at = 0
        while at < len(lines):
            take, size = self._room(lines, at, ascii_only)
            rows, failure = self._rows(lines[at:at + take], first + at, backslash)
            if self._multi:
                rows, invalid = complete_rows(self.plan, rows)
                failure = invalid or failure  # a row before the unreadable one failed
            self.pending.extend(rows)
            if failure is not None:
                await self._fail(failure)
            self._pending_bytes = size
            if len(self.pending) >= BUFFER_ROWS or size >= BUFFER_BYTES:
                await self._insert_pending()
            at += take

    def _room(self, lines: list[str], at: int, ascii_only: bool) -> tuple[int, int]:
        """How many lines from `at` on go into the open buffer (up to the one that
        fills it), and its input bytes then: line lengths without the line end, as
        PostgreSQL counts them."""
        window = lines[at:at + BUFFER_ROWS - len(self.pending)]
        sizes = map(len, window) if ascii_only else (len(line.encode()) for line in window)
        totals = list(accumulate(sizes, initial=self._pending_bytes))
        full = bisect.bisect_left(totals, BUFFER_BYTES, 1)
        take = min(full, len(window))
        return take, totals[take]

    async def _fail(self, failure: errors.BorealisError) -> NoReturn:
        """Raise an error met while reading: in multi-insert mode the open buffer's
        rows are never checked for uniqueness; row by row, they were before it."""
        if not self._multi:
            await self._insert_pending()
        raise failure

    def _rows(self, lines: list[str], first: int, backslash: bool
              ) -> tuple[list[tuple], errors.BorealisError | None]:
        """Converted rows of `lines` (whose first is line `first` + 1), up to the first
        that cannot be read: (rows before it, its error or None)."""
        width = len(self.columns)
        opts = self.options
        if opts.csv:
            fields = [self._csv(line) for line in lines]
            bad = _first_other(list(map(len, fields)), width)
            got = len(fields[bad]) if bad is not None else width
            if bad is not None:
                fields = fields[:bad]
            columns: list = list(zip(*fields))
        elif backslash and "\\" + opts.delimiter in "".join(lines):
            # A backslash may quote a delimiter: split line by line, escapes kept.
            fields = [_split_escaped(line, opts.delimiter) for line in lines]
            bad = _first_other(list(map(len, fields)), width)
            got = len(fields[bad]) if bad is not None else width
            if bad is not None:
                fields = fields[:bad]
            columns = list(zip(*fields))
        else:
            # Text: a line has width - 1 delimiters; then all fields in one split, and
            # a column is every width-th of them.
            delimiter = opts.delimiter
            counts = list(map(str.count, lines, repeat(delimiter)))
            bad = _first_other(counts, width - 1)
            got = counts[bad] + 1 if bad is not None else width
            if bad is not None:
                lines = lines[:bad]
            flat = delimiter.join(lines).split(delimiter) if lines else []
            columns = [flat[i::width] for i in range(width)]
        if not opts.csv:
            null = opts.null
            for i, col in enumerate(columns):
                has_null = null in col
                values = [v for v in col if v != null] if has_null else col
                if backslash and "\\" in "".join(values):  # (NULL markers aside)
                    columns[i] = [None if v == null else _unescape(v) for v in col]
                elif has_null:
                    columns[i] = [None if v == null else v for v in col]
        rows, failure = self._convert(columns) if columns and columns[0] else ([], None)
        if failure is None and bad is not None:
            failure = errors.BadCopyFileFormat(
                what=f"{'extra' if got > width else 'missing'} data for column"
                     f" at line {first + bad + 1}")
        return rows, failure

    def _convert(self, columns: list) -> tuple[list[tuple], errors.BorealisError | None]:
        """Rows from columns of texts (None for NULL), converted a column at a time; on
        an error, the rows before the first bad one in row order, and its error."""
        try:
            return list(zip(*[convert(col) for convert, col in zip(self._inputs, columns)])), None
        except errors.BorealisError as exc:
            first_error = exc
        # Value by value, in row order: the rows before the first bad value, its error.
        infos = [(T.type_by_oid(c.oid).text_in, c.typmod) for c in self.columns]
        rows: list[tuple] = []
        for texts in zip(*columns):
            try:
                rows.append(tuple(None if text is None else text_in(text, typmod)
                                  for text, (text_in, typmod) in zip(texts, infos)))
            except errors.BorealisError as exc:
                return rows, exc
        return rows, first_error  # (not reached: text_in fails on the same value)

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
        """Flush the open buffer: uniqueness, then the writes."""
        rows, self.pending, self._pending_bytes = self.pending, [], 0
        if not rows:
            return
        if self._multi:  # completed as they were read
            await write_new_rows(self.ctx, self.plan.codec, rows)
            self.count += len(rows)
            return
        self.plan.source = RowsNode(rows, self.columns)
        count, _ = await run_insert(self.plan, self.ctx, end_statement=False)
        self.count += count


def _first_other(counts: list[int], want: int) -> int | None:
    """The index of the first count that is not `want`, or None."""
    if counts.count(want) == len(counts):
        return None
    return next(i for i, n in enumerate(counts) if n != want)


def _split_escaped(line: str, delimiter: str) -> list[str]:
    """The fields of a text-format line in which a backslash quotes the character after
    it (a delimiter too); the escapes stay for `_unescape`."""
    fields, start, i = [], 0, 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch == delimiter:
            fields.append(line[start:i])
            start = i + 1
        i += 1
    fields.append(line[start:])
    return fields


def _unescape(text: str) -> str:
    """A text-format field with its backslash escapes resolved. `\\ooo` and `\\xhh` are
    bytes, as in PostgreSQL: the field is put together as bytes and must then be UTF-8
    (`\\303\\251` is é); one that is not, or holds a NUL, fails with 22021."""
    at = text.find("\\")
    if at < 0:
        return text
    out = bytearray(text[:at].encode())
    n = len(text)
    i = at
    while i < n:
        if text[i] != "\\" or i + 1 == n:
            j = text.find("\\", i + 1)
            j = n if j < 0 else j
            out += text[i:j].encode()
            i = j
            continue
        nxt = text[i + 1]
        if "0" <= nxt <= "7":
            j = i + 2
            while j < n and j < i + 4 and "0" <= text[j] <= "7":
                j += 1
            out.append(int(text[i + 1:j], 8) & 0xFF)
            i = j
            continue
        if nxt == "x":
            j = i + 2
            while j < n and j < i + 4 and text[j] in "0123456789abcdefABCDEF":
                j += 1
            if j > i + 2:
                out.append(int(text[i + 2:j], 16))
                i = j
                continue
        out += _ESCAPES.get(nxt, nxt).encode()
        i += 2
    data = bytes(out)
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.invalid_utf8(data, exc) from None
    if "\x00" in decoded:
        raise errors.CharacterNotInRepertoire(what="0x00")
    return decoded


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
