"""Password reset, email verification and change of email: tokens work once, in time, and only as sent."""

from datetime import datetime, timedelta, timezone

import pytest

from app.services import account_tokens
from app.services.account_tokens import TokenInvalid
from app.tables.mail import OutboxMessage
from app.tables.security import AccountToken
from app.tables.vendors import User
from tests import factories
from tests.unit.fixtures import PASSWORD, csrf_token, emailed_link, logged_in_vendor, sign_up

NEW_PASSWORD = "a brand new passphrase"


async def _ask_reset(client, email: str):
    token = await csrf_token(client, "/forgot-password")
    return await client.post("/forgot-password", data={"email": email}, headers={"x-csrftoken": token})


async def _set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    token = await csrf_token(client, path)
    return await client.post(path, data={"password": password, "confirm": confirm or password},
                             headers={"x-csrftoken": token}, follow_redirects=False)


async def _log_in(client, email: str, password: str):
    token = await csrf_token(client)
    return await client.post("/login", data={"email": email, "password": password},
                             headers={"x-csrftoken": token}, follow_redirects=False)


async def test_forgot_password_answers_the_same_for_unknown_and_registered_emails(client, other_client):
    owner = await logged_in_vendor(other_client)
    unknown = await _ask_reset(client, "nobody-here@example.com")
    known = await _ask_reset(client, owner.email)
    assert unknown.status_code == known.status_code == 200
    assert unknown.text.replace("nobody-here@example.com", "X") == known.text.replace(owner.email, "X")
    assert await OutboxMessage.count().where(OutboxMessage.to == "nobody-here@example.com") == 0
    assert await OutboxMessage.count().where(OutboxMessage.to == owner.email) == 1


async def test_reset_sets_the_password_ends_every_session_and_the_link_works_once(client, other_client):
    owner = await logged_in_vendor(other_client)
    assert (await other_client.get("/", follow_redirects=False)).status_code == 200
    await _ask_reset(client, owner.email)
    path = await emailed_link(owner.email, "/reset-password/")
    assert (await client.get(path)).status_code == 200
    done = await _set_password(client, path)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert (await other_client.get("/", follow_redirects=False)).status_code in (302, 303), "signed out everywhere"
    assert (await _log_in(client, owner.email, PASSWORD)).status_code == 401
    assert (await _log_in(client, owner.email, NEW_PASSWORD)).status_code == 302
    reused = await client.get(path)
    assert reused.status_code == 410 and "expired or was already used" in reused.text
    changed = await OutboxMessage.select(OutboxMessage.subject).where(OutboxMessage.to == owner.email)
    assert "Your PayPort password was changed" in [m["subject"] for m in changed]


async def test_a_spent_reset_link_cannot_set_a_password_again(client, other_client):
    owner = await logged_in_vendor(other_client)
    await _ask_reset(client, owner.email)
    path = await emailed_link(owner.email, "/reset-password/")
    await _set_password(client, path)
    token = await csrf_token(other_client, "/")
    second = await other_client.post(path, data={"password": "a third passphrase!", "confirm": "a third passphrase!"},
                                     headers={"x-csrftoken": token, "hx-request": "true"})
    assert second.status_code == 422 and "expired or was already used" in second.text
    assert (await _log_in(client, owner.email, NEW_PASSWORD)).status_code == 302


