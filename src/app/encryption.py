"""Secrets at rest (Stripe keys, webhook signing secrets): Fernet with a key derived from SECRET_KEY."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.settings import get_settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted: SECRET_KEY changed since it was saved."""


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    # A separate derived key per purpose: the same SECRET_KEY also signs CSRF tokens.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"payport-secrets-v1", info=b"stripe").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plain: str) -> str:
    """Encrypt a secret for storage (authenticated, with a random IV)."""
    return _fernet(get_settings().secret_key).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The secret stored by encrypt(); raises SecretUnreadable if it cannot be read."""
    try:
        return _fernet(get_settings().secret_key).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("A stored Stripe secret cannot be decrypted; was SECRET_KEY changed?") from exc
