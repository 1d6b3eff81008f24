"""Sign up, log in, log out, throttling, session rotation, CSRF and security headers."""

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from app.services.accounts import MAX_FAILURES, LoginThrottled, authenticate
from app.tables.mail import OutboxMessage
from app.tables.sessions import SessionRecord
from app.tables.vendors import User, Vendor
from tests.unit.fixtures import PASSWORD, csrf_token, sign_up


async def test_sign_up_creates_vendor_and_owner_and_logs_in(client):
    session = await sign_up(client, "Blue Bakery")
    vendor = await Vendor.objects().where(Vendor.id == session.vendor_id).first()
    assert vendor.name == "Blue Bakery"
    user = await User.objects().where(User.email == session.email).first()
    assert user.is_owner and user.password_hash.startswith("$argon2")
    assert "$m=8,t=1,p=1$" in user.password_hash, "test mode hashes with argon2-cffi's cheapest profile"
    page = await client.get("/")
    assert page.status_code == 200 and "Blue Bakery" in page.text


async def test_sign_up_errors_are_shown_in_place_and_nothing_is_saved(client):
    token = await csrf_token(client, "/signup")
    before = await Vendor.count()
    response = await client.post(
        "/signup", data={"business_name": "", "email": "nope", "password": "short"},
        headers={"x-csrftoken": token, "hx-request": "true"},
    )
    assert response.status_code == 422
    assert "Enter your business name." in response.text
    assert "Enter a valid email address" in response.text
    assert "Use at least 10 characters." in response.text
    assert await Vendor.count() == before


async def test_sign_up_with_a_registered_email_answers_like_a_new_one_and_tells_the_owner(client, other_client):
    first = await sign_up(client)
    vendors = await Vendor.count()

    async def post(browser, email):
        token = await csrf_token(browser, "/signup")
        return await browser.post("/signup", data={"business_name": "Copycat", "email": email, "password": PASSWORD},
                                  headers={"x-csrftoken": token}, follow_redirects=False)

    taken = await post(other_client, first.email.upper())
    fresh = await post(other_client, f"new-{uuid.uuid4().hex[:8]}@example.com")
    assert (taken.status_code, taken.headers["location"], taken.text) == (
        fresh.status_code, fresh.headers["location"], fresh.text)
    assert set(taken.cookies) == set(fresh.cookies)
    assert await Vendor.count() == vendors + 1, "only the new email made a vendor"
    assert (await other_client.get("/", follow_redirects=False)).status_code in (302, 303), "nobody is signed in"
    notice = await OutboxMessage.select(OutboxMessage.subject).where(OutboxMessage.to == first.email).order_by(
        OutboxMessage.id, ascending=False).first()
    assert notice["subject"] == "Someone tried to sign up with your email"


async def test_login_wrong_password_then_right_one(client, other_client):
    owner = await sign_up(client)
    token = await csrf_token(other_client)
    wrong = await other_client.post("/login", data={"email": owner.email, "password": "bad password!"},
                                    headers={"x-csrftoken": token})
    assert wrong.status_code == 401 and "Wrong email or password." in wrong.text
    assert (await other_client.get("/", follow_redirects=False)).status_code in (302, 303)
    right = await other_client.post("/login", data={"email": owner.email, "password": PASSWORD},
                                    headers={"x-csrftoken": token}, follow_redirects=False)
    assert right.status_code in (302, 303)
    assert (await other_client.get("/")).status_code == 200


async def test_session_id_is_rotated_at_login(client, other_client):
    owner = await sign_up(client)
    await other_client.get("/login")
    token = await csrf_token(other_client)
    # A planted pre-login session id (session fixation) must not survive the login.
    other_client.cookies.delete("payport_session")
    other_client.cookies.set("payport_session", "attacker-chosen-id", domain="127.0.0.1")
    await SessionRecord.insert(SessionRecord(key="attacker-chosen-id", data=b'{"x": 1}'))
    await other_client.post("/login", data={"email": owner.email, "password": PASSWORD},
                            headers={"x-csrftoken": token})
    new_id = other_client.cookies.get("payport_session")
    assert new_id and new_id != "attacker-chosen-id"
    assert not await SessionRecord.exists().where(SessionRecord.key == "attacker-chosen-id")


