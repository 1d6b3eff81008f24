"""Secrets at rest (Stripe keys, webhook signing secrets): Fernet with keys derived from SECRET_KEY.

PAYPORT_OLD_SECRET_KEYS lists earlier SECRET_KEYs: what they encrypted still decrypts, new writes use the current
key, and `payport rotate-secrets` re-encrypts every stored secret with the current key (README, "Key rotation").
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.settings import get_settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted: SECRET_KEY changed and the old key is not in PAYPORT_OLD_SECRET_KEYS."""


def _fernet(secret_key: str) -> Fernet:
    # A separate derived key per purpose: the same SECRET_KEY also signs CSRF tokens.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"payport-secrets-v1", info=b"stripe").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


@lru_cache(maxsize=4)
def _keys(current: str, old: tuple[str, ...]) -> MultiFernet:
    # MultiFernet encrypts with the first key and tries each in turn to decrypt.
    return MultiFernet([_fernet(current), *(_fernet(key) for key in old)])


def _configured() -> MultiFernet:
    settings = get_settings()
    return _keys(settings.secret_key, settings.old_secret_keys)


def encrypt(plain: str) -> str:
    """Encrypt a secret for storage with the current key (authenticated, with a random IV)."""
    return _configured().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The secret stored by encrypt(), under the current or an old key; raises SecretUnreadable otherwise."""
    try:
        return _configured().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("A stored Stripe secret cannot be decrypted; was SECRET_KEY changed without "
                               "listing the old one in PAYPORT_OLD_SECRET_KEYS?") from exc


def reencrypt(token: str) -> str:
    """The same secret encrypted with the current key; raises SecretUnreadable when no configured key reads it."""
    try:
        return _configured().rotate(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("no configured key decrypts it") from exc
