"""The daily ledger check: PayPort's per-day totals of card payments and refunds beside Stripe's balance transactions.

For each vendor with a Stripe account, per UTC day (Stripe's days), settlement currency and kind (payments,
refunds): gross, Stripe's fee and net as PayPort recorded them, and as the account's balance transactions say.
Own key: the vendor's account, all of its charges and refunds. Connect: destination charges live on the platform
account, so the platform's balance transactions are listed and each is the vendor's when PayPort recorded it for
that vendor, or, for a charge PayPort does not know at all, when the charge's metadata names the vendor. The
result is stored in ledger_check (one row per day, account, currency, kind) for the dashboard's Needs attention.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from app.db import write_transaction
from app.live.announce import announce_vendor_changed
from app.services.balance import COUNTED_REFUNDS
from app.services.clock import utcnow
from app.services.payments import connection as stripe_connection
from app.stripe_gateway import BalanceTxnInfo, get_gateway
from app.tables.payments import LedgerCheck, Payment, Refund, StripeConnection

log = logging.getLogger("app.stripe")
KINDS = {"charge": "payments", "payment": "payments", "refund": "refunds", "payment_refund": "refunds"}
Key = tuple[date, str, str]  # (day, currency, kind)


@dataclass
class Totals:
    """Gross, Stripe's fee and net in minor units of one currency."""

    gross: int = 0
    fee: int = 0
    net: int = 0

    def add(self, gross: int, fee: int, net: int) -> None:
        self.gross, self.fee, self.net = self.gross + gross, self.fee + fee, self.net + net


@dataclass
class AccountCheck:
    """One vendor account's days: PayPort's totals, Stripe's, and the rows that differ."""

    vendor_id: int
    account: str
    ours: dict[Key, Totals] = field(default_factory=dict)
    stripe: dict[Key, Totals] = field(default_factory=dict)

    def keys(self) -> list[Key]:
        return sorted(set(self.ours) | set(self.stripe))

    def differs(self, key: Key) -> bool:
        return self.ours.get(key, Totals()) != self.stripe.get(key, Totals())

    @property
    def differences(self) -> list[Key]:
        return [key for key in self.keys() if self.differs(key)]


def _day(moment: datetime) -> date:
    return moment.astimezone(timezone.utc).date()


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time(0), timezone.utc),
            datetime.combine(last + timedelta(days=1), time(0), timezone.utc))


async def _our_payments(check: AccountCheck, on_platform: bool, start: datetime, end: datetime) -> None:
    where_account = (Payment.stripe_account == "") if on_platform else (Payment.stripe_account == check.account)
    rows = await Payment.objects().where(
        (Payment.vendor == check.vendor_id) & (Payment.method == Payment.Method.stripe) & where_account
        & (Payment.paid_at >= start) & (Payment.paid_at < end) & Payment.deleted_at.is_null())
    for p in rows:
        currency = p.settlement_currency or p.currency
        gross = p.settlement_amount if p.settlement_amount is not None else p.amount
        fee = p.settlement_fee if p.settlement_fee is not None else (p.stripe_fee or 0)
        net = p.settlement_net if p.settlement_net is not None else gross - fee
        check.ours.setdefault((_day(p.paid_at), currency, "payments"), Totals()).add(gross, fee, net)


async def _our_refunds(check: AccountCheck, on_platform: bool, start: datetime, end: datetime) -> None:
    account = "" if on_platform else check.account
    rows = await Refund.select(Refund.all_columns(), Refund.payment.settlement_currency.as_alias("settles")).where(
        (Refund.vendor == check.vendor_id) & (Refund.manual == False)  # noqa: E712
        & Refund.status.is_in(list(COUNTED_REFUNDS)) & (Refund.payment.stripe_account == account)
        & (Refund.created_at >= start) & (Refund.created_at < end))
    for r in rows:
        fee = r["stripe_fee"] or 0
        if on_platform:  # the platform booked the refund itself; its net is the vendor's transfer reversal
            currency, net = r["currency"], -r["amount"]
        elif r["net"] is not None:  # read from its balance transaction: the settlement currency's figures
            currency, net = r["settles"] or r["currency"], r["net"]
        else:
            currency, net = r["currency"], -r["amount"]
        check.ours.setdefault((_day(r["created_at"]), currency, "refunds"), Totals()).add(net + fee, fee, net)


