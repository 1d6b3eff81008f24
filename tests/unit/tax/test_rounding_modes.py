"""Property: per-line and per-rate rounding, tax-exclusive and tax-inclusive prices, give figures that add up and
follow the documented rule to the minor unit (services/invoices/totals.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.invoices.totals import LineInput, compute_totals

RATES = ["0", "7", "8", "10", "19", "20", "8.25"]
lines = st.lists(
    st.tuples(st.sampled_from(["1", "2", "0.5", "1.25", "3.333", "7"]), st.integers(min_value=0, max_value=2_000_000),
              st.sampled_from(RATES)),
    min_size=1, max_size=8,
)
discounts = st.sampled_from(["0", "5", "10", "12.5", "33.3333"])


def _r(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _inputs(drawn):
    return [LineInput(f"Item {i}", Decimal(q), p, Decimal(r)) for i, (q, p, r) in enumerate(drawn)]


@settings(max_examples=300, deadline=None)
@given(drawn=lines, discount=discounts, inclusive=st.booleans(), rounding=st.sampled_from(["line", "rate"]))
def test_figures_add_up_in_every_mode(drawn, discount, inclusive, rounding):
    pct = Decimal(discount)
    totals = compute_totals(_inputs(drawn), pct, inclusive=inclusive, rounding=rounding)
    assert totals.total == totals.subtotal - totals.discount_total + totals.tax_total
    assert totals.tax_total == sum(line.tax for line in totals.lines) == sum(t for _, t in totals.taxes)
    for line in totals.lines:  # the stored meaning of a line never changes
        assert line.discount == _r(line.amount * pct / 100)
    if inclusive:  # the customer pays exactly the gross prices entered, after the discount
        entered = [_r(Decimal(q) * p) for q, p, _ in drawn]
        assert totals.total == sum(e - _r(e * pct / 100) for e in entered)


@settings(max_examples=300, deadline=None)
@given(drawn=lines, discount=discounts, inclusive=st.booleans())
def test_per_rate_rounds_tax_once_per_rate(drawn, discount, inclusive):
    pct = Decimal(discount)
    totals = compute_totals(_inputs(drawn), pct, inclusive=inclusive, rounding="rate")
    for rate, tax in totals.taxes:
        idx = [i for i, (_, _, r) in enumerate(drawn) if Decimal(r) == rate]
        if inclusive:
            gross = sum(_r(Decimal(drawn[i][0]) * drawn[i][1]) for i in idx)
            gross -= sum(_r(_r(Decimal(drawn[i][0]) * drawn[i][1]) * pct / 100) for i in idx)
            assert tax == _r(gross * rate / (100 + rate))
        else:
            taxable = sum(totals.lines[i].amount - totals.lines[i].discount for i in idx)
            assert tax == _r(taxable * rate / 100)


@settings(max_examples=300, deadline=None)
@given(drawn=lines, discount=discounts)
def test_per_line_exclusive_is_todays_rule(drawn, discount):
    pct = Decimal(discount)
    totals = compute_totals(_inputs(drawn), pct)
    for (q, p, r), line in zip(drawn, totals.lines):
        amount = _r(Decimal(q) * p)
        assert (line.amount, line.tax) == (amount, _r((amount - _r(amount * pct / 100)) * Decimal(r) / 100))


def test_per_rate_differs_from_per_line_where_japan_requires_it():
    # Three lines of 1,001 yen at 10 %: per line 100 x 3 = 300; once per rate round(3,003 x 10 %) = 300... and
    # three of 1,005 yen: per line 101 x 3 = 303 (round half up of 100.5), per rate round(301.5) = 302.
    drawn = [LineInput("Item", Decimal(1), 1005, Decimal(10))] * 3
    assert compute_totals(drawn).tax_total == 303
    assert compute_totals(drawn, rounding="rate").tax_total == 302
    assert sum(line.tax for line in compute_totals(drawn, rounding="rate").lines) == 302


def test_inclusive_price_keeps_the_gross():
    totals = compute_totals([LineInput("Book", Decimal(1), 999, Decimal(19))], inclusive=True)
    assert (totals.subtotal, totals.tax_total, totals.total) == (839, 160, 999)
