"""COPY FROM STDIN and multi-row INSERT against PostgreSQL 15: the rows they store and,
word for word, the first error they raise (SQLSTATE, message, DETAIL).

Borealis checks and writes these rows a batch at a time (`sql.dml.write_new_rows`,
`qp.copy`, `sql.text_batch`); these cases pin that the outcome is still the one of
row-by-row insertion: the first offending row in input order is the one reported, a
duplicate inside one batch is caught as well as one against a stored row, and values
come out as each type's text input makes them. The chunks are large (thousands of
rows) so that they span Borealis's batches.

Both engines run the same statements, each in a fresh schema (relaxed mode for Borealis),
dropped afterwards.
"""

from __future__ import annotations

import re

import psycopg
import pytest

from tests.sql.conftest import schema_pair


@pytest.fixture
def engines(postgres_dsn: str, borealis_dsn: str, request):
    name = re.sub(r"\W", "_", f"copy_{request.node.name.lower()}")[:60]
    with schema_pair(postgres_dsn, borealis_dsn, name) as conns:
        yield conns


def _error(exc: psycopg.Error) -> tuple:
    d = exc.diag
    return (exc.sqlstate, d.message_primary, d.message_detail)


def _run(conn: psycopg.Connection, sql: str) -> tuple:
    try:
        cur = conn.execute(sql)
    except psycopg.Error as exc:
        return _error(exc)
    return ("ok", cur.statusmessage)


def _copy(conn: psycopg.Connection, sql: str, data: str | bytes, where: bool = False) -> tuple:
    try:
        with conn.cursor() as cur:
            with cur.copy(sql) as copy:
                copy.write(data)
            return ("ok", cur.statusmessage)
    except psycopg.Error as exc:
        return (*_error(exc), exc.diag.context) if where else _error(exc)


