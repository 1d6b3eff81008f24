"""Checkout line items (Stripe `item` objects) built from `price_data`."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.core import Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.store import now, random_id
from stripe_sandbox.validation import check_amount, check_currency, check_metadata, check_minor_unit


def build_line_items(raw: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Line items (Stripe `item` objects) from price_data, all in one currency."""
    if not raw:
        raise StripeError.missing("line_items")
    items = [_line_item(line, f"line_items[{i}]") for i, line in enumerate(raw)]
    currencies = {item["currency"] for item in items}
    if len(currencies) > 1:
        raise StripeError.invalid("All line items must use the same currency.", param="line_items")
    return items


def _line_item(line: dict[str, Any], param: str) -> dict[str, Any]:
    if "price" in line:
        raise StripeError.not_found("price", line["price"], param=f"{param}[price]")
    data = line.get("price_data")
    if data is None:
        raise StripeError.missing(f"{param}[price_data]")
    if "quantity" not in line:
        raise StripeError.missing(f"{param}[quantity]")
    currency = check_currency(data["currency"], f"{param}[price_data][currency]")
    unit = _unit_amount(data, f"{param}[price_data]")
    check_minor_unit(unit, currency, f"{param}[price_data][unit_amount]")
    product = data.get("product_data")
    if product is None:
        raise StripeError.invalid(
            "You must specify either `product` or `product_data` when creating a price.", param=f"{param}[price_data]"
        )
    check_amount(line["quantity"], f"{param}[quantity]", minimum=1)
    check_metadata(product.get("metadata"), f"{param}[price_data][product_data][metadata]")
    amount = unit * line["quantity"]
    created = now()
    product_id = random_id("prod_", 14)
    return {
        "adjustable_quantity": None,
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": currency,
        "description": product["name"],
        "id": random_id("li_"),
        "metadata": {},
        "object": "item",
        "price": _price(random_id("price_"), product_id, currency, unit, data.get("tax_behavior"), created),
        "quantity": line["quantity"],
        "_product": {"name": product["name"], "description": product.get("description"), "id": product_id},
    }


def _unit_amount(data: dict[str, Any], param: str) -> int:
    if "unit_amount" in data and "unit_amount_decimal" in data:
        raise StripeError.invalid(
            "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
            param=f"{param}[unit_amount]",
            code="parameters_exclusive",
        )
    if "unit_amount_decimal" in data:
        value = data["unit_amount_decimal"]
        if value != value.to_integral_value():
            raise StripeError.invalid("Sub-cent unit amounts are not supported by the sandbox.", param=f"{param}[unit_amount_decimal]")
        return int(value)
    if "unit_amount" not in data:
        raise StripeError.missing(f"{param}[unit_amount]")
    check_amount(data["unit_amount"], f"{param}[unit_amount]")
    return data["unit_amount"]


def _price(price_id: str, product_id: str, currency: str, unit: int, tax_behavior: str | None, created: int) -> dict[str, Any]:
    return {
        "active": False,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency,
        "custom_unit_amount": None,
        "id": price_id,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "object": "price",
        "product": product_id,
        "recurring": None,
        "tax_behavior": tax_behavior or "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time",
        "unit_amount": unit,
        "unit_amount_decimal": str(unit),
    }


def public_line_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Line items without the sandbox's private keys."""
    return [{k: v for k, v in item.items() if not k.startswith("_")} for item in items]


def line_items_list(sandbox: Sandbox, session: dict[str, Any]) -> dict[str, Any]:
    """A session's line items as a Stripe list (the endpoint and `expand[]=line_items`)."""
    items = public_line_items(sandbox.store.meta(session["id"]).get("line_items", []))
    return {"object": "list", "data": items, "has_more": False, "url": f"/v1/checkout/sessions/{session['id']}/line_items"}
