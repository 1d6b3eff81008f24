"""What Stripe and the platform took from each payment and refund, read from Stripe (never computed here).

For a card payment: the charge's balance transaction (gross, Stripe's fee, net, in the settlement currency) and
the platform's application fee (amount and what was refunded of it). For a refund: its balance transaction.
Read after the payment or refund is recorded, outside any transaction; a failure leaves the figures unknown
until the next read.
"""

from __future__ import annotations

import logging

from app.services.payments import connection as stripe_connection
from app.stripe_gateway import get_gateway
from app.stripe_types import ChargeInfo
from app.tables.payments import Payment, Refund

log = logging.getLogger("app.stripe")


async def api_key_for_payment(payment: Payment) -> str | None:
    """The key of the account a card payment lives on: the platform's (None) or the vendor's own."""
    if payment.stripe_account == "":
        return None
    connection = await stripe_connection.get_connection(payment.vendor)
    if connection is None or connection.account_id != payment.stripe_account:
        return None
    return stripe_connection.api_key_for(connection)


async def _read_payment(payment: Payment, api_key: str | None) -> tuple[dict, ChargeInfo]:
    """The payment's ledger columns, and the charge they were read from (its refunds need it too)."""
    gateway = get_gateway()
    charge = await gateway.retrieve_payment_charge(payment.payment_intent, api_key)
    values: dict = {Payment.charge: charge.id, Payment.balance_transaction: charge.balance_transaction}
    fee, fee_refunded = (0, 0)
    if charge.application_fee:
        fee, fee_refunded = await gateway.retrieve_application_fee_refunded(charge.application_fee)
        values.update({Payment.application_fee: fee, Payment.application_fee_refunded: fee_refunded,
                       Payment.application_fee_id: charge.application_fee})
    if charge.balance_transaction:
        txn = await gateway.retrieve_balance_transaction(charge.balance_transaction, api_key)
        values.update({Payment.stripe_fee: txn.fee, Payment.settlement_currency: txn.currency,
                       Payment.settlement_amount: txn.amount, Payment.settlement_fee: txn.fee,
                       Payment.settlement_net: txn.net})
        # A destination charge pays the vendor the charge less the platform's fee (Stripe's fee is the
        # platform's); on the vendor's own account the net is the balance transaction's. Refunds are their own rows.
        values[Payment.net] = charge.amount - fee if payment.stripe_account == "" else txn.net
    return values, charge


async def refresh_payment(payment_id: int) -> bool:
    """Read a card payment's ledger figures and its refunds' from Stripe; False when Stripe could not answer."""
    payment = await Payment.objects().where(Payment.id == payment_id).first()
    if payment is None or payment.method != Payment.Method.stripe or payment.payment_intent.startswith("session:"):
        return False
    try:
        api_key = await api_key_for_payment(payment)
        values, charge = await _read_payment(payment, api_key)
        await Payment.update(values).where(Payment.id == payment.id)
        if payment.stripe_account == "":
            await _read_connect_refunds(payment, charge.transfer)
        else:
            await _read_own_refunds(payment, api_key)
    except Exception:  # Stripe unreachable or refusing: the figures stay unknown, shown as such
        log.warning("could not read the ledger of payment %s", payment.id, exc_info=True)
        return False
    return True


async def _read_own_refunds(payment: Payment, api_key: str | None) -> None:
    # On the vendor's own account a refund's balance transaction is the vendor's.
    own = await Refund.objects().where((Refund.payment == payment.id) & (Refund.balance_transaction != ""))
    for refund in own:
        txn = await get_gateway().retrieve_balance_transaction(refund.balance_transaction, api_key)
        await Refund.update({Refund.stripe_fee: txn.fee, Refund.net: txn.net}).where(Refund.id == refund.id)


async def _read_connect_refunds(payment: Payment, transfer: str) -> None:
    # A destination charge's refund is booked on the platform; what it costs the vendor is the transfer reversal.
    if not transfer:
        return
    taken = await get_gateway().transfer_reversals(transfer)
    refunds = await Refund.select(Refund.id, Refund.stripe_refund_id).where(
        (Refund.payment == payment.id) & (Refund.stripe_refund_id.is_not_null()))
    for refund in refunds:
        if refund["stripe_refund_id"] in taken:
            await Refund.update({Refund.net: -taken[refund["stripe_refund_id"]]}).where(Refund.id == refund["id"])


async def refresh_invoice(invoice_id: int) -> None:
    """Read the ledger of every card payment of an invoice."""
    rows = await Payment.select(Payment.id).where(
        (Payment.invoice == invoice_id) & (Payment.method == Payment.Method.stripe)
    )
    for row in rows:
        await refresh_payment(row["id"])
