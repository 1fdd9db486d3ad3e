"""The pure parts of EXPLAIN: DSQL's DPU formulas (`qp.metering`), the expression
deparser (`sql.deparse`), EXPLAIN's option list and the Query Identifier encoding
(`sql.explain`). The plans themselves are tested end to end in tests/qp/test_explain.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pglast import parse_sql

from borealis.core import errors
from borealis.qp.metering import READ_DPU_MIN, WRITE_DPU_MIN, Usage, estimate
from borealis.sql.deparse import deparse, deparse_pushdown, literal
from borealis.sql.explain import ExplainOptions, explain_options, query_identifier, z_base32
from borealis.sql.expr import BoolOp, Call, Col, Const, InList, NullTest, Param, Params

BOOL, INT4, INT8, NUMERIC, FLOAT8, TEXT, UNKNOWN = 16, 23, 20, 1700, 701, 25, 705
LABELS = ["id", "amount", "name"]


# -- DPU -------------------------------------------------------------------------------------

def test_the_documented_single_row_insert_example():
    # billing docs: a 100-byte single-row INSERT costs 0.008 + 0.00375 + 0.05 = 0.06175 DPU.
    usage = Usage()
    usage.count_read(0, 40)  # the uniqueness check: one point read
    usage.count_write(100)
    dpu = estimate(usage, compute_ns=8_000_000)
    assert (round(dpu.compute, 5), round(dpu.read, 5), round(dpu.write, 5)) == (0.008, 0.00375, 0.05)
    assert round(dpu.total, 5) == 0.06175
    assert dpu.read_minimum and dpu.write_minimum


def test_rows_and_requests_have_a_128_byte_minimum():
    usage = Usage()
    usage.count_write(10)
    usage.count_write(500)
    usage.count_read(3, 60)
    usage.count_read(10, 4000)
    assert (usage.write_rows, usage.write_bytes) == (2, 128 + 500)
    assert (usage.read_requests, usage.read_rows, usage.read_bytes) == (2, 13, 128 + 4000)


def test_large_statements_pay_per_byte():
    usage = Usage(read_requests=3, read_bytes=1_000_000, write_rows=400, write_bytes=20 * 1024)
    dpu = estimate(usage, 0)
    assert dpu.write == pytest.approx(20 * 1024 * 0.00004883)  # about 1 DPU per 20 KiB
    assert dpu.read == pytest.approx(1_000_000 * 0.00000183105)
    assert not dpu.read_minimum and not dpu.write_minimum
    assert dpu.write > WRITE_DPU_MIN and dpu.read > READ_DPU_MIN


def test_no_traffic_costs_only_compute():
    dpu = estimate(Usage(), 2_500_000)
    assert (dpu.compute, dpu.read, dpu.write, dpu.total) == (0.0025, 0.0, 0.0, 0.0025)
    assert not dpu.read_minimum and not dpu.write_minimum


def test_usage_difference_is_one_statement():
    usage = Usage()
    usage.count_write(300)
    before = usage.snapshot()
    usage.count_write(50)
    usage.count_read(2, 700)
    assert usage.since(before) == Usage(read_requests=1, read_rows=2, read_bytes=700,
                                        write_rows=1, write_bytes=128)


# -- deparsing ---------------------------------------------------------------------------------

def test_literals_print_as_postgres_explain_does():
    assert literal(5, INT4) == "5"
    assert literal(-1, INT4) == "'-1'::integer"
    assert literal(Decimal("1.5"), NUMERIC) == "1.5"
    assert literal(1.5, FLOAT8) == "'1.5'::double precision"
    assert literal(7, INT8) == "'7'::bigint"
    assert literal("it's", TEXT) == "'it''s'::text"
    assert literal("x", UNKNOWN) == "'x'"
    assert literal(True, BOOL) == "true"
    assert literal(None, INT4) == "NULL"


def test_bound_expressions():
    gt = Call(BOOL, name=">", args=(Col(INT4, 1), Const(INT4, value=10)), pushdown_op=">")
    null = NullTest(BOOL, arg=Col(TEXT, 2), negated=True)
    assert deparse(gt, LABELS) == "(amount > 10)"
    assert deparse(BoolOp(BOOL, op="and", args=(gt, null)), LABELS) == \
        "((amount > 10) AND (name IS NOT NULL))"
    assert deparse(BoolOp(BOOL, op="not", args=(gt,)), LABELS) == "(NOT (amount > 10))"
    cast = Call(NUMERIC, name="::numeric", args=(Col(INT4, 0),))
    assert deparse(cast, LABELS) == "(id)::numeric"
    assert deparse(Call(TEXT, name="lower", args=(Col(TEXT, 2),)), LABELS) == "lower(name)"
    items = (Const(INT4, value=1), Const(INT4, value=2))
    assert deparse(InList(BOOL, arg=Col(INT4, 0), items=items), LABELS) == \
        "(id = ANY ('{1,2}'::integer[]))"
    assert deparse(InList(BOOL, arg=Col(TEXT, 2), items=(Const(TEXT, value="a b"),), negated=True),
                   LABELS) == "(name <> ALL ('{\"a b\"}'::text[]))"


def test_parameters_show_their_value_when_bound():
    params = Params()
    p = Param(INT4, number=1, params=params)
    eq = Call(BOOL, name="=", args=(Col(INT4, 0), p))
    assert deparse(eq, LABELS) == "(id = $1)"
    params.values = [42]
    assert deparse(eq, LABELS) == "(id = 42)"


def test_pushdown_tuples():
    expr = ("and", ("cmp", ">", ("col", 1), ("const", 10)), ("isnull", ("col", 2)))
    assert deparse_pushdown(expr, LABELS) == "((amount > 10) AND (name IS NULL))"
    assert deparse_pushdown(("in", ("col", 0), (1, 2)), LABELS) == "(id IN (1, 2))"
    assert deparse_pushdown(("not", ("cmp", "=", ("col", 2), ("const", "o'k"))), LABELS) == \
        "(NOT (name = 'o''k'))"
    assert deparse_pushdown(("prefix", ("col", 2), "ab"), LABELS) == "(name ~~ 'ab%')"
    assert deparse_pushdown(("notnull", ("col", 9)), LABELS) == "($9 IS NOT NULL)"


# -- options and identifiers -----------------------------------------------------------------------

def options(sql: str) -> ExplainOptions:
    return explain_options(parse_sql(sql)[0].stmt.options)


def test_option_forms():
    assert options("explain select 1") == ExplainOptions()
    assert options("explain analyze verbose select 1") == ExplainOptions(analyze=True, verbose=True)
    assert options("explain (analyze off, verbose 1, costs false) select 1") == \
        ExplainOptions(analyze=False, verbose=True, costs=False)
    assert options("explain (analyse, timing off, summary on, buffers) select 1") == \
        ExplainOptions(analyze=True, timing=False, summary=True)
    with pytest.raises(errors.FeatureNotSupported):
        options("explain (format json) select 1")
    with pytest.raises(errors.InvalidParameterValue):
        options("explain (timing) select 1")
    with pytest.raises(errors.SyntaxError):
        options("explain (analyze 2) select 1")


def test_query_identifier_is_z_base32_of_a_fingerprint():
    assert z_base32(0) == "y" * 13
    assert z_base32((1 << 64) - 1) == "x" + "9" * 12
    one = query_identifier(parse_sql("select * from t where id = 1")[0].stmt)
    two = query_identifier(parse_sql("SELECT *  FROM t WHERE id = 2")[0].stmt)
    other = query_identifier(parse_sql("select id from t where id = 1")[0].stmt)
    assert one == two != other
    assert len(one) == 13
