"""A corpus of bad values posted to every form and query parameter: never a 5xx, and a refusal writes nothing.

Routes come from the app's route table. Every GET route is opened (path ids filled from a vendor's own
customer and invoices) and each form found on those pages is taken as a valid baseline; one field at a
time is replaced by each bad value. Query parameter names come from the handlers' signatures and from the
links the pages carry. Runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from piccolo.querystring import QueryString

from app.asgi import create_app
from app.db import close_pool, engine, is_sqlite, open_pool
from app.services.invoices.lifecycle import send_invoice
from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine, InvoiceTemplate
from app.tables.mail import OutboxMessage, ReminderLog, ReminderSettings
from app.tables.payments import CheckoutAttempt, Payment, PaymentLink, StripeConnection, WebhookInbox
from app.tables.vendors import User, Vendor
from tests.unit.fixtures import BASE_URL, Session, sign_up
from tests.factories import customer, invoice

BAD_VALUES = [
    "", " ", "\t\r\n", "a\x00b", "\x01\x1b\x7f", "Name\r\nBcc: victim@example.com", "x" * 10_000, "²",
    "99999999999999999999", "-1", "0", "NaN", "1e309", "9999-12-31", "2026-02-30", "2026-13-45",
    "{seq:>1000000000}", "999999999",
]
# Rows a refused request may still touch: sessions (flash, rotation) and the login throttle (a failed login
# is recorded on purpose).
WATCHED = [Vendor, User, Customer, Invoice, InvoiceLine, InvoiceActivity, InvoiceTemplate, OutboxMessage,
           ReminderSettings, ReminderLog, StripeConnection, PaymentLink, CheckoutAttempt, Payment, WebhookInbox]
SKIP_POSTS = re.compile(r"^/(logout|webhooks/)")  # logout ends the corpus' session; webhooks are signed
SKIP_GETS = re.compile(r"^/(events|schema|static|webhooks/|favicon)")  # endless stream, docs, files
NAME_PARAMS = {"request", "data", "scope", "self"}


class _Forms(HTMLParser):
    """Forms (hx-post or method=post) with their fields' current values, and links with query strings."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]], dict[str, list[str]]]] = []
        self._options: dict[str, list[str]] = {}
        self.links: set[str] = set()
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "hx-get"):
            if a.get(key) and "?" in a[key] and a[key].startswith("/"):
                self.links.add(a[key])
        if tag == "form":
            url = a.get("hx-post") or (a.get("action") if (a.get("method") or "").lower() == "post" else None)
            self._fields, self._options = ([] if url else None), {}
            if url:
                self.forms.append((url, self._fields, self._options))
        elif self._fields is not None and tag in ("input", "select", "textarea", "button") and a.get("name"):
            if tag == "select":
                self._select = a["name"]
                self._fields.append((a["name"], ""))
            elif tag == "textarea":
                self._textarea = a["name"]
                self._fields.append((a["name"], ""))
            elif tag != "button" and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
                self._fields.append((a["name"], a.get("value") or ""))
        elif tag == "option" and self._select and self._fields is not None:
            self._options.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a or self._fields[-1][1] == "":
                self._fields[-1] = (self._select, a.get("value", ""))

    def handle_data(self, data):
        if self._textarea and self._fields is not None:
            self._fields[-1] = (self._textarea, self._fields[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


COUNTER = "corpus_write_count"


async def _count_writes() -> None:
    """Triggers on every watched table bump one counter, so a request's writes cost one read to see."""
    db = engine()
    await db.run_ddl(f"CREATE TABLE IF NOT EXISTS {COUNTER} (n INTEGER NOT NULL)")
    await db.run_ddl(f"DELETE FROM {COUNTER}")
    await db.run_ddl(f"INSERT INTO {COUNTER} (n) VALUES (0)")
    if not is_sqlite():
        await db.run_ddl(
            f"CREATE OR REPLACE FUNCTION {COUNTER}_bump() RETURNS trigger AS $$ BEGIN "
            f"UPDATE {COUNTER} SET n = n + 1; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
    for table in WATCHED:
        name = table._meta.tablename
        for event in ("INSERT", "UPDATE", "DELETE"):
            trigger = f"{COUNTER}_{name}_{event.lower()}"
            await db.run_ddl(f"DROP TRIGGER IF EXISTS {trigger}" + ("" if is_sqlite() else f" ON {name}"))
            if is_sqlite():
                body = f"BEGIN UPDATE {COUNTER} SET n = n + 1; END"
                await db.run_ddl(f"CREATE TRIGGER {trigger} AFTER {event} ON {name} {body}")
            else:
                await db.run_ddl(f"CREATE TRIGGER {trigger} AFTER {event} ON {name} "
                                 f"FOR EACH ROW EXECUTE FUNCTION {COUNTER}_bump()")


async def _stop_counting() -> None:
    db = engine()
    for table in WATCHED:
        name = table._meta.tablename
        for event in ("insert", "update", "delete"):
            await db.run_ddl(f"DROP TRIGGER IF EXISTS {COUNTER}_{name}_{event}" + ("" if is_sqlite() else f" ON {name}"))
    await db.run_ddl(f"DROP TABLE IF EXISTS {COUNTER}")


async def _writes() -> int:
    rows = await engine().run_querystring(QueryString(f"SELECT n FROM {COUNTER}"))
    return rows[0]["n"]


def _routes(app):
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            params = [p for p in handler.parsed_fn_signature.parameters if p not in NAME_PARAMS]
            for method in handler.http_methods:
                yield method, route.path, [p for p in params if "{" + p + ":" not in route.path]


def _fill(path: str, ids: dict[str, list[str]]) -> list[str]:
    """Concrete URLs for a route path: each own id that fits, and an unknown one."""
    names = re.findall(r"{(\w+):\w+}", path)
    if not names:
        return [path]
    out = []
    for value in ids.get(names[0], []) + ["999999999"]:
        out.append(re.sub(r"{\w+:\w+}", value, path))
    return out


async def _fixtures(vendor) -> dict[str, list[str]]:
    c = await customer(vendor.vendor_id, "Corpus Customer", "corpus@example.com")
    draft_id = await invoice(vendor.vendor_id, c.id)
    sent_id = await invoice(vendor.vendor_id, c.id)
    await send_invoice(vendor.vendor_id, sent_id, "manual")
    message = await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.vendor == vendor.vendor_id).first()
    return {"customer_id": [str(c.id)], "invoice_id": [str(draft_id), str(sent_id)],
            "message_id": [str(message["id"])] if message else [], "template_id": [], "token": ["no-such-token", "nul%00token"]}


class _Check:
    """Sends requests and keeps every failure: a 5xx, or a refusal that changed rows."""

    def __init__(self, vendor):
        self.vendor, self.failures, self.sent = vendor, [], 0

    async def __call__(self, method: str, url: str, what: str, **kwargs):
        before = await _writes()
        headers = {**self.vendor.headers(htmx=True), **kwargs.pop("headers", {})}
        if isinstance(kwargs.get("data"), list):  # httpx takes repeated fields as lists in a dict
            pairs, kwargs["data"] = kwargs["data"], {}
            for key, value in pairs:
                kwargs["data"].setdefault(key, []).append(value)
        response = await self.vendor.client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
        self.sent += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {method} {url} {what}")
        elif response.status_code >= 400 and await _writes() != before:
            self.failures.append(f"{response.status_code} but rows changed: {method} {url} {what}")


@pytest.fixture
async def pooled_vendor() -> AsyncIterator[Session]:
    """A vendor on an app of its own that pools PostgreSQL connections (thousands of requests follow)."""
    app = create_app()
    app.state.db_pool = True
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        await open_pool()  # this loop's own queries (the write counter) too
        await _count_writes()
        try:
            yield await sign_up(client, "Corpus Ltd")
        finally:
            await _stop_counting()
            await close_pool()


async def _crawl(app, vendor, ids) -> tuple[dict, dict]:
    """Forms ({action: (fields, select options)}) and query names ({url: names}) of every GET route."""
    forms: dict[str, tuple[list, dict]] = {}
    queries: dict[str, set[str]] = {}
    writes, seen = await _writes(), set()
    for method, path, params in _routes(app):
        if method != "GET" or SKIP_GETS.match(path):
            continue
        urls = _fill(path, ids)
        queries.setdefault(urls[0], set()).update(params)
        for url in urls:
            parser = _Forms()
            for headers in ({"hx-request": "true"}, {}):
                parser.feed((await vendor.client.get(url, headers=headers, follow_redirects=False)).text)
            for action, fields, options in parser.forms:
                pattern = re.sub(r"/\d+(?=/|$)", "/{id}", urlsplit(action).path)
                if pattern not in seen:  # one form per route (a draft's and a sent invoice's are one)
                    seen.add(pattern)
                    forms[urlsplit(action).path] = (fields, options)
            for link in parser.links:
                parts = urlsplit(link)
                queries.setdefault(parts.path, set()).update(k for k, _ in parse_qsl(parts.query))
        assert await _writes() == writes, f"GET {path} changed rows"  # no GET writes
    return forms, queries


async def _post_corpus(check, action: str, fields: list, options: dict) -> None:
    names = [name for name in dict.fromkeys(name for name, _ in fields) if name != "_csrf_token"]
    for name in names:
        for bad in BAD_VALUES:
            await check("POST", action, f"{name}={bad[:30]!r}", data=[(k, bad if k == name else v) for k, v in fields])
        await check("POST", action, f"{name} missing", data=[(k, v) for k, v in fields if k != name])
        await check("POST", action, f"{name} twice", data=fields + [(name, "²")])
    # Dates far out with every choice of each list (a due date 60 days after 9999-12-31 overflows).
    dates = [k for k, v in fields if re.fullmatch(r"\d{4}-\d\d-\d\d", v)]
    for name, choices in options.items() if dates else ():
        for choice in choices:
            data = [(k, choice if k == name else "9999-12-31" if k in dates else v) for k, v in fields]
            await check("POST", action, f"{name}={choice} and dates 9999-12-31", data=data)
    await check("POST", action, "JSON body", json={n: ["x"] for n in names})
    await check("POST", action, "no body")


async def test_bad_values_never_answer_5xx_and_refusals_change_nothing(pooled_vendor):
    vendor, app = pooled_vendor, pooled_vendor.client.app
    started = time.monotonic()
    ids = await _fixtures(vendor)
    check = _Check(vendor)
    forms, queries = await _crawl(app, vendor, ids)
    assert len(forms) >= 10, sorted(forms)  # the crawl found the app's forms
    for action, (fields, options) in forms.items():
        if not SKIP_POSTS.match(action):
            await _post_corpus(check, action, fields, options)
    for method, path, _ in _routes(app):  # form routes no page offered (ids of other kinds, unknown ids)
        if method == "POST" and not SKIP_POSTS.match(path):
            for url in _fill(path, ids):
                for bad in ("a\x00b", "²", "x" * 10_000):
                    await check("POST", url, f"anything={bad[:10]!r}", data={"customer": bad, "name": bad})
    for url, names in queries.items():  # query values are read leniently, each on its own: all at once
        for bad in BAD_VALUES if names else ():
            await check("GET", url, f"?{'&'.join(sorted(names))}={bad[:30]!r}", params=dict.fromkeys(names, bad))
    assert not check.failures, f"{len(check.failures)} of {check.sent}:\n" + "\n".join(check.failures[:80])
    print(f"{check.sent} requests in {time.monotonic() - started:.1f}s")
