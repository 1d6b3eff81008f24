"""The customer's page behind a payment link: no login, Pay goes to Stripe's hosted Checkout."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.errors import DomainError, NotFound
from app.services.payments.checkout import confirm_return, pay_page, start_checkout

PUBLIC = {"public": True}


async def _render(token: str, status: int = 200, **extra: Any) -> Template:
    page = await pay_page(token)
    headers = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    return Template("pages/pay/show.html", context={"page": page, **extra}, status_code=status, headers=headers)


class PayController(Controller):
    """/pay/{token}: the invoice, its status, and Pay."""

    path = "/pay/{token:str}"

    @get("/", opt=PUBLIC)
    async def show(
        self, token: FromPath[str], checkout: FromQuery[str] = "", session_id: FromQuery[str] = ""
    ) -> Template:
        """The invoice as the customer sees it; back from Checkout it confirms the payment first."""
        if checkout == "success" and session_id:
            await confirm_return(token, session_id)
        return await _render(token, returned=checkout)

    @post("/checkout", opt=PUBLIC, status_code=200)
    async def checkout(self, token: FromPath[str]) -> Any:
        """Pay: on to the hosted Checkout page (the open session is reused)."""
        try:
            url = await start_checkout(token)
        except NotFound:
            raise
        except DomainError as exc:
            return await _render(token, status=exc.status_code, error=exc.message)
        return Redirect(path=url, status_code=303)
