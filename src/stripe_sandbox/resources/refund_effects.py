"""What a refund moves besides the customer's money: the transfer reversal, the application fee refund, the
balance transactions (in the settlement currency of the charge), and the later pending -> succeeded or
succeeded -> failed change some test cards make."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import jobs
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.resources.balances import build_balance_transaction, settlement_currency
from stripe_sandbox.store import now, random_id

SETTLE_JOB = "refund.settle"
FAILURE_REASON = "expired_or_canceled_card"


def refund_transaction(sandbox: Sandbox, charge: dict[str, Any], source: str, amount: int, type: str) -> dict[str, Any]:  # noqa: A002
    """A balance transaction for a refund (or its failure) in the currency the charge settled in."""
    charge_txn = sandbox.store.get(charge["balance_transaction"] or "") or {}
    settle = charge_txn.get("currency") or charge["currency"]
    return build_balance_transaction(source, amount, charge["currency"], type=type, description="REFUND FOR CHARGE", settlement=settle)


def proportional_share(total: int, done: int, charge: dict[str, Any], refunded_after: int) -> int:
    """Stripe refunds fees and reverses transfers in proportion to the refunded share of the charge.

    Rounded on the running total, so a charge refunded in parts gives back exactly the whole at the end.
    """
    target = round(total * refunded_after / charge["amount"]) if refunded_after < charge["amount"] else total
    return max(0, min(total - done, target - done))


def reverse_transfer(sandbox: Sandbox, ctx: Context, charge: dict[str, Any], refund: dict[str, Any]) -> str:
    """Reverse a destination charge's transfer in proportion to the refund; return the transfer_reversal id."""
    transfer = sandbox.store.get(charge["transfer"]) or {}
    owner = sandbox.store.owner(transfer["id"]) or ctx.account
    share = proportional_share(transfer["amount"], transfer["amount_reversed"], charge, charge["amount_refunded"] + refund["amount"])
    txn = build_balance_transaction("", share, charge["currency"], type="transfer_refund", description=None, settlement=settlement_currency(sandbox, owner))
    reversal = {
        "amount": share,
        "balance_transaction": txn["id"],
        "created": now(),
        "currency": transfer["currency"],
        "destination_payment_refund": None,
        "id": random_id("trr_"),
        "metadata": {},
        "object": "transfer_reversal",
        "source_refund": refund["id"],
        "transfer": transfer["id"],
    }
    _book(sandbox, ctx, owner, (transfer, reversal, txn), ("amount_reversed", "reversed", "reversals"), "transfer.reversed")
    return reversal["id"]


def refund_fee(sandbox: Sandbox, ctx: Context, charge: dict[str, Any], amount: int) -> dict[str, Any]:
    """Refund the platform's application fee in proportion to the refund: a fee_refund and its balance transaction."""
    fee = sandbox.store.get(charge["application_fee"]) or {}
    owner = sandbox.store.owner(fee["id"]) or ctx.account
    share = proportional_share(fee["amount"], fee["amount_refunded"], charge, charge["amount_refunded"] + amount)
    txn = build_balance_transaction(
        "", -share, fee["currency"], type="application_fee_refund", description=None, settlement=settlement_currency(sandbox, owner)
    )
    fee_refund = {
        "amount": share,
        "balance_transaction": txn["id"],
        "created": now(),
        "currency": fee["currency"],
        "fee": fee["id"],
        "id": random_id("fr_"),
        "metadata": {},
        "object": "fee_refund",
    }
    _book(sandbox, ctx, owner, (fee, fee_refund, txn), ("amount_refunded", "refunded", "refunds"), "application_fee.refunded")
    return fee_refund


def _book(sandbox: Sandbox, ctx: Context, owner: str, objects: tuple[dict, dict, dict], fields: tuple[str, str, str], event: str) -> None:
    """Store a part given back of a transfer or a fee: the parent's running total, its list, the balance transaction.

    `objects` is (parent, part, balance transaction); `fields` names the parent's total, its flag and its list.
    """
    parent, part, txn = objects
    total, flag, listing = fields
    txn["source"] = part["id"]
    parent[total] += part["amount"]
    parent[flag] = parent[total] >= parent["amount"]
    parent[listing]["data"].insert(0, part)
    for obj in (txn, part, parent):
        sandbox.store.put(obj, account=owner)
    sandbox.emit(owner, event, parent, ctx=ctx)


@jobs.register(SETTLE_JOB)
def settle_refund(sandbox: Sandbox, payload: dict[str, Any]) -> None:
    """The card network's later answer: a pending refund succeeds, or a refund fails and the money comes back."""
    found = sandbox.store.get_with_meta(payload["refund"])
    if found is None:
        return
    refund, _, account = found
    previous = {"status": refund["status"]}
    charge = sandbox.store.get(refund["charge"]) or {}
    refund["status"] = payload["status"]
    if refund["status"] == "failed":
        txn = refund_transaction(sandbox, charge, refund["id"], refund["amount"], "refund_failure")
        sandbox.store.put(txn, account=account)
        refund.update(failure_reason=FAILURE_REASON, failure_balance_transaction=txn["id"])
        before = copy.deepcopy(charge)
        charge["amount_refunded"] -= refund["amount"]
        charge["refunded"] = False
        previous_charge = {k: before[k] for k in ("amount_refunded", "refunded") if before[k] != charge[k]}
    charge["refunds"]["data"] = [refund if r["id"] == refund["id"] else r for r in charge["refunds"]["data"]]
    sandbox.store.put(refund, account=account)
    sandbox.store.put(charge, account=account)
    sandbox.emit(account, "refund.updated", refund, previous=previous)
    sandbox.emit(account, "charge.refund.updated", refund, previous=previous)
    if refund["status"] == "failed":
        sandbox.emit(account, "refund.failed", refund, previous=previous)
        sandbox.emit(account, "charge.updated", charge, previous=previous_charge)
