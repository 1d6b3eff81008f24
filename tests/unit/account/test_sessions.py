"""The person's sessions: listed with browser, address and last seen; revoked ones end at once."""

import re

from app.services.user_sessions import describe_browser
from app.services.login_throttle import PAIR_LIMIT
from app.tables.mail import OutboxMessage
from app.tables.sessions import SessionRecord
from app.tables.vendors import User
from tests.unit.fixtures import PASSWORD, csrf_token

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")


async def _log_in(client, email: str, user_agent: str):
    token = await csrf_token(client)
    return await client.post("/login", data={"email": email, "password": PASSWORD},
                             headers={"x-csrftoken": token, "user-agent": user_agent}, follow_redirects=False)


def test_browsers_are_named_from_the_user_agent():
    assert describe_browser(FIREFOX) == "Firefox on Windows"
    assert describe_browser(SAFARI) == "Safari on iPhone"
    assert describe_browser("") == "Unknown browser"


async def test_sessions_are_listed_and_one_can_be_signed_out_at_once(vendor, other_client):
    assert (await _log_in(other_client, vendor.email, FIREFOX)).status_code == 302
    page = await vendor.client.get("/account/security")
    assert "Firefox on Windows" in page.text and "This browser" in page.text
    user = await User.objects().where(User.email == vendor.email).first()
    firefox = await SessionRecord.select(SessionRecord.id, SessionRecord.address).where(
        (SessionRecord.user_id == user.id) & (SessionRecord.user_agent == FIREFOX)).first()
    assert firefox["address"]
    answer = await vendor.post(f"/account/sessions/{firefox['id']}/revoke")
    assert "One browser was signed out." in answer.text and "Firefox on Windows" not in answer.text
    assert (await other_client.get("/", follow_redirects=False)).status_code in (302, 303)
    assert (await vendor.client.get("/", follow_redirects=False)).status_code == 200


async def test_sign_out_all_others_keeps_this_browser(vendor, other_client, app):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as third:
        await _log_in(other_client, vendor.email, FIREFOX)
        await _log_in(third, vendor.email, SAFARI)
        answer = await vendor.post("/account/sessions/revoke-others")
        assert "2 browsers were signed out." in answer.text
        for browser in (other_client, third):
            assert (await browser.get("/", follow_redirects=False)).status_code in (302, 303)
    assert (await vendor.client.get("/", follow_redirects=False)).status_code == 200


async def test_a_session_of_another_person_cannot_be_revoked(vendor, other_vendor):
    theirs = await SessionRecord.select(SessionRecord.id).where(
        SessionRecord.user_id == (await User.objects().where(User.email == other_vendor.email).first()).id).first()
    answer = await vendor.post(f"/account/sessions/{theirs['id']}/revoke")
    assert "No other browser was signed in." in answer.text
    assert (await other_vendor.client.get("/", follow_redirects=False)).status_code == 200


async def test_the_reset_form_is_throttled_per_address_and_never_floods_an_inbox(client, other_vendor):
    token = await csrf_token(client, "/forgot-password")
    answers = [await client.post("/forgot-password", data={"email": other_vendor.email}, headers={"x-csrftoken": token})
               for _ in range(PAIR_LIMIT + 2)]
    assert [a.status_code for a in answers[:PAIR_LIMIT]] == [200] * PAIR_LIMIT
    assert answers[-1].status_code == 429 and re.search(r"Try again in", answers[-1].text)
    assert await OutboxMessage.count().where(OutboxMessage.to == other_vendor.email) == PAIR_LIMIT
