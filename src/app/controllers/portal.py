"""/portal: the customer's portal (its own cookie, one customer of one vendor), sign-in links, statements."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from app.i18n import N_, Texts, language_from_header, texts_for
from app.errors import NotFound
from app.services.einvoice.files import credit_note_ubl, invoice_facturx, invoice_ubl
from app.services.invoices.credit_pdf import credit_note_pdf
from app.services.invoices.pdf import invoice_pdf
from app.services.payments import cards
from app.services.portal import access, pages, sections
from app.services.portal.access import COOKIE, PortalSignedOut, PortalViewer, TooManyRequests
from app.services.portal.statement_files import statement_csv, statement_filename, statement_pdf
from app.settings import get_settings

PUBLIC = {"public": True}
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Viewer = NamedDependency[PortalViewer]
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


async def portal_viewer(request: Request) -> PortalViewer:
    """The portal session of the request's portal cookie (the vendor session cookie plays no part)."""
    return await access.viewer_for(request.cookies.get(COOKIE))


def _texts(request: Request, language: str = "") -> Texts:
    """The customer's language when the link or session tells it, else the browser's (Accept-Language)."""
    return texts_for(language or language_from_header(request.headers.get("accept-language")))


def _signed_out_page(request: Request, message: str, language: str = "", status_code: int = 200,
                     cookies: list[Cookie] | None = None, **context: Any) -> Template:
    """The page a customer sees without a portal session, in their language."""
    return Template("pages/portal/signed_out.html", status_code=status_code, headers=PRIVATE, cookies=cookies,
                    context={"message": message, "t": _texts(request, language), **context})


def _signed_out(request: Request, exc: PortalSignedOut) -> Response[Any]:
    return _signed_out_page(request, exc.message, exc.language, 401)


def _unusable(request: Request, exc: NotFound) -> Response[Any]:
    """A used, expired or made-up sign-in link, or an unknown pay page token: 404, said in the customer's words."""
    return _signed_out_page(request, exc.message, getattr(exc, "language", ""), 404)


def _cookie(value: str, max_age: int) -> Cookie:
    return Cookie(key=COOKIE, value=value, path="/portal", httponly=True, samesite="lax",
                  secure=get_settings().secure_cookies, max_age=max_age)


