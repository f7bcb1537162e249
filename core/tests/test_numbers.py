"""Figures as people read them: no exponent (10 once printed as 1E+1), no trailing zeros on
scores, thousands separators, money with its two decimals."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.numbers import number, yuan


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("10.00"), "10"),  # Decimal("10.00").normalize() is 1E+1
        (Decimal("100.00"), "100"),
        (Decimal("0.50"), "0.5"),
        (Decimal("1000.00"), "1,000"),
        (Decimal("0.00"), "0"),
        (Decimal("-0.00"), "0"),
        (Decimal("12.50"), "12.5"),
        (Decimal("-7.50"), "-7.5"),
        (Decimal("-1000"), "-1,000"),
        (Decimal("87.456"), "87.46"),  # rounded half up, as the review engine rounds
        (Decimal("1E+3"), "1,000"),
        (10, "10"),
        (0.5, "0.5"),
        (1234567.891, "1,234,567.89"),
        ("12.50", "12.5"),
        (None, "—"),
        ("", "—"),
        ("不是数字", "不是数字"),
    ],
)
def test_number_for_people(value, shown):
    assert number(value) == shown


def test_plain_numbers_have_no_separators_for_forms_and_inputs():
    assert number(Decimal("1000.00"), grouping=False) == "1000"
    assert number(Decimal("10.00"), grouping=False) == "10"
    assert number(Decimal("2.5"), places=0) == "3"


@pytest.mark.parametrize(("fen", "shown"), [(0, "0.00"), (1000, "10.00"), (123456, "1,234.56"), (50, "0.50"), (-50, "-0.50"), (None, "—")])
def test_money_keeps_two_decimals(fen, shown):
    assert yuan(fen) == shown


def test_template_filters():
    out = Template('{% load uh %}{{ a|num }}/{{ b|num }} 分 <input max="{{ c|num:"plain" }}"> {{ fen|yuan }}').render(
        Context({"a": Decimal("5.00"), "b": Decimal("10.00"), "c": Decimal("1000.00"), "fen": 250000})
    )
    assert out == '5/10 分 <input max="1000"> 2,500.00'
