"""Sign up, log in, log out."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.auth import retrieve_user
from app.controllers._htmx import go, partial_or_page
from app.services.accounts import FormErrors, LoginThrottled, SignupForm, authenticate, normalise_email, sign_up
from app.services import audit, two_factor
from app.services.members import login_vendor
from app.sessions import login_session, pending_session

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
        """Create the vendor and email a verification link; a registered email gets the same answer.

        Nobody is signed in here: signing in only new accounts would tell who is registered. The link signs in.
        """
        form = SignupForm(data.get("business_name", ""), data.get("email", ""), data.get("password", ""))
        try:
            await sign_up(form)
        except FormErrors as exc:
            values = {"business_name": form.business_name, "email": form.email}
            return _form(request, "signup", values, exc.errors, 422)
        return go(request, "/signup/check-email", status_code=303)

    @get("/signup/check-email", opt=PUBLIC)
    async def check_email(self) -> Template:
        """What every sign-up sees next, whoever they are."""
        lines = ["We have sent a link to the address you gave. Open it to confirm your email and start using PayPort.",
                 "No email after a few minutes? Look in your spam folder, or sign up again to get a new link."]
        return Template("pages/auth/notice.html", context={"heading": "Check your email", "lines": lines,
                                                          "link": ("/login", "Back to log in")})

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
        if await two_factor.is_enabled(user.id):
            if not two_factor.trusted(request.cookies.get(two_factor.TRUST_COOKIE), user.id):
                request.set_session(pending_session(user.id, vendor_id, user.email, False, request))
                return go(request, "/login/two-factor", status_code=303)
        elif await two_factor.must_enrol(user.id):
            request.set_session(pending_session(user.id, vendor_id, user.email, True, request))
            return go(request, "/login/two-factor/setup", status_code=303)
        await audit.record_sign_in(user.id, vendor_id, user.email, address)
        request.set_session(login_session(user.id, vendor_id, request))
        return _go_home(request)

    @post("/logout", opt={"role": "viewer"})
    async def logout(self, request: Request[CurrentUser, Any, Any]) -> Redirect:
        """End the session everywhere it is stored."""
        request.clear_session()
        return Redirect(path="/login")
