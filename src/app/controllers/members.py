"""Settings > Members (the owner manages, admins see), accepting an invitation, and the vendor switcher."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Response, Template

from app.auth import CurrentUser
from app.controllers._htmx import go, page_of, partial_or_page
from app.errors import NotFound
from app.services import members
from app.services.payments import connection as stripe_connection
from app.services.accounts import FormErrors
from app.services.members import INVITABLE, ROLE_LABELS, InvalidInvitation
from app.sessions import login_session

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
OWNER = {"role": "owner"}
PAGE = "pages/settings/members.html"
PANEL = "partials/settings/members.html"


async def _context(user: CurrentUser, invite_values: dict | None = None, invite_errors: dict | None = None,
                   notice: str = "", errors: dict | None = None, name_value: str | None = None) -> dict[str, Any]:
    return {"active": "members", "members": await members.list_members(user.vendor_id),
            "invitations": await members.pending_invitations(user.vendor_id),
            "roles": [(role, ROLE_LABELS[role]) for role in INVITABLE], "can_manage": user.can("owner"),
            "invite_values": invite_values or {"role": "staff"}, "invite_errors": invite_errors or {},
            "notice": notice, "member_errors": errors or {},
            "me": {"name": user.name if name_value is None else name_value}}


def _panel(request: Request, context: dict[str, Any], status: int = 200) -> Template:
    return partial_or_page(request, PANEL, PAGE, context, status)


class MembersController(Controller):
    """GET /settings/members and the owner's changes to members and invitations."""

    path = "/settings/members"

    @get("/", opt={"role": "admin"})
    async def index(self, request: Request[CurrentUser, Any, Any]) -> Template:
        """Members with their roles, open invitations, and (for the owner) the invite form."""
        return Template(PAGE, context=await _context(request.user))

    @post("/me", opt={"role": "admin"}, status_code=200)
    async def rename(self, request: Request[CurrentUser, Any, Any], data: FormData) -> Template:
        """Change the name your own actions are shown under."""
        try:
            name = await members.rename(request.user.vendor_id, request.user.id, data.get("name", ""))
        except FormErrors as exc:
            return _panel(request, await _context(request.user, errors={"me": exc.errors["name"]},
                                                  name_value=data.get("name", "")), 422)
        return _panel(request, await _context(request.user, notice=f"Your name is now {name}.", name_value=name))

    @post("/invite", opt={**OWNER, "audit": "member:Invited a member"}, status_code=200)
    async def invite(self, request: Request[CurrentUser, Any, Any], data: FormData) -> Template:
        """Invite a person by email with a role; the email waits in the outbox."""
        values = {"email": data.get("email", ""), "role": data.get("role", "")}
        try:
            sent = await members.invite(request.user.vendor_id, values["email"], values["role"], request.user.name)
        except FormErrors as exc:
            return _panel(request, await _context(request.user, values, exc.errors), 422)
        notice = f"Invitation sent to {sent['email']} as {ROLE_LABELS[sent['role']]}."
        return _panel(request, await _context(request.user, notice=notice))

    @post("/{member_id:int}/role", opt={**OWNER, "audit": "member:Changed the role of member {member_id}"}, status_code=200)
    async def change_role(self, request: Request[CurrentUser, Any, Any], member_id: FromPath[int],
                          data: FormData) -> Template:
        """Give a member another role."""
        try:
            member = await members.change_role(request.user.vendor_id, member_id, data.get("role", ""))
        except FormErrors as exc:
            return _panel(request, await _context(request.user, errors={member_id: exc.errors["role"]}), 422)
        notice = f"{member['display_name']} is now {ROLE_LABELS[member['role']]}."
        return _panel(request, await _context(request.user, notice=notice))

    @post("/{member_id:int}/remove", opt={**OWNER, "audit": "member:Removed member {member_id}"}, status_code=200)
    async def remove(self, request: Request[CurrentUser, Any, Any], member_id: FromPath[int]) -> Template:
        """Remove a member; their open sessions on this business end at once."""
        member = await members.remove_member(request.user.vendor_id, member_id)
        notice = f"{member['display_name']} was removed and signed out."
        return _panel(request, await _context(request.user, notice=notice))

    @post("/{member_id:int}/transfer", opt={**OWNER, "audit": "member:Transferred ownership to member {member_id}"}, status_code=200)
    async def transfer(self, request: Request[CurrentUser, Any, Any], member_id: FromPath[int]) -> Any:
        """Hand ownership to an admin; the old owner becomes an admin."""
        member = await members.transfer_ownership(request.user.vendor_id, request.user.id, member_id)
        request.logger.info("ownership of vendor %s transferred to user %s", request.user.vendor_id,
                            member["user_id"])
        return go(request, "/settings/members")

    @post("/invitations/{invitation_id:int}/revoke", opt={**OWNER, "audit": "member:Withdrew invitation {invitation_id}"}, status_code=200)
    async def revoke(self, request: Request[CurrentUser, Any, Any], invitation_id: FromPath[int]) -> Template:
        """Withdraw an open invitation."""
        await members.revoke_invitation(request.user.vendor_id, invitation_id)
        return _panel(request, await _context(request.user, notice="Invitation withdrawn."))


