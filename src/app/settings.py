"""Every setting, read once from the environment, typed and validated."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from argon2 import Parameters, profiles

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """One or more environment variables hold a value the app cannot run with."""


@dataclass(frozen=True)
class Settings:
    """The app's configuration; build it with `load_settings()`."""

    env: str
    data_dir: Path
    database_url: str
    secret_key: str
    app_base_url: str
    allowed_hosts: tuple[str, ...]
    port: int
    stripe_secret_key: str
    stripe_api_base: str
    stripe_webhook_secret: str
    stripe_connect_webhook_secret: str
    platform_fee_percent: Decimal
    platform_fee_fixed: int
    smtp_url: str
    mail_from: str
    stripe_reconcile_seconds: int = 300
    live_backend: str = "auto"
    mail_worker: bool = True
    mail_poll_seconds: float = 2.0
    reminder_interval_seconds: float = 60.0
    # How often each app process looks for autopay retries that are due.
    autopay_retry_seconds: int = 60
    recurring_tick_seconds: float = 60.0
    # Connect refunds: whether the platform gives its application fee back in proportion to the refund.
    refund_application_fee: bool = False
    # Logins (emails) of whoever runs this PayPort: they see the platform's Stripe check in Settings.
    platform_admins: tuple[str, ...] = ()
    # Bearer token for GET /metrics; empty: the route does not exist.
    metrics_token: str = ""
    # "text" (Litestar's default lines) or "json" (one JSON object a line, with the request id).
    log_format: str = "text"
    # OpenTelemetry traces go to this OTLP/HTTP collector; empty: no tracing at all.
    otel_endpoint: str = ""
    # Earlier SECRET_KEYs: stored secrets encrypted with them still decrypt (until `payport rotate-secrets`).
    old_secret_keys: tuple[str, ...] = ()
    # /readyz gives each check this long: a load balancer's probe must answer fast even when the database hangs.
    ready_check_seconds: float = 0.04
    # /api/v1: requests each API key may make per window (429 with Retry-After beyond), counted per process.
    api_rate_limit: int = 100
    api_rate_window_seconds: float = 10.0
    # Outgoing webhooks: the in-process delivery worker (off in unit tests, which deliver by hand).
    webhook_worker: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def live_over_postgres(self) -> bool:
        """Fan live updates out through Postgres LISTEN/NOTIFY (the default on PostgreSQL)."""
        return self.live_backend == "postgres" or (self.live_backend == "auto" and self.is_postgres)

    @property
    def secure_cookies(self) -> bool:
        return self.app_base_url.startswith("https://")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def argon2_parameters(self) -> Parameters:
        """Password hashing cost: argon2-cffi's cheapest profile in tests, its RFC 9106 default elsewhere."""
        # Tests sign hundreds of vendors up; full-cost hashing was most of the unit suite's time.
        return profiles.CHEAPEST if self.env == "test" else profiles.RFC_9106_LOW_MEMORY


def _data_dir(errors: list[str]) -> Path:
    raw = os.environ.get("PAYPORT_DATA_DIR", str(PROJECT_ROOT / "data"))
    path = Path(raw).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        errors.append(f"PAYPORT_DATA_DIR: cannot create {path}: {exc.strerror}")
    return path


def _database_url(data_dir: Path, errors: list[str]) -> str:
    raw = os.environ.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{data_dir / 'payport.sqlite3'}"
    if raw.startswith(("postgres://", "postgresql://", "sqlite:///")):
        return raw
    errors.append("DATABASE_URL: must start with postgres://, postgresql:// or sqlite:///")
    return raw


