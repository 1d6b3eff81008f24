"""The customer's page behind a payment link: no login, Pay goes to Stripe's hosted Checkout."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from app.controllers._errors import http_status
from app.errors import DomainError, NotFound
from app.i18n import texts_for_customer
from app.money import parse_amount, to_major
from app.services.autopay.panel import pay_page_panel
from app.services.payments.cards import confirm_card_setup, remove_card, start_card_setup
from app.services.payments.checkout import confirm_return, pay_page, start_checkout
from app.services.payments.links import link_by_token
from app.services.quotes.views import record_invoice_view

PUBLIC = {"public": True}
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _typed_amount(token: str, typed: str) -> int | None:
    """The part the customer chose to pay, when the vendor allows it; None means the amount due now."""
    if not typed.strip():
        return None
    page = await pay_page(token)
    return parse_amount(typed, page.invoice.currency) if page.invoice.allow_partial else None


async def _render(token: str, status: int = 200, **extra: Any) -> Template:
    page = await pay_page(token)
    headers = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    extra.setdefault("typed", str(to_major(page.due_now, page.invoice.currency)))
    extra.setdefault("autopay", await pay_page_panel(token))
    context = {"page": page, "tz": page.vendor.timezone, "t": texts_for_customer(page.customer, page.vendor), **extra}  # dates as the vendor's invoice states them
    return Template("pages/pay/show.html", context=context, status_code=status, headers=headers)


class PayController(Controller):
    """/pay/{token}: the invoice, its status, and Pay."""

    path = "/pay/{token:str}"

    @get("/", opt=PUBLIC)
    async def show(
        self, token: FromPath[str], checkout: FromQuery[str] = "", session_id: FromQuery[str] = "",
        card: FromQuery[str] = "",
    ) -> Template:
        """The invoice as the customer sees it; back from Checkout it confirms the payment (or saved card) first."""
        if checkout == "success" and session_id:
            await confirm_return(token, session_id)
        if card == "saved" and session_id:
            await confirm_card_setup(token, session_id)
        link = await link_by_token(token)
        await record_invoice_view(link.vendor, link.invoice)  # the customer's page only, never the vendor's
        return await _render(token, returned=checkout, card_returned=card)

    @post("/checkout", opt=PUBLIC, status_code=200)
    async def checkout(self, token: FromPath[str], data: FormData) -> Any:
        """Pay the amount due now (or the part the customer typed): on to the hosted Checkout page."""
        try:
            save = data.get("save_card") in ("1", "on")
            url = await start_checkout(token, await _typed_amount(token, data.get("amount", "")), save_card=save)
        except NotFound:
            raise
        except ValueError as exc:
            return await _render(token, status=422, amount_error=str(exc), typed=data.get("amount", ""))
        except DomainError as exc:
            return await _render(token, status=http_status(exc)[0], error=exc.message)
        return Redirect(path=url, status_code=303)

    @post("/card/setup", opt=PUBLIC, status_code=200)
    async def card_setup(self, token: FromPath[str]) -> Any:
        """Save a card for automatic payments: on to Stripe's hosted page in setup mode (nothing is charged)."""
        try:
            url = await start_card_setup(token)
        except NotFound:
            raise
        except DomainError as exc:
            return await _render(token, status=http_status(exc)[0], card_error=exc.message)
        return Redirect(path=url, status_code=303)

    @post("/card/remove", opt=PUBLIC, status_code=200)
    async def card_remove(self, token: FromPath[str]) -> Any:
        """Remove the card on file: detached on Stripe, no more automatic payments with it."""
        try:
            await remove_card(token)
        except NotFound:
            raise
        except DomainError as exc:
            return await _render(token, status=http_status(exc)[0], card_error=exc.message)
        return Redirect(path=f"/pay/{token}?card=removed", status_code=303)
