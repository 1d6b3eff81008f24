"""Two-factor sign-in with codes computed by pyotp, recovery codes, the trusted-browser cookie, the owner's rule."""

import re
import time

import pyotp

from litestar.testing import AsyncTestClient

from app.services import two_factor
from app.tables.mail import OutboxMessage
from app.services.login_throttle import PAIR_LIMIT
from app.tables.security import RecoveryCode
from app.tables.vendors import User
from tests.unit.fixtures import PASSWORD, csrf_token, logged_in_vendor

SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')
PENDING = re.compile(r'name="pending" value="([^"]+)"')
CODES = re.compile(r"<li><code>([0-9a-f-]{14})</code></li>")


async def _enrol(session) -> tuple[str, list[str]]:
    """Turn two-factor on through the page, as a person with an authenticator app would."""
    page = (await session.client.get("/account/two-factor")).text
    secret, pending = SECRET.search(page).group(1).replace(" ", ""), PENDING.search(page).group(1)
    wrong = await session.post("/account/two-factor", {"pending": pending, "code": "000000"}, htmx=False)
    assert wrong.status_code == 422 and "That code is not right." in wrong.text
    assert SECRET.search(wrong.text).group(1).replace(" ", "") == secret, "the scanned secret stays"
    done = await session.post("/account/two-factor", {"pending": pending, "code": pyotp.TOTP(secret).now()}, htmx=False)
    assert done.status_code == 200 and "Two-factor is on" in done.text
    return secret, CODES.findall(done.text)


async def _password_step(client, email: str, password: str = PASSWORD):
    token = await csrf_token(client)
    return await client.post("/login", data={"email": email, "password": password},
                             headers={"x-csrftoken": token}, follow_redirects=False)


async def _code_step(client, code: str, trust: bool = False):
    token = await csrf_token(client, "/login")
    data = {"code": code, **({"trust": "on"} if trust else {})}
    return await client.post("/login/two-factor", data=data, headers={"x-csrftoken": token}, follow_redirects=False)


async def test_enrolment_stores_nothing_until_a_code_confirms_it(vendor):
    await vendor.client.get("/account/two-factor")
    user = await User.objects().where(User.email == vendor.email).first()
    assert user.totp_secret == "" and user.totp_enabled_at is None
    secret, codes = await _enrol(vendor)
    user = await User.objects().where(User.email == vendor.email).first()
    assert user.totp_enabled_at is not None and secret not in user.totp_secret, "the secret is stored encrypted"
    assert len(codes) == 10 and len(set(codes)) == 10
    hashes = [r["code_hash"] for r in await RecoveryCode.select(RecoveryCode.code_hash).where(RecoveryCode.user == user.id)]
    assert len(hashes) == 10 and not any(code in h for code in codes for h in hashes)


async def test_sign_in_asks_for_the_code_after_the_password(vendor, other_client):
    secret, _ = await _enrol(vendor)
    step = await _password_step(other_client, vendor.email)
    assert step.status_code == 303 and step.headers["location"] == "/login/two-factor"
    wrong = await _code_step(other_client, "123456")
    assert wrong.status_code == 401 and "That code is not right." in wrong.text
    assert "Enter your code" in (await other_client.get("/login/two-factor")).text, "still at the code step"
    right = await _code_step(other_client, pyotp.TOTP(secret).now())
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert (await other_client.get("/", follow_redirects=False)).status_code == 200


async def test_the_pending_step_grants_nothing(vendor, other_client):
    await _enrol(vendor)
    await _password_step(other_client, vendor.email)
    assert (await other_client.get("/invoices", follow_redirects=False)).status_code in (302, 303)
    assert (await _code_step(other_client, "123456")).status_code in (303, 401)
    assert (await other_client.get("/invoices", follow_redirects=False)).status_code in (302, 303)


async def test_a_recovery_code_signs_in_once(vendor, app):
    _, codes = await _enrol(vendor)
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as first:
        await _password_step(first, vendor.email)
        assert (await _code_step(first, codes[3].upper())).status_code == 303
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as second:
        await _password_step(second, vendor.email)
        again = await _code_step(second, codes[3])
        assert again.status_code == 401, "a recovery code works once"
        assert (await _code_step(second, codes[4])).status_code == 303
    page = await vendor.client.get("/account/security")
    assert "8 of 10 recovery codes left" in page.text


