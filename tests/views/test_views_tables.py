"""Checks, pages and CSV as pure functions (the HTTP tests run them on the real data)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from kringloop.viewchecks import Check, Row, evaluate, parse_checks
from kringloop.viewparams import Param
from kringloop.viewrun import Table
from kringloop.viewtables import BOM, display_columns, neutralise, page_of, to_csv

ROWS: list[Row] = [
    {
        "thema": {"type": "uri", "value": "https://w3id.org/kringloop/id/thema/economie"},
        "n": {"type": "literal", "value": "3"},
    },
    {
        "thema": {"type": "uri", "value": "https://w3id.org/kringloop/id/thema/bestuur"},
        "n": {"type": "literal", "value": "4"},
    },
]


def test_checks_pass_and_fail_with_reasons() -> None:
    (check,) = parse_checks(
        {"rows": 2, "sum": {"n": 7}, "contains": {"thema": "id:thema/economie", "n": "3"}}, ()
    )
    assert check.sums == {"n": Decimal(7)}
    assert evaluate(check, ROWS).passed
    failed = evaluate(Check(min_rows=3, sums={"n": Decimal(8)}, contains=({"n": "5"},)), ROWS)
    assert not failed.passed
    assert failed.failures == (
        "expected at least 3 rows, got 2",
        "no row with n = 5",
        "sum(n) is 7, expected 8",
    )


def test_check_params_must_be_declared() -> None:
    (check,) = parse_checks(
        [{"params": {"thema": "id:thema/economie"}, "max_rows": 0}], (Param("thema", "iri"),)
    )
    assert check.params == {"thema": "id:thema/economie"}
    assert not evaluate(check, ROWS).passed


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("https://x.org")', '\'=HYPERLINK("https://x.org")'),
        ("+31 30 123", "'+31 30 123"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("Bodem, Water, Milieu", "Bodem, Water, Milieu"),
        ("227-228", "227-228"),
    ],
)
def test_cells_that_start_a_formula_are_neutralised(cell: str, shown: str) -> None:
    assert neutralise(cell) == shown


def test_csv_has_a_header_neutral_cells_and_optional_bom() -> None:
    rows: list[Row] = [{"a": {"type": "literal", "value": "=1+1"}}, {"b": {"value": 'x, "y"'}}]
    text = to_csv(("a", "b"), rows)
    assert not text.startswith(BOM)
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'=1+1", ""], ["", 'x, "y"']]
    assert to_csv(("a",), [], bom=True) == BOM + "a\r\n"


def test_pages_cover_the_rows_once() -> None:
    rows: list[Row] = [{"i": {"value": str(number)}} for number in range(7)]
    pages = [page_of(rows, number, 3) for number in (1, 2, 3)]
    assert [row for page in pages for row in page.rows] == rows
    assert (pages[0].has_previous, pages[0].has_next) == (False, True)
    assert (pages[2].has_next, pages[2].first_row, pages[2].last_row) == (False, 7, 7)
    assert page_of(rows, 4, 3).rows == []


def test_label_columns_fold_into_their_column() -> None:
    table = Table(("thema", "themaLabel", "losLabel", "n"), [], False)
    columns = [(column.variable, column.label_variable) for column in display_columns(table)]
    assert columns == [("thema", "themaLabel"), ("losLabel", None), ("n", None)]
