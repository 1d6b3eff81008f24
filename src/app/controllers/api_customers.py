"""/api/v1/customers: list, create, retrieve, update; the same checks as the customer form."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

import app.controllers._api_schemas as s
from app.controllers._api import READ, WRITE, caller, field_error, listing, once
from app.services import customers as svc
from app.services.api import objects

FORM_FIELDS = ("name", "email", "phone", "billing_address", "tax_id", "currency", "country", "notes")


def _form(values: dict[str, Any]) -> dict[str, str]:
    form = {name: str(values.get(name) or "") for name in FORM_FIELDS}
    if values.get("reverse_charge"):
        form["reverse_charge"] = "on"
    return form


async def _save(action, *args) -> dict:
    try:
        customer = await action(*args)
    except svc.CustomerErrors as exc:
        param, message = next(iter(exc.errors.items()))
        raise field_error(param, message) from None
    return objects.customer_object(customer.to_dict())


class ApiCustomerController(Controller):
    """Customers of the key's vendor."""

    path = "/customers"
    tags = ["Customers"]

    @get("/", opt=READ)
    async def list_customers(self, request: Request, limit: FromQuery[int] = 10,
                             starting_after: FromQuery[int | None] = None) -> s.CustomerList:
        """Customers, newest first (cursor: `starting_after` an id)."""
        rows, more = await objects.page(objects.Customer, objects.Customer.vendor == caller(request).vendor_id,
                                        limit, starting_after)
        return listing("/api/v1/customers", [objects.customer_object(r) for r in rows], more)

    @post("/", opt=WRITE, status_code=201)
    async def create_customer(self, request: Request, data: JSONBody[s.CustomerCreate]) -> Response[s.Customer]:
        """Create a customer."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            return 201, await _save(svc.create_customer, vendor_id, _form(asdict(data)))
        return await once(request, produce)

    @get("/{customer_id:int}", opt=READ)
    async def retrieve_customer(self, request: Request, customer_id: FromPath[int]) -> s.Customer:
        """One customer."""
        row = await objects.one(objects.Customer, caller(request).vendor_id, customer_id, "customer")
        return objects.customer_object(row)

    @post("/{customer_id:int}", opt=WRITE, status_code=200)
    async def update_customer(self, request: Request, customer_id: FromPath[int],
                              data: JSONBody[s.CustomerUpdate]) -> Response[s.Customer]:
        """Change the fields given; the others stay."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            current = await objects.one(objects.Customer, vendor_id, customer_id, "customer")
            given = {k: v for k, v in asdict(data).items() if v is not None}
            return 200, await _save(svc.update_customer, vendor_id, customer_id, _form({**current, **given}))
        return await once(request, produce)
