"""/api/v1/recurring-profiles: list, create, retrieve (with the next five dates), update, pause, resume, cancel."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

import app.controllers._api_schemas as s
from app.controllers._api import READ, WRITE, caller, editor_lines, editor_param, field_error, listing, once
from app.services.api import objects
from app.services.clock import today_for
from app.services.recurring import profiles
from app.services.rows import vendor_timezone

RecurringProfile = objects.RecurringProfile
STATUSES = tuple(profiles.STATUS_LABELS)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _form(values: dict[str, Any]) -> profiles.ProfileForm:
    """API values (lines in minor units) as the profile form, typed."""
    currency = (values["currency"] or "USD").upper()
    return profiles.ProfileForm(
        name=_text(values["name"]), customer=_text(values["customer"]), currency=currency,
        discount=_text(values["discount_percent"]) or "0", notes=_text(values["notes"]),
        footer=_text(values["footer"]), lines=editor_lines(values["lines"], currency),
        terms_days=_text(values["terms_days"]), frequency=_text(values["frequency"]),
        every=_text(values["every"]) or "1", day_of_month=_text(values["day_of_month"]),
        start_date=_text(values["start_date"]), end_mode=_text(values["end_mode"]),
        end_count=_text(values["end_count"]), end_date=_text(values["end_date"]), action=_text(values["action"]),
        catch_up=_text(values["catch_up"]))


async def _save(action, *args) -> None:
    try:
        await action(*args)
    except profiles.ProfileErrors as exc:
        name, message = next(iter(exc.errors.items()))
        raise field_error(editor_param(name), message) from None


class ApiRecurringController(Controller):
    """Recurring profiles of the key's vendor: the invoice made again each period."""

    path = "/recurring-profiles"
    tags = ["Recurring profiles"]

    @get("/", opt=READ)
    async def list_recurring_profiles(self, request: Request, limit: FromQuery[int] = 10,
                                      starting_after: FromQuery[int | None] = None,
                                      status: FromQuery[str | None] = None,
                                      customer: FromQuery[int | None] = None) -> s.RecurringProfileList:
        """Profiles newest first; filter by `status` and `customer`."""
        where = RecurringProfile.vendor == caller(request).vendor_id
        if status is not None:
            if status not in STATUSES:
                raise field_error("status", "Use active, paused, cancelled or finished.")
            where &= RecurringProfile.status == status
        if customer is not None:
            where &= RecurringProfile.customer == customer
        rows, more = await objects.recurring_page(where, limit, starting_after)
        return listing("/api/v1/recurring-profiles", [objects.recurring_object(r) for r in rows], more)

    @post("/", opt=WRITE, status_code=201)
    async def create_recurring_profile(self, request: Request,
                                       data: JSONBody[s.RecurringCreate]) -> Response[s.RecurringProfile]:
        """Create an active profile (lines' `unit_amount` in minor units); its first invoice is made on
        `start_date` (today when empty)."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            values = asdict(data)
            customer = await objects.one(objects.Customer, vendor_id, data.customer, "customer")  # else 404
            values["currency"] = values["currency"] or customer["currency"]
            values["start_date"] = values["start_date"] or today_for(await vendor_timezone(vendor_id)).isoformat()
            try:
                profile_id = await profiles.create_profile(vendor_id, _form(values))
            except profiles.ProfileErrors as exc:
                name, message = next(iter(exc.errors.items()))
                raise field_error(editor_param(name), message) from None
            return 201, await objects.recurring_one(vendor_id, profile_id)
        return await once(request, produce)

    @get("/{profile_id:int}", opt=READ)
    async def retrieve_recurring_profile(self, request: Request, profile_id: FromPath[int]) -> s.RecurringProfile:
        """One profile with its lines and its next five dates."""
        return await objects.recurring_one(caller(request).vendor_id, profile_id)

    @post("/{profile_id:int}", opt=WRITE, status_code=200)
    async def update_recurring_profile(self, request: Request, profile_id: FromPath[int],
                                       data: JSONBody[s.RecurringUpdate]) -> Response[s.RecurringProfile]:
        """Change the fields given (the others stay); invoices already made keep their lines, the change applies
        from the next period."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            current = await objects.recurring_one(vendor_id, profile_id)
            given = {k: v for k, v in asdict(data).items() if v is not None}
            if "customer" in given:
                await objects.one(objects.Customer, vendor_id, given["customer"], "customer")
            await _save(profiles.update_profile, vendor_id, profile_id, _form({**current, **given}))
            return 200, await objects.recurring_one(vendor_id, profile_id)
        return await once(request, produce)

    @post("/{profile_id:int}/pause", opt=WRITE, status_code=200)
    async def pause_recurring_profile(self, request: Request, profile_id: FromPath[int]) -> Response[s.RecurringProfile]:
        """Pause an active profile: no invoices until resumed; the periods in between are skipped."""
        return await self._status(request, profile_id, "pause")

    @post("/{profile_id:int}/resume", opt=WRITE, status_code=200)
    async def resume_recurring_profile(self, request: Request, profile_id: FromPath[int]) -> Response[s.RecurringProfile]:
        """Resume a paused profile from the next period on or after today."""
        return await self._status(request, profile_id, "resume")

    @post("/{profile_id:int}/cancel", opt=WRITE, status_code=200)
    async def cancel_recurring_profile(self, request: Request, profile_id: FromPath[int]) -> Response[s.RecurringProfile]:
        """Cancel for good (invoices already made stay)."""
        return await self._status(request, profile_id, "cancel")

    async def _status(self, request: Request, profile_id: int, action: str) -> Response:
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            await profiles.set_status(vendor_id, profile_id, action)
            return 200, await objects.recurring_one(vendor_id, profile_id)
        return await once(request, produce)
