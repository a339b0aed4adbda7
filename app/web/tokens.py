"""Signed-in users' GitHub tokens, encrypted before they reach the store.

A copy of the database (a backup, a replica, a leaked dump) must not hand out tokens that read
private repositories. Tokens are sealed with Fernet (AES-128-CBC and HMAC-SHA256, from
`cryptography`) under a key derived with HKDF-SHA256 from TOKEN_KEY, or from GITHUB_CLIENT_SECRET
when TOKEN_KEY is unset; a token sealed under another key, or stored before tokens were sealed,
opens as None and its session simply signs out.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.settings import Settings

SEALED_PREFIX = "f1:"


def _fernet(settings: Settings) -> Fernet:
    secret = settings.token_key or settings.github_client_secret or settings.github_webhook_secret
    return _fernet_for(secret.get_secret_value().encode())


@lru_cache(maxsize=4)  # every signed-in page view opens a token: derive the key once
def _fernet_for(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"openwashing user tokens").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(settings: Settings, token: str) -> str:
    return SEALED_PREFIX + _fernet(settings).encrypt(token.encode()).decode()


def open_sealed(settings: Settings, sealed: str) -> str | None:
    if not sealed.startswith(SEALED_PREFIX):
        return None
    try:
        return _fernet(settings).decrypt(sealed.removeprefix(SEALED_PREFIX).encode()).decode()
    except (InvalidToken, ValueError):
        return None
