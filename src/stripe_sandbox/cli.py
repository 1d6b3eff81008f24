"""`payport sandbox` / `python -m stripe_sandbox`: serve the sandbox with uvicorn."""

from __future__ import annotations

import argparse
import os

import uvicorn

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 12111


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options; the environment supplies the defaults."""
    parser = argparse.ArgumentParser(prog="payport sandbox", description="Offline Stripe-compatible sandbox.")
    parser.add_argument("--host", default=os.environ.get("SANDBOX_HOST", DEFAULT_HOST))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", DEFAULT_PORT)))
    parser.add_argument("--db", default=os.environ.get("SANDBOX_DB_PATH", "stripe-sandbox.sqlite3"), help="SQLite file, or :memory:")
    parser.add_argument("--public-url", default=os.environ.get("SANDBOX_PUBLIC_URL"), help="base URL of hosted pages")
    parser.add_argument("--fast-retries", action="store_true", help="retry webhooks within about a second (tests)")
    parser.add_argument(
        "--allow-local-webhooks", action="store_true", help="accept http and local webhook URLs, which Stripe refuses (development, tests)"
    )
    parser.add_argument(
        "--onboarding-delay", type=float, default=None, help="seconds from details submitted to active (0: at once; default 3, or 0.3 with --fast-retries)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted."""
    args = parse_args(argv)
    os.environ["SANDBOX_DB_PATH"] = args.db
    if args.public_url:
        os.environ["SANDBOX_PUBLIC_URL"] = args.public_url
    if args.fast_retries:
        os.environ["SANDBOX_DELIVERY_FAST"] = "1"
    if args.onboarding_delay is not None:
        os.environ["SANDBOX_ONBOARDING_DELAY"] = str(args.onboarding_delay)
    if args.allow_local_webhooks:
        os.environ["SANDBOX_ALLOW_LOCAL_WEBHOOKS"] = "1"
    uvicorn.run("stripe_sandbox.app:create_app_from_env", factory=True, host=args.host, port=args.port, log_level="info")