def _file(data: bytes | str, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type, headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'})


class PortalSignInController(Controller):
    """Asking for a sign-in link from a pay page, using it, signing out."""

    path = "/portal"
    exception_handlers = {NotFound: _unusable}

    @get("/request", opt=PUBLIC)
    async def ask(self, request: Request, pay: FromQuery[str] = "") -> Template:
        """The form: the customer types their email to get a sign-in link."""
        if not pay:  # opened without coming from an invoice: say where the way in is
            return _signed_out_page(request, N_("Sign-in links are asked for from an invoice."))
        context = {**await pages.requester(pay), "values": {}, "errors": {}}
        return Template("pages/portal/request.html", context=context, headers=PRIVATE)

    @post("/request", opt=PUBLIC, status_code=200)
    async def send(self, request: Request, data: FormData) -> Template:
        """Mail a link when the email is the one on file; the answer never says whether it was."""
        found = await pages.requester(data.get("pay", ""))
        email = data.get("email", "").strip()
        if "@" not in email or len(email) > 254:
            context = {**found, "values": {"email": email}, "errors": {"email": N_("Enter your email address.")}}
            return Template("pages/portal/request.html", context=context, status_code=422, headers=PRIVATE)
        try:
            await access.request_link(found["customer_id"], email, request.client.host if request.client else "")
        except TooManyRequests as exc:
            context = {**found, "values": {"email": email}, "errors": {"email": exc.message}}
            return Template("pages/portal/request.html", context=context, status_code=429, headers=PRIVATE)
        return Template("pages/portal/requested.html", context={**found, "email": email}, headers=PRIVATE)

    @get("/sign-in/{token:str}", opt=PUBLIC)
    async def confirm(self, token: FromPath[str]) -> Template:
        """A button rather than a GET that signs in: mail scanners open links and must not spend them."""
        t = await access.link_texts(await access.check_link(token))
        return Template("pages/portal/sign_in.html", context={"token": token, "t": t}, headers=PRIVATE)

    @post("/sign-in/{token:str}", opt=PUBLIC)
    async def sign_in(self, request: Request, token: FromPath[str]) -> Redirect:
        """Spend the link and open the portal session (ending one this browser held before)."""
        key = await access.use_link(token)
        await access.sign_out(request.cookies.get(COOKIE))
        return Redirect("/portal", status_code=303, cookies=[_cookie(key, int(access.SESSION_LIFETIME.total_seconds()))])

    @post("/sign-out", opt=PUBLIC, status_code=200)
    async def sign_out(self, request: Request) -> Template:
        """End the portal session; the vendor's session, if any, is not touched."""
        language = await access.sign_out(request.cookies.get(COOKIE))
        return _signed_out_page(request, N_("You are signed out."), language, cookies=[_cookie("", 0)], left=True)


class PortalController(Controller):
    """The signed-in portal: every handler is scoped to the session's one customer (others' ids answer 404)."""

    path = "/portal"
    dependencies = {"viewer": Provide(portal_viewer)}
    exception_handlers = {PortalSignedOut: _signed_out}

    @get("/", opt=PUBLIC)
    async def home(self, viewer: Viewer) -> Template:
        """Balances, invoices, payments, refunds and credit notes."""
        return Template("pages/portal/home.html", context=await pages.home(viewer), headers=PRIVATE)

    @post("/card/remove", opt=PUBLIC, status_code=303)
    async def remove_card(self, viewer: Viewer) -> Redirect:
        """The customer takes back the card on file: detached on Stripe, no more automatic charges."""
        await cards.remove_customer_card(viewer.vendor_id, viewer.customer_id)
        return Redirect("/portal", status_code=303, headers=PRIVATE)

    @get("/invoices/{invoice_id:int}/pdf", opt=PUBLIC)
    async def invoice_pdf(self, viewer: Viewer, invoice_id: FromPath[int]) -> Response:
        """The customer's invoice PDF."""
        row = await sections.owned_invoice(viewer, invoice_id)
        data, filename = await invoice_pdf(viewer.vendor_id, row["id"])
        return _file(data, "application/pdf", filename)

    @get("/invoices/{invoice_id:int}/facturx.pdf", opt=PUBLIC)
    async def invoice_facturx(self, viewer: Viewer, invoice_id: FromPath[int]) -> Response:
        """The customer's invoice as a Factur-X PDF (the EN 16931 XML inside)."""
        row = await sections.owned_invoice(viewer, invoice_id)
        data, filename = await invoice_facturx(viewer.vendor_id, row["id"])
        return _file(data, "application/pdf", filename)

    @get("/invoices/{invoice_id:int}/ubl.xml", opt=PUBLIC)
    async def invoice_ubl(self, viewer: Viewer, invoice_id: FromPath[int]) -> Response:
        """The customer's invoice as Peppol BIS Billing 3.0 UBL, for their accounting system."""
        row = await sections.owned_invoice(viewer, invoice_id)
        data, filename = await invoice_ubl(viewer.vendor_id, row["id"])
        return _file(data, "application/xml", filename)

    @get("/credit-notes/{note_id:int}/ubl.xml", opt=PUBLIC)
    async def credit_note_ubl(self, viewer: Viewer, note_id: FromPath[int]) -> Response:
        """The customer's credit note as a Peppol UBL CreditNote."""
        data, filename = await credit_note_ubl(viewer.vendor_id, await sections.owned_credit_note(viewer, note_id))
        return _file(data, "application/xml", filename)

    @get("/credit-notes/{note_id:int}/pdf", opt=PUBLIC)
    async def credit_note_pdf(self, viewer: Viewer, note_id: FromPath[int]) -> Response:
        """The customer's credit note PDF."""
        data, filename = await credit_note_pdf(viewer.vendor_id, await sections.owned_credit_note(viewer, note_id))
        return _file(data, "application/pdf", filename)

    @get("/payments/{payment_id:int}/receipt", opt=PUBLIC)
    async def receipt(self, viewer: Viewer, payment_id: FromPath[int]) -> Template:
        """A printable receipt for one payment."""
        head = await sections.portal_header(viewer)
        context = {**head, "tz": head["vendor"]["timezone"], "payment": await sections.owned_payment(viewer, payment_id)}
        return Template("pages/portal/receipt.html", context=context, headers=PRIVATE)

    @get("/statement", opt=PUBLIC)
    async def statement(self, viewer: Viewer, start: FromQuery[str] = "", end: FromQuery[str] = "",
                        currency: FromQuery[str] = "") -> Template:
        """The statement for a date range, with links to its PDF and CSV."""
        context = await pages.statement(viewer, start, end, currency)
        return Template("pages/portal/statement.html", context=context, headers=PRIVATE,
                        status_code=422 if context["errors"] else 200)

    @get("/statement.pdf", opt=PUBLIC)
    async def statement_pdf(self, viewer: Viewer, start: FromQuery[str] = "", end: FromQuery[str] = "",
                            currency: FromQuery[str] = "") -> Response:
        """The statement as PDF."""
        context = await _good_statement(viewer, start, end, currency)
        data = await statement_pdf(context["statement"], context["vendor"], context["customer"])
        return _file(data, "application/pdf", statement_filename(context["statement"], "pdf"))

    @get("/statement.csv", opt=PUBLIC)
    async def statement_csv(self, viewer: Viewer, start: FromQuery[str] = "", end: FromQuery[str] = "",
                            currency: FromQuery[str] = "") -> Response:
        """The statement as CSV."""
        context = await _good_statement(viewer, start, end, currency)
        text = statement_csv(context["statement"], context["customer"], context["vendor"])
        return _file(text, "text/csv; charset=utf-8", statement_filename(context["statement"], "csv"))


async def _good_statement(viewer: PortalViewer, start: str, end: str, currency: str) -> dict[str, Any]:
    context = await pages.statement(viewer, start, end, currency)
    if context["errors"]:
        raise NotFound("Choose a valid date range on the statement page.")
    return context


class PortalInviteController(Controller):
    """The vendor's "Send portal link" on the customer page."""

    @post("/customers/{customer_id:int}/portal-link", opt={"role": "staff"}, status_code=200)
    async def send(self, request: Request, customer_id: FromPath[int]) -> Template:
        """Mail the customer a sign-in link to the address on file; the panel says so in place."""
        context: dict[str, Any] = {"customer": {"id": customer_id}}
        try:
            context["sent_to"] = await access.send_link(request.user.vendor_id, customer_id)
        except TooManyRequests as exc:
            context["error"] = exc.message
            return Template("partials/portal/invite.html", context=context, status_code=422)
        return Template("partials/portal/invite.html", context=context)