def _accept_page(request: Request, invitation: dict | None, values: dict, errors: dict, status: int,
                 problem: str = "") -> Template:
    context = {"invitation": invitation, "values": values, "errors": errors, "problem": problem,
               "token": request.path_params.get("token", "")}
    return partial_or_page(request, "partials/auth/accept_form.html", "pages/auth/accept.html", context, status)


class InvitationController(Controller):
    """GET/POST /invitations/{token}: the invited person sets a name and password, or signs in."""

    path = "/invitations/{token:str}"

    @get("/", opt={"public": True})
    async def show(self, request: Request, token: FromPath[str]) -> Template:
        """The accept form, or why the link no longer works."""
        try:
            invitation = await members.check_invitation(token)
        except InvalidInvitation as exc:
            return _accept_page(request, None, {}, {}, 410, exc.message)
        return _accept_page(request, invitation, {}, {}, 200)

    @post("/", opt={"public": True}, status_code=200)
    async def accept(self, request: Request, token: FromPath[str], data: FormData) -> Any:
        """Spend the invitation, sign the person in on the business that invited them."""
        values = {"name": data.get("name", "")}
        try:
            accepted = await members.accept(token, data.get("name", ""), data.get("password", ""))
        except InvalidInvitation as exc:
            return _accept_page(request, None, {}, {}, 410, exc.message)
        except FormErrors as exc:
            invitation = await members.check_invitation(token)
            return _accept_page(request, invitation, values, exc.errors, 422)
        request.set_session(login_session(accepted.user_id, accepted.vendor_id, request))
        return go(request, "/")


class AccountVendorController(Controller):
    """The signed-in person's own account: switching vendors, and the still-signed-in check."""

    path = "/account"

    @post("/vendor", opt={"role": "viewer"})
    async def switch_vendor(self, request: Request[CurrentUser, Any, Any], data: FormData) -> Any:
        """Work on another business this person belongs to; the session remembers it."""
        raw = data.get("vendor", "")
        vendor_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else 0
        if not await members.is_member(request.user.id, vendor_id):
            raise NotFound("You are not a member of that business.")
        request.set_session(login_session(request.user.id, vendor_id, request))
        return go(request, "/")

    @get("/check", opt={"role": "viewer"}, before_request=page_of("/"))
    async def check(self, request: Request[CurrentUser, Any, Any]) -> Response:
        """204 while signed in; a removed member gets the login redirect (pages ask on members-changed)."""
        return Response(b"", status_code=204)


EXPORTS = [("Invoices", "/invoices/export.csv"), ("Payments and refunds", "/payments/export.csv"),
           ("Credit notes", "/invoices/credit-notes/export.csv"), ("Receivables ageing", "/reports/ageing.csv"),
           ("Audit log", "/settings/audit.csv")]


class CloseAccountController(Controller):
    """Settings > Close account (owner): exports first, then password and name; the data is kept."""

    path = "/settings/close"

    @get("/", opt=OWNER)
    async def page(self, request: Request[CurrentUser, Any, Any]) -> Template:
        """What closing does, the exports to download first, and the confirmation form."""
        return Template("pages/settings/close.html", context={
            "active": "settings", "exports": EXPORTS, "values": {}, "errors": {}})

    @post("/", opt={**OWNER, "audit": "account:Closed the account"}, status_code=200)
    async def close(self, request: Request[CurrentUser, Any, Any], data: FormData) -> Any:
        """Check the password and the typed name, disconnect Stripe, sign everyone out, mark the vendor closed."""
        user = request.user
        errors = await members.check_close(user.vendor_id, user.id, data.get("password", ""),
                                           data.get("confirm_name", ""))
        if errors:
            context = {"active": "settings", "exports": EXPORTS, "values": {"confirm_name": data.get(
                "confirm_name", "")}, "errors": errors}
            return partial_or_page(request, "partials/settings/close_form.html", "pages/settings/close.html",
                                   context, 422)
        if (await stripe_connection.connection_state(user.vendor_id)).connection is not None:
            await stripe_connection.disconnect(user.vendor_id)
        await members.close_vendor(user.vendor_id)
        request.clear_session()
        return go(request, "/login?closed=1")
