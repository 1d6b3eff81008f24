"""Members and roles: every route declares its role, the guard refuses below it, invitations, removal."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from datetime import date, timedelta
from urllib.parse import urlsplit

from litestar.middleware.csrf import generate_csrf_token

from app.access import declares_access
from app.services import members
from app.services.actors import AUTOMATIC, STRIPE_WEBHOOK, acting_as
from app.services.demo.seed import ensure_demo_vendor
from app.services.rows import record_activity
from app.services.clock import utcnow
from app.sessions import DatabaseStore
from app.settings import get_settings
from app.tables.invoices import InvoiceActivity
from app.tables.mail import OutboxMessage
from app.tables.members import Invitation, Membership
from app.tables.sessions import SessionRecord
from tests import factories
from tests.unit.fixtures import CSRF_COOKIE, PASSWORD, SESSION_COOKIE, SESSION_SECONDS, Session, csrf_token

LINK = re.compile(r"/invitations/([A-Za-z0-9_\-]+\.[0-9a-f]+)")


async def invite_link(vendor_id: int, email: str, role: str = "staff", inviter: str = "Olivia Owner") -> str:
    """Invite through the service and read the token from the email in the outbox, as the person would."""
    await members.invite(vendor_id, email, role, inviter)
    message = await OutboxMessage.select(OutboxMessage.text).where(
        (OutboxMessage.to == email) & (OutboxMessage.kind == "invitation")).order_by(
        OutboxMessage.id, ascending=False).first()
    return LINK.search(message["text"]).group(1)


async def signed_in(client, user_id: int, vendor_id: int, email: str) -> Session:
    """A session for this person on this vendor, stored as the app stores it."""
    key = secrets.token_hex(32)
    await DatabaseStore().set(key, json.dumps({"user_id": user_id, "vendor_id": vendor_id}).encode(),
                              expires_in=SESSION_SECONDS)
    csrf = generate_csrf_token(secret=get_settings().secret_key)
    host = urlsplit(str(client.base_url)).hostname
    client.cookies.set(SESSION_COOKIE, key, domain=host, path="/")
    client.cookies.set(CSRF_COOKIE, csrf, domain=host, path="/")
    return Session(client=client, email=email, vendor_id=vendor_id, csrf=csrf)


async def member(client, vendor_id: int, role: str, name: str = "Ana Lima") -> Session:
    """A new person invited with `role`, accepted, and signed in on `client`."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    accepted = await members.accept(await invite_link(vendor_id, email, role), name, PASSWORD)
    return await signed_in(client, accepted.user_id, vendor_id, email)


def test_every_route_declares_a_role_or_public(app):
    missing = [
        f"{sorted(route.methods)} {route.path}"
        for route in app.routes for handler in getattr(route, "route_handlers", [])
        if not declares_access(handler)
    ]
    assert missing == []


async def test_staff_is_refused_settings_and_refunds_but_works_on_invoices(vendor, other_client):
    staff = await member(other_client, vendor.vendor_id, "staff")
    customer = await factories.insert_customer(vendor.vendor_id)
    invoice = await factories.insert_invoice(vendor.vendor_id, customer.id, status="sent", total=5000)
    settings = await staff.client.get("/settings", headers={"hx-request": "true"})
    assert settings.status_code == 403 and "Your role (Staff) cannot do this" in settings.text
    page = await staff.client.get("/settings")
    assert page.status_code == 403 and "needs Admin" in page.text
    refund = await staff.post(f"/invoices/{invoice.id}/payments/1/refund", {"amount": "10"})
    assert refund.status_code == 403
    assert (await staff.client.get("/settings/stripe")).status_code == 403
    assert (await staff.client.get(f"/invoices/{invoice.id}")).status_code == 200
    created = await staff.post("/customers", {"name": "Made by staff", "email": "x@example.com", "currency": "USD"})
    assert created.status_code in (200, 201, 302, 303), created.text
    dashboard = await staff.client.get("/")
    assert 'href="/settings"' not in dashboard.text, "staff are not offered Settings"


