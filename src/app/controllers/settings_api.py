"""Settings > API keys (admin): create with a name and scope (the secret shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Template

from app.auth import CurrentUser
from app.controllers._htmx import partial_or_page
from app.services.api import keys

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]
PARTIAL, PAGE = "partials/settings/api_keys.html", "pages/settings/api_keys.html"
ADMIN = {"role": "admin"}


async def _context(request: Req, **extra: Any) -> dict[str, Any]:
    return {"keys": await keys.list_keys(request.user.vendor_id), "scopes": keys.SCOPES, "values": {}, "errors": {},
            "active": "settings", **extra}


class ApiKeySettingsController(Controller):
    """/settings/api-keys: the section of the settings page (a page of its own without htmx)."""

    path = "/settings/api-keys"

    @get("/", opt=ADMIN)
    async def show(self, request: Req) -> Template:
        """The keys and the new key form."""
        return partial_or_page(request, PARTIAL, PAGE, await _context(request))

    @post("/", opt={**ADMIN, "audit": "key:Created an API key"})
    async def create(self, request: Req, data: FormData) -> Response:
        """Make a key and show its secret this once; errors in place, nothing made."""
        try:
            row, secret = await keys.create_key(request.user.vendor_id, data.get("name", ""), data.get("scope", ""),
                                                request.user.email)
        except keys.KeyErrors as exc:
            context = await _context(request, values=data, errors=exc.errors)
            return partial_or_page(request, PARTIAL, PAGE, context, status_code=422)
        context = await _context(request, new_secret=secret, new_name=row.name)
        return partial_or_page(request, PARTIAL, PAGE, context, status_code=201 if not request.htmx else 200)

    @post("/{key_id:int}/revoke", opt={**ADMIN, "audit": "key:Revoked API key {key_id}"})
    async def revoke(self, request: Req, key_id: FromPath[int]) -> Response:
        """Stop a key at once."""
        await keys.revoke_key(request.user.vendor_id, key_id)
        if not request.htmx:
            return Redirect(path="/settings/api-keys")
        names = {k["id"]: k["name"] for k in await keys.list_keys(request.user.vendor_id)}
        return Template(PARTIAL, context=await _context(request, revoked=names.get(key_id, "")))
