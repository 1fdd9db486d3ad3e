"""Pushdown expressions (`borealis.core.expr`): SQL three-valued logic for and/or/not,
comparisons and IN with NULL, prefix matching, projections, and the errors for
malformed, unknown or too deeply nested expressions."""

from __future__ import annotations

import itertools

import pytest

from borealis.core.expr import (
    EXPR_DEPTH_MAX,
    ExprError,
    compile_expr,
    compile_filter,
    compile_projection,
)

T, F, N = True, False, None


def const(v):
    return ("const", v)


def ev(expr, row=()):
    return compile_expr(expr)(row)


# SQL truth tables (PostgreSQL docs, "Logical Operators").
AND = {(T, T): T, (T, F): F, (T, N): N, (F, F): F, (F, N): F, (N, N): N}
OR = {(T, T): T, (T, F): T, (T, N): T, (F, F): F, (F, N): N, (N, N): N}


@pytest.mark.parametrize(("a", "b"), list(itertools.product([T, F, N], repeat=2)))
def test_and_or_truth_tables(a, b):
    key = (a, b) if (a, b) in AND else (b, a)
    assert ev(("and", const(a), const(b))) is AND[key]
    assert ev(("or", const(a), const(b))) is OR[key]


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (N, N)])
def test_not(a, expected):
    assert ev(("not", const(a))) is expected


def test_n_ary_and_or():
    assert ev(("and", const(T), const(N), const(F))) is False
    assert ev(("and", const(T), const(N), const(T))) is None
    assert ev(("and", const(T), const(T), const(T))) is True
    assert ev(("or", const(F), const(N), const(T))) is True
    assert ev(("or", const(F), const(N), const(F))) is None
    assert ev(("or", const(F), const(F), const(F))) is False


def test_and_or_over_columns():
    expr = ("and", ("cmp", ">", ("col", 0), const(1)),
            ("or", ("isnull", ("col", 1)), ("cmp", "=", ("col", 1), const("x"))))
    f = compile_expr(expr)
    assert f((2, None)) is True
    assert f((2, "x")) is True
    assert f((2, "y")) is False
    assert f((0, "x")) is False
    assert f((None, "x")) is None


@pytest.mark.parametrize(("op", "a", "b", "expected"), [
    ("=", 1, 1, True), ("=", 1, 2, False),
    ("<>", 1, 2, True), ("<>", 1, 1, False),
    ("<", 1, 2, True), ("<", 2, 2, False),
    ("<=", 2, 2, True), ("<=", 3, 2, False),
    (">", 3, 2, True), (">", 2, 2, False),
    (">=", 2, 2, True), (">=", 1, 2, False),
    ("<", "abc", "abd", True), ("=", b"\x00", b"\x00", True),
])
def test_comparisons(op, a, b, expected):
    assert ev(("cmp", op, ("col", 0), ("col", 1)), (a, b)) is expected


@pytest.mark.parametrize("op", ["=", "<>", "<", "<=", ">", ">="])
def test_comparison_with_null_is_null(op):
    assert ev(("cmp", op, const(None), const(1))) is None
    assert ev(("cmp", op, const(1), const(None))) is None
    assert ev(("cmp", op, const(None), const(None))) is None
    # NULL is not "not equal" either: a filter never passes it.
    assert compile_filter(("cmp", op, ("col", 0), const(1)))((None,)) is False


def test_isnull_notnull():
    assert ev(("isnull", ("col", 0)), (None,)) is True
    assert ev(("isnull", ("col", 0)), (0,)) is False
    assert ev(("notnull", ("col", 0)), (None,)) is False
    assert ev(("notnull", ("col", 0)), (False,)) is True


@pytest.mark.parametrize(("value", "options", "expected"), [
    (1, (1, 2), True),
    (3, (1, 2), False),
    (1, (1, None), True),
    (3, (1, None), None),  # 3 IN (1, NULL) is NULL, not false
    (None, (1, 2), None),
    (None, (None,), None),
    (3, (), False),
    ("b", ("a", "b"), True),
])
def test_in(value, options, expected):
    assert ev(("in", ("col", 0), options), (value,)) is expected


def test_not_in_with_null_never_passes_a_filter():
    f = compile_filter(("not", ("in", ("col", 0), (1, None))))
    assert f((3,)) is False
    assert f((1,)) is False
    assert compile_filter(("not", ("in", ("col", 0), (1, 2))))((3,)) is True


@pytest.mark.parametrize(("value", "prefix", "expected"), [
    ("abcdef", "abc", True),
    ("abc", "abc", True),
    ("ab", "abc", False),
    ("xabc", "abc", False),
    ("anything", "", True),
    (b"\x00\x01\x02", b"\x00\x01", True),
    (b"\x00\x02", b"\x00\x01", False),
    (None, "abc", None),
])
def test_prefix(value, prefix, expected):
    assert ev(("prefix", ("col", 0), prefix), (value,)) is expected


def test_filter_passes_only_true():
    keep = compile_filter(("col", 0))
    assert [keep((v,)) for v in (True, False, None)] == [True, False, False]
    assert compile_filter(None) is None


def test_filter_is_reusable_across_rows():
    keep = compile_filter(("cmp", ">=", ("col", 1), const(10)))
    rows = [(1, 5), (2, 10), (3, None), (4, 11)]
    assert [r[0] for r in rows if keep(r)] == [2, 4]


def test_projection():
    row = ("a", "b", "c", "d")
    assert compile_projection((2, 0))(row) == ("c", "a")
    assert compile_projection((1,))(row) == ("b",)
    assert compile_projection(())(row) == ()
    assert compile_projection([3, 3])(row) == ("d", "d")
    assert compile_projection(None) is None
    assert isinstance(compile_projection((0,))(row), tuple)


@pytest.mark.parametrize("expr", [
    ("frobnicate", const(1)),
    ("cmp", "~~", const(1), const(1)),
    ("cmp", "==", const(1), const(1)),
    (),
    "col",
    ["const", 1],
    None,
    ("and", const(True), ("nope",)),
])
def test_malformed_or_unknown_operators_raise(expr):
    with pytest.raises(ExprError):
        compile_expr(expr)


def test_unknown_operator_inside_a_filter_raises_at_compile_time():
    with pytest.raises(ExprError, match="unknown pushdown operator"):
        compile_filter(("or", ("col", 0), ("xor", const(1))))


def nested_not(depth: int):
    expr = const(True)
    for _ in range(depth):
        expr = ("not", expr)
    return expr


def test_nesting_limit():
    assert ev(nested_not(EXPR_DEPTH_MAX)) is (EXPR_DEPTH_MAX % 2 == 0)
    with pytest.raises(ExprError, match="nested too deeply"):
        compile_expr(nested_not(EXPR_DEPTH_MAX + 1))
    # Far past the limit: refused cleanly, not with a RecursionError.
    with pytest.raises(ExprError):
        compile_filter(nested_not(10_000))
