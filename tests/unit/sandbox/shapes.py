"""Field-by-field comparison of sandbox objects with Stripe's fixtures3.json and the OpenAPI schemas."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]


def reference_dir() -> Path:
    """../shared/stripe beside the repository, or STRIPE_FIXTURES_DIR."""
    override = os.environ.get("STRIPE_FIXTURES_DIR")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "stripe"


@cache
def fixtures() -> dict[str, Any]:
    """Stripe's example object per resource."""
    return json.loads((reference_dir() / "fixtures3.json").read_text())["resources"]


@cache
def schemas() -> dict[str, Any]:
    """OpenAPI component schemas (2024-04-10 subset)."""
    return json.loads((reference_dir() / "openapi-subset-2024-04-10.json").read_text())["components"]["schemas"]


def _deref(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """Follow $ref and single-object anyOf/allOf to the object schema with properties."""
    seen = 0
    while schema is not None and seen < 10:
        seen += 1
        if "$ref" in schema:
            schema = schemas()[schema["$ref"].rsplit("/", 1)[1]]
            continue
        for key in ("anyOf", "allOf", "oneOf"):
            if key in schema:
                objects = [s for s in schema[key] if "$ref" in s or "properties" in s]
                schema = objects[0] if objects else None
                break
        else:
            return schema
    return schema


def id_prefix(object_id: str) -> str:
    """cs_test_a1..., pi_... -> cs_test_, pi_."""
    return "cs_test_" if object_id.startswith("cs_test_") else object_id.split("_", 1)[0] + "_"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", dict: "object", list: "array"}[type(value)]


def sdk_class(resource: str) -> type | None:
    """The installed SDK's class for a resource, whose annotations list the current API's fields."""
    import stripe

    return {
        "account": stripe.Account,
        "account_link": stripe.AccountLink,
        "checkout.session": stripe.checkout.Session,
        "payment_intent": stripe.PaymentIntent,
        "charge": stripe.Charge,
        "refund": stripe.Refund,
        "event": stripe.Event,
        "webhook_endpoint": stripe.WebhookEndpoint,
        "application_fee": stripe.ApplicationFee,
        "transfer": stripe.Transfer,
        "balance_transaction": stripe.BalanceTransaction,
        "item": stripe.LineItem,
        "price": stripe.Price,
        "fee_refund": stripe.ApplicationFeeRefund,
        "transfer_reversal": stripe.TransferReversal,
        "application": stripe.Application,
        "customer": stripe.Customer,
        "payment_method": stripe.PaymentMethod,
        "setup_intent": stripe.SetupIntent,
        "login_link": stripe.LoginLink,
    }.get(resource)


def _sdk_fields(cls: type | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for klass in reversed(getattr(cls, "__mro__", ())):
        fields.update(getattr(klass, "__annotations__", {}))
    return fields


def _sdk_child(annotation: Any) -> type | None:
    """The StripeObject subclass inside Optional[...] / List[...] of an SDK annotation."""
    import typing

    from stripe import StripeObject

    if isinstance(annotation, type) and issubclass(annotation, StripeObject):
        return annotation
    for arg in typing.get_args(annotation):
        found = _sdk_child(arg)
        if found is not None:
            return found
    return None


def _sdk_optional(annotation: Any) -> bool:
    import typing

    return type(None) in typing.get_args(annotation)


def compare(
    ours: dict[str, Any], fixture: dict[str, Any], schema: dict[str, Any] | None, path: str = "", sdk: type | None = None
) -> list[str]:
    """Problems: missing or unknown keys, JSON type mismatches, forbidden nulls. Empty means same shape.

    A field absent from the fixture is allowed when the OpenAPI schema or the installed SDK knows it (the fixture
    shows one example, not every optional field); a null is allowed when either marks the field nullable.
    """
    problems: list[str] = []
    props = (_deref(schema) or {}).get("properties", {})
    sdk_fields = _sdk_fields(sdk)
    for key in fixture.keys() - ours.keys():
        problems.append(f"{path}{key}: missing")
    for key in ours.keys() - fixture.keys():
        if key not in props and key not in sdk_fields:
            problems.append(f"{path}{key}: not a Stripe field")
    for key in ours.keys():
        value, example, prop = ours[key], fixture.get(key), props.get(key)
        where = f"{path}{key}"
        if value is None:
            nullable = (prop or {}).get("nullable") or (key in sdk_fields and _sdk_optional(sdk_fields[key]))
            if (prop is not None or key in sdk_fields) and not nullable:
                problems.append(f"{where}: null but not nullable")
            continue
        if example is None:
            continue
        problems.extend(_compare_value(value, example, prop, where, _sdk_child(sdk_fields.get(key))))
    return problems


def _compare_value(value: Any, example: Any, prop: dict[str, Any] | None, where: str, sdk: type | None) -> list[str]:
    if isinstance(example, dict) and "id" in example and "object" in example and isinstance(value, str):
        return [] if value.startswith(id_prefix(value)) else [f"{where}: bad id"]  # an unexpanded reference
    if _json_type(value) != _json_type(example):
        return [f"{where}: {_json_type(value)} where Stripe has {_json_type(example)}"]
    if isinstance(example, dict) and example and where.rsplit(".", 1)[-1] != "metadata":
        if example.get("object") and value.get("object") and value["object"] != example["object"]:
            return [f"{where}: object {value['object']} where Stripe has {example['object']}"]
        return compare(value, example, prop, where + ".", sdk)
    if isinstance(example, list) and example and value and isinstance(example[0], dict):
        items = (_deref(prop) or {}).get("items") if prop else None
        return compare(value[0], example[0], items, where + "[0].", sdk)
    return []


def check_object(ours: dict[str, Any], resource: str) -> list[str]:
    """Compare one object with the fixture of its resource: object name, id prefix, then every field."""
    fixture = fixtures()[resource]
    problems = []
    if ours.get("object") != fixture["object"]:
        problems.append(f"object: {ours.get('object')} where Stripe has {fixture['object']}")
    if "id" in fixture and id_prefix(ours["id"]) != id_prefix(fixture["id"]):
        problems.append(f"id: prefix {id_prefix(ours['id'])} where Stripe has {id_prefix(fixture['id'])}")
    if resource == "event":
        # data.object is whatever the event is about; callers compare it with the fixture of its own type.
        ours = {**ours, "data": {**ours["data"], "object": fixture["data"]["object"]}}
    return problems + compare(ours, fixture, schemas().get(resource), sdk=sdk_class(resource))
