"""What the Account security page shows: the address, two-factor, the sessions."""

from __future__ import annotations

from app.services import account_security, two_factor, user_sessions
from app.tables.members import Membership


async def security_context(user_id: int, current_key: str | None) -> dict:
    """Everything /account/security renders, section by section."""
    account = await account_security.account_state(user_id)
    owner = await Membership.exists().where((Membership.user == user_id) & (Membership.vendor == account["vendor"])
                                            & (Membership.role == "owner"))
    return {
        "account": account,
        "is_owner": owner,
        "two_factor_on": bool(account["totp_enabled_at"]),
        "codes_left": await two_factor.recovery_codes_left(user_id),
        "require_two_factor": await two_factor.is_required(account["vendor"]),
        "sessions": await user_sessions.list_sessions(user_id, current_key),
        "values": {}, "errors": {},
    }
