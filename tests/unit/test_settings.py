"""Settings come from the environment and bad values are reported clearly, all at once."""

import pytest
from argon2 import profiles

from app.settings import SettingsError, load_settings


def _env(monkeypatch, tmp_path, **values):
    for name in ("DATABASE_URL", "SECRET_KEY", "APP_BASE_URL", "ALLOWED_HOSTS", "PORT", "PLATFORM_FEE_PERCENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAYPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAYPORT_ENV", values.pop("PAYPORT_ENV", "development"))
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_defaults_use_sqlite_in_data_dir_and_keep_a_generated_secret(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path)
    first = load_settings()
    assert first.database_url == f"sqlite:///{tmp_path / 'payport.sqlite3'}"
    assert not first.is_postgres
    assert len(first.secret_key) >= 32
    assert load_settings().secret_key == first.secret_key, "the dev secret must survive restarts"


def test_postgres_url_switches_engine(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert load_settings().is_postgres


def test_production_requires_secret_key(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path, PAYPORT_ENV="production")
    with pytest.raises(SettingsError, match="SECRET_KEY: required when PAYPORT_ENV=production"):
        load_settings()


def test_every_bad_value_is_listed(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path, DATABASE_URL="mysql://x", APP_BASE_URL="not a url", PORT="eighty",
         SECRET_KEY="short", PLATFORM_FEE_PERCENT="lots")
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    for name in ("DATABASE_URL", "APP_BASE_URL", "PORT", "SECRET_KEY", "PLATFORM_FEE_PERCENT"):
        assert f"{name}:" in message


def test_https_base_url_makes_cookies_secure_and_allows_its_host(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path, APP_BASE_URL="https://billing.example.com")
    settings = load_settings()
    assert settings.secure_cookies
    assert "billing.example.com" in settings.allowed_hosts


def test_only_test_mode_hashes_passwords_cheaply(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path, PAYPORT_ENV="test")
    assert load_settings().argon2_parameters == profiles.CHEAPEST
    for env in ("development", "production"):
        _env(monkeypatch, tmp_path, PAYPORT_ENV=env, SECRET_KEY="x" * 40)
        params = load_settings().argon2_parameters
        assert params == profiles.RFC_9106_LOW_MEMORY and params.memory_cost == 65536


def test_operations_settings_are_read_and_checked(monkeypatch, tmp_path):
    old = "an-earlier-secret-key-0123456789abcdef"
    _env(monkeypatch, tmp_path, PAYPORT_METRICS_TOKEN="scrape-token-0123456789", PAYPORT_LOG_FORMAT="json",
         PAYPORT_OLD_SECRET_KEYS=f"{old}, {old[::-1]} ,", OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318")
    settings = load_settings()
    assert settings.metrics_token == "scrape-token-0123456789" and settings.log_format == "json"
    assert settings.old_secret_keys == (old, old[::-1]) and settings.otel_endpoint == "http://127.0.0.1:4318"
    _env(monkeypatch, tmp_path, PAYPORT_METRICS_TOKEN="short", PAYPORT_LOG_FORMAT="xml", PAYPORT_OLD_SECRET_KEYS="tiny")
    with pytest.raises(SettingsError) as info:
        load_settings()
    for name in ("PAYPORT_METRICS_TOKEN", "PAYPORT_LOG_FORMAT", "PAYPORT_OLD_SECRET_KEYS"):
        assert f"{name}:" in str(info.value)
