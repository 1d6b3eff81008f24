"""Settings > Tax rates (admin): named rates with a VAT category, the default, archive, and the rounding mode."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Template

from app.auth import CurrentUser
from app.controllers._htmx import page_of
from app.services import tax_rates
from app.services.tax_rates import TaxRateErrors
from app.services.tax_rates import section_context as tax_rates_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PARTIAL = "partials/settings/tax_rates.html"
ADMIN = {"role": "admin"}
Req = Request[CurrentUser, Any, Any]


async def _answer(request: Req, values: dict | None = None, errors: dict | None = None, saved: str = "",
                  status: int = 200) -> Response:
    if not request.htmx and not errors:
        return Redirect(path="/settings#tax-rates")
    context = await tax_rates_context(request.user.vendor_id, values, errors, saved)
    return Template(PARTIAL, context=context, status_code=status)


class TaxRatesController(Controller):
    """GET and POST /settings/tax-rates (a section of the settings page)."""

    path = "/settings/tax-rates"

    @get("/", before_request=page_of("/settings#tax-rates"), opt=ADMIN)
    async def show(self, request: Req) -> Template:
        """The tax rates section."""
        return Template(PARTIAL, context=await tax_rates_context(request.user.vendor_id))

    @post("/", media_type=MediaType.HTML, opt={**ADMIN, "audit": "settings:Added a tax rate"})
    async def create(self, request: Req, data: FormData) -> Response:
        """Add a rate; field errors in place and nothing saved."""
        try:
            await tax_rates.create_rate(request.user.vendor_id, data)
        except TaxRateErrors as exc:
            return await _answer(request, data, exc.errors, status=422)
        return await _answer(request, saved=f"Tax rate {data.get('name', '').strip()} added.")

    @post("/rounding", media_type=MediaType.HTML, opt={**ADMIN, "audit": "settings:Changed the tax rounding"})
    async def rounding(self, request: Req, data: FormData) -> Response:
        """Choose per-line or per-rate rounding for new and edited invoices."""
        try:
            await tax_rates.set_rounding(request.user.vendor_id, data.get("tax_rounding", ""))
        except TaxRateErrors as exc:
            return await _answer(request, None, exc.errors, status=422)
        return await _answer(request, saved="Rounding saved; it applies to invoices saved from now on.")

    @post("/{rate_id:int}", media_type=MediaType.HTML, opt={**ADMIN, "audit": "settings:Changed tax rate {rate_id}"})
    async def update(self, request: Req, rate_id: FromPath[int], data: FormData) -> Response:
        """Rename or change a rate (percent and category only while no invoice uses it)."""
        try:
            await tax_rates.update_rate(request.user.vendor_id, rate_id, data)
        except TaxRateErrors as exc:
            return await _answer(request, None, {f"rate-{rate_id}": " ".join(exc.errors.values())}, status=422)
        return await _answer(request, saved="Tax rate saved.")

    @post("/{rate_id:int}/default", media_type=MediaType.HTML, opt=ADMIN)
    async def make_default(self, request: Req, rate_id: FromPath[int]) -> Response:
        """Make this rate the one new lines start with."""
        try:
            await tax_rates.make_default(request.user.vendor_id, rate_id)
        except TaxRateErrors as exc:
            return await _answer(request, None, {f"rate-{rate_id}": exc.errors["rate"]}, status=422)
        return await _answer(request, saved="Default tax rate changed.")

    @post("/{rate_id:int}/archive", media_type=MediaType.HTML, opt=ADMIN)
    async def archive(self, request: Req, rate_id: FromPath[int]) -> Response:
        """Stop offering the rate; invoices keep it."""
        await tax_rates.set_archived(request.user.vendor_id, rate_id, True)
        return await _answer(request, saved="Tax rate archived.")

    @post("/{rate_id:int}/restore", media_type=MediaType.HTML, opt=ADMIN)
    async def restore(self, request: Req, rate_id: FromPath[int]) -> Response:
        """Offer an archived rate again."""
        await tax_rates.set_archived(request.user.vendor_id, rate_id, False)
        return await _answer(request, saved="Tax rate restored.")

    @post("/{rate_id:int}/delete", media_type=MediaType.HTML, opt={**ADMIN, "audit": "settings:Deleted tax rate {rate_id}"})
    async def delete(self, request: Req, rate_id: FromPath[int]) -> Response:
        """Delete a rate no invoice uses; one in use is refused (archive it)."""
        try:
            await tax_rates.delete_rate(request.user.vendor_id, rate_id)
        except TaxRateErrors as exc:
            return await _answer(request, None, {f"rate-{rate_id}": exc.errors["rate"]}, status=422)
        return await _answer(request, saved="Tax rate deleted.")
