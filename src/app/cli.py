"""The `payport` command: migrate, seed, serve, and the Stripe sandbox."""

from __future__ import annotations

import argparse
import asyncio
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
    """Create the demo vendor and, the first time, a year of its data (never in production)."""
    import httpx

    from app.services.demo.seed import SandboxActor, seed_demo
    from app.stripe_gateway import is_sandbox_base

    settings = get_settings()
    if settings.production:
        print("Production mode: no demo vendor.", flush=True)
        return
    async with httpx.AsyncClient(base_url=settings.stripe_api_base or "http://sandbox.invalid", timeout=30) as http:
        actor = SandboxActor(http, settings.stripe_secret_key)
        sandbox = settings.stripe_secret_key and is_sandbox_base(settings.stripe_api_base)
        if sandbox:
            for _ in range(60):  # `make run` has just started it: give it a few seconds to listen
                if await actor.ready():
                    break
                await asyncio.sleep(0.25)
        report = await seed_demo(DEMO_EMAIL, DEMO_PASSWORD, actor if sandbox else None)
    if report is not None:
        print(f"Demo data: {report.customers} customers, {report.invoices} invoices, "
              f"{report.card_payments} card payments and {report.refunds} refunds through the Stripe sandbox.",
              flush=True)
        for line in report.skipped:
            print(line, flush=True)


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


async def _ledger_check(days: int, vendor: int | None = None) -> None:
    from app.money import format_money
    from app.services.payments.ledger_check import Totals, run_check

    apart = 0
    print(f"{'day':<10}  {'account':<24} {'cur':<3}  {'kind':<8}  {'PayPort gross/fee/net':>36}  "
          f"{'Stripe gross/fee/net':>36}")
    for check in await run_check(days, vendor_id=vendor):
        for key in check.keys():
            day, currency, kind = key
            ours, theirs = check.ours.get(key, Totals()), check.stripe.get(key, Totals())
            show = lambda t: " / ".join(format_money(v, currency) for v in (t.gross, t.fee, t.net))  # noqa: E731
            mark = "  DIFFERS" if check.differs(key) else ""
            apart += bool(mark)
            print(f"{day.isoformat():<10}  {check.account or 'platform':<24} {currency:<3}  {kind:<8}  "
                  f"{show(ours):>36}  {show(theirs):>36}{mark}")
    print(f"{apart} difference{'s' if apart != 1 else ''}")
    if apart:
        raise SystemExit(1)


async def _stripe_check() -> None:
    from app.services.payments.stripe_check import check_stripe

    report = await check_stripe()
    for line in report.lines():
        print(line)
    if report.problems:
        raise SystemExit(1)


async def _rotate_secrets() -> None:
    from app.services.payments.secrets import rotate_secrets

    report = await rotate_secrets()
    print(f"{report.rotated} stored secrets now encrypted with the current SECRET_KEY.")
    for where in report.unreadable:
        print(f"unreadable with every configured key, left unchanged: {where}", file=sys.stderr)
    if report.unreadable:
        raise SystemExit(1)


def _backup(args: argparse.Namespace) -> None:
    from pathlib import Path

    from app.backup import BackupError, backup_database, restore_database

    url = get_settings().database_url
    work = backup_database if args.command == "backup" else restore_database
    try:
        asyncio.run(work(url, Path(args.path)))
    except BackupError as exc:
        raise SystemExit(f"{args.command}: {exc}") from None
    print(f"Backup written to {args.path}" if args.command == "backup" else f"Restored from {args.path}")


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    if args.port:
        # The app factory reads settings itself (in each worker): hand the port over through the environment.
        os.environ["PORT"] = str(args.port)
        get_settings.cache_clear()
    settings = get_settings()
    if args.workers > 1 and not settings.is_postgres:
        # SQLite's writers queue on a lock inside one process, and live updates fan out only within it.
        raise SystemExit("--workers above 1 needs PostgreSQL (DATABASE_URL=postgres://...): on SQLite run one worker.")
    port = settings.port
    print(f"PayPort is running at http://{args.host}:{port}", flush=True)
    if not settings.production:
        print(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}", flush=True)
    # JSON lines: uvicorn's loggers go through the app's handler (root), and the app writes the access lines
    # itself, with the request id, which uvicorn's own access log cannot know.
    json_logs = {"log_config": None, "access_log": False} if settings.log_format == "json" else {}
    uvicorn.run(
        "app.asgi:app_factory", factory=True, host=args.host, port=port,
        workers=args.workers, timeout_graceful_shutdown=5, log_level="info", **json_logs,
    )


