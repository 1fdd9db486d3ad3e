"""COPY ... FROM STDIN: text and CSV rows streamed into an INSERT.

The wire hands over CopyData chunks; complete lines are parsed as they arrive (a partial
line waits for the next chunk, bounded by `LINE_BYTES_MAX`), converted with each
column's text input function (a column at a time, `sql.text_batch`), and inserted
through INSERT's batch path (defaults, constraints, unique checks: `sql.dml`), in
buffers of rows as PostgreSQL's COPY does (see `CopyIn`). COPY to or from a server
file is refused: only STDIN.

In CSV a quoted value may hold newlines: a record is the lines up to one that closes
every quoted field, and it counts as one line, as in PostgreSQL. In text format the
`\\ooo` and `\\xhh` escapes are bytes, and a field must be UTF-8 once they are put in.
Errors are PostgreSQL's, with its CONTEXT line: the line (`COPY t, line 3: "..."`) or
the value of a column (`COPY t, line 3, column id: "x"`), at most 100 bytes of it shown.
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
COPY_DATA_SHOWN_BYTES = 100  # of a line or value in an error's CONTEXT, as PostgreSQL

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
    buffer is full; of two errors, the one PostgreSQL meets first is raised. A
    nextval() default (an identity column) keeps this mode, its values taken as the
    rows are read. A table with another volatile default that COPY computes
    (gen_random_uuid(), clock_timestamp(), ...) is loaded row by row in PostgreSQL,
    so there every error comes in row order: the rows before a bad line are inserted
    (and checked) before its error is raised.
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
        self._pending_lines: list[int] = []  # the line each row of `pending` came from
        # Row by row, the text of each too: an error inserting a row shows its line.
        self._pending_texts: list[str] = []
        # CSV: the lines of a record whose quoted field is still open at the end of the
        # input so far (a quoted value may hold newlines), kept out of `buffer`.
        self._open_record = bytearray()
        self._quote = self.options.quote.encode() if self.options.csv else b""

    async def feed(self, data: bytes) -> None:
        if self.done:
            return
        self.buffer += data
        cut = self.buffer.rfind(b"\n")
        if cut < 0:
            self._check_line_length()
            return
        chunk = bytes(self.buffer[:cut])
        del self.buffer[: cut + 1]
        if self._quote:
            chunk = self._whole_records(chunk)
        if chunk is not None:
            await self._chunk(chunk)
        self._check_line_length()

    async def finish(self) -> None:
        """The end of the data (CopyDone): its last line, then `flush`."""
        if self.buffer:
            await self.feed(b"\n")
        if self._open_record and not self.done:
            record = self._open_record.decode(errors="replace")
            raise errors.BadCopyFileFormat(what="unterminated CSV quoted field",
                                           context=self._where(self.line_no + 1, record + "\n"))
        await self.flush()

    def _check_line_length(self) -> None:
        if len(self.buffer) + len(self._open_record) > LINE_BYTES_MAX:
            raise errors.ProgramLimitExceeded(what="COPY line too long")

    def _whole_records(self, chunk: bytes) -> bytes | None:
        """CSV: the complete lines of `chunk`, cut after the last one that ends a record
        (no quoted field open at its end), with a record left open by the previous
        chunk in front; the lines after that cut wait in `_open_record` for more."""
        quote, carried = self._quote, self._open_record
        if not carried and quote not in chunk:
            return chunk  # no quotes: every line is a record
        lines = chunk.split(b"\n")
        ends = _record_ends(lines, quote, inside=bool(carried))
        last = ends[-1] if ends else -1  # the last line that ends a record
        if last < 0:  # still inside the same quoted field
            if carried:
                carried += b"\n"
            carried += chunk
            return None
        whole = b"\n".join(lines[:last + 1])
        if carried:
            whole = bytes(carried) + b"\n" + whole
        self._open_record = bytearray(b"\n".join(lines[last + 1:])) if last + 1 < len(lines) \
            else bytearray()
        return whole

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
        failure: errors.BorealisError | None = None
        for raw in chunk.split(b"\n"):
            try:
                good.append(raw.decode())
            except UnicodeDecodeError as exc:
                failure = errors.invalid_utf8(raw, exc)
                break
        assert failure is not None, "the chunk did not decode, but each line did"
        if good:
            await self._lines(good, "\n".join(good))
        if not self.done:
            self.line_no += 1
            failure.context = self._where(self.line_no)
            await self._fail(failure)

    async def _lines(self, lines: list[str], text: str) -> None:
        """`lines`, split from `text`."""
        backslash = "\\" in text
        if self._quote and self.options.quote in text:
            lines = _csv_records(lines, self.options.quote)
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
            batch = lines[at:at + take]
            rows, failure = self._rows(batch, first + at, backslash)
            if self._multi:
                rows, invalid = await complete_rows(self.plan, rows, self.ctx)
                if invalid is not None:  # a row before the unreadable one failed
                    invalid.context = self._where(first + at + len(rows) + 1, batch[len(rows)])
                    failure = invalid
            self.pending.extend(rows)
            self._pending_lines.extend(range(first + at + 1, first + at + 1 + len(rows)))
            if not self._multi:
                self._pending_texts.extend(batch[:len(rows)])
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
        that cannot be read: (rows before it, its error or None, with its CONTEXT)."""
        width = len(self.columns)
        opts = self.options
        lines_in = lines
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
                    try:
                        columns[i] = [None if v == null else _unescape(v) for v in col]
                    except errors.BorealisError:
                        return self._rows_before_bad_bytes(lines_in, first, bad)
                elif has_null:
                    columns[i] = [None if v == null else v for v in col]
        rows, failure = self._convert(columns, first) if columns and columns[0] else ([], None)
        if failure is None and bad is not None:
            failure = self._short_or_long(lines_in[bad], first + bad + 1, got, backslash)
        return rows, failure

    def _rows_before_bad_bytes(self, lines: list[str], first: int, short: int | None
                               ) -> tuple[list[tuple], errors.BorealisError | None]:
        """`_rows` when an escape makes bytes that are not UTF-8: the rows before the
        first line with such a field, then (unless one of them fails first) its 22021."""
        for index, line in enumerate(lines[:short]):
            try:
                self._fields(line, True)
            except errors.BorealisError as exc:
                rows, failure = self._rows(lines[:index], first, True) if index else ([], None)
                if failure is None:
                    exc.context = self._where(first + index + 1, line)
                    failure = exc
                return rows, failure
        raise AssertionError("no field of these lines failed to unescape")

    def _fields(self, line: str, backslash: bool) -> list[str | None]:
        """One line's fields, unescaped, None for NULL: the slow path, for one line."""
        opts = self.options
        if opts.csv:
            return self._csv(line)
        return [None if v == opts.null else _unescape(v) if backslash else v
                for v in _split_escaped(line, opts.delimiter)]

    def _short_or_long(self, line: str, line_no: int, got: int, backslash: bool
                       ) -> errors.BorealisError:
        """The error of a line with `got` fields, not one per column. As in PostgreSQL,
        one with too many fails at once; one with too few converts the fields it has,
        in column order, and fails on the first column it lacks, unless one of those
        fields fails first."""
        width = len(self.columns)
        if got > width:
            failure = errors.BadCopyFileFormat(what="extra data after last expected column")
            failure.context = self._where(line_no, line)
            return failure
        try:
            fields = self._fields(line, backslash)
        except errors.BorealisError as exc:  # bytes that are not UTF-8
            exc.context = self._where(line_no, line)
            return exc
        try:
            self._convert_row(fields, line_no)  # the fields it has
        except errors.BorealisError as exc:
            return exc
        failure = errors.BadCopyFileFormat(
            what=f'missing data for column "{self.columns[got].name}"')
        failure.context = self._where(line_no, line)
        return failure

    def _where(self, line_no: int, line: str | None = None) -> str:
        """PostgreSQL's CONTEXT for an error on a line of COPY input."""
        where = f"COPY {self.plan.relation.name}, line {line_no}"
        return where if line is None else f'{where}: "{_shown(line)}"'

    def _where_column(self, line_no: int, column: str, text: str) -> str:
        """PostgreSQL's CONTEXT for a value of a column that its type refused."""
        return f'COPY {self.plan.relation.name}, line {line_no}, column {column}: "{_shown(text)}"'

    def _convert(self, columns: list, first: int
                 ) -> tuple[list[tuple], errors.BorealisError | None]:
        """Rows from columns of texts (None for NULL; the first is line `first` + 1),
        converted a column at a time; on an error, the rows before the first bad one in
        row order, and its error."""
        try:
            return list(zip(*[convert(col) for convert, col in zip(self._inputs, columns)])), None
        except errors.BorealisError as exc:
            first_error = exc
        # Value by value, in row order: the rows before the first bad value, its error.
        rows: list[tuple] = []
        for index, texts in enumerate(zip(*columns)):
            try:
                rows.append(self._convert_row(texts, first + index + 1))
            except errors.BorealisError as exc:
                return rows, exc
        return rows, first_error  # (not reached: text_in fails on the same value)

    def _convert_row(self, texts, line_no: int) -> tuple:
        """One line's texts (None for NULL) converted in column order, as far as there
        are texts; a value its type refuses raises, with the CONTEXT naming it."""
        row = []
        for text, column in zip(texts, self.columns):
            if text is None:
                row.append(None)
                continue
            try:
                row.append(T.type_by_oid(column.oid).text_in(text, column.typmod))
            except errors.BorealisError as exc:
                exc.context = self._where_column(line_no, column.name, text)
                raise
        return tuple(row)

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
        lines, self._pending_lines = self._pending_lines, []
        if not rows:
            return
        if self._multi:  # completed as they were read
            try:
                await write_new_rows(self.ctx, self.plan.codec, rows)
            except errors.BorealisError as exc:
                position = getattr(exc, "batch_position", None)
                if position is not None and exc.context is None:
                    exc.context = self._where(lines[position])
                raise
            self.count += len(rows)
            return
        texts, self._pending_texts = self._pending_texts, []
        self.plan.source = RowsNode(rows, self.columns)
        try:
            count, _ = await run_insert(self.plan, self.ctx, end_statement=False)
        except errors.BorealisError as exc:
            position = getattr(exc, "batch_position", None)
            if position is not None and exc.context is None:
                exc.context = self._where(lines[position], texts[position])
            raise
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


