"""Roles at the door: a guard on every route that reads the handler's `opt["role"]` (or `opt["public"]`).

Every route handler declares its minimum role: `opt={"role": "viewer"}` (pages, lists, PDFs, exports, the event
stream), `"staff"` (customers, invoices, sending, recording payments), `"admin"` (settings, refunds, credit
notes) or `"owner"` (the Stripe connection, members, closing the account); customer pages with a token and
webhooks declare `opt={"public": True}`. A route that declares neither is owner-only.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Scope

from app.auth import CurrentUser
from app.services import audit
from app.services.actors import set_actor
from app.services.members import ROLE_RANK, role_label

DEFAULT_ROLE = "owner"
log = logging.getLogger(__name__)


def required_role(handler: BaseRouteHandler) -> str | None:
    """The minimum role a handler asks for; None for a public one."""
    if handler.opt.get("public"):
        return None
    return handler.opt.get("role") or DEFAULT_ROLE


def is_auto_options(handler: BaseRouteHandler) -> bool:
    """Litestar's own OPTIONS answer it adds to every path (CORS preflight): nothing of ours runs."""
    return getattr(handler, "http_methods", None) == {"OPTIONS"} and not handler.opt


def declares_access(handler: BaseRouteHandler) -> bool:
    """True when the handler says who may call it (a role or public); Litestar's own OPTIONS answer counts."""
    return is_auto_options(handler) or bool(handler.opt.get("public")) or handler.opt.get("role") in ROLE_RANK


async def role_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Refuse (403) a member whose role is below the route's; name the member as the actor of what follows."""
    role = required_role(handler)
    if role is None or is_auto_options(handler):
        set_actor("")
        return
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        return  # the session middleware already answered anonymous visitors
    set_actor(user.name)
    if not user.can(role):
        raise PermissionDeniedException(
            f"Your role ({role_label(user.role)}) cannot do this: it needs {role_label(role)} or above. "
            "Ask the owner of this account if you need it.")


async def audit_on_success(message: Message, scope: Scope) -> None:
    """A before_send hook: a successful answer of a route whose opt names an audit entry ("kind:what happened",
    path parameters in braces), and every CSV download, is appended to the vendor's audit log."""
    if message["type"] != "http.response.start" or message["status"] >= 400:
        return
    handler = scope.get("route_handler")
    user = scope.get("user")
    if handler is None or not isinstance(user, CurrentUser):
        return
    spec = handler.opt.get("audit")
    path = scope.get("path", "")
    if spec is None and scope.get("method") == "GET" and path.endswith(".csv"):
        spec = f"export:Downloaded {path}"
    if not spec:
        return
    kind, _, text = spec.partition(":")
    try:
        text = text.format(**scope.get("path_params", {}))
        client = scope.get("client")
        await audit.record(user.vendor_id, kind, text, client[0] if client else "", actor=user.name)
    except Exception:  # the change itself is done: a log line must never turn it into an error
        log.exception("could not append the audit entry %r", spec)
