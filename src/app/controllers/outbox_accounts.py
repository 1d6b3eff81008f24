"""The development mailbox: account emails (reset, verification, notices) readable without logging in.

Someone who forgot their password cannot open their vendor's outbox, so in development and test the
links they were sent are shown here, the way a local mail catcher would. In production it is a 404.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from app.services import account_mail
from app.settings import get_settings

PUBLIC = {"public": True}


def _development_only() -> None:
    if get_settings().production:
        raise NotFoundException()


class AccountMailboxController(Controller):
    """GET /outbox/accounts and /outbox/accounts/{id}."""

    path = "/outbox/accounts"

    @get("/", opt=PUBLIC, media_type=MediaType.HTML)
    async def index(self) -> Template:
        """The latest account emails, newest first."""
        _development_only()
        return Template("pages/outbox/accounts.html", context={"rows": await account_mail.recent(), "message": None})

    @get("/{message_id:int}", opt=PUBLIC, media_type=MediaType.HTML)
    async def show(self, message_id: FromPath[int]) -> Template:
        """One account email, its links clickable."""
        _development_only()
        message = await account_mail.one(message_id)
        if message is None:
            raise NotFoundException()
        return Template("pages/outbox/accounts.html", context={"rows": [], "message": message})
