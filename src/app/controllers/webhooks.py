"""POST /webhooks/stripe: signed events from Stripe; nothing changes unless the signature is good."""

from __future__ import annotations

import json

from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from app.services.actors import STRIPE_WEBHOOK, acting_as
from app.metrics import record_webhook
from app.services.payments.connection import webhook_connection
from app.services.payments.events import Origin, handle_event
from app.services.payments.events import record_unusable
from app.services.payments.platform import platform_secrets
from app.encryption import decrypt
from app.stripe_gateway import MalformedEvent, SignatureInvalid, checked_event_info, verify_signature

PUBLIC = {"public": True}


# Metric labels stay few: an outcome's first word ("ignored: session not ours" counts as "ignored").
_REFUSALS = {400: "refused", 503: "no_secret"}


def _answer(status: int, body: dict, event_type: str = "-") -> Response:
    outcome = str(body["outcome"]).split(":")[0] if "outcome" in body else _REFUSALS.get(status, "refused")
    record_webhook(event_type, outcome)
    return Response(body, status_code=status, media_type="application/json")


async def _receive(request: Request, secrets: list[tuple[Origin, str]]) -> Response:
    if not secrets:
        return _answer(503, {"error": "No webhook signing secret is configured."})
    payload = await request.body()
    try:
        index = verify_signature(payload, request.headers.get("stripe-signature", ""), [s for _, s in secrets])
        data = json.loads(payload)
    except SignatureInvalid as exc:
        return _answer(400, {"error": str(exc)})
    except ValueError:
        return _answer(400, {"error": "The body is not JSON."})
    if not isinstance(data, dict) or not data.get("id") or data.get("object") != "event":
        return _answer(400, {"error": "The body is not a Stripe event."})
    origin = secrets[index][0]
    try:
        event = checked_event_info(data)
    except MalformedEvent as exc:  # signed by Stripe's key but unreadable: a retry would not help
        applied = await record_unusable(str(data["id"])[:255], str(data.get("type") or "")[:100], origin, str(exc))
        return _answer(200, {"received": True, "outcome": applied.outcome}, str(data.get("type") or ""))
    with acting_as(STRIPE_WEBHOOK):
        applied = await handle_event(event, origin)
    return _answer(200, {"received": True, "outcome": applied.outcome}, str(data.get("type") or ""))


class WebhookController(Controller):
    """Platform and Connect events at /webhooks/stripe; a vendor's own account at /webhooks/stripe/{token}."""

    path = "/webhooks/stripe"

    @post("/", opt=PUBLIC, status_code=200)
    async def platform(self, request: Request) -> Response:
        """Events from the platform account and its connected accounts."""
        secrets = [(Origin(kind), secret) for kind, secret in await platform_secrets()]
        return await _receive(request, secrets)

    @post("/{token:str}", opt=PUBLIC, status_code=200)
    async def vendor(self, request: Request, token: FromPath[str]) -> Response:
        """Events from a vendor's own Stripe account (key mode)."""
        connection = await webhook_connection(token)
        if connection is None or not connection.webhook_secret_enc:
            return _answer(400, {"error": "Unknown webhook endpoint."})
        origin = Origin("vendor", connection.vendor, connection.account_id or "")
        return await _receive(request, [(origin, decrypt(connection.webhook_secret_enc))])
