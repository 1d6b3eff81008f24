"""Settings > Payment reminders: off, on the due date, N days after; up to three."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template

from app.auth import CurrentUser
from app.controllers._htmx import page_of
from app.services.mail import reminders

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PARTIAL = "partials/mail/reminder_settings.html"


def _form_from_data(data: dict[str, str]) -> dict:
    rows = [{"when": data.get(f"when_{n}", "off"), "days": data.get(f"days_{n}", "")}
            for n in range(1, reminders.MAX_REMINDERS + 1)]
    return {"enabled": data.get("enabled") == "on", "rows": rows}


class ReminderSettingsController(Controller):
    """GET and POST /settings/reminders (the section of the settings page)."""

    path = "/settings/reminders"

    @get("/", before_request=page_of("/settings#reminders"), opt={"role": "admin"})
    async def show(self, request: Request[CurrentUser, Any, Any]) -> Template:
        """The reminders section."""
        plan = await reminders.get_plan(request.user.vendor_id)
        return Template(PARTIAL, context={"reminder_form": reminders.plan_form(plan), "errors": {}})

    @post("/", opt={"role": "admin", "audit": "settings:Changed the automatic reminders"})
    async def save(self, request: Request[CurrentUser, Any, Any], data: FormData) -> Response:
        """Validate and store; errors in place with nothing changed."""
        form = _form_from_data(data)
        try:
            plan = reminders.parse_plan(form["enabled"], [(r["when"], r["days"]) for r in form["rows"]])
        except reminders.ReminderFormError as exc:
            return Template(PARTIAL, context={"reminder_form": form, "errors": exc.errors}, status_code=422)
        await reminders.save_plan(request.user.vendor_id, plan)
        if not request.htmx:
            return Redirect(path="/settings#reminders")
        context = {"reminder_form": reminders.plan_form(plan), "errors": {}, "saved": plan.describe().lower()}
        return Template(PARTIAL, context=context)
