"""Totals: one rounding rule (per line, half up, then sums), discounts, taxes and zero-decimal currencies."""

from decimal import Decimal

from app.money import format_money
from app.services.invoices.totals import LineInput, compute_totals


def line(q: str, price: int, rate: str = "0") -> LineInput:
    return LineInput("x", Decimal(q), price, Decimal(rate))


def test_quantity_with_decimals_rounds_half_up_per_line():
    totals = compute_totals([line("1.5", 333), line("0.333", 100)])
    # 1.5 x 3.33 = 4.995 -> 5.00 ; 0.333 x 1.00 = 0.333 -> 0.33
    assert [t.amount for t in totals.lines] == [500, 33]
    assert totals.subtotal == 533 and totals.total == 533


def test_tax_is_computed_per_line_after_discount():
    totals = compute_totals([line("1", 1000, "8.25"), line("3", 199, "20")], Decimal("10"))
    # line 1: 10.00, discount 1.00, tax 8.25% of 9.00 = 0.7425 -> 0.74
    # line 2: 5.97, discount 0.597 -> 0.60, tax 20% of 5.37 = 1.074 -> 1.07
    assert totals.subtotal == 1597
    assert totals.discount_total == 160
    assert totals.tax_total == 181
    assert totals.total == 1597 - 160 + 181
    assert dict(totals.taxes) == {Decimal("8.25"): 74, Decimal("20"): 107}


def test_totals_always_add_up():
    totals = compute_totals([line("0.3333", 1, "7.5"), line("7", 14285, "19"), line("2.25", 999, "5")], Decimal("12.5"))
    assert totals.total == totals.subtotal - totals.discount_total + totals.tax_total
    assert totals.tax_total == sum(t.tax for t in totals.lines)


def test_jpy_has_no_decimals():
    # JPY minor unit is one yen: 3 x 333 = 999 yen, 10% tax = 99.9 -> 100 yen.
    totals = compute_totals([line("3", 333, "10")])
    assert totals.total == 1099
    assert format_money(totals.total, "JPY") == "¥1,099"
    assert format_money(123456, "USD") == "$1,234.56"


def test_full_discount_gives_zero_and_no_tax():
    totals = compute_totals([line("1", 5000, "20")], Decimal("100"))
    assert (totals.subtotal, totals.discount_total, totals.tax_total, totals.total) == (5000, 5000, 0, 0)


def test_half_cent_rounds_up_not_to_even():
    assert compute_totals([line("0.5", 1)]).total == 1  # banker's rounding would give 0
    assert compute_totals([line("2.5", 1)]).total == 3  # banker's rounding would give 2
