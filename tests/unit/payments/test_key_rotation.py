"""SECRET_KEY rotation: old keys still decrypt stored Stripe secrets, new writes and `payport rotate-secrets` use the new one."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid

import pytest
from litestar.middleware.csrf import generate_csrf_token

from app import encryption
from app.services.payments.secrets import rotate_secrets
from app.settings import get_settings
from app.tables.payments import StripeConnection
from tests import factories
from tests.support import ROOT
from tests.unit.fixtures import CSRF_INPUT

UNIT_KEY = get_settings().secret_key
NEW_KEY = "the-new-secret-key-after-rotation-0123456789"
OTHER_KEY = "a-key-this-deployment-never-had-0123456789ab"


def _use_keys(monkeypatch, current: str, *old: str) -> None:
    settings = dataclasses.replace(get_settings(), secret_key=current, old_secret_keys=old)
    monkeypatch.setattr(encryption, "get_settings", lambda: settings)


async def _connection(secret_key_enc: str, webhook_secret_enc: str) -> StripeConnection:
    user = await factories.vendor("Rotation Ltd", f"rotate-{uuid.uuid4().hex[:8]}@example.com")
    row = StripeConnection(vendor=user.vendor, mode="key", secret_key_enc=secret_key_enc,
                           webhook_secret_enc=webhook_secret_enc, secret_key_last4="4242")
    await row.save()
    return row


def test_an_old_key_still_decrypts_and_new_writes_use_the_current_key(monkeypatch):
    _use_keys(monkeypatch, UNIT_KEY)
    stored = encryption.encrypt("sk_test_before")
    _use_keys(monkeypatch, NEW_KEY, UNIT_KEY)
    assert encryption.decrypt(stored) == "sk_test_before"
    written = encryption.encrypt("sk_test_after")
    _use_keys(monkeypatch, NEW_KEY)  # the old key dropped from the list
    assert encryption.decrypt(written) == "sk_test_after"
    with pytest.raises(encryption.SecretUnreadable):
        encryption.decrypt(stored)


def _rotate(current: str, old: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SECRET_KEY": current, "PAYPORT_OLD_SECRET_KEYS": old}
    return subprocess.run([sys.executable, "-m", "app.cli", "rotate-secrets"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


async def test_rotate_secrets_reencrypts_everything_with_the_current_key(monkeypatch):
    row = await _connection(encryption.encrypt("sk_test_rotate"), encryption.encrypt("whsec_rotate"))
    done = _rotate(NEW_KEY, f" {UNIT_KEY} ,")
    assert done.returncode == 0, done.stderr
    assert "stored secrets now encrypted with the current SECRET_KEY" in done.stdout
    rotated = await StripeConnection.objects().where(StripeConnection.id == row.id).first()
    _use_keys(monkeypatch, NEW_KEY)  # no old key needed any more
    assert encryption.decrypt(rotated.secret_key_enc) == "sk_test_rotate"
    assert encryption.decrypt(rotated.webhook_secret_enc) == "whsec_rotate"
    monkeypatch.undo()
    # And back, so the rest of the run reads every stored secret with its own key.
    assert _rotate(UNIT_KEY, NEW_KEY).returncode == 0
    back = await StripeConnection.objects().where(StripeConnection.id == row.id).first()
    assert encryption.decrypt(back.secret_key_enc) == "sk_test_rotate"


async def test_a_secret_no_configured_key_reads_is_named_and_left_unchanged(monkeypatch):
    _use_keys(monkeypatch, OTHER_KEY)
    lost = encryption.encrypt("sk_test_lost")
    monkeypatch.undo()
    row = await _connection(lost, "")
    try:
        report = await rotate_secrets()
        assert f"stripe_connection {row.id} secret_key_enc" in report.unreadable
        assert (await StripeConnection.objects().where(StripeConnection.id == row.id).first()).secret_key_enc == lost
    finally:
        await StripeConnection.delete().where(StripeConnection.id == row.id)


async def test_a_csrf_cookie_signed_with_the_old_key_is_renewed_on_the_next_page(client, vendor):
    client.cookies.set("payport_csrf", generate_csrf_token(secret=NEW_KEY), domain="127.0.0.1", path="/")
    page = await client.get("/")
    assert page.status_code == 200
    renewed = client.cookies.get("payport_csrf")
    assert renewed and renewed != vendor.csrf
    token = CSRF_INPUT.search(page.text).group(1) if CSRF_INPUT.search(page.text) else renewed
    response = await client.post("/logout", headers={"x-csrftoken": token}, follow_redirects=False)
    assert response.status_code in (302, 303)  # a form posts again after one page load
