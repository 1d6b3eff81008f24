"""Who is logged in: session authentication and the current user handed to controllers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.security.session_auth import SessionAuth

from app.services.accounts import load_user
from app.services.members import ROLE_RANK
from app.sessions import DatabaseStore, RotatingSessionBackend, RotatingSessionConfig
from app.settings import Settings
from app.tables.vendors import User, Vendor

# Regexes searched anywhere in the path, hence anchored.
PUBLIC_PATHS = ["^/login$", "^/signup$", "^/static/", "^/pay/", "^/webhooks/", "^/healthz$", "^/readyz$", "^/metrics$", "^/favicon.ico$"]


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in user and the vendor every query is scoped to."""

    id: int
    email: str
    vendor_id: int
    vendor_name: str
    vendor_timezone: str = "UTC"  # every time on the vendor's pages is shown in it
    role: str = "owner"  # viewer < staff < admin < owner (app/access.py)
    name: str = ""  # the member's name, as activity entries show it
    vendors: tuple[tuple[int, str], ...] = ()  # (id, name) of every vendor this person belongs to

    def can(self, role: str) -> bool:
        """True when this member's role is `role` or above."""
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK.get(role, len(ROLE_RANK))


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    """Load the session's member of the session's vendor; a removed member or a deleted user is anonymous."""
    user_id = session.get("user_id")
    if not user_id:
        return None
    row = await load_user(user_id, session.get("vendor_id"))
    return CurrentUser(**row) if row else None


def session_auth(settings: Settings) -> SessionAuth[CurrentUser, RotatingSessionBackend]:
    """Session auth over database-backed sessions; cookies HttpOnly, SameSite=Lax, Secure on https."""
    config = RotatingSessionConfig(
        key="payport_session",
        max_age=14 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        store="sessions",
    )
    return SessionAuth[CurrentUser, RotatingSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=config,
        exclude=PUBLIC_PATHS,
        exclude_opt_key="public",
    )


def session_store() -> DatabaseStore:
    """The store sessions live in."""
    return DatabaseStore()


__all__ = ["CurrentUser", "Vendor", "session_auth", "session_store"]