def _shown(text: str) -> str:
    """A line or value as COPY's CONTEXT shows it: its first 100 bytes (whole
    characters), then "..." if there was more."""
    raw = text.encode()
    if len(raw) <= COPY_DATA_SHOWN_BYTES:
        return text
    return raw[:COPY_DATA_SHOWN_BYTES].decode(errors="ignore") + "..."


def _csv_records(lines: list[str], quote: str) -> list[str]:
    """CSV lines joined into records: a line that leaves a quoted field open continues
    on the next (its newline is part of the value). `CopyIn.feed` hands over whole
    records only."""
    records: list[str] = []
    start = 0  # the first line of the record being joined
    for end in _record_ends(lines, quote):
        records.append("\n".join(lines[start:end + 1]))
        start = end + 1
    if start < len(lines):  # (not from feed) an unterminated field runs to the end
        records.append("\n".join(lines[start:]))
    return records


def _record_ends(lines: list, quote, *, inside: bool = False) -> list[int]:
    """The indexes of the CSV `lines` (str, or bytes with a bytes `quote`) that end a
    record, `inside` telling whether the first continues an open quoted field. A quote
    opens or closes a field, a doubled one toggles twice: a line with an odd number of
    them moves in or out of a quoted field."""
    ends = []
    for i, line in enumerate(lines):
        if line.count(quote) & 1:
            inside = not inside
        if not inside:
            ends.append(i)
    return ends


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
