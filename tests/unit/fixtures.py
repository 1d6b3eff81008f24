"""Fixtures and helpers for in-process tests: the app, clients, vendors logged in."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.middleware.csrf import generate_csrf_token
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.sessions import DatabaseStore
from app.settings import get_settings
from app.tables.mail import OutboxMessage
from app.tables.vendors import User
from tests import factories
from tests.factories import PASSWORD

BASE_URL = "http://127.0.0.1:8000"
SESSION_COOKIE = "payport_session"
CSRF_COOKIE = "payport_csrf"
SESSION_SECONDS = 14 * 24 * 3600
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Session:
    """A logged-in browser-like client for one vendor."""

    client: AsyncTestClient
    email: str
    vendor_id: int
    csrf: str

    def headers(self, htmx: bool = True) -> dict[str, str]:
        """Headers htmx would send: the CSRF token and HX-Request."""
        headers = {"x-csrftoken": self.csrf}
        if htmx:
            headers["hx-request"] = "true"
        return headers

    async def post(self, url: str, data: dict | None = None, htmx: bool = True, **kwargs):
        """POST a form the way the page does."""
        return await self.client.post(url, data=data or {}, headers=self.headers(htmx), **kwargs)


async def csrf_token(client: AsyncTestClient, page: str = "/login") -> str:
    """The CSRF token a page hands the browser."""
    response = await client.get(page)
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF input on {page}"
    return match.group(1)


async def sign_up(client: AsyncTestClient, business: str = "Acme Ltd", email: str | None = None) -> Session:
    """Sign a new vendor up through the form and return its logged-in session."""
    email = email or f"owner-{uuid.uuid4().hex[:10]}@example.com"
    token = await csrf_token(client, "/signup")
    response = await client.post(
        "/signup", data={"business_name": business, "email": email, "password": PASSWORD},
        headers={"x-csrftoken": token}, follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/signup/check-email", response.text
    link = await emailed_link(email, "/verify-email/")
    response = await client.get(link, follow_redirects=False)
    assert response.status_code == 303, response.text
    user = await User.objects().where(User.email == email).first()
    return Session(client=client, email=email, vendor_id=user.vendor, csrf=await csrf_token(client, "/"))


LINK = re.compile(r"https?://[^\s]+")


async def emailed_link(to: str, path: str) -> str:
    """The path of the newest link containing `path` in an email queued to `to` (as the person would click it)."""
    rows = await OutboxMessage.select(OutboxMessage.text).where(OutboxMessage.to == to).order_by(
        OutboxMessage.id, ascending=False)
    for row in rows:
        for url in LINK.findall(row["text"]):
            if path in url:
                return urlsplit(url).path
    raise AssertionError(f"no email to {to} with a {path} link")


async def logged_in_vendor(client: AsyncTestClient | httpx.AsyncClient, business: str = "Acme Ltd") -> Session:
    """A new vendor inserted directly and logged in on `client` (for tests that are not about sign-up)."""
    email = f"owner-{uuid.uuid4().hex[:10]}@example.com"
    user = await factories.vendor(business, email)
    # The session a login leaves behind, stored as the app's session backend stores it.
    key = secrets.token_hex(32)
    data = json.dumps({"user_id": user.id, "vendor_id": user.vendor}).encode()
    await DatabaseStore().set(key, data, expires_in=SESSION_SECONDS)
    # The CSRF cookie the first page would have set; the header and forms carry the same value.
    csrf = generate_csrf_token(secret=get_settings().secret_key)
    host = urlsplit(str(client.base_url)).hostname
    client.cookies.set(SESSION_COOKIE, key, domain=host, path="/")
    client.cookies.set(CSRF_COOKIE, csrf, domain=host, path="/")
    return Session(client=client, email=email, vendor_id=user.vendor, csrf=csrf)


@pytest.fixture(scope="session")
def app() -> Litestar:
    """One app for the whole run (its lifespan runs per client)."""
    return create_app()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    """An anonymous client; cookies persist across its requests like a browser's."""
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
async def other_client(app: Litestar) -> AsyncIterator[AsyncTestClient]:
    """A second, independent browser."""
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
async def vendor(client: AsyncTestClient) -> Session:
    """A fresh vendor, logged in on `client`."""
    return await logged_in_vendor(client, "Acme Ltd")


@pytest.fixture
async def other_vendor(other_client: AsyncTestClient) -> Session:
    """Another vendor, logged in on its own client, for isolation tests."""
    return await logged_in_vendor(other_client, "Globex Corp")
