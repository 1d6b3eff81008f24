"""/quote/{token}: the customer's quote page, no login. Opening it counts a view; Accept or Decline answer it."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from app.errors import NotAllowed
from app.services.quotes import lifecycle
from app.services.quotes.pdf import acceptance_text, load_quote_document, quote_pdf
from app.services.quotes.records import STATUS_LABELS, display_status

PUBLIC = {"public": True}
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


async def _render(token: str, status: int = 200, **extra: Any) -> Template:
    quote = await lifecycle.quote_by_token(token)
    doc = await load_quote_document(quote.vendor, quote.id)
    tz = doc.vendor["timezone"]
    context = {"quote": quote, "doc": doc, "lines": doc.lines, "vendor": doc.vendor, "customer": doc.customer,
               "tz": tz, "shown_status": display_status(quote.status, quote.expiry_date, tz), "labels": STATUS_LABELS,
               "preview": False, "token": token, "errors": {}, "values": {},
               "accepted": acceptance_text(doc, doc.texts), "t": doc.texts,
               **extra}
    return Template("pages/quotes/public.html", context=context, status_code=status, headers=HEADERS)


class QuotePublicController(Controller):
    """The customer's side of a quote."""

    path = "/quote/{token:str}"

    @get("/", opt=PUBLIC)
    async def show(self, token: FromPath[str]) -> Template:
        """The quote as the customer sees it; each opening is counted (first, last, how many)."""
        await lifecycle.record_quote_view(token)
        return await _render(token)

    @post("/accept", opt=PUBLIC, media_type=MediaType.HTML, status_code=200)
    async def accept(self, request: Request, token: FromPath[str], data: FormData) -> Any:
        """Accept with a typed name; the name, time and address are kept."""
        address = request.client.host if request.client else ""
        try:
            await lifecycle.accept_quote(token, data.get("name", ""), address)
        except lifecycle.QuoteFormError as exc:
            return await _render(token, 422, errors=exc.errors, values=data)
        except NotAllowed as exc:
            return await _render(token, 409, errors={"form": exc.message}, values=data)
        return Redirect(path=f"/quote/{token}", status_code=303)

    @post("/decline", opt=PUBLIC, media_type=MediaType.HTML, status_code=200)
    async def decline(self, token: FromPath[str], data: FormData) -> Any:
        """Decline, with an optional reason."""
        try:
            await lifecycle.decline_quote(token, data.get("reason", ""))
        except lifecycle.QuoteFormError as exc:
            return await _render(token, 422, errors=exc.errors, values=data)
        except NotAllowed as exc:
            return await _render(token, 409, errors={"form": exc.message}, values=data)
        return Redirect(path=f"/quote/{token}", status_code=303)

    @get("/quote.pdf", opt=PUBLIC)
    async def pdf(self, token: FromPath[str]) -> Response:
        """The quote's PDF for the customer."""
        quote = await lifecycle.quote_by_token(token)
        data, filename = await quote_pdf(quote.vendor, quote.id)
        return Response(data, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{filename}"', **HEADERS})