async def test_reset_token_expires_after_an_hour_and_tampering_fails(client):
    user = await factories.vendor("Expiry Co", "expiry-owner@example.com")
    issued = datetime.now(timezone.utc)
    token = await account_tokens.issue(user.id, account_tokens.RESET, now=issued)
    with pytest.raises(TokenInvalid):
        await account_tokens.redeem(account_tokens.RESET, token, now=issued + timedelta(hours=1, seconds=1))
    with pytest.raises(TokenInvalid):
        await account_tokens.redeem(account_tokens.RESET, token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(TokenInvalid):
        await account_tokens.redeem(account_tokens.VERIFY, token)  # a reset token verifies nothing
    assert (await account_tokens.redeem(account_tokens.RESET, token, now=issued + timedelta(minutes=59))).user_id == user.id
    stored = await AccountToken.select(AccountToken.token_hash).where(AccountToken.user == user.id).first()
    assert token not in stored["token_hash"] and stored["token_hash"] == account_tokens.token_hash(token)
    tampered = await client.get(f"/reset-password/{token}x")
    assert tampered.status_code == 410


async def test_a_new_reset_link_replaces_the_earlier_one(client):
    user = await factories.vendor("Twice Co", "twice-owner@example.com")
    first = await account_tokens.issue(user.id, account_tokens.RESET)
    second = await account_tokens.issue(user.id, account_tokens.RESET)
    with pytest.raises(TokenInvalid):
        await account_tokens.redeem(account_tokens.RESET, first)
    assert (await account_tokens.redeem(account_tokens.RESET, second)).user_id == user.id


async def test_reset_form_errors_are_shown_in_place_and_change_nothing(client, other_client):
    owner = await logged_in_vendor(other_client)
    await _ask_reset(client, owner.email)
    path = await emailed_link(owner.email, "/reset-password/")
    short = await _set_password(client, path, "short")
    assert short.status_code == 422 and "Use at least 10 characters." in short.text
    differ = await _set_password(client, path, NEW_PASSWORD, "something else entirely")
    assert differ.status_code == 422 and "The two passwords differ." in differ.text
    assert (await _log_in(client, owner.email, PASSWORD)).status_code == 302, "the old password still works"
    bad = await _ask_reset(client, "not an email")
    assert bad.status_code == 422 and "Enter a valid email address" in bad.text


async def test_verification_link_signs_in_works_once_and_expires(client, other_client):
    session = await sign_up(client, "Verified Co")  # follows the emailed link, which signs in
    user = await User.objects().where(User.email == session.email).first()
    assert user.email_verified
    path = await emailed_link(session.email, "/verify-email/")
    reused = await other_client.get(path, follow_redirects=False)
    assert reused.status_code == 410 and (await other_client.get("/", follow_redirects=False)).status_code != 200
    issued = datetime.now(timezone.utc)
    token = await account_tokens.issue(user.id, account_tokens.VERIFY, now=issued)
    with pytest.raises(TokenInvalid):
        await account_tokens.redeem(account_tokens.VERIFY, token, now=issued + timedelta(days=3, seconds=1))
    assert (await other_client.get(f"/verify-email/{token[:-2]}", follow_redirects=False)).status_code == 410


async def test_sign_up_does_not_sign_in_until_the_link_is_opened(client):
    token = await csrf_token(client, "/signup")
    email = "pending-owner@example.com"
    response = await client.post("/signup", data={"business_name": "Pending Co", "email": email, "password": PASSWORD},
                                 headers={"x-csrftoken": token})
    assert "Check your email" in response.text
    assert (await client.get("/", follow_redirects=False)).status_code in (302, 303)
    user = await User.objects().where(User.email == email).first()
    assert user is not None and not user.email_verified
    await client.get(await emailed_link(email, "/verify-email/"))
    assert (await client.get("/", follow_redirects=False)).status_code == 200


async def test_an_unverified_vendor_can_work_but_not_email_invoices(vendor):
    await User.update({User.email_verified: False}).where(User.email == vendor.email)
    customer = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, customer.id)
    dialog = await vendor.client.get(f"/invoices/{invoice_id}/send", headers={"hx-request": "true"})
    assert "Confirm your email address to email invoices." in dialog.text and "Resend verification email" in dialog.text
    sent = await vendor.post(f"/invoices/{invoice_id}/send", {
        "to": "jane@example.com", "subject": "Invoice", "message": "Hello", "method": "manual", "action": "send"})
    assert sent.status_code == 422 and "Confirm your email address first" in sent.text
    assert await OutboxMessage.count().where(OutboxMessage.invoice == invoice_id) == 0
    resent = await vendor.post("/account/verify-email")
    assert "We sent a new confirmation link" in resent.text
    await vendor.client.get(await emailed_link(vendor.email, "/verify-email/"))
    sent = await vendor.post(f"/invoices/{invoice_id}/send", {
        "to": "jane@example.com", "subject": "Invoice", "message": "Hello", "method": "manual", "action": "send"})
    assert sent.status_code == 200
    assert await OutboxMessage.count().where(OutboxMessage.invoice == invoice_id) == 1


async def test_change_email_confirms_at_the_new_address_and_tells_the_old_one(vendor, other_client):
    wrong = await vendor.post("/account/email", {"new_email": "new-address@example.com", "password": "not it at all"})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.text
    asked = await vendor.post("/account/email", {"new_email": "New-Address@example.com", "password": PASSWORD})
    assert asked.status_code == 200 and "We sent a confirmation link to new-address@example.com" in asked.text
    notice = await OutboxMessage.select(OutboxMessage.subject).where(OutboxMessage.to == vendor.email).first()
    assert notice["subject"] == "Your PayPort email address is being changed"
    assert (await _log_in(other_client, "new-address@example.com", PASSWORD)).status_code == 401, "not before confirming"
    path = await emailed_link("new-address@example.com", "/account/email/")
    confirmed = await other_client.get(path)
    assert "You now log in with new-address@example.com." in confirmed.text
    assert (await other_client.get(path)).status_code == 410, "the link works once"
    assert (await _log_in(other_client, "new-address@example.com", PASSWORD)).status_code == 302


async def test_change_password_needs_the_current_one_and_ends_other_sessions(vendor, other_client):
    assert (await _log_in(other_client, vendor.email, PASSWORD)).status_code == 302
    wrong = await vendor.post("/account/password", {"current_password": "nope nope nope", "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.text
    done = await vendor.post("/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert done.status_code == 200 and "Password changed" in done.text
    assert (await vendor.client.get("/", follow_redirects=False)).status_code == 200, "this browser stays in"
    assert (await other_client.get("/", follow_redirects=False)).status_code in (302, 303)