async def test_viewer_reads_and_exports_but_cannot_write(vendor, other_client):
    viewer = await member(other_client, vendor.vendor_id, "viewer", name="Bea Books")
    customer = await factories.insert_customer(vendor.vendor_id)
    for url in ("/", "/invoices", "/customers", f"/customers/{customer.id}", "/invoices/export.csv", "/payments"):
        assert (await viewer.client.get(url)).status_code == 200, url
    before = await InvoiceActivity.count()
    for url, data in (("/customers", {"name": "Nope", "email": "n@example.com"}),
                      (f"/customers/{customer.id}/archive", {}), ("/invoices/new", {"customer": str(customer.id)})):
        response = await viewer.post(url, data)
        assert response.status_code == 403, (url, response.status_code)
    assert await InvoiceActivity.count() == before
    assert (await viewer.client.get("/customers/new", headers={"hx-request": "true"})).status_code == 403


async def test_owner_manages_members_and_admin_only_sees_them(vendor, other_client):
    admin = await member(other_client, vendor.vendor_id, "admin", name="Adam Admin")
    page = await admin.client.get("/settings/members")
    assert page.status_code == 200 and "Adam Admin" in page.text and "Invite a member" not in page.text
    refused = await admin.post("/settings/members/invite", {"email": "new@example.com", "role": "staff"})
    assert refused.status_code == 403
    owner_page = await vendor.client.get("/settings/members")
    assert "Invite a member" in owner_page.text
    bad = await vendor.post("/settings/members/invite", {"email": "nope", "role": "owner"})
    assert bad.status_code == 422 and "Enter a valid email address" in bad.text and "Choose Viewer" in bad.text
    ok = await vendor.post("/settings/members/invite", {"email": "new@example.com", "role": "viewer"})
    assert ok.status_code == 200 and "Invitation sent to new@example.com as Viewer." in ok.text
    assert await OutboxMessage.exists().where((OutboxMessage.to == "new@example.com")
                                              & (OutboxMessage.kind == "invitation"))


async def test_invitation_works_once(client, vendor, other_client):
    token = await invite_link(vendor.vendor_id, "once@example.com")
    page = await other_client.get(f"/invitations/{token}")
    assert page.status_code == 200 and "Join Acme Ltd" in page.text and "as Staff" in page.text
    csrf = await csrf_token(other_client, f"/invitations/{token}")
    short = await other_client.post(f"/invitations/{token}", data={"name": "", "password": "short"},
                                    headers={"x-csrftoken": csrf, "hx-request": "true"})
    assert short.status_code == 422 and "Enter your name." in short.text and "at least 10" in short.text
    accepted = await other_client.post(f"/invitations/{token}", data={"name": "Ana Lima", "password": PASSWORD},
                                       headers={"x-csrftoken": csrf}, follow_redirects=False)
    assert accepted.status_code in (302, 303)
    home = await other_client.get("/")
    assert home.status_code == 200 and "Ana Lima" in home.text
    again = await client.get(f"/invitations/{token}")
    assert again.status_code == 410 and "already used" in again.text
    assert await Membership.count().where(Membership.vendor == vendor.vendor_id) == 2


async def test_invitation_expired_or_tampered_is_refused(client, vendor):
    token = await invite_link(vendor.vendor_id, "late@example.com")
    nonce, signature = token.split(".")
    tampered = f"{nonce[:-1]}{'A' if nonce[-1] != 'A' else 'B'}.{signature}"
    response = await client.get(f"/invitations/{tampered}")
    assert response.status_code == 410 and "not valid" in response.text
    forged = await client.get(f"/invitations/{nonce}.{'0' * 32}")
    assert forged.status_code == 410
    await Invitation.update({Invitation.expires_at: utcnow() - timedelta(seconds=1)}).where(
        Invitation.nonce == nonce)
    expired = await client.get(f"/invitations/{token}")
    assert expired.status_code == 410 and "expired" in expired.text
    csrf = await csrf_token(client, "/login")
    post = await client.post(f"/invitations/{token}", data={"name": "Late", "password": PASSWORD},
                             headers={"x-csrftoken": csrf})
    assert post.status_code == 410
    assert not await Membership.exists().where(Membership.user.email == "late@example.com")


