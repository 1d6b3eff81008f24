"""The `payport` command: migrate, seed, serve, and the Stripe sandbox."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import subprocess
import sys

from app.settings import SettingsError, get_settings

DEMO_EMAIL = "demo@payport.local"
DEMO_PASSWORD = "payport-demo-2026"


async def _migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from app.db import prepare_database

    await prepare_database()
    result = await run_forwards(app_name="all", fake=False)
    if not result.success:
        raise SystemExit(f"Migrations failed: {result.message}")


async def _seed_demo() -> None:
    from app.services.accounts import SignupForm, sign_up
    from app.tables.vendors import User

    if await User.exists().where(User.email == DEMO_EMAIL):
        return
    await sign_up(SignupForm("Demo Studio", DEMO_EMAIL, DEMO_PASSWORD))


async def _reconcile() -> None:
    from app.services.payments.reconciliation import reconcile

    report = await reconcile()
    for line in report.changed:
        print(line)
    for line in report.errors:
        print(f"error: {line}", file=sys.stderr)
    print(report.summary())
    if report.errors:
        raise SystemExit(1)


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    if args.port:
        # The app factory reads settings itself (in each worker): hand the port over through the environment.
        os.environ["PORT"] = str(args.port)
        get_settings.cache_clear()
    settings = get_settings()
    port = settings.port
    print(f"PayPort is running at http://{args.host}:{port}", flush=True)
    print(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}", flush=True)
    uvicorn.run(
        "app.asgi:app_factory", factory=True, host=args.host, port=port,
        workers=args.workers, timeout_graceful_shutdown=5, log_level="info",
    )


SANDBOX_PORT = 12111
SANDBOX_KEY = "sk_test_payport_platform"


def _start_sandbox(data_dir: str) -> subprocess.Popen | None:
    """Start the offline Stripe sandbox unless real Stripe keys are configured."""
    if os.environ.get("STRIPE_SECRET_KEY"):
        return None
    if importlib.util.find_spec("stripe_sandbox.cli") is None:
        print("Stripe sandbox not installed; Stripe features stay off.", flush=True)
        return None
    url = f"http://127.0.0.1:{SANDBOX_PORT}"
    os.environ.update(STRIPE_SECRET_KEY=SANDBOX_KEY, STRIPE_API_BASE=url)
    get_settings.cache_clear()
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(SANDBOX_PORT), "--db", f"{data_dir}/sandbox.sqlite3"]
    )
    print(f"Stripe sandbox (no real money) at {url}", flush=True)
    return process


def _run(args: argparse.Namespace) -> None:
    """What `make run` does: migrate, seed the demo vendor, start the sandbox, serve."""
    asyncio.run(_migrate())
    asyncio.run(_seed_demo())
    sandbox = _start_sandbox(str(get_settings().data_dir))
    try:
        _serve(args)
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(timeout=10)


def _sandbox(argv: list[str]) -> None:
    from stripe_sandbox.cli import main as sandbox_main

    sandbox_main(argv)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="payport", description="PayPort invoice desk")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed", help="create the demo vendor once")
    sub.add_parser("reconcile", help="compare open Checkout Sessions and undelivered events with Stripe and apply them")
    serve = sub.add_parser("serve", help="serve the app with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--workers", type=int, default=1)
    run = sub.add_parser("run", help="migrate, seed the demo, start the Stripe sandbox and serve")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=0)
    run.add_argument("--workers", type=int, default=1)
    sub.add_parser("sandbox", help="serve the offline Stripe sandbox", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `payport` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:
        _sandbox(argv[1:])
        return
    args = _parser().parse_args(argv)
    try:
        get_settings()
    except SettingsError as exc:
        raise SystemExit(str(exc)) from None
    if args.command == "migrate":
        asyncio.run(_migrate())
    elif args.command == "seed":
        asyncio.run(_seed_demo())
    elif args.command == "reconcile":
        asyncio.run(_reconcile())
    elif args.command == "serve":
        _serve(args)
    elif args.command == "run":
        _run(args)


if __name__ == "__main__":
    main()
