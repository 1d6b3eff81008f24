"""Money movements around a charge: balance transactions, application fees and transfers."""

from __future__ import annotations

from typing import Any

import stripe.params as sp
from litestar import Request, Response, get
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.store import now, random_id
from stripe_sandbox.currencies import ZERO_DECIMAL, convert, exchange_rate

TWO_DAYS = 2 * 24 * 3600


def processing_fee(amount: int, currency: str, *, converted: bool = False) -> int:
    """Stripe's standard card pricing, 2.9% + 30 minor units (none for zero-decimal), +1% when currencies are converted."""
    fixed = 30 if currency not in ZERO_DECIMAL else 0
    return round(amount * (0.039 if converted else 0.029)) + fixed


def settlement_currency(sandbox: Sandbox, account_id: str) -> str:
    """The currency an account's balance is kept and paid out in (its default currency)."""
    account = sandbox.store.get(account_id) or {}
    return account.get("default_currency") or "usd"


REPORTING_CATEGORY = {
    "charge": "charge",
    "refund": "refund",
    "refund_failure": "refund_failure",
    "application_fee": "platform_earning",
    "application_fee_refund": "platform_earning_refund",
    "transfer": "transfer",
    "transfer_refund": "transfer_reversal",
}


def build_balance_transaction(
    source: str,
    amount: int,
    currency: str,
    *,
    type: str,  # noqa: A002
    description: str | None,
    fee: int = 0,
    settlement: str | None = None,
) -> dict[str, Any]:
    """A balance transaction; with a settlement currency other than `currency` the amount is converted into it.

    `fee` is already in the settlement currency, as Stripe reports it.
    """
    created = now()
    settle = settlement or currency
    settled = convert(amount, currency, settle)
    details = [{"amount": fee, "application": None, "currency": settle, "description": "Stripe processing fees", "type": "stripe_fee"}]
    return {
        "amount": settled,
        "available_on": created + TWO_DAYS,
        "balance_type": "payments",
        "created": created,
        "currency": settle,
        "description": description,
        "exchange_rate": round(exchange_rate(currency, settle), 6) if settle != currency else None,
        "fee": fee,
        "fee_details": details if fee else [],
        "id": random_id("txn_"),
        "net": settled - fee,
        "object": "balance_transaction",
        "reporting_category": REPORTING_CATEGORY[type],
        "source": source,
        "status": "pending",
        "type": type,
    }


def application_id(platform: str) -> str:
    """The Connect application id that stands for a platform."""
    return "ca_" + platform.removeprefix("acct_")


def build_application_fee(charge: dict[str, Any], fee_amount: int, payer: str, platform: str, txn: str) -> dict[str, Any]:
    """The platform's application fee taken from a charge paid to (or on) a connected account."""
    fee_id = random_id("fee_")
    return {
        "account": payer,
        "amount": fee_amount,
        "amount_refunded": 0,
        "application": application_id(platform),
        "balance_transaction": txn,
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "fee_source": {"charge": charge["id"], "type": "charge"},
        "id": fee_id,
        "livemode": False,
        "object": "application_fee",
        "originating_transaction": None,
        "refunded": False,
        "refunds": {"data": [], "has_more": False, "object": "list", "url": f"/v1/application_fees/{fee_id}/refunds"},
    }


def build_transfer(charge: dict[str, Any], amount: int, destination: str, txn: str) -> dict[str, Any]:
    """The transfer of a destination charge's proceeds to the connected account."""
    transfer_id = random_id("tr_")
    return {
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": txn,
        "created": now(),
        "currency": charge["currency"],
        "description": None,
        "destination": destination,
        "destination_payment": random_id("py_"),
        "id": transfer_id,
        "livemode": False,
        "metadata": {},
        "object": "transfer",
        "reversals": {"data": [], "has_more": False, "object": "list", "url": f"/v1/transfers/{transfer_id}/reversals"},
        "reversed": False,
        "source_transaction": charge["id"],
        "source_type": "card",
        "transfer_group": charge["transfer_group"],
    }


def _retrieve(kind: str) -> Any:
    def handler(object_id: str) -> Any:
        return lambda s, c, p: find(s, c, object_id, kind, kind)

    return handler


@get("/v1/application_fees/{fee_id:str}")
async def retrieve_fee_route(request: Request, fee_id: FromPath[str]) -> Response:
    """GET /v1/application_fees/{id}."""
    return await api_call(request, sp.ApplicationFeeRetrieveParams, _retrieve("application_fee")(fee_id))


@get("/v1/application_fees")
async def list_fees_route(request: Request) -> Response:
    """GET /v1/application_fees."""
    return await api_call(request, sp.ApplicationFeeListParams, _lister("application_fee", "/v1/application_fees"))


@get("/v1/transfers/{transfer_id:str}")
async def retrieve_transfer_route(request: Request, transfer_id: FromPath[str]) -> Response:
    """GET /v1/transfers/{id}."""
    return await api_call(request, sp.TransferRetrieveParams, _retrieve("transfer")(transfer_id))


@get("/v1/transfers")
async def list_transfers_route(request: Request) -> Response:
    """GET /v1/transfers."""
    return await api_call(request, sp.TransferListParams, _lister("transfer", "/v1/transfers"))


@get("/v1/balance_transactions/{txn_id:str}")
async def retrieve_txn_route(request: Request, txn_id: FromPath[str]) -> Response:
    """GET /v1/balance_transactions/{id}."""
    return await api_call(request, sp.BalanceTransactionRetrieveParams, _retrieve("balance_transaction")(txn_id))


@get("/v1/balance_transactions")
async def list_txns_route(request: Request) -> Response:
    """GET /v1/balance_transactions (created range, source, type, currency; the account in Stripe-Account)."""
    return await api_call(
        request, sp.BalanceTransactionListParams, _lister("balance_transaction", "/v1/balance_transactions")
    )


def _lister(kind: str, url: str) -> Any:
    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        # Filters beyond pagination and created (charge, destination, ...) narrow by the JSON field of the same name.
        clauses, args = [], []
        for name in ("charge", "destination", "transfer_group", "source", "type", "currency"):
            if isinstance(params.get(name), str):
                clauses.append(f"json_extract(data, '$.{name}') = ?")
                args.append(params[name])
        return list_objects(sandbox, ctx.account, kind, params, url, " AND ".join(clauses), tuple(args))

    return handler


ROUTES = [
    retrieve_fee_route, list_fees_route, retrieve_transfer_route, list_transfers_route, retrieve_txn_route,
    list_txns_route,
]
