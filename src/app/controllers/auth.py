"""Sign up, log in, log out."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.controllers._htmx import go, partial_or_page
from app.auth import retrieve_user
from app.services.accounts import FormErrors, LoginThrottled, SignupForm, authenticate, normalise_email, sign_up
from app.services import audit
from app.services.members import login_vendor
from app.sessions import login_session

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PUBLIC = {"public": True}


def _form(request: Request, name: str, values: dict[str, Any], errors: dict[str, str], status: int) -> Template:
    """The form alone for htmx swaps, or the whole page for plain posts."""
    context = {"values": values, "errors": errors}
    return partial_or_page(request, f"partials/auth/{name}_form.html", f"pages/auth/{name}.html", context, status)


def _go_home(request: Request) -> Any:
    return go(request, "/")


class AuthController(Controller):
    """Vendor accounts: sign-up creates the vendor and its owner user."""

    @get("/signup", opt=PUBLIC, media_type=MediaType.HTML)
    async def signup_page(self, request: Request) -> Any:
        """The sign-up form; a vendor already logged in goes to the dashboard instead."""
        if await retrieve_user(request.session, request):
            return _go_home(request)
        return _form(request, "signup", {}, {}, 200)

    @post("/signup", opt=PUBLIC)
    async def signup(self, request: Request, data: FormData) -> Any:
        """Create the vendor and log its owner in."""
        form = SignupForm(data.get("business_name", ""), data.get("email", ""), data.get("password", ""))
        try:
            user = await sign_up(form)
        except FormErrors as exc:
            values = {"business_name": form.business_name, "email": form.email}
            return _form(request, "signup", values, exc.errors, 422)
        request.set_session(login_session(user.id, user.vendor))
        flash(request, f"Welcome to PayPort, {form.business_name.strip()}.", category="success")
        return _go_home(request)

    @get("/login", opt=PUBLIC)
    async def login_page(self, request: Request) -> Template:
        """The login form."""
        return _form(request, "login", {}, {}, 200)

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request, data: FormData) -> Any:
        """Check the credentials, rotate the session id and go to the dashboard."""
        email = data.get("email", "")
        address = request.client.host if request.client else ""
        try:
            user = await authenticate(email, data.get("password", ""), address=address)
        except LoginThrottled as exc:
            minutes = int(exc.retry_after.total_seconds() // 60) + 1
            wait = "a minute" if minutes <= 1 else f"{minutes} minutes"
            message = f"Too many failed attempts from this address. Try again in {wait}."
            return _form(request, "login", {"email": email}, {"form": message}, 429)
        if user is None:
            await audit.record_failed_sign_in(normalise_email(email)[:254], address)
            return _form(request, "login", {"email": email}, {"form": "Wrong email or password."}, 401)
        vendor_id = await login_vendor(user.id, user.vendor)
        if vendor_id is None:
            message = "This account is closed, or you are no longer a member of any business on PayPort."
            return _form(request, "login", {"email": email}, {"form": message}, 403)
        await audit.record_sign_in(user.id, vendor_id, user.email, address)
        request.set_session(login_session(user.id, vendor_id))
        return _go_home(request)

    @post("/logout", opt={"role": "viewer"})
    async def logout(self, request: Request[CurrentUser, Any, Any]) -> Redirect:
        """End the session everywhere it is stored."""
        request.clear_session()
        return Redirect(path="/login")