async def test_trust_this_browser_skips_the_code_and_the_cookie_cannot_be_forged(vendor, other_client):
    secret, _ = await _enrol(vendor)
    await _password_step(other_client, vendor.email)
    done = await _code_step(other_client, pyotp.TOTP(secret).now(), trust=True)
    cookie = done.cookies[two_factor.TRUST_COOKIE]
    await other_client.post("/logout", headers={"x-csrftoken": await csrf_token(other_client, "/")})
    again = await _password_step(other_client, vendor.email)
    assert again.headers["location"] == "/", "the trusted browser goes straight in"
    user = await User.objects().where(User.email == vendor.email).first()
    assert two_factor.trusted(cookie, user.id)
    uid, expires, signature = cookie.split(".")
    assert not two_factor.trusted(cookie, user.id + 1), "bound to the person"
    assert not two_factor.trusted(f"{user.id + 1}.{expires}.{signature}", user.id + 1)
    assert not two_factor.trusted(f"{uid}.{int(expires) + 999}.{signature}", user.id), "the expiry is signed"
    assert not two_factor.trusted(two_factor.trust_cookie(user.id, now=time.time() - 31 * 86400), user.id)
    assert not two_factor.trusted("garbage", user.id)


async def test_wrong_codes_are_throttled_for_that_address_only(vendor, other_client, app):
    secret, _ = await _enrol(vendor)
    await _password_step(other_client, vendor.email)
    for _ in range(PAIR_LIMIT):
        assert (await _code_step(other_client, "000000")).status_code == 401
    throttled = await _code_step(other_client, pyotp.TOTP(secret).now())
    assert throttled.status_code == 429 and "Too many wrong codes" in throttled.text
    notices = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.text).where(
        (OutboxMessage.to == vendor.email) & OutboxMessage.subject.like("Wrong two-factor codes%"))
    assert len(notices) == 1 and "knows your password" in notices[0]["text"], "the owner is told once"


async def test_turning_off_needs_the_password(vendor, other_client):
    await _enrol(vendor)
    wrong = await vendor.post("/account/two-factor/disable", {"disable_password": "not my password"})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.text
    off = await vendor.post("/account/two-factor/disable", {"disable_password": PASSWORD})
    assert off.status_code == 200 and "Set up two-factor" in off.text
    assert (await _password_step(other_client, vendor.email)).headers["location"] == "/"


async def test_an_owner_can_require_two_factor_and_the_next_sign_in_enrols(vendor, other_client):
    saved = await vendor.post("/account/two-factor/require", {"required": "on"})
    assert saved.status_code == 200 and "checked" in saved.text
    step = await _password_step(other_client, vendor.email)
    assert step.headers["location"] == "/login/two-factor/setup"
    page = (await other_client.get("/login/two-factor/setup")).text
    secret, pending = SECRET.search(page).group(1).replace(" ", ""), PENDING.search(page).group(1)
    token = await csrf_token(other_client, "/login")
    done = await other_client.post("/login/two-factor/setup", data={"pending": pending, "code": pyotp.TOTP(secret).now()},
                                   headers={"x-csrftoken": token})
    assert "Two-factor is on" in done.text and len(CODES.findall(done.text)) == 10
    assert (await other_client.get("/", follow_redirects=False)).status_code == 200


async def test_a_pending_setup_form_of_another_person_is_refused(vendor, other_client):
    other = await logged_in_vendor(other_client, "Other Co")
    page = (await other.client.get("/account/two-factor")).text
    secret, pending = SECRET.search(page).group(1).replace(" ", ""), PENDING.search(page).group(1)
    stolen = await vendor.post("/account/two-factor", {"pending": pending, "code": pyotp.TOTP(secret).now()}, htmx=False)
    assert stolen.status_code == 422
    assert (await User.objects().where(User.email == vendor.email).first()).totp_enabled_at is None


async def test_a_strangers_wrong_codes_never_hold_up_the_owners_address():
    from datetime import datetime, timedelta, timezone

    from app.services import login_throttle

    now = datetime.now(timezone.utc)
    for _ in range(PAIR_LIMIT):
        await login_throttle.reserve_attempt("owner-2fa@example.com", "198.51.100.7", now, kind="2fa")
    try:
        await login_throttle.reserve_attempt("owner-2fa@example.com", "198.51.100.7", now, kind="2fa")
        raise AssertionError("the guessing address should wait")
    except login_throttle.LoginThrottled as exc:
        assert exc.retry_after >= timedelta(seconds=59)
    await login_throttle.reserve_attempt("owner-2fa@example.com", "203.0.113.5", now, kind="2fa")  # the owner
    await login_throttle.reserve_attempt("owner-2fa@example.com", "203.0.113.5", now, kind="login")


async def test_a_password_reset_ends_a_browser_waiting_at_the_code_step(vendor, other_client):
    from app.services import user_sessions

    secret, _ = await _enrol(vendor)
    await _password_step(other_client, vendor.email)
    user = await User.objects().where(User.email == vendor.email).first()
    assert await user_sessions.end_all(user.id) == 2, "the signed-in browser and the one at the code step"
    right = await _code_step(other_client, pyotp.TOTP(secret).now())
    assert right.headers["location"] == "/login", "the pending sign-in is gone"
