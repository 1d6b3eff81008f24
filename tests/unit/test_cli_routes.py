"""`payport routes` lists every route with its handler, through Litestar's own routes command."""

from __future__ import annotations

import os
import subprocess
import sys


def test_payport_routes_lists_the_apps_routes_and_handlers(tmp_path):
    env = {**os.environ, "PAYPORT_DATA_DIR": str(tmp_path), "PAYPORT_ENV": "test", "COLUMNS": "200"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "app.cli", "routes"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for path in ("/invoices/{invoice_id:int}/send", "/invoices/{invoice_id:int}/payment-link", "/settings/stripe",
                 "/webhooks/stripe", "/pay/{token:str}"):
        assert f"{path} (HTTP)" in out
    send = out.split("\n/invoices/{invoice_id:int}/send (HTTP)\n", 1)[1].split(" (HTTP)", 1)[0]
    assert "dialog async GET" in send and "send async POST" in send
    assert "/schema" not in out
