"""Pages that answer htmx with a partial and a plain browser with the page say so in Vary: HX-Request."""

from __future__ import annotations

import pytest

from tests.unit.fixtures import csrf_token


@pytest.mark.parametrize("path", ["/login", "/signup"])
async def test_login_and_signup_errors_vary_on_hx_request(client, path):
    token = await csrf_token(client, path)
    data = {"email": "nobody@example.com", "password": "short", "_csrf_token": token}
    plain = await client.post(path, data=data)
    swap = await client.post(path, data=data, headers={"HX-Request": "true"})
    assert "<html" in plain.text.lower() and "<html" not in swap.text.lower()
    assert plain.headers.get("vary") == "HX-Request" and swap.headers.get("vary") == "HX-Request"
