"""Roles at the door: a guard on every route that reads the handler's `opt["role"]` (or `opt["public"]`).

Every route handler declares its minimum role: `opt={"role": "viewer"}` (pages, lists, PDFs, exports, the event
stream), `"staff"` (customers, invoices, sending, recording payments), `"admin"` (settings, refunds, credit
notes) or `"owner"` (the Stripe connection, members, closing the account); customer pages with a token and
webhooks declare `opt={"public": True}`. A route that declares neither is owner-only.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from app.auth import CurrentUser
from app.services.actors import set_actor
from app.services.members import ROLE_RANK, role_label

DEFAULT_ROLE = "owner"


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
