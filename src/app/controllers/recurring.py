"""/recurring: recurring profiles (list, new from an invoice or template, edit, pause, resume, cancel, run now)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import go
from app.errors import NotAllowed, NotFound
from app.parsing import parse_id
from app.services.recurring import generate, pages, profiles

Req = Request[CurrentUser, Any, Any]


async def _form(request: Req, form: profiles.ProfileForm, errors: dict, profile_id: int | None = None,
                source: str = "", page: bool = False) -> Template:
    context = await pages.form_context(request.user.vendor_id, form, errors, profile_id, source)
    name = "pages/recurring/form.html" if page else "partials/recurring/form.html"
    return Template(name, context=context, status_code=422 if errors else 200)


async def _status(request: Req, profile_id: int, action: str) -> Template:
    """Pause, resume or cancel; answers the profile summary (status, actions, next dates), 409 when refused."""
    errors = {}
    try:
        await profiles.set_status(request.user.vendor_id, profile_id, action)
    except NotAllowed as exc:
        errors["form"] = exc.message
    context = await pages.detail_context(request.user.vendor_id, profile_id, errors)
    return Template("partials/recurring/summary.html", context=context, status_code=409 if errors else 200)


class RecurringController(Controller):
    """Recurring profiles and the invoices they make."""

    path = "/recurring"

    @get("/", opt={"role": "viewer"})
    async def index(self, request: Req) -> Template:
        """Every profile with its schedule, next date and status."""
        return Template("pages/recurring/index.html", context=await pages.list_context(request.user.vendor_id))

    @get("/new", opt={"role": "staff"})
    async def new(self, request: Req, invoice: FromQuery[str] = "", template: FromQuery[str] = "") -> Template:
        """The form, started from an invoice (?invoice=), a template (?template=) or blank."""
        if invoice and parse_id(invoice) is None:
            raise NotFound("That invoice does not exist.")
        form = await profiles.new_form(request.user.vendor_id, invoice, template)
        return await _form(request, form, {}, source=invoice or template, page=True)

    @post("/", media_type=MediaType.HTML, status_code=200, opt={"role": "staff"})
    async def create(self, request: Req) -> Any:
        """Save a new profile; field errors in place and nothing saved when any is wrong."""
        form = profiles.form_from_post(await request.form())
        try:
            profile_id = await profiles.create_profile(request.user.vendor_id, form)
        except profiles.ProfileErrors as exc:
            return await _form(request, form, exc.errors)
        return go(request, f"/recurring/{profile_id}", 303)

    @get("/{profile_id:int}", opt={"role": "viewer"})
    async def show(self, request: Req, profile_id: FromPath[int]) -> Template:
        """The profile: schedule, next five dates, actions and every invoice it made."""
        context = await pages.detail_context(request.user.vendor_id, profile_id)
        return Template("pages/recurring/show.html", context=context)

    @get("/{profile_id:int}/edit", opt={"role": "staff"})
    async def edit(self, request: Req, profile_id: FromPath[int]) -> Template:
        """The form of a saved profile; changes apply from the next period."""
        profile = await profiles.get_profile(request.user.vendor_id, profile_id)
        return await _form(request, profiles.form_from_profile(profile), {}, profile_id, page=True)

    @post("/{profile_id:int}", media_type=MediaType.HTML, status_code=200, opt={"role": "staff"})
    async def update(self, request: Req, profile_id: FromPath[int]) -> Any:
        """Save the edit; invoices already made keep their lines."""
        await profiles.get_profile(request.user.vendor_id, profile_id)
        form = profiles.form_from_post(await request.form())
        try:
            await profiles.update_profile(request.user.vendor_id, profile_id, form)
        except profiles.ProfileErrors as exc:
            return await _form(request, form, exc.errors, profile_id)
        except NotAllowed as exc:
            return await _form(request, form, {"form": exc.message}, profile_id)
        return go(request, f"/recurring/{profile_id}", 303)

    @post("/{profile_id:int}/pause", media_type=MediaType.HTML, status_code=200, opt={"role": "staff"})
    async def pause(self, request: Req, profile_id: FromPath[int]) -> Template:
        """Pause: no invoices until resumed; the periods in between are skipped."""
        return await _status(request, profile_id, "pause")

    @post("/{profile_id:int}/resume", media_type=MediaType.HTML, status_code=200, opt={"role": "staff"})
    async def resume(self, request: Req, profile_id: FromPath[int]) -> Template:
        """Resume from the next period on or after today."""
        return await _status(request, profile_id, "resume")

    @post("/{profile_id:int}/cancel", media_type=MediaType.HTML, status_code=200, opt={"role": "staff"})
    async def cancel(self, request: Req, profile_id: FromPath[int]) -> Template:
        """Cancel for good: invoices already made stay."""
        return await _status(request, profile_id, "cancel")

    @post("/{profile_id:int}/run", media_type=MediaType.HTML, status_code=200, opt={"role": "staff"})
    async def run_now(self, request: Req, profile_id: FromPath[int]) -> Any:
        """Make the vendor's due periods now (what the scheduler does each tick), then show the profile."""
        await profiles.get_profile(request.user.vendor_id, profile_id)
        await generate.run_due(request.user.vendor_id)
        return go(request, f"/recurring/{profile_id}", 303)