async def _known_txns() -> dict[str, int]:
    """Every balance transaction PayPort recorded, to the vendor it recorded it for."""
    known = {row["balance_transaction"]: row["vendor"] for row in await Payment.select(
        Payment.balance_transaction, Payment.vendor).where(Payment.balance_transaction != "")}
    known.update({row["balance_transaction"]: row["vendor"] for row in await Refund.select(
        Refund.balance_transaction, Refund.vendor).where(Refund.balance_transaction != "")})
    return known


async def _belongs(txn: BalanceTxnInfo, vendor_id: int, known: dict[str, int]) -> bool:
    if txn.id in known:
        return known[txn.id] == vendor_id
    if txn.type != "charge" or not txn.source:
        return False
    charge = await get_gateway().retrieve_charge(txn.source)  # a charge PayPort never recorded: whose is it?
    return charge.vendor_hint == str(vendor_id)


async def _stripe_totals(check: AccountCheck, conn: StripeConnection, first: date, last: date) -> None:
    start, end = _bounds(first, last)
    on_platform = conn.mode == stripe_connection.Mode.connect
    api_key = None if on_platform else stripe_connection.api_key_for(conn)
    txns = await get_gateway().list_balance_transactions(int(start.timestamp()), int(end.timestamp()), api_key)
    known = await _known_txns() if on_platform else {}
    for txn in txns:
        kind = KINDS.get(txn.type)
        if kind is None or (on_platform and not await _belongs(txn, check.vendor_id, known)):
            continue
        day = datetime.fromtimestamp(txn.created, timezone.utc).date()
        check.stripe.setdefault((day, txn.currency, kind), Totals()).add(txn.amount, txn.fee, txn.net)


async def check_account(conn: StripeConnection, first: date, last: date) -> AccountCheck:
    """Compare one vendor account's days [first, last] with Stripe."""
    check = AccountCheck(conn.vendor, conn.account_id or "")
    start, end = _bounds(first, last)
    on_platform = conn.mode == stripe_connection.Mode.connect
    await _our_payments(check, on_platform, start, end)
    await _our_refunds(check, on_platform, start, end)
    await _stripe_totals(check, conn, first, last)
    return check


async def _record(check: AccountCheck, first: date, last: date) -> None:
    async with write_transaction():
        await LedgerCheck.delete().where((LedgerCheck.vendor == check.vendor_id) & (
            LedgerCheck.account == check.account) & (LedgerCheck.day >= first) & (LedgerCheck.day <= last))
        for day, currency, kind in check.keys():
            ours, theirs = check.ours.get((day, currency, kind), Totals()), check.stripe.get((day, currency, kind), Totals())
            await LedgerCheck(vendor=check.vendor_id, account=check.account, day=day, currency=currency, kind=kind,
                              ours_gross=ours.gross, ours_fee=ours.fee, ours_net=ours.net, stripe_gross=theirs.gross,
                              stripe_fee=theirs.fee, stripe_net=theirs.net, matched=ours == theirs,
                              checked_at=utcnow()).save()
        announce_vendor_changed(check.vendor_id, "ledger")  # after commit: the dashboard's attention list re-reads


async def run_check(days: int = 7, last: date | None = None, vendor_id: int | None = None) -> list[AccountCheck]:
    """Check every connected or own-key account (or one vendor's) over the `days` days ending `last` (today, UTC)."""
    last = last or utcnow().date()
    first = last - timedelta(days=days - 1)
    results = []
    where = StripeConnection.account_id.is_not_null()
    if vendor_id is not None:
        where &= StripeConnection.vendor == vendor_id
    for conn in await StripeConnection.objects().where(where):
        try:
            check = await check_account(conn, first, last)
        except Exception:  # one account Stripe will not answer for must not stop the others
            log.warning("ledger check of vendor %s failed", conn.vendor, exc_info=True)
            continue
        await _record(check, first, last)
        results.append(check)
    return results