async def test_logout_ends_the_session(vendor):
    sid = vendor.client.cookies.get("payport_session")
    response = await vendor.post("/logout", htmx=False, follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"] == "/login"
    assert not await SessionRecord.exists().where(SessionRecord.key == sid)
    assert (await vendor.client.get("/", follow_redirects=False)).headers["location"] == "/login"


async def test_login_is_throttled_per_account():
    from app.services.accounts import LoginThrottled, SignupForm, sign_up as create

    user = await create(SignupForm("Throttle Co", "throttle@example.com", PASSWORD))
    now = datetime.now(timezone.utc)
    for _ in range(MAX_FAILURES):
        assert await authenticate(user.email, "wrong-password", now=now) is None
    with pytest.raises(LoginThrottled):
        await authenticate(user.email, PASSWORD, now=now)
    assert await authenticate(user.email, PASSWORD, now=now + timedelta(minutes=16)) is not None


async def test_throttled_login_answers_429_with_a_message(client):
    owner = await sign_up(client)
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client, "/")})
    token = await csrf_token(client)
    for _ in range(MAX_FAILURES):
        await client.post("/login", data={"email": owner.email, "password": "nope-nope-nope"},
                          headers={"x-csrftoken": token})
    locked = await client.post("/login", data={"email": owner.email, "password": PASSWORD},
                               headers={"x-csrftoken": token})
    assert locked.status_code == 429 and "Too many failed attempts" in locked.text


async def test_unsafe_method_without_csrf_token_is_forbidden(vendor):
    response = await vendor.client.post("/logout", headers={"hx-request": "true"})
    assert response.status_code == 403
    assert (await vendor.client.get("/")).status_code == 200, "the session must still be alive"


async def test_security_headers_on_every_response(client):
    for path in ("/login", "/static/app.css", "/no-such-page"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"]


async def test_session_cookie_flags(client):
    await sign_up(client)
    response = await client.get("/")
    assert response.status_code == 200
    login = await client.get("/login")
    cookie = login.headers.get("set-cookie", "")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


async def test_unknown_host_is_rejected(client):
    response = await client.get("/login", headers={"host": "evil.example.com"})
    assert response.status_code == 400


async def test_anonymous_htmx_request_is_sent_to_login(client):
    response = await client.get("/settings", headers={"hx-request": "true"})
    assert response.status_code == 401 and response.headers["hx-redirect"] == "/login"


async def test_a_session_read_that_overlaps_a_write_is_not_cached_stale(vendor, monkeypatch):
    """A request that read the session just before another saved it must not serve the old copy later."""
    from app import sessions

    real = sessions.SessionRecord
    store = sessions.DatabaseStore()
    key = vendor.client.cookies.get("payport_session")

    class ReadThenConcurrentWrite:
        def __init__(self, *columns):
            self.columns = columns

        def where(self, *_):
            return self

        async def first(self):
            row = await real.select(*self.columns).where(real.key == key).first()
            await store.set(key, b'{"written": "meanwhile"}')  # lands while this read is still in flight
            return row

    class Table:
        def __getattr__(self, name):
            return getattr(real, name)

        select = staticmethod(ReadThenConcurrentWrite)

    sessions._recent.pop(key, None)
    monkeypatch.setattr(sessions, "SessionRecord", Table())
    await store.get(key)
    monkeypatch.setattr(sessions, "SessionRecord", real)
    assert await store.get(key) == b'{"written": "meanwhile"}'


async def test_visitors_and_webhook_calls_get_no_session(client):
    before = await SessionRecord.count()
    login_form = await client.get("/login")
    webhook = await client.post("/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    assert login_form.status_code == 200 and webhook.status_code in (400, 503)
    for response in (login_form, webhook):
        assert "payport_session" not in response.headers.get("set-cookie", "")
    assert await SessionRecord.count() == before  # no row per anonymous request


async def _owner(name: str):
    from app.services.accounts import SignupForm, sign_up as create

    return await create(SignupForm(name, f"{uuid.uuid4().hex[:10]}@example.com", PASSWORD), verified=True)


async def test_concurrent_guesses_reach_the_password_hash_at_most_the_limit(client, monkeypatch):
    from app.services import accounts

    user = await _owner("Burst Co")
    checked = []
    real = accounts.verify_password

    async def counting(password_hash, password):
        checked.append(password)
        return await real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    now = datetime.now(timezone.utc)
    results = await asyncio.gather(
        *(authenticate(user.email, f"wrong-{i}", now=now, address="203.0.113.9") for i in range(25)),
        return_exceptions=True,
    )
    assert all(r is None or isinstance(r, LoginThrottled) for r in results), results
    assert len(checked) <= MAX_FAILURES
    with pytest.raises(LoginThrottled):  # the right password from the guessing address waits too
        await authenticate(user.email, PASSWORD, now=now, address="203.0.113.9")
    assert len(checked) <= MAX_FAILURES


async def test_concurrent_logins_over_http_never_answer_500(client):
    owner = await sign_up(client)
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client, "/")})
    token = await csrf_token(client)
    responses = await asyncio.gather(*(
        client.post("/login", data={"email": owner.email, "password": f"nope-{i}"}, headers={"x-csrftoken": token})
        for i in range(25)
    ))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {401, 429} and statuses.count(401) <= MAX_FAILURES, statuses
    right = await client.post("/login", data={"email": owner.email, "password": PASSWORD},
                              headers={"x-csrftoken": token})
    assert right.status_code == 429


