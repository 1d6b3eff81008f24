"""Form decoding and strict parameter checks derived from the SDK's typed params."""

from __future__ import annotations

import pytest
import stripe.params as sp
import stripe.params.checkout as spc

from stripe_sandbox.errors import StripeError
from stripe_sandbox.params import decode_form, schema_for, validate

SESSION = schema_for(spc.SessionCreateParams)


def check(raw: str, schema=SESSION):  # noqa: ANN001, ANN202
    return validate(decode_form(raw), schema)


def error_of(raw: str, schema=SESSION) -> StripeError:  # noqa: ANN001
    with pytest.raises(StripeError) as caught:
        check(raw, schema)
    return caught.value


def test_bracket_notation_decodes_into_typed_nested_values() -> None:
    raw = (
        "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=1250"
        "&line_items[0][price_data][product_data][name]=Tea&line_items[0][quantity]=2&metadata[k]=v"
        "&allowed_payment_method_types[0]=card&payment_intent_data[transfer_data][destination]=acct_1"
    )
    assert check(raw) == {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 1250, "product_data": {"name": "Tea"}}, "quantity": 2}],
        "metadata": {"k": "v"},
        "allowed_payment_method_types": ["card"],
        "payment_intent_data": {"transfer_data": {"destination": "acct_1"}},
    }


def test_request_options_are_not_parameters() -> None:
    assert "api_key" not in SESSION.fields and "stripe_account" not in SESSION.fields
    assert error_of("api_key=sk_test_x").code == "parameter_unknown"


@pytest.mark.parametrize(
    ("raw", "param"),
    [
        ("payment_method_types[0]=card", "payment_method_types"),
        ("line_items[0][price_data][colour]=red", "line_items[0][price_data][colour]"),
        ("payment_intent_data[transfer_data][dest]=acct_1", "payment_intent_data[transfer_data][dest]"),
        ("on_behalf_of=acct_1", "on_behalf_of"),
    ],
)
def test_unknown_parameters_are_named_with_their_full_path(raw: str, param: str) -> None:
    error = error_of(raw)
    assert (error.status, error.code, error.param) == (400, "parameter_unknown", param)
    assert error.message == f"Received unknown parameter: {param}"


def test_unknown_parameter_is_reported_before_type_errors() -> None:
    assert error_of("line_items[0][quantity]=x&zzz=1").code == "parameter_unknown"


def test_required_nested_keys_are_enforced() -> None:
    error = error_of("line_items[0][price_data][unit_amount]=5&line_items[0][quantity]=1")
    assert (error.code, error.param) == ("parameter_missing", "line_items[0][price_data][currency]")


def test_integers_booleans_and_enums_are_checked() -> None:
    assert error_of("line_items[0][quantity]=two").code == "parameter_invalid_integer"
    assert error_of("mode=donation").message == "Invalid mode: must be one of payment, setup, or subscription"
    assert error_of("allow_promotion_codes=yes").param == "allow_promotion_codes"
    assert check("allow_promotion_codes=true") == {"allow_promotion_codes": True}


def test_empty_string_only_where_stripe_allows_unsetting() -> None:
    assert check("metadata=") == {"metadata": {}}
    assert error_of("success_url=").code == "parameter_invalid_empty"


def test_union_of_integer_and_range_hash() -> None:
    events = schema_for(sp.EventListParams)
    assert check("created=5", events) == {"created": 5}
    assert check("created[gte]=5&created[lt]=9", events) == {"created": {"gte": 5, "lt": 9}}
    assert error_of("created[after]=5", events).param == "created[after]"


def test_array_must_be_indexed() -> None:
    assert error_of("allowed_payment_method_types[x]=card").message == "Invalid array"