async def test_an_existing_person_joins_a_second_vendor_and_switches(vendor, other_vendor):
    token = await invite_link(other_vendor.vendor_id, vendor.email, "admin")
    try:
        await members.accept(token, "", "wrong password!!")
        raise AssertionError("a wrong password must not join")
    except members.FormErrors as exc:
        assert "Wrong password" in exc.errors["password"]
    await members.accept(token, "", PASSWORD)
    home = await vendor.client.get("/")
    assert 'id="vendor-switch"' in home.text and "Globex Corp" in home.text
    switched = await vendor.post("/account/vendor", {"vendor": str(other_vendor.vendor_id)}, htmx=False,
                                 follow_redirects=False)
    assert switched.status_code in (302, 303)
    page = await vendor.client.get("/")
    assert "<strong>Globex Corp</strong>" in page.text
    assert (await vendor.client.get("/settings")).status_code == 200, "an admin there"
    panel = await vendor.client.get("/settings/stripe", headers={"hx-request": "true"})
    assert panel.status_code == 200 and "Only the owner connects, changes or disconnects Stripe." in panel.text
    assert "Add the Stripe Secret Key" not in panel.text, "an admin is not offered the owner's Stripe actions"
    assert (await vendor.post("/settings/stripe/disconnect")).status_code == 403
    stranger = await factories.vendor("Stranger Co", f"s-{uuid.uuid4().hex[:6]}@example.com")
    refused = await vendor.post("/account/vendor", {"vendor": str(stranger.vendor)})
    assert refused.status_code == 404


async def test_removing_a_member_ends_their_sessions_at_once(vendor, other_client):
    staff = await member(other_client, vendor.vendor_id, "staff")
    assert (await staff.client.get("/invoices")).status_code == 200
    row = await Membership.select(Membership.id, Membership.user).where(
        (Membership.vendor == vendor.vendor_id) & (Membership.role == "staff")).first()
    key = staff.client.cookies.get(SESSION_COOKIE)
    removed = await vendor.post(f"/settings/members/{row['id']}/remove")
    assert removed.status_code == 200 and "was removed and signed out" in removed.text
    assert not await SessionRecord.exists().where(SessionRecord.key == key)
    after = await staff.client.get("/invoices", follow_redirects=False)
    assert after.status_code in (302, 303) and after.headers["location"] == "/login"
    check = await staff.client.get("/account/check", headers={"hx-request": "true"})
    assert check.headers.get("hx-redirect") == "/login"


async def test_the_owner_cannot_be_removed_and_ownership_moves_to_an_admin(vendor, other_client):
    admin = await member(other_client, vendor.vendor_id, "admin", name="Adam Admin")
    owner_row = await Membership.select(Membership.id).where(
        (Membership.vendor == vendor.vendor_id) & (Membership.role == "owner")).first()
    refused = await vendor.post(f"/settings/members/{owner_row['id']}/remove")
    assert refused.status_code == 422 and "Transfer ownership first" in refused.text
    admin_row = await Membership.select(Membership.id).where(
        (Membership.vendor == vendor.vendor_id) & (Membership.role == "admin")).first()
    moved = await vendor.post(f"/settings/members/{admin_row['id']}/transfer")
    assert moved.status_code in (200, 302, 303)
    roles = {r["id"]: r["role"] for r in await Membership.select(Membership.id, Membership.role).where(
        Membership.vendor == vendor.vendor_id)}
    assert roles == {owner_row["id"]: "admin", admin_row["id"]: "owner"}
    assert (await admin.client.get("/settings/members")).status_code == 200
    assert "Invite a member" in (await admin.client.get("/settings/members")).text


async def test_another_vendors_member_ids_answer_404(vendor, other_vendor):
    theirs = await Membership.select(Membership.id).where(Membership.vendor == other_vendor.vendor_id).first()
    for action in ("remove", "transfer"):
        response = await vendor.post(f"/settings/members/{theirs['id']}/{action}")
        assert response.status_code == 404, action
    response = await vendor.post(f"/settings/members/{theirs['id']}/role", {"role": "viewer"})
    assert response.status_code == 404
    assert await Membership.select(Membership.role).where(Membership.id == theirs["id"]).first() == {"role": "owner"}


async def test_activity_names_the_member_who_did_it(vendor, other_client):
    staff = await member(other_client, vendor.vendor_id, "staff", name="Ana Lima")
    c = await factories.customer(vendor.vendor_id, "Acme")
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, lines=[("Design", "1", "100", "0")])
    assert (await staff.post(f"/invoices/{invoice_id}/send", {"method": "manual"})).status_code < 400
    marked = await staff.post(f"/invoices/{invoice_id}/mark-paid", {"paid_on": date.today().isoformat(),
                                                                     "method": "cash"})
    assert marked.status_code < 400, marked.text
    actors = {row["kind"]: row["actor"] for row in await InvoiceActivity.select(
        InvoiceActivity.kind, InvoiceActivity.actor).where(InvoiceActivity.invoice == invoice_id)}
    assert actors["sent"] == actors["marked_paid"] == "Ana Lima", actors
    timeline = (await vendor.client.get(f"/invoices/{invoice_id}/activity", headers=vendor.headers())).text
    assert "· by Ana Lima" in timeline


