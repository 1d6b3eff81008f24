"""Webhook endpoints PayPort registers itself, on the sandbox and on real Stripe alike.

One endpoint per kind and URL, found by URL and our metadata: kept when we hold its secret (its enabled events put
right), replaced when we do not or when it is pinned to another API version (Stripe cannot change an endpoint's
version), and never created twice. Stripe only sends to public https URLs: with a local base URL against real Stripe
nothing is registered and the operator is told how to forward events with the Stripe CLI instead.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.settings import get_settings
from app.stripe_gateway import API_VERSION, WEBHOOK_EVENTS, WebhookEndpointInfo, get_gateway, is_sandbox_base

log = logging.getLogger("app.stripe")
PLATFORM_PATH = "/webhooks/stripe"
# Host names that never reach the internet (RFC 6761 and the usual LAN suffixes).
PRIVATE_SUFFIXES = (".localhost", ".local", ".lan", ".internal", ".home", ".test", ".example", ".invalid", ".corp")


def is_public_host(host: str) -> bool:
    """A host the internet can reach: not loopback, private, link-local, reserved or a single-label LAN name."""
    host = host.lower().rstrip(".").strip("[]")
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return "." in host and host != "localhost" and not host.endswith(PRIVATE_SUFFIXES)


def is_public_https(url: str) -> bool:
    """True when Stripe would send webhooks to this URL (https, public host)."""
    parts = urlsplit(url)
    return parts.scheme == "https" and is_public_host(parts.hostname or "")


def platform_webhook_url() -> str:
    """Where platform and Connect events arrive (one URL, two endpoints, two secrets)."""
    return f"{get_settings().app_base_url}{PLATFORM_PATH}"


def can_register() -> bool:
    """Registering is worth trying: the sandbox (it decides by its allow-local flag), or a public https base URL."""
    settings = get_settings()
    return is_sandbox_base(settings.stripe_api_base) or is_public_https(settings.app_base_url)


def listen_instructions() -> list[str]:
    """What the operator runs when Stripe cannot reach the base URL, and which secrets to set."""
    url = platform_webhook_url()
    return [
        f"Stripe cannot send webhooks to {get_settings().app_base_url} (it needs a public https address). "
        "Forward them with the Stripe CLI:",
        f"  stripe listen --forward-to {url} --forward-connect-to {url} --events {','.join(WEBHOOK_EVENTS)}",
        "then set STRIPE_WEBHOOK_SECRET and STRIPE_CONNECT_WEBHOOK_SECRET to the whsec_... secret it prints "
        "(the same one for both) and restart PayPort.",
        "Or set APP_BASE_URL to the public https address of this server; PayPort then registers its endpoints itself.",
    ]


@dataclass(frozen=True)
class Ensured:
    """The endpoint in place after `ensure_endpoint`; `secret` is set only when it was just created."""

    endpoint: WebhookEndpointInfo
    secret: str = ""
    actions: list[str] = field(default_factory=list)


async def ensure_endpoint(
    url: str,
    connect: bool,
    metadata: dict[str, str],
    ours: Callable[[WebhookEndpointInfo], bool],
    known_id: str | None,
    api_key: str | None = None,
) -> Ensured:
    """One endpoint for `url`: keep `known_id` (with the events PayPort handles) or replace every one of ours."""
    gateway = get_gateway()
    remote = [e for e in await gateway.list_webhook_endpoints(api_key) if ours(e)]
    keep = next((e for e in remote if e.id == known_id and e.url == url and e.api_version == API_VERSION), None)
    actions = []
    for stale in (e for e in remote if e is not keep):
        await gateway.delete_webhook_endpoint(stale.id, api_key=api_key)
        actions.append(f"removed {stale.id} ({_why_stale(stale, url)})")
    if keep is not None:
        if set(keep.enabled_events) != set(WEBHOOK_EVENTS):
            keep = await gateway.update_webhook_endpoint(keep.id, WEBHOOK_EVENTS, api_key=api_key)
            actions.append(f"set the enabled events of {keep.id}")
        return Ensured(keep, "", actions)
    created = await gateway.create_webhook_endpoint(url, connect, metadata, api_key=api_key)
    return Ensured(created, created.secret, [*actions, f"created {created.id} for {url}"])


def _why_stale(endpoint: WebhookEndpointInfo, url: str) -> str:
    if endpoint.url != url:
        return f"old URL {endpoint.url}"
    if endpoint.api_version != API_VERSION:
        return f"API version {endpoint.api_version or 'account default'}, not {API_VERSION}"
    return "its signing secret is not stored here"
