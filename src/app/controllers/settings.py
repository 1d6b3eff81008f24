"""Settings ("System Configurations"): business profile and invoice numbering; Stripe joins later."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.services.payments.connection import connection_state, offered_currencies
from app.services.payments.stripe_check import is_platform_admin
from app.services.clock import today_for
from app.services.mail import reminders
from app.services.api import csv_import, webhooks
from app.services.api import keys as api_keys
from app.services.webhook_queue import EVENT_TYPES
from app.services.numbering import preview_next_credit_note_number, preview_next_number, preview_next_quote_number
from app.services.tax_rates import section_context as tax_rates_context
from app.services.business import FIELDS as BUSINESS_FIELDS
from app.services.business import BusinessErrors, country_choices, update_business
from app.services.vendors import ProfileErrors, get_vendor, update_profile
from app.i18n import language_choices
from app.money import currency_choices
from app.times import current_zone_name, zone_groups

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
MultipartData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
PROFILE_FIELDS = ("name", "timezone", "default_currency", "invoice_prefix", "invoice_number_pattern",
                  "invoice_number_padding", "credit_note_number_pattern", "quote_number_pattern")


async def _profile_context(vendor: Any, values: dict[str, Any], errors: dict[str, str], saved: bool = False) -> dict:
    values = {**values, "timezone": current_zone_name(values.get("timezone"))}  # an old alias by today's name
    offered = await offered_currencies(vendor.id, str(values.get("default_currency") or ""))
    return {"vendor": vendor, "values": values, "errors": errors, "saved": saved, "timezones": zone_groups(),
            "currencies": currency_choices(offered),
            "next_number": preview_next_number(vendor, today_for(vendor.timezone).year),
            "next_credit_number": preview_next_credit_note_number(vendor, today_for(vendor.timezone).year),
            "next_quote_number": preview_next_quote_number(vendor, today_for(vendor.timezone).year)}


def business_context(vendor: Any, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                     saved: bool = False) -> dict:
    """What the business details form shows: the stored values unless a refused post's are given."""
    values = values if values is not None else {name: getattr(vendor, name) for name in BUSINESS_FIELDS}
    return {"vendor": vendor, "values": values, "errors": errors or {}, "business_saved": saved,
            "countries": list(country_choices()), "languages": language_choices()}


async def _upload_bytes(upload: Any) -> bytes:
    # At most one byte past the limit is read, so a huge upload is refused without holding it in memory.
    return await upload.read(1024 * 1024 + 1) if isinstance(upload, UploadFile) else b""


class SettingsController(Controller):
    """The vendor's own configuration."""

    path = "/settings"

    @get("/", opt={"role": "admin"})
    async def index(self, request: Request[CurrentUser, Any, Any]) -> Template:
        """The settings page."""
        vendor = await get_vendor(request.user.vendor_id)
        values = {name: getattr(vendor, name) for name in PROFILE_FIELDS}
        context = {"active": "settings", **await _profile_context(vendor, values, {}),
                   "business": business_context(vendor),
                   **await tax_rates_context(vendor.id),
                   "vendor_id": vendor.id, "stripe": await connection_state(vendor.id), "key_error": "",
                   "check_now": request.query_params.get("stripe") == "returned",
                   # the reminders section comes with the page; its own route answers its form
                   "reminder_form": reminders.plan_form(await reminders.get_plan(vendor.id)),
                   "platform_admin": is_platform_admin(request.user.email),
                   # so do the import form, webhook endpoints and API keys (each answered by its own route)
                   "api_keys": await api_keys.list_keys(vendor.id), "api_scopes": api_keys.SCOPES,
                   "webhook_endpoints": await webhooks.list_endpoints(vendor.id),
                   "webhook_events": EVENT_TYPES, "import_kinds": csv_import.KINDS}
        return Template("pages/settings/index.html", context=context)

    @post("/profile", media_type=MediaType.HTML, opt={"role": "admin", "audit": "settings:Changed the business profile"})
    async def save_profile(self, request: Request[CurrentUser, Any, Any], data: FormData) -> Any:
        """Save the business profile; errors come back in place."""
        vendor = await get_vendor(request.user.vendor_id)
        try:
            vendor = await update_profile(request.user.vendor_id, data)
        except ProfileErrors as exc:
            return Template("partials/settings/profile_form.html",
                            context=await _profile_context(vendor, data, exc.errors), status_code=422)
        if not request.htmx:
            return Redirect(path="/settings")
        values = {name: getattr(vendor, name) for name in PROFILE_FIELDS}
        return Template("partials/settings/profile_form.html", context=await _profile_context(vendor, values, {}, True))

    @post("/business", media_type=MediaType.HTML, opt={"role": "admin", "audit": "settings:Changed the business details"})
    async def save_business(self, request: Request[CurrentUser, Any, Any], data: MultipartData) -> Any:
        """Save the business details and logo; errors come back in place and nothing changes."""
        vendor = await get_vendor(request.user.vendor_id)
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        try:
            vendor = await update_business(vendor.id, fields, await _upload_bytes(data.get("logo")),
                                           fields.get("remove_logo") == "on")
        except BusinessErrors as exc:
            return Template("partials/settings/business_form.html",
                            context=business_context(vendor, fields, exc.errors), status_code=422)
        if not request.htmx:
            return Redirect(path="/settings")
        return Template("partials/settings/business_form.html", context=business_context(vendor, saved=True))
