"""Payment schedules: an invoice's total split into up to 12 instalments, paid in order.

Percent parts are rounded by the one rounding rule (half up, to the minor unit) and the last instalment takes
the remainder, so the amounts always sum to the total exactly. What has come in (total - balance due: payments
kept and credits) covers the instalments from the first on; the earliest one not covered is "next due", and
its date past in the vendor's time zone makes the invoice Overdue (stored as invoice.next_due_date by settle()).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.tables.invoices import Instalment, Invoice

MAX_PARTS = 12


@dataclass(frozen=True)
class Part:
    """One instalment as typed: an amount in minor units, or a percent of the total."""

    due_date: date
    amount: int | None = None
    percent: Decimal | None = None


@dataclass(frozen=True)
class Progress:
    """One instalment with what is paid of it, judged on `today`."""

    position: int
    due_date: date
    amount: int
    percent: Decimal | None
    paid: int
    today: date

    @property
    def percent_text(self) -> str:
        """The typed percent as written ("40", "33.3333"), or ""."""
        return "" if self.percent is None else f"{Decimal(self.percent).normalize():f}"

    @property
    def remaining(self) -> int:
        return self.amount - self.paid

    @property
    def state(self) -> str:
        """paid, overdue, partly_paid or due."""
        if self.remaining <= 0:
            return "paid"
        if self.due_date < self.today:
            return "overdue"
        return "partly_paid" if self.paid > 0 else "due"


STATE_LABELS = {"paid": "Paid", "partly_paid": "Partly paid", "due": "Due", "overdue": "Overdue"}


def percent_of(total: int, percent: Decimal) -> int:
    """round(total x percent / 100), half up: the rounding rule of every line figure."""
    return int((Decimal(total) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def exact_sum(total: int, parts: list[Part]) -> Decimal:
    """What the parts add up to before rounding (amounts plus exact percent shares)."""
    return sum((Decimal(p.amount) if p.amount is not None else Decimal(total) * p.percent / 100 for p in parts),
               Decimal(0))


def split(total: int, parts: list[Part]) -> list[int]:
    """The amounts of the parts: percents rounded, the last taking the remainder so they sum to `total`."""
    amounts = [p.amount if p.amount is not None else percent_of(total, p.percent) for p in parts]
    if amounts:
        amounts[-1] = total - sum(amounts[:-1])
    return amounts


def covered(amounts: list[int], paid_in: int) -> list[int]:
    """What is paid of each instalment when `paid_in` is applied in order."""
    result = []
    for amount in amounts:
        share = max(min(amount, paid_in), 0)
        result.append(share)
        paid_in -= share
    return result


async def rows_of(invoice_id: int) -> list[Instalment]:
    """The invoice's instalments in order (empty without a schedule)."""
    return await Instalment.objects().where(Instalment.invoice == invoice_id).order_by(Instalment.position)


def progress_of(rows: list[Instalment], paid_in: int, today: date) -> list[Progress]:
    """Each instalment with what is paid of it."""
    shares = covered([r.amount for r in rows], paid_in)
    return [Progress(i + 1, r.due_date, r.amount, r.percent, share, today)
            for i, (r, share) in enumerate(zip(rows, shares))]


def paid_in(invoice: Invoice, due: int) -> int:
    """What has come in against the schedule: the total less the balance due."""
    return invoice.total - due


async def next_due(invoice: Invoice, due: int) -> tuple[date | None, int]:
    """The earliest instalment not covered (its date and what remains of it), or (None, 0)."""
    rows = await rows_of(invoice.id)
    if sum(r.amount for r in rows) != invoice.total:  # the total changed since (a draft edited): no schedule
        return None, 0
    for row, share in zip(rows, covered([r.amount for r in rows], paid_in(invoice, due))):
        if share < row.amount:
            return row.due_date, row.amount - share
    return None, 0


def ask_for(invoice: Invoice) -> int:
    """What the customer is asked to pay now: the next instalment when a schedule has one, else the balance."""
    balance = max(invoice.amount_due, 0)
    if invoice.next_due_date is not None and invoice.next_due_amount > 0:
        return min(invoice.next_due_amount, balance)
    return balance


def overdue_from(invoice: Invoice) -> date | None:
    """The date after which the invoice is Overdue: the next instalment's, else the due date."""
    return invoice.next_due_date or invoice.due_date
