"""Issue 14 point 6: Stripe's length and format limits on what the app sends."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_sandbox.limits import MAX_LENGTH
from tests.unit.sandbox.helpers import express_account, pay, session_params
from tests.unit.sandbox.shapes import reference_dir

ITEM = {"currency": "usd", "unit_amount": 2500}


def error_for(client: stripe.StripeClient, **overrides: Any) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(**overrides))
    return caught.value


@pytest.mark.parametrize(
    ("overrides", "param", "words"),
    [
        ({"payment_intent_data": {"statement_descriptor_suffix": "S" * 23}}, "payment_intent_data[statement_descriptor_suffix]", "at most 22"),
        ({"payment_intent_data": {"statement_descriptor_suffix": "INV<1>"}}, "payment_intent_data[statement_descriptor_suffix]", "special characters"),
        ({"payment_intent_data": {"statement_descriptor_suffix": "12345"}}, "payment_intent_data[statement_descriptor_suffix]", "at least one letter"),
        ({"payment_intent_data": {"statement_descriptor_suffix": "Café"}}, "payment_intent_data[statement_descriptor_suffix]", "Latin"),
        ({"payment_intent_data": {"description": "d" * 1001}}, "payment_intent_data[description]", "at most 1000"),
        ({"line_items": [{"price_data": {**ITEM, "product_data": {"name": "n" * 5001}}, "quantity": 1}]},
         "line_items[0][price_data][product_data][name]", "at most 5000"),
        ({"custom_text": {"submit": {"message": "m" * 1201}}}, "custom_text[submit][message]", "at most 1200"),
        ({"client_reference_id": "c" * 201}, "client_reference_id", "at most 200"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, "metadata", "more than 50 keys"),
        ({"metadata": {"k" * 41: "v"}}, "metadata[" + "k" * 41 + "]", "at most 40 characters"),
        ({"metadata": {"note": "v" * 501}}, "metadata[note]", "up to 500 characters"),
    ],
)
def test_limits_are_enforced(client: stripe.StripeClient, overrides: dict[str, Any], param: str, words: str) -> None:
    error = error_for(client, **overrides)
    assert error.param == param and words in error.user_message
    assert client.v1.checkout.sessions.list().data == []


def test_values_at_the_limits_pass(client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(
        params=session_params(
            line_items=[{"price_data": {**ITEM, "product_data": {"name": "n" * 5000, "description": "d" * 6000}}, "quantity": 1}],
            payment_intent_data={"statement_descriptor_suffix": "INV-2026-0001", "description": "d" * 1000},
            custom_text={"submit": {"message": "m" * 1200}},
            metadata={f"k{i:02d}" + "x" * 37: "v" * 500 for i in range(50)},
        )
    )
    assert len(session.metadata.to_dict()) == 50


def test_suffix_lands_on_the_calculated_descriptor_truncated_to_22(client: stripe.StripeClient, base: str) -> None:
    vendor = express_account(client, base, name="Acme Design Studio")
    data = {"statement_descriptor_suffix": "INV-2026-0001", "on_behalf_of": vendor.id, "transfer_data": {"destination": vendor.id}}
    session = client.v1.checkout.sessions.create(params=session_params(payment_intent_data=data))
    pay(base, session.id).raise_for_status()
    intent = client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.calculated_statement_descriptor == "ACME DESIG* INV-2026-0"
    assert len(charge.calculated_statement_descriptor) == 22


def test_account_descriptor_settings_are_checked(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create(params={"type": "express", "settings": {"payments": {"statement_descriptor": "A" * 23}}})
    assert caught.value.param == "settings[payments][statement_descriptor]"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create(params={"type": "express", "settings": {"card_payments": {"statement_descriptor_prefix": "TOO LONG PREFIX"}}})
    assert caught.value.param == "settings[card_payments][statement_descriptor_prefix]"
    ok = client.v1.accounts.create(params={"type": "express", "settings": {"card_payments": {"statement_descriptor_prefix": "ACME"}}})
    assert ok.settings.card_payments.statement_descriptor_prefix == "ACME"


@pytest.mark.skipif(not (reference_dir() / "openapi-subset-2024-04-10.json").exists(), reason="Stripe's OpenAPI reference not found")
def test_limit_table_agrees_with_stripes_openapi() -> None:
    import json

    spec = json.loads((reference_dir() / "openapi-subset-2024-04-10.json").read_text())
    found: dict[str, int] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "maxLength" in node:
                found[path] = node["maxLength"]
            for key, value in node.items():
                if key == "properties":
                    for name, sub in value.items():
                        walk(sub, f"{path}[{name}]" if path else name)
                elif key == "items":
                    walk(value, path + "[]")
                elif key in ("anyOf", "oneOf", "allOf"):
                    for sub in value:
                        walk(sub, path)

    for route in ("/v1/checkout/sessions", "/v1/accounts"):
        walk(spec["paths"][route]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"], "")
    checked = {path: limit for path, limit in MAX_LENGTH.items() if path in found}
    assert len(checked) >= 15
    assert {path: found[path] for path in checked} == checked