def _secret_key(env: str, data_dir: Path, errors: list[str]) -> str:
    raw = os.environ.get("SECRET_KEY", "")
    if raw:
        if len(raw) < 32:
            errors.append("SECRET_KEY: must be at least 32 characters")
        return raw
    if env == "production":
        errors.append("SECRET_KEY: required when PAYPORT_ENV=production")
        return ""
    # A development key is generated once and kept, so sessions survive restarts.
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _base_url(port: int, errors: list[str]) -> str:
    raw = os.environ.get("APP_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.append("APP_BASE_URL: must be an absolute http(s) URL such as https://billing.example.com")
    return raw


def _allowed_hosts(base_url: str, port: int) -> tuple[str, ...]:
    raw = os.environ.get("ALLOWED_HOSTS", "")
    if raw.strip():
        hosts = [h.strip() for h in raw.split(",") if h.strip()]
    else:
        hosts = [urlsplit(base_url).hostname or "localhost", "127.0.0.1", "localhost"]
    # Litestar matches the Host header whole, port included.
    ports = {port, urlsplit(base_url).port}
    with_ports = [f"{h}:{p}" for h in hosts for p in ports if p and h != "*" and ":" not in h]
    return tuple(dict.fromkeys(hosts + with_ports))


def _int(name: str, default: int, errors: list[str], minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"{name}: must be a whole number, got {raw!r}")
        return default
    if value < minimum:
        errors.append(f"{name}: must be at least {minimum}, got {value}")
    return value


def _percent(name: str, errors: list[str]) -> Decimal:
    raw = os.environ.get(name, "").strip() or "0"
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(f"{name}: must be a number such as 2.5, got {raw!r}")
        return Decimal(0)
    if not Decimal(0) <= value < Decimal(100):
        errors.append(f"{name}: must be between 0 and 100, got {raw}")
    return value


def _choice(name: str, allowed: tuple[str, ...], errors: list[str]) -> str:
    value = os.environ.get(name, "").strip() or allowed[0]
    if value not in allowed:
        errors.append(f"{name}: must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _seconds(name: str, default: float, errors: list[str]) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if value <= 0:
        errors.append(f"{name}: must be a positive number of seconds, got {raw!r}")
        return default
    return value
def _seconds_or_off(name: str, default: float, errors: list[str]) -> float:
    """Like _seconds, but 0 is allowed and means off."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if value < 0 or value != value:
        errors.append(f"{name}: must be 0 (off) or a positive number of seconds, got {raw!r}")
        return default
    return value


def _flag(name: str, errors: list[str]) -> bool:
    value = os.environ.get(name, "").strip().lower() or "0"
    if value not in ("0", "1", "true", "false", "yes", "no"):
        errors.append(f"{name}: must be 1 or 0, got {value!r}")
    return value in ("1", "true", "yes")


def _metrics_token(errors: list[str]) -> str:
    token = os.environ.get("PAYPORT_METRICS_TOKEN", "").strip()
    if token and len(token) < 16:
        errors.append("PAYPORT_METRICS_TOKEN: must be at least 16 characters")
    return token


def _old_secret_keys(errors: list[str]) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in os.environ.get("PAYPORT_OLD_SECRET_KEYS", "").split(",") if k.strip())
    if any(len(k) < 32 for k in keys):
        errors.append("PAYPORT_OLD_SECRET_KEYS: each key must be at least 32 characters (comma separated)")
    return keys


def _env(errors: list[str]) -> str:
    env = os.environ.get("PAYPORT_ENV", "development")
    if env not in ("development", "test", "production"):
        errors.append(f"PAYPORT_ENV: must be development, test or production, got {env!r}")
    return env


def load_settings() -> Settings:
    """Read and validate the environment; raise SettingsError listing every bad value."""
    errors: list[str] = []
    env = _env(errors)
    data_dir = _data_dir(errors)
    port = _int("PORT", 8000, errors, minimum=1)
    base_url = _base_url(port, errors)
    settings = Settings(
        env=env,
        data_dir=data_dir,
        database_url=_database_url(data_dir, errors),
        secret_key=_secret_key(env, data_dir, errors),
        app_base_url=base_url,
        allowed_hosts=_allowed_hosts(base_url, port),
        port=port,
        stripe_secret_key=os.environ.get("STRIPE_SECRET_KEY", ""),
        stripe_api_base=os.environ.get("STRIPE_API_BASE", "").rstrip("/"),
        stripe_webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        stripe_connect_webhook_secret=os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET", ""),
        platform_fee_percent=_percent("PLATFORM_FEE_PERCENT", errors),
        platform_fee_fixed=_int("PLATFORM_FEE_FIXED", 0, errors),
        smtp_url=os.environ.get("SMTP_URL", ""),
        mail_from=os.environ.get("MAIL_FROM", "PayPort <billing@payport.local>"),
        # Periodic comparison with Stripe; 0 turns it off (the default in tests, which run it by hand).
        stripe_reconcile_seconds=_int("STRIPE_RECONCILE_SECONDS", 0 if env == "test" else 300, errors),
        live_backend=_choice("PAYPORT_LIVE_BACKEND", ("auto", "memory", "postgres"), errors),
        mail_worker=os.environ.get("PAYPORT_MAIL_WORKER", "1") != "0",
        mail_poll_seconds=_seconds("PAYPORT_MAIL_POLL_SECONDS", 2.0, errors),
        reminder_interval_seconds=_seconds("PAYPORT_REMINDER_INTERVAL_SECONDS", 60.0, errors),
        # 0 turns the retry task off (the default in tests, which run retries by hand).
        autopay_retry_seconds=_int("PAYPORT_AUTOPAY_RETRY_SECONDS", 0 if env == "test" else 60, errors),
        # How often the recurring scheduler looks for due periods; 0 turns it off (the default in tests).
        recurring_tick_seconds=_seconds_or_off("PAYPORT_RECURRING_TICK_SECONDS", 0.0 if env == "test" else 60.0, errors),
        refund_application_fee=_flag("PLATFORM_REFUND_APPLICATION_FEE", errors),
        platform_admins=tuple(
            e.strip().lower() for e in os.environ.get("PLATFORM_ADMIN_EMAILS", "").split(",") if e.strip()
        ),
        metrics_token=_metrics_token(errors),
        log_format=_choice("PAYPORT_LOG_FORMAT", ("text", "json"), errors),
        otel_endpoint=os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip(),
        old_secret_keys=_old_secret_keys(errors),
        ready_check_seconds=_seconds("PAYPORT_READY_CHECK_SECONDS", 0.04, errors),
        api_rate_limit=_int("PAYPORT_API_RATE_LIMIT", 100, errors, minimum=1),
        api_rate_window_seconds=_seconds("PAYPORT_API_RATE_WINDOW_SECONDS", 10.0, errors),
        webhook_worker=os.environ.get("PAYPORT_WEBHOOK_WORKER", "1") != "0",
    )
    if errors:
        raise SettingsError("Invalid configuration:\n  " + "\n  ".join(errors))
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated on first use."""
    return load_settings()
