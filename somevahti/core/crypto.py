"""Encryption at rest for platform tokens and other secrets (Fernet, several keys).

Keys come from ``SOMEVAHTI_ENCRYPTION_KEYS`` (newest first) or the file
``var/encryption_keys`` (one per line, generated on first use). The newest key encrypts;
all keys decrypt, so a new key can be added before old values are re-encrypted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """The value was encrypted with a key this installation no longer has."""


def _file() -> Path:
    return Path(settings.ENCRYPTION_KEYS_FILE)


def keys() -> list[bytes]:
    if settings.ENCRYPTION_KEYS_ENV:
        return [k.strip().encode() for k in settings.ENCRYPTION_KEYS_ENV.split(",") if k.strip()]
    path = _file()
    if not path.exists():
        write_key_file([Fernet.generate_key()])
    return [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]


def keys_from_env() -> bool:
    return bool(settings.ENCRYPTION_KEYS_ENV)


def write_key_file(new_keys: list[bytes]) -> None:
    """Replace the key file atomically (write, fsync, rename) with owner-only permissions."""
    path = _file()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(k.decode() for k in new_keys) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys()])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable from None


def encrypt_json(value: dict[str, Any]) -> str:
    return encrypt(json.dumps(value, separators=(",", ":")))


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    data = json.loads(decrypt(token))
    return data if isinstance(data, dict) else {}


def rotate(token: str) -> str:
    """The same value re-encrypted with the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable from None