def _rows(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def _both(engines, fn, *args) -> tuple:
    got = {name: fn(conn, *args) for name, conn in engines.items()}
    assert got["borealis"] == got["postgres"], args
    return got["postgres"]


def _state(engines, fn, *args) -> str:
    """Only the SQLSTATE (or "ok") agrees: where the wording is known to differ."""
    got = {name: fn(conn, *args)[0] for name, conn in engines.items()}
    assert got["borealis"] == got["postgres"], args
    return got["postgres"]


def _lines(ids, fmt="{i}\t{v}\n") -> str:
    return "".join(fmt.format(i=i, v=f"v{i}") for i in ids)


DUPLICATE = "duplicate key value violates unique constraint"
NULL = "\\N"  # COPY's text NULL


def test_duplicate_inside_one_chunk(engines):
    _both(engines, _run, "CREATE TABLE t (id int PRIMARY KEY, v text)")
    ids = list(range(1, 5001))
    ids[3999] = 1234  # row 4000 repeats row 1234
    out = _both(engines, _copy, "COPY t FROM STDIN", _lines(ids))
    assert out == ("23505", f'{DUPLICATE} "t_pkey"', "Key (id)=(1234) already exists.")
    assert _both(engines, _rows, "SELECT count(*) FROM t") == [(0,)]


def test_duplicate_of_a_stored_row_in_a_large_chunk(engines):
    _both(engines, _run, "CREATE TABLE t (id int PRIMARY KEY, v text)")
    assert _both(engines, _copy, "COPY t FROM STDIN", _lines(range(1, 3001)))[0] == "ok"
    out = _both(engines, _copy, "COPY t FROM STDIN", _lines(range(2990, 6000)))
    assert out == ("23505", f'{DUPLICATE} "t_pkey"', "Key (id)=(2990) already exists.")
    # The next chunk, clean, goes in whole.
    assert _both(engines, _copy, "COPY t FROM STDIN", _lines(range(3001, 6001))) == ("ok", "COPY 3000")
    assert _both(engines, _rows, "SELECT count(*), min(id), max(id) FROM t") == [(6000, 1, 6000)]


def test_first_offending_row_in_input_order_is_reported(engines):
    _both(engines, _run, "CREATE TABLE t (id int PRIMARY KEY, v text)")
    _both(engines, _run, "INSERT INTO t VALUES (2500, 'old'), (2900, 'old')")
    # Row 2500 hits a stored row before row 2800 repeats row 100.
    ids = [i for i in range(1, 3001) if i != 2900]
    ids[2799] = 100
    out = _both(engines, _copy, "COPY t FROM STDIN", _lines(ids))
    assert out[2] == "Key (id)=(2500) already exists."
    # Row 2600 repeats row 5 before row 2900 hits a stored row.
    ids = [i for i in range(1, 3001) if i != 2500]
    ids[2599] = 5
    out = _both(engines, _copy, "COPY t FROM STDIN", _lines(ids))
    assert out[2] == "Key (id)=(5) already exists."


def test_duplicates_across_batches_of_one_transaction(engines):
    _both(engines, _run, "CREATE TABLE t (id bigint PRIMARY KEY, v text)")
    for conn in engines.values():
        conn.autocommit = False
    ids = list(range(1, 12001))
    ids[10999] = 17  # several thousand rows after its twin
    out = _both(engines, _copy, "COPY t FROM STDIN", _lines(ids))
    assert out == ("23505", f'{DUPLICATE} "t_pkey"', "Key (id)=(17) already exists.")
    for conn in engines.values():
        conn.rollback()
    assert _both(engines, _copy, "COPY t FROM STDIN", _lines(range(1, 12001))) == ("ok", "COPY 12000")
    out = _both(engines, _copy, "COPY t FROM STDIN", _lines(range(11990, 12100)))
    assert out[2] == "Key (id)=(11990) already exists."  # against this transaction's rows
    for conn in engines.values():
        conn.rollback()
        conn.autocommit = True
    assert _both(engines, _rows, "SELECT count(*) FROM t") == [(0,)]


def test_unique_secondary_index(engines):
    _both(engines, _run, "CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE, n int)")
    _both(engines, _run, "CREATE UNIQUE INDEX u_n ON u (n) WHERE n > 0")
    rows = "".join(f"{i}\tu{i}@x\t{-i}\n" for i in range(1, 4001))
    assert _both(engines, _copy, "COPY u FROM STDIN", rows) == ("ok", "COPY 4000")
    # Inside one chunk: row 3000 takes row 10's address.
    rows = "".join(f"{i}\t{'w10' if i == 7000 else f'w{i}'}@x\t\\N\n" for i in range(5001, 9001))
    rows = rows.replace("5010\tw5010@x", "5010\tw10@x")
    out = _both(engines, _copy, "COPY u FROM STDIN", rows)
    assert out == ("23505", f'{DUPLICATE} "u_email_key"', "Key (email)=(w10@x) already exists.")
    # Against a stored row, and a partial unique index (n > 0 only; negatives repeat freely).
    out = _both(engines, _copy, "COPY u FROM STDIN",
                "".join(f"{i}\tz{i}@x\t{-1}\n" for i in range(9001, 9100)) + "9100\tu5@x\t1\n")
    assert out == ("23505", f'{DUPLICATE} "u_email_key"', "Key (email)=(u5@x) already exists.")
    rows = "".join(f"{i}\tp{i}@x\t{1 if i in (9500, 9800) else -1}\n" for i in range(9200, 10000))
    out = _both(engines, _copy, "COPY u FROM STDIN", rows)
    assert out == ("23505", f'{DUPLICATE} "u_n"', "Key (n)=(1) already exists.")
    assert _both(engines, _rows, "SELECT count(*) FROM u") == [(4000,)]


def test_composite_key_and_multi_row_insert(engines):
    _both(engines, _run, "CREATE TABLE c (a int, b text, v int, PRIMARY KEY (a, b))")
    values = ", ".join(f"({i % 50}, 'k{i // 50}', {i})" for i in range(3000))
    assert _both(engines, _run, f"INSERT INTO c VALUES {values}") == ("ok", "INSERT 0 3000")
    values = ", ".join(f"({i}, 'n', {i})" for i in range(2000)) + ", (7, 'k3', 0)"
    out = _both(engines, _run, f"INSERT INTO c VALUES {values}")
    assert out == ("23505", f'{DUPLICATE} "c_pkey"', "Key (a, b)=(7, k3) already exists.")
    out = _both(engines, _run, "INSERT INTO c SELECT g % 7, 'z', g FROM generate_series(1, 3000) g")
    assert out == ("23505", f'{DUPLICATE} "c_pkey"', "Key (a, b)=(1, z) already exists.")
    assert _both(engines, _run, "INSERT INTO c SELECT g, 'y', g FROM generate_series(1, 3000) g "
                                "RETURNING a")[0] == "ok"
    assert _both(engines, _rows, "SELECT count(*), sum(v) FROM c") == [(6000, 9000000)]


def test_not_null_and_check_in_a_large_chunk(engines):
    _both(engines, _run, "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL CHECK (v < 5000))")
    rows = "".join(f"{i}\t{NULL if i == 3500 else i}\n" for i in range(1, 4001))
    out = _both(engines, _copy, "COPY t FROM STDIN", rows)
    assert out == ("23502", 'null value in column "v" of relation "t" violates not-null constraint',
                   "Failing row contains (3500, null).")
    rows = "".join(f"{i}\t{i * 2}\n" for i in range(1, 4001))  # v = 5000 at row 2500
    out = _both(engines, _copy, "COPY t FROM STDIN", rows)
    assert out == ("23514", 'new row for relation "t" violates check constraint "t_v_check"',
                   "Failing row contains (2500, 5000).")
    # COPY reads a buffer of rows (1,000 here) before it checks their keys: a NULL
    # comes before a duplicate read earlier in the same buffer, not before one in an
    # earlier buffer.
    rows = "".join(f"{1 if i == 3900 else i}\t{NULL if i == 3950 else 1}\n" for i in range(1, 4001))
    assert _both(engines, _copy, "COPY t FROM STDIN", rows)[0] == "23502"
    rows = "".join(f"{1 if i == 2900 else i}\t{NULL if i == 3950 else 1}\n" for i in range(1, 4001))
    assert _both(engines, _copy, "COPY t FROM STDIN", rows)[0] == "23505"
    # Wider rows fill a buffer by its 64 KiB of input first.
    pad = "x" * 200
    _both(engines, _run, "CREATE TABLE w (id int PRIMARY KEY, p text, v int NOT NULL)")
    # Lines 1-319 make 65,606 bytes (without their line ends): the first buffer.
    for dup, null, first in ((100, 319, "23502"), (100, 320, "23505"), (340, 600, "23502")):
        rows = "".join(f"{1 if i == dup else i}\t{pad}\t{NULL if i == null else 1}\n"
                       for i in range(1, 1001))
        assert _both(engines, _copy, "COPY w FROM STDIN", rows)[0] == first
    # INSERT checks row by row: the first offending row, whatever its error.
    values = ", ".join(f"({1 if i == 900 else i}, {'NULL' if i == 950 else 1})" for i in range(1, 1001))
    assert _both(engines, _run, f"INSERT INTO t VALUES {values}")[0] == "23505"
    values = ", ".join(f"({1 if i == 950 else i}, {'NULL' if i == 900 else 1})" for i in range(1, 1001))
    assert _both(engines, _run, f"INSERT INTO t VALUES {values}")[0] == "23502"
    # A volatile default makes PostgreSQL's COPY insert row by row: row order again.
    _both(engines, _run, "CREATE TABLE r (id int PRIMARY KEY, v int NOT NULL, "
                         "u uuid DEFAULT gen_random_uuid())")
    rows = "".join(f"{1 if i == 3900 else i}\t{NULL if i == 3950 else 1}\n" for i in range(1, 4001))
    assert _both(engines, _copy, "COPY r (id, v) FROM STDIN", rows)[0] == "23505"


def test_bad_input_reports_the_first_bad_value(engines):
    _both(engines, _run, "CREATE TABLE t (id int PRIMARY KEY, a int, b smallint)")
    rows = [f"{i}\t{i}\t1\n" for i in range(1, 3001)]
    rows[2000] = "2001\t2001\t40000\n"  # smallint out of range in column b, row 2001
    rows[2500] = "2501\tx\t1\n"  # not an integer in column a, later
    out = _both(engines, _copy, "COPY t FROM STDIN", "".join(rows))
    assert out == ("22003", 'value "40000" is out of range for type smallint', None)
    rows[1000] = "1001\t1 2\t1\n"
    out = _both(engines, _copy, "COPY t FROM STDIN", "".join(rows))
    assert out == ("22P02", 'invalid input syntax for type integer: "1 2"', None)
    rows[200] = "17\t1\t1\n"  # a duplicate in an earlier buffer than the bad value
    out = _both(engines, _copy, "COPY t FROM STDIN", "".join(rows))
    assert out == ("23505", f'{DUPLICATE} "t_pkey"', "Key (id)=(17) already exists.")
    # Too many or too few fields: PostgreSQL gives the line in a CONTEXT field, which
    # Borealis has not, so it says it in the message.
    assert _state(engines, _copy, "COPY t FROM STDIN", "1\t2\n3\t4\t5\t6\n") == "22P04"
    assert _state(engines, _copy, "COPY t FROM STDIN", "1\t2\t3\n4\t5\n") == "22P04"
    rows[200] = "201\t201\t1\n"
    rows[1000] = "1001\t1001\n"  # a missing field is met before the bad value of row 2001
    assert _state(engines, _copy, "COPY t FROM STDIN", "".join(rows)) == "22P04"
    assert _both(engines, _rows, "SELECT count(*) FROM t") == [(0,)]


def test_values_come_out_as_text_input_makes_them(engines):
    _both(engines, _run, "CREATE TABLE v (id int PRIMARY KEY, i8 bigint, i2 smallint, "
                         "t text, vc varchar(6), c char(5), n numeric)")
    special = [
        "1\t 42 \t+7\tplain\tabc\tab\t1.50\n",
        "2\t007\t-0\ttab\\there\tabc   \t\\N\t-0.0\n",
        "3\t1000\t31\tnew\\nline \\\\ back\tx\tabcde\t1e3\n",
        "4\t-9223372036854775808\t32767\t\\101\\x42C\t\\N\t  \t0\n",
        "5\t9223372036854775807\t-32768\t\\N\t\t\t\\N\n",
        "6\t\t\t\\\\N\tq\tq\t2\n".replace("\t\t\t", "\t0\t0\t"),
    ]
    bulk = "".join(f"{i}\t{i * 1000003}\t{i % 30000}\tt{i}\tv{i % 1000}\tc{i % 100}\t{i}.5\n"
                   for i in range(10, 4010))
    for rows in (special, [bulk]):
        assert _both(engines, _copy, "COPY v FROM STDIN", "".join(rows))[0] == "ok"
    assert _both(engines, _rows, "SELECT id, i8::text, i2::text, t, vc, c || '|', n::text "
                                 "FROM v ORDER BY id")
    for bad in ("7\t1\t1\tnul\\0here\tx\tx\t1\n", "7\t1\t1\tx\ttoolong!\tx\t1\n",
                "7\t1\t1\tx\tx\ttoolong\t1\n", "7\t١٢\t1\tx\tx\tx\t1\n"):
        assert _both(engines, _copy, "COPY v FROM STDIN", bad)[0] != "ok", bad


def test_text_format_options_and_line_endings(engines):
    _both(engines, _run, "CREATE TABLE f (id int PRIMARY KEY, a text, b int)")
    crlf = "".join(f"{i}|x{i}|{i}\r\n" for i in range(1, 3001))
    assert _both(engines, _copy, "COPY f FROM STDIN WITH (DELIMITER '|', NULL 'nil')",
                 crlf + "3001|nil|nil\r\n") == ("ok", "COPY 3001")
    # The end marker: what follows it is not loaded.
    assert _both(engines, _copy, "COPY f (id, b) FROM STDIN", "4001\t1\n4002\t2\n\\.\n4003\t3\n") \
        == ("ok", "COPY 2")
    csv = 'id,a,b\n' + "".join(f'{i},"q,{i}",{i}\n' for i in range(5001, 8001)) + '8001,,\n8002,"",\n'
    assert _both(engines, _copy, "COPY f FROM STDIN WITH (FORMAT csv, HEADER true)", csv) \
        == ("ok", "COPY 3002")
    assert _both(engines, _rows, "SELECT count(*), count(a), count(b), sum(b) FROM f") \
        == [(6005, 6001, 6002, 4501500 + 3 + 19501500)]
    assert _both(engines, _rows, "SELECT id, a, b FROM f WHERE id IN (3001, 4001, 5001, 8001, 8002) "
                                 "ORDER BY id")
    # A backslash quotes the delimiter; an escaped backslash does not; \N is NULL only
    # when it is the whole field.
    quoted = ("9001\tone\\\ttwo\t1\n"  # one<TAB>two
              "9002\tends with \\\\\t2\n"  # a field ending in a backslash
              "9003\t\\N\t\\N\n"  # NULL, NULL
              "9004\tx\\Ny\t4\n")
    assert _both(engines, _copy, "COPY f FROM STDIN", quoted) == ("ok", "COPY 4")
    assert _both(engines, _copy, "COPY f FROM STDIN WITH (DELIMITER '|')", "9005|a\\|b|5\n") \
        == ("ok", "COPY 1")
    nulls = "".join(f"{i}\t\\N\t{i}\n" for i in range(10001, 13001))
    assert _both(engines, _copy, "COPY f FROM STDIN", nulls) == ("ok", "COPY 3000")
    assert _both(engines, _rows, "SELECT id, a, b FROM f WHERE id > 9000 AND id < 10000 ORDER BY id")
    assert _both(engines, _rows, "SELECT count(a), count(b) FROM f WHERE id > 10000") == [(0, 3000)]


def test_secondary_indexes_serve_the_loaded_rows(engines):
    _both(engines, _run, "CREATE TABLE s (id int PRIMARY KEY, g int, h text)")
    _both(engines, _run, "CREATE INDEX s_g ON s (g)")
    _both(engines, _run, "CREATE INDEX s_h ON s (lower(h))")
    rows = "".join(f"{i}\t{i % 17}\tH{i % 5}\n" for i in range(1, 6001))
    assert _both(engines, _copy, "COPY s FROM STDIN", rows) == ("ok", "COPY 6000")
    assert _both(engines, _rows, "SELECT count(*) FROM s WHERE g = 3") == [(353,)]
    assert _both(engines, _rows, "SELECT count(*) FROM s WHERE lower(h) = 'h2'") == [(1200,)]
    assert _both(engines, _rows, "SELECT id FROM s WHERE g = 16 ORDER BY id LIMIT 3") \
        == [(16,), (33,), (50,)]


def test_text_format_byte_escapes_are_utf8_bytes(engines):
    """`\\ooo` and `\\xhh` in COPY's text format are bytes: a run of them is one UTF-8
    character (or several), and bytes that are not UTF-8, or NUL, are refused."""
    _both(engines, _run, "CREATE TABLE e (id int PRIMARY KEY, v text)")
    data = ("1\t\\303\\251t\\xc3\\xa9\n"  # é in octal, then in hex
            "2\ta\\101\\x42c\\tz\n"  # ASCII bytes beside the other escapes
            "3\t\\342\\202\\254\\x41\n"  # € then A, one run of four bytes
            "4\t\\xe2\\x82\\xac\\\\x\n")  # €, then a backslash and x
    assert _both(engines, _copy, "COPY e FROM STDIN", data) == ("ok", "COPY 4")
    rows = _both(engines, _rows, "SELECT id, v, octet_length(v) FROM e ORDER BY id")
    assert rows == [(1, "été", 5), (2, "aABc\tz", 6), (3, "€A", 4), (4, "€\\x", 5)]
    bad = 'invalid byte sequence for encoding "UTF8": '
    for field, named in (("\\351t\\351", "0xe9 0x74 0xe9"), ("\\303\\303\\251", "0xc3 0xc3"),
                         ("x\\303", "0xc3"), ("a\\0b", "0x00")):
        out = _both(engines, _copy, "COPY e FROM STDIN", f"5\t{field}\n")
        assert out == ("22021", bad + named, None), field
    assert _both(engines, _rows, "SELECT count(*) FROM e") == [(4,)]


def _copy_where(conn: psycopg.Connection, sql: str, data: str | bytes) -> tuple:
    """`_copy`, and for an error also its CONTEXT line."""
    return _copy(conn, sql, data, where=True)


def test_csv_quoted_values_may_hold_newlines(engines):
    _both(engines, _run, "CREATE TABLE m (id int PRIMARY KEY, v text)")
    data = '1,"two\nlines"\n2,plain\n3,"crlf\r\ninside"\n4,"""quoted""\n\n"\n'
    assert _both(engines, _copy_where, "COPY m FROM STDIN (FORMAT csv)", data) == ("ok", "COPY 4")
    # A record split across CopyData messages, inside its quoted value.
    for conn in engines.values():
        with conn.cursor() as cur, cur.copy("COPY m FROM STDIN (FORMAT csv)") as copy:
            for piece in ('5,"a\n', 'b\n', '""c"" d\n', 'e"\n6,', 'f\n'):
                copy.write(piece)
    assert _both(engines, _rows, "SELECT id, v FROM m ORDER BY id") == [
        (1, "two\nlines"), (2, "plain"), (3, "crlf\r\ninside"), (4, '"quoted"\n\n'),
        (5, 'a\nb\n"c" d\ne'), (6, "f")]
    # A field left open at the end of the data; a record's lines count as one.
    out = _both(engines, _copy_where, "COPY m FROM STDIN (FORMAT csv)", '7,"open\n')
    assert out[:2] == ("22P04", "unterminated CSV quoted field")
    out = _both(engines, _copy_where, "COPY m FROM STDIN (FORMAT csv)", '7,"x\ny"\nz,a\n')
    assert out[3] == 'COPY m, line 2, column id: "z"'


@pytest.mark.parametrize("data", [
    "1\ta\t1\tmore\n",  # too many fields
    "1\ta\n",  # too few
    "x\ta\n",  # too few, and the first is not an integer: that comes first
    "1\ta\tzz\n",  # not an integer
    "y" * 150 + "\ta\t1\n",  # shown cut at 100 bytes
    "1\ta\t1\n2\t\\351\t1\n",  # an escape that is not UTF-8, on line 2
    b"1\t\xe9\t1\n",  # raw bytes that are not UTF-8
    "1\t\\N\t1\n",  # NOT NULL
    "1\ta\t-1\n",  # CHECK
    "1\ta\t1\n2\tb\t2\n1\tc\t3\n",  # a duplicate, found when the buffer is written
], ids=["extra", "missing", "missing_after_bad", "bad_int", "long", "bad_escape", "bad_bytes",
        "not_null", "check", "duplicate"])
def test_errors_name_the_line_and_column(engines, data):
    """Each error is PostgreSQL's, word for word, with its CONTEXT line."""
    _both(engines, _run, "CREATE TABLE w (id int PRIMARY KEY, v text NOT NULL, n int CHECK (n > 0))")
    out = _both(engines, _copy_where, "COPY w FROM STDIN", data)
    assert out[0] != "ok" and out[3].startswith("COPY w, line ")


@pytest.mark.parametrize("default", ["gen_random_uuid()", "nextval('wseq')"],
                         ids=["volatile", "nextval"])
@pytest.mark.parametrize("data", [
    "1\t1\n2\t\\N\n",  # NOT NULL on line 2
    "1\t1\n2\t-1\n",  # CHECK on line 2
    "1\t1\n1\t2\n",  # a duplicate of line 1 on line 2
    "1\t1\n2\t2\n3\tx\n",  # bad input on line 3, after two good rows
], ids=["not_null", "check", "duplicate", "bad_int"])
def test_row_by_row_errors_name_the_line(engines, default, data):
    """A default COPY must compute row by row (a volatile function, or nextval(), which
    PostgreSQL computes in its buffered mode) still gives each error PostgreSQL's
    CONTEXT: the line, and its text where PostgreSQL shows it."""
    _both(engines, _run, "CREATE SEQUENCE wseq")
    key = "uuid" if default.startswith("gen") else "bigint"
    _both(engines, _run, f"CREATE TABLE w (id {key} PRIMARY KEY DEFAULT {default}, "
                         "k int UNIQUE, v int NOT NULL CHECK (v > 0))")
    got = {name: _copy_where(conn, "COPY w (k, v) FROM STDIN", data)
           for name, conn in engines.items()}
    # All but the DETAIL, which shows the failing row with its generated key.
    sqlstate, message, _, context = got["postgres"]
    assert (sqlstate, message, context) == got["borealis"][:2] + got["borealis"][3:]
    assert context.startswith("COPY w, line ")
    assert _both(engines, _rows, "SELECT count(*) FROM w") == [(0,)]


def test_a_currval_default_keeps_copy_row_by_row(engines):
    """Only nextval() keeps the buffered mode: with a currval() default PostgreSQL
    loads row by row, so an earlier line's duplicate comes before a later NULL."""
    _both(engines, _run, "CREATE SEQUENCE cseq")
    _both(engines, _run, "CREATE TABLE w (id bigint DEFAULT nextval('cseq'), "
                         "c bigint DEFAULT currval('cseq'), k int UNIQUE, v int NOT NULL)")
    out = _both(engines, _copy_where, "COPY w (k, v) FROM STDIN", "1\t1\n1\t2\n3\t\\N\n")
    assert out[0] == "23505" and out[3].startswith("COPY w, line 2")
    _both(engines, _rows, "SELECT currval('cseq')")


@pytest.mark.parametrize("column", [
    "bigint PRIMARY KEY DEFAULT nextval('iseq')",
    "int GENERATED BY DEFAULT AS IDENTITY (CACHE 65536) PRIMARY KEY",
    "bigint PRIMARY KEY DEFAULT nextval('iseq1')",  # CACHE 1: every value an allocation
], ids=["nextval", "identity", "cache_1"])
def test_sequence_defaults_keep_the_buffered_mode(engines, column):
    """A nextval() default (an identity column) keeps COPY's buffered mode, as in
    PostgreSQL: the values come in line order across batches, currval is the last one,
    and of two errors a later line's NOT NULL is met (when the line is read) before an
    earlier line's duplicate (when the buffer is written)."""
    _both(engines, _run, "CREATE SEQUENCE iseq CACHE 65536")
    _both(engines, _run, "CREATE SEQUENCE iseq1")
    _both(engines, _run, f"CREATE TABLE s (id {column}, k int UNIQUE, v int NOT NULL)")
    rows = 20 if column.endswith("'iseq1')") else 5000
    data = _lines(range(1, rows + 1), "{i}\t{i}\n")
    assert _both(engines, _copy, "COPY s (k, v) FROM STDIN", data) == ("ok", f"COPY {rows}")
    stored = _both(engines, _rows, "SELECT id, k FROM s ORDER BY id")
    assert [id_ for id_, _ in stored] == [k for _, k in stored]  # in line order
    sequence = "iseq1" if rows == 20 else "iseq" if "nextval" in column else "s_id_seq"
    _both(engines, _rows, f"SELECT currval('{sequence}')")
    late = f"{rows + 1}\t1\n{rows + 1}\t2\n{rows + 2}\t\\N\n"  # a duplicate, then a NULL
    out = _both(engines, _copy_where, "COPY s (k, v) FROM STDIN", late)
    assert out[0] == "23502" and out[3].startswith("COPY s, line 3")


def test_two_sequence_defaults_take_one_value_each_per_row(engines):
    """Two nextval() defaults, one answered from the session's block and one that needs
    an allocation per row: each row takes one value of each (the first sequence's value
    is kept while the second is fetched)."""
    _both(engines, _run, "CREATE SEQUENCE blockseq CACHE 100")
    _both(engines, _run, "CREATE SEQUENCE oneseq")
    _both(engines, _run, "CREATE TABLE two (x int, a bigint DEFAULT nextval('blockseq'), "
                         "b bigint DEFAULT nextval('oneseq'))")
    assert _both(engines, _copy, "COPY two (x) FROM STDIN", _lines(range(1, 5), "{i}\n")) \
        == ("ok", "COPY 4")
    stored = _both(engines, _rows, "SELECT x, a, b FROM two ORDER BY x")
    assert [(a, b) for _, a, b in stored] == [(1, 1), (2, 2), (3, 3), (4, 4)]
