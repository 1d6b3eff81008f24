"""Customers: the searchable list, create and edit in place, the customer page, archive."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.controllers._htmx import go
from app.services.payments.cards import customer_card
from app.services import customers as svc
from app.services.business import country_choices
from app.services.customers import CustomerErrors
from app.services.vendors import vendor_profile
from app.money import currency_choices
from app.i18n import language_choices
from app.services.payments.connection import offered_currencies
from app.controllers._htmx import page_of

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]


async def _table_context(request: Req, q: str, page: int, archived: bool) -> dict[str, Any]:
    result = await svc.list_customers(request.user.vendor_id, q, page, archived)
    return {"result": result, "q": q, "archived": archived}


async def _form(request: Req, customer: Any, values: dict[str, Any], errors: dict[str, str],
                status: int = 200) -> Template:
    # With Stripe in use only the currencies Stripe charges in are offered (a stored one always stays).
    offered = await offered_currencies(request.user.vendor_id, str(values.get("currency") or ""))
    context = {"customer": customer, "values": values, "errors": errors, "currencies": currency_choices(offered),
               "languages": language_choices(),
               "countries": list(country_choices())}
    return Template("partials/customers/form.html", context=context, status_code=status)


async def _page_context(request: Req, customer_id: int) -> dict[str, Any]:
    vendor_id = request.user.vendor_id
    customer = await svc.get_customer(vendor_id, customer_id)
    profile = await vendor_profile(vendor_id)
    invoices = await svc.customer_invoices(vendor_id, customer_id, profile["timezone"])
    balances = await svc.balances(vendor_id, customer_id)
    return {"customer": customer, "invoices": invoices, "balances": balances,
            "card_on_file": await customer_card(vendor_id, customer_id),
            "can_delete": not invoices, "active": "customers"}


class CustomerController(Controller):
    """The vendor's customers; every id is looked up within the vendor."""

    path = "/customers"

    @get("/", opt={"role": "viewer"})
    async def index(self, request: Req, q: FromQuery[str] = "", page: FromQuery[int] = 1, archived: FromQuery[bool] = False) -> Template:
        """The customers page with its searchable table."""
        context = await _table_context(request, q, page, archived)
        return Template("pages/customers/index.html", context={**context, "active": "customers"})

    @get("/table", before_request=page_of("/customers", keep_query=True), opt={"role": "viewer"})
    async def table(self, request: Req, q: FromQuery[str] = "", page: FromQuery[int] = 1, archived: FromQuery[bool] = False) -> Template:
        """The table alone (search, paging, refresh)."""
        context = await _table_context(request, q, page, archived)
        return Template("partials/customers/table.html", context=context)

    @get("/new", before_request=page_of("/customers"), opt={"role": "staff"})
    async def new(self, request: Req) -> Template:
        """An empty customer form, in place above the table."""
        vendor = await vendor_profile(request.user.vendor_id)
        return await _form(request, None, {"currency": vendor["default_currency"]}, {})

    @post("/", media_type=MediaType.HTML, opt={"role": "staff"})
    async def create(self, request: Req, data: FormData) -> Any:
        """Save a new customer; errors come back in the form, in place."""
        try:
            customer = await svc.create_customer(request.user.vendor_id, data)
        except CustomerErrors as exc:
            return await _form(request, None, data, exc.errors, 422)
        if not request.htmx:
            return Redirect(path=f"/customers/{customer.id}")
        context = {"message": f"{customer.name} was added."}
        return Template("partials/customers/saved.html", context=context, headers={"HX-Trigger": "customers-changed"})

    @get("/{customer_id:int}", opt={"role": "viewer"})
    async def show(self, request: Req, customer_id: FromPath[int]) -> Template:
        """The customer page: details, outstanding balance, invoices."""
        return Template("pages/customers/show.html", context=await _page_context(request, customer_id))

    @get("/{customer_id:int}/details", before_request=page_of("/customers/{customer_id}"), opt={"role": "viewer"})
    async def details(self, request: Req, customer_id: FromPath[int]) -> Template:
        """The details card (also what Cancel returns to)."""
        customer = await svc.get_customer(request.user.vendor_id, customer_id)
        card = await customer_card(request.user.vendor_id, customer_id)
        return Template("partials/customers/details.html", context={"customer": customer, "card_on_file": card})

    @get("/{customer_id:int}/invoices", before_request=page_of("/customers/{customer_id}"), opt={"role": "viewer"})
    async def invoices(self, request: Req, customer_id: FromPath[int]) -> Template:
        """The customer's invoices and balance, refreshed live."""
        context = await _page_context(request, customer_id)
        return Template("partials/customers/invoices.html", context=context)

    @get("/{customer_id:int}/edit", before_request=page_of("/customers/{customer_id}"), opt={"role": "staff"})
    async def edit(self, request: Req, customer_id: FromPath[int]) -> Template:
        """The edit form in place of the details card."""
        customer = await svc.get_customer(request.user.vendor_id, customer_id)
        return await _form(request, customer, customer.to_dict(), {})

    @post("/{customer_id:int}", media_type=MediaType.HTML, opt={"role": "staff"})
    async def update(self, request: Req, customer_id: FromPath[int], data: FormData) -> Any:
        """Save the edit and show the details card again."""
        customer = await svc.get_customer(request.user.vendor_id, customer_id)
        try:
            customer = await svc.update_customer(request.user.vendor_id, customer_id, data)
        except CustomerErrors as exc:
            return await _form(request, customer, data, exc.errors, 422)
        if not request.htmx:
            return Redirect(path=f"/customers/{customer_id}")
        context = {**await _page_context(request, customer_id), "saved": True}
        return Template("partials/customers/updated.html", context=context)

    @post("/{customer_id:int}/archive", media_type=MediaType.HTML, opt={"role": "staff"})
    async def archive(self, request: Req, customer_id: FromPath[int]) -> Any:
        """Hide the customer from lists and new invoices; its invoices stay."""
        await svc.set_archived(request.user.vendor_id, customer_id, True)
        return _reload(request, f"/customers/{customer_id}")

    @post("/{customer_id:int}/restore", media_type=MediaType.HTML, opt={"role": "staff"})
    async def restore(self, request: Req, customer_id: FromPath[int]) -> Any:
        """Bring an archived customer back."""
        await svc.set_archived(request.user.vendor_id, customer_id, False)
        return _reload(request, f"/customers/{customer_id}")

    @post("/{customer_id:int}/delete", media_type=MediaType.HTML, opt={"role": "staff"})
    async def delete(self, request: Req, customer_id: FromPath[int]) -> Any:
        """Delete a customer who was never invoiced."""
        await svc.delete_customer(request.user.vendor_id, customer_id)
        return _reload(request, "/customers")


def _reload(request: Req, path: str) -> Response[Any]:
    return go(request, path)