async def test_work_in_the_background_is_recorded_automatically_or_by_the_webhook(vendor):
    c = await factories.customer(vendor.vendor_id, "Acme")
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, lines=[("Design", "1", "100", "0")])
    with acting_as(AUTOMATIC):
        await record_activity(vendor.vendor_id, invoice_id, "reminder_sent", "Reminder sent")
    with acting_as(STRIPE_WEBHOOK):
        await record_activity(vendor.vendor_id, invoice_id, "paid", "Paid")
    timeline = (await vendor.client.get(f"/invoices/{invoice_id}/activity", headers=vendor.headers())).text
    assert "Reminder sent <span class=\"timeline-actor\">· automatically</span>" in timeline
    assert "Paid <span class=\"timeline-actor\">· by Stripe webhook</span>" in timeline


async def test_closing_the_account_signs_everyone_out_and_keeps_the_data(vendor, other_client, client):
    staff = await member(other_client, vendor.vendor_id, "staff")
    customer = await factories.insert_customer(vendor.vendor_id)
    assert (await staff.client.get("/settings/close")).status_code == 403
    page = await vendor.client.get("/settings/close")
    assert page.status_code == 200 and "/invoices/export.csv" in page.text
    wrong = await vendor.post("/settings/close", {"confirm_name": "Acme", "password": "not it at all"})
    assert wrong.status_code == 422 and "Type the business name exactly: Acme Ltd" in wrong.text
    assert "Wrong password." in wrong.text
    closed = await vendor.post("/settings/close", {"confirm_name": "Acme Ltd", "password": PASSWORD})
    assert closed.status_code == 200 and closed.headers.get("hx-redirect") == "/login?closed=1"
    for session in (vendor, staff):
        response = await session.client.get("/invoices", follow_redirects=False)
        assert response.status_code in (302, 303) and response.headers["location"] == "/login"
    token = await csrf_token(client)
    login = await client.post("/login", data={"email": vendor.email, "password": PASSWORD},
                              headers={"x-csrftoken": token})
    assert login.status_code == 403 and "This account is closed" in login.text
    assert await factories.Customer.exists().where(factories.Customer.id == customer.id), "no data is lost"


async def test_the_demo_vendor_has_a_staff_member_and_an_accountant(client):
    domain = f"demo-{uuid.uuid4().hex[:6]}.test"
    vendor_id, _ = await ensure_demo_vendor(f"demo@{domain}", PASSWORD)
    await ensure_demo_vendor(f"demo@{domain}", PASSWORD)  # a second start adds nobody
    team = {m["email"]: (m["display_name"], m["role"]) for m in await members.list_members(vendor_id)}
    assert team == {f"demo@{domain}": ("demo", "owner"), f"ana@{domain}": ("Ana Lima", "staff"),
                    f"books@{domain}": ("Sam Carter", "viewer")}
    token = await csrf_token(client)
    login = await client.post("/login", data={"email": f"books@{domain}", "password": PASSWORD},
                              headers={"x-csrftoken": token}, follow_redirects=False)
    assert login.status_code in (302, 303)
    assert (await client.get("/invoices")).status_code == 200
    assert (await client.get("/customers/new", headers={"hx-request": "true"})).status_code == 403


async def test_a_member_names_themselves_and_the_timeline_follows(vendor):
    bad = await vendor.post("/settings/members/me", {"name": "Two\nlines"})
    assert bad.status_code == 422 and "one line" in bad.text
    ok = await vendor.post("/settings/members/me", {"name": "Olivia Park"})
    assert ok.status_code == 200 and "Your name is now Olivia Park." in ok.text
    c = await factories.customer(vendor.vendor_id, "Acme")
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, lines=[("Design", "1", "100", "0")])
    await vendor.post(f"/invoices/{invoice_id}/send", {"method": "manual"})
    timeline = (await vendor.client.get(f"/invoices/{invoice_id}/activity", headers=vendor.headers())).text
    assert "· by Olivia Park" in timeline