# Several checkouts on one machine each set SANDBOX_PORT (the sandbox's own CLI reads the same variable).
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT") or 12111)
SANDBOX_KEY = "sk_test_payport_platform"


def _start_sandbox(data_dir: str) -> subprocess.Popen | None:
    """Start the offline Stripe sandbox unless real Stripe keys are configured."""
    if os.environ.get("STRIPE_SECRET_KEY"):
        return None
    url = f"http://127.0.0.1:{SANDBOX_PORT}"
    os.environ.update(STRIPE_SECRET_KEY=SANDBOX_KEY, STRIPE_API_BASE=url)
    get_settings.cache_clear()
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(SANDBOX_PORT), "--db", f"{data_dir}/sandbox.sqlite3",
         "--allow-local-webhooks"]
    )
    print(f"Stripe sandbox (no real money) at {url}", flush=True)
    return process


def _run(args: argparse.Namespace) -> None:
    """What `make run` does: migrate, start the sandbox, seed the demo vendor (through the sandbox), serve."""
    asyncio.run(_migrate())
    sandbox = _start_sandbox(str(get_settings().data_dir))
    try:
        asyncio.run(_seed_demo())
        _serve(args)
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(timeout=10)


def _seed_with_sandbox() -> None:
    """`payport seed`: the demo vendor and its data, with the sandbox running for the card payments."""
    sandbox = _start_sandbox(str(get_settings().data_dir))
    try:
        asyncio.run(_seed_demo())
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(timeout=10)


def _sandbox(argv: list[str]) -> None:
    from stripe_sandbox.cli import main as sandbox_main

    sandbox_main(argv)


def _routes(argv: list[str]) -> None:
    """Litestar's own route listing (its `routes` command) for this app."""
    from litestar.cli.main import litestar_group

    litestar_group.main(["--app", "app.asgi:create_app", "routes", *argv], prog_name="payport routes")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="payport", description="PayPort invoice desk")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed", help="create the demo vendor and its demo data once (not in production)")
    sub.add_parser("reconcile", help="compare open Checkout Sessions and undelivered events with Stripe and apply them")
    ledger = sub.add_parser("ledger", help="the ledger: `payport ledger check` compares it with Stripe")
    ledger.add_argument("action", choices=["check"])
    ledger.add_argument("--days", type=int, default=7, help="days to check, ending today (UTC)")
    ledger.add_argument("--vendor", type=int, default=None, help="only this vendor id")
    stripe_cmd = sub.add_parser("stripe", help="Stripe tools")
    stripe_sub = stripe_cmd.add_subparsers(dest="stripe_command", required=True)
    stripe_sub.add_parser("check", help="check the Stripe configuration through the API; exit 1 on any problem")
    sub.add_parser("rotate-secrets", help="re-encrypt stored Stripe secrets with the current SECRET_KEY "
                                          "(old keys in PAYPORT_OLD_SECRET_KEYS)")
    backup = sub.add_parser("backup", help="write a consistent copy of the database to PATH (SQLite or pg_dump file)")
    backup.add_argument("path")
    restore = sub.add_parser("restore", help="load a backup from PATH into an empty database (DATABASE_URL)")
    restore.add_argument("path")
    serve = sub.add_parser("serve", help="serve the app with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--workers", type=int, default=1)
    run = sub.add_parser("run", help="migrate, seed the demo, start the Stripe sandbox and serve")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=0)
    run.add_argument("--workers", type=int, default=1)
    sub.add_parser("sandbox", help="serve the offline Stripe sandbox", add_help=False)
    sub.add_parser("routes", help="print every route with its handler (Litestar's routes command)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `payport` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:
        _sandbox(argv[1:])
        return
    if argv[:1] == ["routes"]:
        _routes(argv[1:])
        return
    args = _parser().parse_args(argv)
    try:
        get_settings()
    except SettingsError as exc:
        raise SystemExit(str(exc)) from None
    if args.command == "migrate":
        asyncio.run(_migrate())
    elif args.command == "seed":
        _seed_with_sandbox()
    elif args.command == "reconcile":
        asyncio.run(_reconcile())
    elif args.command == "ledger":
        asyncio.run(_ledger_check(max(1, min(args.days, 366)), args.vendor))
    elif args.command == "stripe":
        asyncio.run(_stripe_check())
    elif args.command == "rotate-secrets":
        asyncio.run(_rotate_secrets())
    elif args.command in ("backup", "restore"):
        _backup(args)
    elif args.command == "serve":
        _serve(args)
    elif args.command == "run":
        _run(args)


if __name__ == "__main__":
    main()