async def test_a_strangers_guesses_never_lock_the_owner_out():
    user = await _owner("Owner Co")
    now = datetime.now(timezone.utc)
    for i in range(40):
        try:
            await authenticate(user.email, f"guess-{i}", now=now, address="198.51.100.7")
        except LoginThrottled:
            pass
    assert await authenticate(user.email, PASSWORD, now=now, address="192.0.2.1") is not None


async def test_delays_grow_for_an_address_that_keeps_guessing():
    user = await _owner("Patient Co")
    now, address = datetime.now(timezone.utc), "198.51.100.8"
    waits = []
    for _ in range(3):
        for i in range(MAX_FAILURES):
            assert await authenticate(user.email, f"guess-{i}", now=now, address=address) is None
        with pytest.raises(LoginThrottled) as caught:
            await authenticate(user.email, "one-more", now=now, address=address)
        waits.append(caught.value.retry_after)
        now += caught.value.retry_after + timedelta(seconds=1)
    assert waits[0] >= timedelta(minutes=1) and waits[1] >= 2 * waits[0] and waits[2] >= 2 * waits[1]
    assert await authenticate(user.email, PASSWORD, now=now, address=address) is not None


async def test_the_owner_is_emailed_once_when_their_account_is_guessed_at():
    from app.services.login_throttle import NOTICE_AFTER
    from app.tables.mail import OutboxMessage

    user = await _owner("Watched Co")
    now = datetime.now(timezone.utc)
    for i in range(NOTICE_AFTER * 3):  # from many addresses, so no delay stops them
        assert await authenticate(user.email, "wrong", now=now, address=f"198.51.100.{i}") is None
    notices = await OutboxMessage.select().where(
        (OutboxMessage.to == user.email) & (OutboxMessage.kind == "security_notice"))
    assert len(notices) == 1 and notices[0]["status"] == "queued"
    assert "wrong password" in notices[0]["text"] and f"{NOTICE_AFTER} times" in notices[0]["text"]
    assert await authenticate(user.email, "wrong", now=now, address="198.51.100.200") is None
    assert await OutboxMessage.count().where(OutboxMessage.to == user.email) == 1


async def test_logged_in_pages_and_partials_are_never_cached(vendor, client):
    for path, htmx in (("/", False), ("/invoices", False), ("/invoices/table", True), ("/customers", False),
                       ("/settings", False), ("/outbox", False)):
        response = await vendor.client.get(path, headers={"hx-request": "true"} if htmx else {})
        assert response.status_code == 200, path
        assert response.headers.get("cache-control") == "no-store", path
    static = await vendor.client.get("/static/app.css")
    assert "no-store" not in static.headers.get("cache-control", "")
    await vendor.post("/logout", htmx=False)
    back = await client.get("/", follow_redirects=False)  # after logout the page is not served again
    assert back.status_code in (302, 303)
