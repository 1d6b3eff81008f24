"""Links that arrive by email: forgot password, reset password, verify the address, confirm a new address."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Template

from app.controllers._htmx import go, partial_or_page
from app.services import account_security
from app.services.accounts import FormErrors, LoginThrottled
from app.sessions import login_session

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PUBLIC = {"public": True}


def notice(heading: str, lines: list[str], link: tuple[str, str] | None = None, status: int = 200) -> Template:
    """A short public page: what happened and where to go next."""
    return Template("pages/auth/notice.html", context={"heading": heading, "lines": lines, "link": link},
                    status_code=status)


def throttled(exc: LoginThrottled) -> str:
    """The wait, in words."""
    minutes = int(exc.retry_after.total_seconds() // 60) + 1
    return f"Too many attempts from this address. Try again in {'a minute' if minutes <= 1 else f'{minutes} minutes'}."


class AccountRecoveryController(Controller):
    """Public pages reached from account emails; each token works once."""

    @get("/forgot-password", opt=PUBLIC, media_type=MediaType.HTML)
    async def forgot_page(self, request: Request) -> Template:
        """The form asking for the email to send a reset link to."""
        return Template("pages/auth/forgot.html", context={"values": {}, "errors": {}})

    @post("/forgot-password", opt=PUBLIC, media_type=MediaType.HTML)
    async def forgot(self, request: Request, data: FormData) -> Template:
        """Send the link when the email is registered; the same answer either way."""
        values, status, errors = {"email": data.get("email", "").strip()}, 200, {}
        try:
            await account_security.request_password_reset(values["email"], request.client.host if request.client else "")
        except FormErrors as exc:
            errors, status = exc.errors, 422
        except LoginThrottled as exc:
            errors, status = {"form": throttled(exc)}, 429
        context = {"values": values, "errors": errors, "sent": not errors}
        return partial_or_page(request, "partials/auth/forgot_form.html", "pages/auth/forgot.html", context, status)

    @get("/reset-password/{token:str}", opt=PUBLIC, media_type=MediaType.HTML)
    async def reset_page(self, request: Request, token: FromPath[str]) -> Template:
        """The new-password form, or why the link no longer works."""
        try:
            await account_security.check_reset_token(token)
        except account_security.TokenInvalid:
            return notice("This link has expired", [account_security.LINK_GONE], ("/forgot-password", "Send a new link"), 410)
        return Template("pages/auth/reset.html", context={"token": token, "values": {}, "errors": {}})

    @post("/reset-password/{token:str}", opt=PUBLIC, media_type=MediaType.HTML)
    async def reset(self, request: Request, token: FromPath[str], data: FormData) -> Any:
        """Set the new password; every session of the person ends; then log in with it."""
        try:
            await account_security.reset_password(token, data.get("password", ""), data.get("confirm", ""))
        except FormErrors as exc:
            context = {"token": token, "values": {}, "errors": exc.errors}
            return partial_or_page(request, "partials/auth/reset_form.html", "pages/auth/reset.html", context, 422)
        request.set_session({})  # whatever this browser held was ended with the others
        flash(request, "Your password was changed. Log in with the new one.", category="success")
        return go(request, "/login", status_code=303)

    @get("/verify-email/{token:str}", opt=PUBLIC, media_type=MediaType.HTML)
    async def verify(self, request: Request, token: FromPath[str]) -> Any:
        """Confirm the address and sign its owner in."""
        try:
            user = await account_security.verify_email(token)
        except FormErrors as exc:
            return notice("This link has expired", [exc.errors["form"]], ("/login", "Log in"), 410)
        request.set_session(login_session(user["id"], user["vendor"], request))
        flash(request, f"Welcome to PayPort, {user['business']}. Your email address is confirmed.", category="success")
        return go(request, "/", status_code=303)

    @get("/account/email/{token:str}", opt=PUBLIC, media_type=MediaType.HTML)
    async def confirm_email(self, request: Request, token: FromPath[str]) -> Template:
        """Switch the account to the new address it was sent to."""
        try:
            email = await account_security.confirm_email_change(token)
        except FormErrors as exc:
            return notice("Email address not changed", [exc.errors["form"]], ("/account/security", "Account security"), 410)
        return notice("Email address changed", [f"You now log in with {email}."], ("/", "Go to PayPort"))
