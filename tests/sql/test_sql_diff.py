"""The differential runner itself: splitting, directives, comparison (no servers)."""

from __future__ import annotations

import pytest
from sql_diff import (
    CaseFileError,
    Outcome,
    Statement,
    compare,
    has_top_level_order_by,
    parse_case,
    split_statements,
)


def _sqls(text: str) -> list[str]:
    return [sql for sql, _, _ in split_statements(text)]


def test_split_respects_quotes_comments_and_dollar_quotes() -> None:
    text = """
    SELECT 'a;b', "we;ird" FROM t; -- a comment; with a semicolon
    SELECT $$x;y$$, $tag$ $$ ; $tag$;
    /* block; comment */ SELECT E'it\\'s;', 'it''s;';
    SELECT (SELECT 1; ) ;
    SELECT 1
    """
    assert _sqls(text) == [
        "SELECT 'a;b', \"we;ird\" FROM t",
        "SELECT $$x;y$$, $tag$ $$ ; $tag$",
        "/* block; comment */ SELECT E'it\\'s;', 'it''s;'",
        "SELECT (SELECT 1; )",
        "SELECT 1",
    ]


def test_split_reports_lines_and_leading_comments() -> None:
    text = "-- first\nSELECT 1;\n\n-- sorted\n-- error 22012\nSELECT 1/0;\n"
    got = list(split_statements(text))
    assert [(line, comments) for _, line, comments in got] == [
        (2, ["-- first"]), (6, ["-- sorted", "-- error 22012"])]


def test_unterminated_quote_is_a_case_file_error() -> None:
    with pytest.raises(CaseFileError):
        list(split_statements("SELECT 'oops;"))


def test_directives() -> None:
    stmts = parse_case(
        "-- sorted\nSELECT 1;\n-- error 23505\nINSERT INTO t VALUES (1);\n"
        "-- only postgres: not implemented yet\nSELECT 2;\nSELECT 3 ORDER BY 1;\n"
        "-- just a comment that mentions nothing\nSELECT 4;\n")
    assert [(s.ordered, s.error, s.only) for s in stmts] == [
        (True, None, None), (False, "23505", None), (False, None, "postgres"),
        (True, None, None), (False, None, None)]
    assert stmts[2].why == "not implemented yet"
    assert not stmts[2].runs_on("borealis") and stmts[2].runs_on("postgres")


@pytest.mark.parametrize("text", ["-- only borealis\nSELECT 1;", "-- error 235\nSELECT 1;",
                                  "-- sorted please\nSELECT 1;"])
def test_malformed_directives_are_refused(text: str) -> None:
    with pytest.raises(CaseFileError):
        parse_case(text)


@pytest.mark.parametrize(("sql", "ordered"), [
    ("SELECT a FROM t ORDER BY a", True),
    ("SELECT a FROM t", False),
    ("SELECT * FROM (SELECT a FROM t ORDER BY a) s", False),
    ("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1", True),
    ("INSERT INTO t SELECT a FROM u ORDER BY a RETURNING a", False),
])
def test_top_level_order_by(sql: str, ordered: bool) -> None:
    assert has_top_level_order_by(sql) is ordered


def _rows(*rows: tuple) -> Outcome:
    return Outcome(tag=f"SELECT {len(rows)}", columns=("a",), rows=tuple(rows))


def test_unordered_results_compare_as_multisets() -> None:
    stmt = Statement("SELECT a FROM t", 1)
    assert compare(stmt, {"postgres": _rows(("1",), ("2",), ("2",)),
                          "borealis": _rows(("2",), ("1",), ("2",))}) is None
    mismatch = compare(stmt, {"postgres": _rows(("1",), ("2",), ("2",)),
                              "borealis": _rows(("1",), ("1",), ("2",))})
    assert mismatch is not None


def test_ordered_results_compare_in_order() -> None:
    stmt = Statement("SELECT a FROM t ORDER BY a", 1, ordered=True)
    assert compare(stmt, {"postgres": _rows(("1",), ("2",)),
                          "borealis": _rows(("2",), ("1",))}) is not None


def test_text_formatting_is_compared() -> None:
    # The checker must catch a value that is "equal" but printed differently.
    stmt = Statement("SELECT 1.50", 1)
    mismatch = compare(stmt, {"postgres": _rows(("1.50",)), "borealis": _rows(("1.5",))})
    assert mismatch is not None
    assert any("-'1.50'" in line for line in mismatch.report)
    assert any("+'1.5'" in line for line in mismatch.report)


def test_errors_must_match_the_directive_on_both_engines() -> None:
    stmt = Statement("INSERT INTO t VALUES (1)", 7, error="23505")
    both = {"postgres": Outcome(sqlstate="23505"), "borealis": Outcome(sqlstate="23505")}
    assert compare(stmt, both) is None
    wrong = {"postgres": Outcome(sqlstate="23505"), "borealis": Outcome(sqlstate="XX000")}
    assert compare(stmt, wrong) is not None
    missing = {"postgres": Outcome(sqlstate="23505"), "borealis": Outcome(tag="INSERT 0 1")}
    assert compare(stmt, missing) is not None


def test_an_unexpected_error_fails_even_when_both_engines_agree() -> None:
    stmt = Statement("SELECT 1/0", 3)
    got = {"postgres": Outcome(sqlstate="22012"), "borealis": Outcome(sqlstate="22012")}
    assert compare(stmt, got) is not None


def test_column_names_and_tags_are_compared() -> None:
    stmt = Statement("SELECT 1", 1)
    a = Outcome(tag="SELECT 1", columns=("x",), rows=(("1",),))
    b = Outcome(tag="SELECT 1", columns=("?column?",), rows=(("1",),))
    assert compare(stmt, {"postgres": a, "borealis": b}) is not None
    c = Outcome(tag="INSERT 0 2")
    d = Outcome(tag="INSERT 0 1")
    assert compare(Statement("INSERT", 1), {"postgres": c, "borealis": d}) is not None


def test_single_engine_statements_are_still_checked() -> None:
    stmt = Statement("SELECT x", 1, only="borealis", why="reason")
    assert compare(stmt, {"borealis": Outcome(sqlstate="0A000")}) is not None
    stmt.error = "0A000"
    assert compare(stmt, {"borealis": Outcome(sqlstate="0A000")}) is None
